#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# veth.sh [PLAN | gen:CLUSTERS] - ringguard against the nftables ruleset a
# user would write for the same job, end to end through veth: CPU cost per
# packet, pass path and drop path, ingress and egress of a mesh interface.
# It prints numbers and does not judge them. It exits 1 only when the bench
# cannot run, or when a filter's verdicts or counters disagree with the plan.
#
#   PLAN          a plan file (default maps/sol.plan); gen:CLUSTERS generates
#                 one shaped like the users' (gen:400 = 12,402 entries)
#   OUT=DIR       build output with ringguard and rg-veth-gen (default .output)
#   RESULTS=FILE  append the table there too
#   PKTS=N        frames per measured run (default 400000), each after WARM=N
#                 (default 20000) unmeasured ones
#   RUNS=N        rounds (default 5); each round runs every case with every
#                 filter, back to back, in an order rotated per round
#   PROBES_MAX=N  flattened ranges probed in the verdict check (default 2000)
#   CPU=N         CPU the generator (and so the whole veth path) runs on
#   PIN_DIR=DIR   ringguard's pin dir (default /sys/fs/bpf/rg-veth-bench)
#   KEEP_TMP=1    keep the work directory (ruleset, probes, captures, raw runs)
#
# Topology: two network namespaces, "host" and "peer", joined by one veth
# pair per filter, all alike (MTU 9000 like the mesh):
#  - no filter;
#  - nftables: table netdev, chains on hook ingress and hook egress of that
#    pair's host end;
#  - nftables vmap: the same job written with verdict maps (below);
#  - ringguard: `attach --mesh IF --mode enforce`, XDP in, tc out;
#  - an XDP program that only returns XDP_PASS: what XDP on veth costs by
#    itself.
# Every filter stays attached for the whole bench, so runs of the different
# filters alternate at the finest grain and each round's runs are compared
# with each other. That is what makes the numbers stable on a shared, noisy
# machine. The kernel's "any ingress/egress hook present" static keys are
# global, so the no-filter pair pays their few-ns check; a real host with
# any filter does too. Nothing touches the host's own interfaces, routes,
# firewall or /sys/fs/bpf/ringguard: pins go to PIN_DIR, nft tables live in
# the bench's namespaces, and a trap removes namespaces and pins on any
# exit, Ctrl-C included.
#
# The ruleset (details in tools/bench/veth-gen.c) comes from compiling the
# plan with ringguard's own parser (rg_plan_parse). That parser gives every
# trie entry its bucket and a "breaks on role" bit, and the longest match
# decides. nft interval sets reject overlapping elements, so the
# longest-match trie is flattened into disjoint ranges.
#  - Counting sets src6/dst6, plus src4/dst4 for the IPv4 pools. They have one
#    element per range and the `counter` flag, so they give per-bucket source
#    and destination counters. Each element's comment names its bucket.
#  - The drop set mesh_break6 holds the ranges that break the plan on mesh
#    (the external zone minus the `allow mesh` prefixes), merged. It takes
#    one lookup per address. An exception set matched before the zone rule
#    would take two, because a frame breaks the plan when its source OR its
#    destination does.
#  - A chain-level `counter` stands for ringguard's per-interface counters.
#  - That is four lookups per IPv6 frame. "nftables vmap" is the ruleset of
#    a user who optimises: verdict maps src6/dst6 whose elements carry the
#    counter and the verdict (drop or continue), so one lookup per address
#    does both, two per frame. There, a frame whose source breaks the plan
#    is dropped before its destination is counted.
# VLAN-tagged frames are out of scope. ringguard parses two tags; this
# ruleset, like most, would need vlan rules to see them.
#
# Generators: this kernel has no pktgen, so rg-veth-gen drives the frames,
# pinned to one CPU, 64-byte frames. Ingress is measured with frames
# arriving on the host end in both ways a veth receives them:
#  - "ingress skb" (a container's stack sending into its veth): an AF_PACKET
#    socket on the peer end, sendmmsg in batches of 64, PACKET_QDISC_BYPASS.
#    Frames reach the host end as skbs, so veth must copy each one into a
#    page for XDP (the "XDP_PASS floor" row shows what that costs), while nft
#    ingress sees the skb as it is.
#  - "ingress xdp" (the way a NIC driver receives): BPF_PROG_TEST_RUN with
#    BPF_F_TEST_XDP_LIVE_FRAMES runs a program that redirects every frame
#    into the peer end, in batches of 64. The frames land on the host end's
#    ring as XDP frames. Its NAPI poll runs XDP on them in place, or builds
#    the skb that nft and the stack get. GRO is on for the host ends during
#    these runs (that is what turns on NAPI without XDP) and off otherwise.
# Egress frames go out of the host end through tc vs nft netdev egress, from
# an AF_PACKET socket, one sendto per frame. A frame dropped at the egress
# hook fails its send with ENOBUFS, which would cut a sendmmsg batch, so
# batches would differ between pass and drop. The frames carry a destination
# MAC that no interface has, so the receiving stack discards whatever passes
# the filter at once (PACKET_OTHERHOST, counted in rx_otherhost_dropped).
# That gives every case the same cheap sink.
#
# CPU: the veth path runs synchronously on the sending CPU (softirq on
# bottom-half enable), and this kernel has no IRQ-time accounting, so the
# generator thread's exact CPU time (CLOCK_THREAD_CPUTIME_ID) includes the
# receive path. ksoftirqd and napi kernel threads are added for any work
# deferred to them (schedstat, exact). This measure ignores other load on
# the machine. /proc/stat is reported beside it as a cross-check: the
# generator's CPU, every field but idle and iowait, in 10 ms ticks. The
# all-CPU sum is in the raw file.
#  - ns/pkt = CPU / frames.
#  - filter = the run minus the same round's no-filter run, median over
#    rounds.
#  - On the drop path that difference is the filter's cost minus the work
#    it saves downstream: without a filter the frame still goes through the
#    receive path to the sink. So it can be small or negative.
#
# Verdicts are checked, not assumed. Before measuring, each filter gets probe
# frames, and so does the no-filter pair, as a control of the observers.
#  - Probe addresses: both ends and the middle of every flattened range, each
#    used as source and as destination, plus unplanned and link-local ones.
#  - Frames that pass ingress are seen after the hook by an nflog rule on
#    PREROUTING. Frames that pass egress are seen by a capture on the peer.
#  - Both filters must pass exactly the frames the plan says. The expected
#    set comes from a linear longest-match over the compiled entries,
#    independent of the flattening.
# Every measured run then checks that:
#  - the sink saw all frames (pass) or none (drop);
#  - the filter's own counters saw every frame: ringguard `stats -j`
#    interface packets and dropped; nft the chain counter and the
#    mesh_break (or drop-verdict) element counters.
# At the end the bench checks that the buckets of the two source addresses
# counted every measured frame: ringguard `stats -j` buckets, and nft the
# elements carrying the bucket's name.
# A failed check shows as MISMATCH in the table, and the bench exits 1.
#
# A run takes about 2.5 minutes on maps/sol.plan (2 vCPUs). gen:400 takes
# about 4: reading its large counter tables between runs is what costs.
#
# Debian packages: nftables, iproute2, tcpdump, jq, util-linux (nsenter),
# and, to build, what tools/deps.sh installs.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$TOP/.output}
RG=$(realpath -m "$OUT/ringguard")
GEN=$(realpath -m "$OUT/rg-veth-gen")
PLAN_ARG=${1:-$TOP/maps/sol.plan}
PKTS=${PKTS:-400000}
WARM=${WARM:-20000}
RUNS=${RUNS:-5}
PROBES_MAX=${PROBES_MAX:-2000}
PIN_DIR=${PIN_DIR:-/sys/fs/bpf/rg-veth-bench}
CPU=${CPU:-$(($(nproc) - 1))}
RESULTS=${RESULTS:-}

ID="rgv$$"
NSH="${ID}h"	# the host: the mesh interfaces, with the filters
NSP="${ID}p"	# its mesh peer
CFGS=(none nft nftv rg xdp)
declare -A IFH IFP MACH CODE=([none]=n [nft]=f [nftv]=v [rg]=r [xdp]=x) TABLES=([nft]=rgveth [nftv]=rgvethv)
for i in "${!CFGS[@]}"; do
	c=${CFGS[$i]}
	IFH[$c]="${ID}${CODE[$c]}h"
	IFP[$c]="${ID}${CODE[$c]}p"
	MACH[$c]="02:52:47:76:0$i:02"
done
NFLOG=7
declare -A TOOL=([nft]=1 [nftv]=1 [rg]=1)	# the filters that drop
TMP=$(mktemp -d /tmp/rg-veth-bench.XXXXXX)
BGPIDS=()
NETNS_PIN=

die() { echo "veth.sh: $*" >&2; exit 1; }
inh() { nsenter --net="/run/netns/$NSH" "$@"; }
inp() { nsenter --net="/run/netns/$NSP" "$@"; }
rg() { inh "$RG" --pin-dir "$PIN_DIR" "$@"; }

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
	local p
	trap - EXIT INT TERM
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	if [ -e "/run/netns/$NSH" ]; then
		rg detach >/dev/null 2>&1
		inh nft flush ruleset 2>/dev/null
	fi
	ip netns del "$NSH" 2>/dev/null
	ip netns del "$NSP" 2>/dev/null
	[ -n "$NETNS_PIN" ] && rm -rf "$NETNS_PIN"
	rmdir "$PIN_DIR" 2>/dev/null
	if [ -n "${KEEP_TMP:-}" ]; then echo "veth.sh: kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'echo "veth.sh: interrupted" >&2; exit 130' INT TERM

# --- preflight -----------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root"
for c in nft:nftables ip:iproute2 tcpdump:tcpdump jq:jq nsenter:util-linux; do
	command -v "${c%%:*}" >/dev/null ||
		die "missing ${c%%:*}: install the Debian package ${c#*:} (apt-get install ${c#*:})"
done
{ [ -x "$RG" ] && [ -x "$GEN" ]; } ||
	die "build first: make $OUT/ringguard $OUT/rg-veth-gen (OUT=$OUT)"
[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || die "no bpffs at /sys/fs/bpf"
case "$PLAN_ARG" in
gen:*)
	PLAN="$TMP/gen-${PLAN_ARG#gen:}.plan"
	"$GEN" plan "${PLAN_ARG#gen:}" > "$PLAN" || die "cannot generate $PLAN_ARG"
	PLAN_LABEL="$PLAN_ARG"
	;;
*)
	PLAN=$(realpath "$PLAN_ARG") || die "no plan $PLAN_ARG"
	PLAN_LABEL=$(basename "$PLAN")
	;;
esac
"$RG" plan check "$PLAN" >/dev/null || die "$PLAN: the plan does not check"
FLOWS=$("$GEN" flows "$PLAN") || die "cannot pick flows from $PLAN"
eval "$FLOWS"
t_start=$(date +%s)

# --- topology ------------------------------------------------------------------
{ ip netns add "$NSH" && ip netns add "$NSP"; } || die "cannot create namespaces"
for ns in "$NSH" "$NSP"; do
	# quiet: no router solicitations, no link-local addresses (no DAD, no
	# MLD), so the counters see only the bench's frames
	nsenter --net="/run/netns/$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.default.accept_dad=0
	nsenter --net="/run/netns/$ns" ip link set lo up
done
for i in "${!CFGS[@]}"; do
	c=${CFGS[$i]}
	ip link add "${IFH[$c]}" netns "$NSH" mtu 9000 address "${MACH[$c]}" type veth \
		peer name "${IFP[$c]}" netns "$NSP" mtu 9000 address "02:52:47:76:0$i:01" ||
		die "cannot create the veth pairs"
	inh ip link set "${IFH[$c]}" up
	inp ip link set "${IFP[$c]}" up
done

{ "$GEN" nft "$PLAN" "${IFH[nft]}" "${TABLES[nft]}" > "$TMP/ruleset.nft" 2> "$TMP/ruleset.info" &&
	"$GEN" nft "$PLAN" "${IFH[nftv]}" "${TABLES[nftv]}" --vmap > "$TMP/ruleset-vmap.nft" \
		2> "$TMP/ruleset-vmap.info"; } ||
	die "cannot generate the rulesets"
NFT_INFO=$(sed 's/^nft: //' "$TMP/ruleset.info")
NFTV_INFO=$(sed 's/^nft: .*; //' "$TMP/ruleset-vmap.info")
BREAKSETS="mesh_break6"
grep -q 'set mesh_break4' "$TMP/ruleset.nft" && BREAKSETS="$BREAKSETS mesh_break4"
SRCMAPS="src6"
grep -q 'map src4' "$TMP/ruleset-vmap.nft" && SRCMAPS="$SRCMAPS src4"

# --- filters: attached once, for the whole bench ---------------------------------
t0=$(date +%s%N)
inh nft -f "$TMP/ruleset.nft" || die "nft rejected the generated ruleset (KEEP_TMP=1 keeps it)"
NFT_LOAD_MS=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
inh nft -f "$TMP/ruleset-vmap.nft" || die "nft rejected the generated vmap ruleset (KEEP_TMP=1 keeps it)"
NFTV_LOAD_MS=$((($(date +%s%N) - t0) / 1000000))
t0=$(date +%s%N)
rg attach --plan "$PLAN" --mesh "${IFH[rg]}" --mode enforce > "$TMP/attach.out" 2>&1 ||
	die "ringguard attach failed: $(cat "$TMP/attach.out")"
RG_ATTACH_MS=$((($(date +%s%N) - t0) / 1000000))
NETNS_PIN=$(rg -j status | jq -r .pin_dir)
NETNS_PIN=${NETNS_PIN#/proc/*/root}
case "$NETNS_PIN" in "$PIN_DIR"/*) ;; *) die "unexpected pin dir $NETNS_PIN" ;; esac
inh "$GEN" xdp-floor "${IFH[xdp]}" || die "cannot attach the XDP floor"

# tool_counters CFG -> "hook_in hook_out dropped", as the filter counts them
tool_counters() {
	local t=${TABLES[$1]:-} i o d=0 s
	case $1 in
	nft | nftv)
		i=$(inh nft -j list chain netdev "$t" in | jq '[.nftables[].rule? // empty | .expr[0].counter.packets // empty][0]')
		o=$(inh nft -j list chain netdev "$t" out | jq '[.nftables[].rule? // empty | .expr[0].counter.packets // empty][0]')
		if [ "$1" = nft ]; then
			for s in $BREAKSETS; do
				d=$((d + $(inh nft -j list set netdev "$t" "$s" |
					jq '[.nftables[].set? // empty | .elem[]?.elem.counter.packets] | add // 0')))
			done
		else
			# drops: the counters of the source elements whose verdict is
			# drop (the measured drop frames break the plan by their
			# source, and the source lookup comes first)
			for s in $SRCMAPS; do
				d=$((d + $(inh nft -j list map netdev "$t" "$s" |
					jq '[.nftables[].map? // empty | .elem[]? | select(.[1] | has("drop")) | .[0].elem.counter.packets] | add // 0')))
			done
		fi
		echo "$i $o $d"
		;;
	rg)
		rg -j stats | jq -r --arg n "${IFH[rg]}" \
			'.interfaces[] | select(.name == $n) | "\(.in.packets) \(.out.packets) \(.in.dropped + .out.dropped)"'
		;;
	*) echo "0 0 0" ;;
	esac
}
# bucket CFG NAME: source packets of a bucket, as the filter counts them
# (the source address family picks the nft set)
bucket() {
	local t=${TABLES[$1]:-} f=6
	case "$PASS_SRC$DROP_SRC" in *:*) ;; *) f=4 ;; esac
	case $1 in
	nft)
		inh nft -j list set netdev "$t" "src$f" | jq --arg b "$2" \
			'[.nftables[].set? // empty | .elem[]? | select(.elem.comment == $b) | .elem.counter.packets] | add // 0' ;;
	nftv)
		inh nft -j list map netdev "$t" "src$f" | jq --arg b "$2" \
			'[.nftables[].map? // empty | .elem[]? | select(.[0].elem.comment == $b) | .[0].elem.counter.packets] | add // 0' ;;
	rg)
		rg -j stats | jq --arg b "$2" '[.buckets[] | select(.name == $b)][0].src.packets' ;;
	esac
}

# sink CFG DIR: otherhost drops on the receiving end, frames past the filter
sink() {
	if [ "$2" != out ]; then inh "$GEN" ifstats "${IFH[$1]}"; else inp "$GEN" ifstats "${IFP[$1]}"; fi |
		sed -E 's/.*rx_otherhost=([0-9]+).*/\1/'
}

# gro on|off: on every host end
gro() {
	local c
	for c in "${CFGS[@]}"; do inh "$GEN" gro "${IFH[$c]}" "$1" || die "cannot set GRO"; done
}

# --- verdict check -------------------------------------------------------------
"$GEN" probes "$PLAN" "$PROBES_MAX" "$PASS_DST" "$NEUTRAL4" 2> "$TMP/probes.info" |
	sort -u > "$TMP/probes" || die "cannot make probes"
for f in "$PASS_SRC $PASS_DST pass" "$DROP_SRC $DROP_DST drop"; do
	grep -qx "$f" "$TMP/probes" || echo "$f" >> "$TMP/probes"
done
awk '$3 == "pass" { print $1, $2 }' "$TMP/probes" | sort -u > "$TMP/expect.pass"
awk '{ print $1, $2 }' "$TMP/probes" | sort -u > "$TMP/expect.all"
NPROBES=$(wc -l < "$TMP/probes")
NPASS=$(wc -l < "$TMP/expect.pass")

# observe CFG DIR: send every probe once through CFG's pair, print the
# frames seen past the hook
observe() {
	local cfg=$1 dir=$2 pcap="$TMP/obs-$1-$2.pcap" err="$TMP/tcpdump-$1-$2.err" pid i
	if [ "$dir" = in ]; then
		inh nft -f - <<-EOF || die "cannot add the nflog observer"
		table inet rgvethobs {
			chain pre {
				type filter hook prerouting priority -300; policy accept;
				iifname "${IFH[$cfg]}" log group $NFLOG queue-threshold 1
			}
		}
		EOF
		nsenter --net="/run/netns/$NSH" tcpdump --immediate-mode -B 16384 -Z root -i "nflog:$NFLOG" \
			-n -U -w "$pcap" 2> "$err" &
	else
		nsenter --net="/run/netns/$NSP" tcpdump --immediate-mode -B 16384 -Z root -i "${IFP[$cfg]}" \
			-Q in -n -U -w "$pcap" 2> "$err" &
	fi
	pid=$!
	BGPIDS+=("$pid")
	for i in $(seq 50); do
		grep -q listening "$err" 2>/dev/null && break
		sleep 0.1
	done
	grep -q listening "$err" 2>/dev/null || die "tcpdump did not start: $(cat "$err" 2>/dev/null)"
	if [ "$dir" = in ]; then
		# addressed to the host end, so they reach PREROUTING
		inp "$GEN" sendlist "${IFP[$cfg]}" "$TMP/probes" --dmac "${MACH[$cfg]}" > /dev/null
	else
		inh "$GEN" sendlist "${IFH[$cfg]}" "$TMP/probes" > /dev/null
	fi || die "sendlist failed"
	sleep 1
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	[ "$dir" = in ] && inh nft delete table inet rgvethobs
	tcpdump -r "$pcap" -n -t 2>/dev/null |
		awk '/no next header|ip-proto-253/ { sub(/:$/, "", $4); print $2, $4 }' | sort -u
}

declare -A VERDICT
VERDICT_OK=1
echo "veth.sh: checking verdicts ($NPROBES probe frames, $NPASS should pass) ..." >&2
for cfg in none nft nftv rg; do
	for dir in in out; do
		want="$TMP/expect.pass"
		[ "$cfg" = none ] && want="$TMP/expect.all"
		# an observer can lose a frame on a loaded machine, a filter's
		# verdict is the same every time: look again before calling it
		for _ in 1 2 3; do
			observe "$cfg" "$dir" > "$TMP/seen-$cfg-$dir"
			cmp -s "$want" "$TMP/seen-$cfg-$dir" && break
		done
		if cmp -s "$want" "$TMP/seen-$cfg-$dir"; then
			VERDICT[$cfg-$dir]=ok
		else
			VERDICT[$cfg-$dir]=MISMATCH
			VERDICT_OK=0
			echo "veth.sh: $cfg $dir: frames past the filter differ from the plan (< expected, > seen):" >&2
			diff "$want" "$TMP/seen-$cfg-$dir" | grep '^[<>]' | head -20 >&2
		fi
	done
done

# --- measurement -----------------------------------------------------------------
# run CFG DIR PATH REP -> a line in $TMP/raw
run() {
	local cfg=$1 dir=$2 path=$3 rep=$4 src dst out t0 t1 s0 s1 kv seen hook drp flags=""
	local exp_seen exp_sink k=0
	local sent=0 failed=0 thread_ns=0 kthreads_ns=0 stat_ns=0 statcpu_ns=0 warm_sent=0 warm_failed=0
	if [ "$path" = pass ]; then src=$PASS_SRC dst=$PASS_DST; else src=$DROP_SRC dst=$DROP_DST; fi
	read -r -a t0 < <(tool_counters "$cfg")
	s0=$(sink "$cfg" "$dir")
	if [ "$dir" = in ]; then
		out=$(inp "$GEN" send "${IFP[$cfg]}" "$src" "$dst" -n "$PKTS" -w "$WARM" -b 64 --bypass --cpu "$CPU")
	elif [ "$dir" = inx ]; then
		out=$(inp "$GEN" live "${IFP[$cfg]}" "$src" "$dst" -n "$PKTS" -w "$WARM" --cpu "$CPU")
	else
		out=$(inh "$GEN" send "${IFH[$cfg]}" "$src" "$dst" -n "$PKTS" -w "$WARM" -b 1 --cpu "$CPU")
	fi || die "send failed"
	s1=$(sink "$cfg" "$dir")
	read -r -a t1 < <(tool_counters "$cfg")
	for kv in $out; do
		case $kv in
		sent=* | failed=* | thread_ns=* | kthreads_ns=* | stat_ns=* | statcpu_ns=* | warm_sent=* | warm_failed=*)
			printf -v "${kv%%=*}" '%s' "${kv#*=}" ;;
		esac
	done
	# frames that reached the filter: ingress, those veth delivered; egress,
	# every one sent (a failed send is a frame dropped at the hook)
	if [ "$dir" != out ]; then
		exp_seen=$((sent + warm_sent))
	else
		exp_seen=$((sent + failed + warm_sent + warm_failed))
	fi
	exp_sink=$exp_seen
	[ "$path" = drop ] && [ -n "${TOOL[$cfg]:-}" ] && exp_sink=0
	seen=$((s1 - s0))
	[ "$seen" = "$exp_sink" ] || flags="${flags}sink=$seen/$exp_sink,"
	if [ -n "${TOOL[$cfg]:-}" ]; then
		[ "$dir" = out ] && k=1
		hook=$((t1[k] - t0[k]))
		drp=$((t1[2] - t0[2]))
		[ "$hook" = "$exp_seen" ] || flags="${flags}hook=$hook/$exp_seen,"
		if [ "$path" = drop ]; then
			[ "$drp" = "$exp_seen" ] || flags="${flags}dropped=$drp/$exp_seen,"
		else
			[ "$drp" = 0 ] || flags="${flags}dropped=$drp/0,"
		fi
	fi
	echo "$cfg $dir $path $rep $((sent + failed)) $thread_ns $kthreads_ns $statcpu_ns $stat_ns ${flags:-ok}" >> "$TMP/raw"
	echo "$cfg $path $exp_seen" >> "$TMP/seen"
}

declare -A B0
for cfg in nft nftv rg; do
	B0[$cfg]="$(bucket "$cfg" "$PASS_BUCKET") $(bucket "$cfg" "$DROP_BUCKET")"
done
echo "veth.sh: measuring ($RUNS rounds x 28 runs of $PKTS frames) ..." >&2
n=${#CFGS[@]}
for rep in $(seq 1 "$RUNS"); do
	for dir in in inx out; do
		if [ "$dir" = inx ]; then gro on; else gro off; fi
		for path in pass drop; do
			# rotate the order each round, so no filter always runs first
			for i in $(seq 0 $((n - 1))); do
				cfg=${CFGS[$(((i + rep - 1) % n))]}
				[ "$cfg" = xdp ] && [ "$dir" = out ] && continue
				run "$cfg" "$dir" "$path" "$rep"
			done
		done
	done
done
gro off
# every measured frame counted once in its source's bucket
BUCKETS=""
for cfg in nft nftv rg; do
	read -r p0 d0 <<<"${B0[$cfg]}"
	p1=$(($(bucket "$cfg" "$PASS_BUCKET") - p0))
	d1=$(($(bucket "$cfg" "$DROP_BUCKET") - d0))
	pw=$(awk -v c="$cfg" '$1 == c && $2 == "pass" { n += $3 } END { print n + 0 }' "$TMP/seen")
	dw=$(awk -v c="$cfg" '$1 == c && $2 == "drop" { n += $3 } END { print n + 0 }' "$TMP/seen")
	if [ "$p1" = "$pw" ] && [ "$d1" = "$dw" ]; then
		BUCKETS="$BUCKETS $cfg ok ($pw + $dw),"
	else
		BUCKETS="$BUCKETS $cfg MISMATCH ($PASS_BUCKET $p1/$pw, $DROP_BUCKET $d1/$dw),"
	fi
done
BUCKETS=${BUCKETS%,}

# --- report --------------------------------------------------------------------------
report() {
	echo "ringguard vs nftables through veth, mesh interface, plan $PLAN_LABEL ($(awk '$1 == "zone" || $1 == "prefix"' "$PLAN" | wc -l) entries)"
	echo "nft ruleset: $NFT_INFO; vmap: $NFTV_INFO; nft -f ${NFT_LOAD_MS} / ${NFTV_LOAD_MS} ms, ringguard attach ${RG_ATTACH_MS} ms"
	echo "machine: $(nproc) CPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $PKTS x 64-byte frames per run, $RUNS rounds, medians"
	echo "pass: $PASS_SRC > $PASS_DST   drop: $DROP_SRC > $DROP_DST"
	echo "verdicts, $NPROBES probe frames ($NPASS pass), ingress/egress: nftables ${VERDICT[nft-in]}/${VERDICT[nft-out]}, nftables vmap ${VERDICT[nftv-in]}/${VERDICT[nftv-out]}, ringguard ${VERDICT[rg-in]}/${VERDICT[rg-out]} (observers, no filter: ${VERDICT[none-in]}/${VERDICT[none-out]})"
	echo "source buckets ($PASS_BUCKET, $DROP_BUCKET) counted every measured frame:${BUCKETS//nftv/nftables vmap}" | sed 's/ nft / nftables /; s/ rg / ringguard /'
	echo "ns/pkt: CPU of the generator thread + ksoftirqd (exact) per frame, +- half the range over rounds; filter: minus the same round's no-filter run; /proc/stat: the generator's CPU"
	awk -v runs="$RUNS" '
	function med(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function spread(s,   a, n, i, lo, hi) {
		n = split(s, a, " "); lo = hi = a[1]
		for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
		return (hi - lo) / 2
	}
	# paired differences A - B over rounds, median
	function dmed(d, p, A, B,   r, s) {
		s = ""
		for (r = 1; r <= runs; r++)
			if ((d " " p " " A " " r) in byrep && (d " " p " " B " " r) in byrep)
				s = s " " (byrep[d " " p " " A " " r] - byrep[d " " p " " B " " r])
		return s == "" ? "" : med(s)
	}
	{
		k = $2 " " $3 " " $1
		ns = ($6 + $7) / $5
		cpu[k] = cpu[k] " " ns; stat[k] = stat[k] " " $8 / $5; pk[k] += $5
		if ($10 != "ok") bad[k] = bad[k] " " $10
		byrep[$2 " " $3 " " $1 " " $4] = ns
	}
	END {
		split("in inx out", dirs, " "); split("pass drop", paths, " "); split("none nft nftv rg xdp", cfgs, " ")
		name["none"] = "no filter"; name["nft"] = "nftables"; name["nftv"] = "nftables vmap"; name["rg"] = "ringguard"; name["xdp"] = "XDP_PASS floor"
		dn["in"] = "ingress skb"; dn["inx"] = "ingress xdp"; dn["out"] = "egress"
		printf "%-11s %-5s %-15s %8s %6s %8s %10s %9s  %s\n", "dir", "path", "filter", "ns/pkt", "+-", "filter", "/proc/stat", "frames", "counters"
		for (d = 1; d <= 3; d++) for (p = 1; p <= 2; p++) for (c = 1; c <= 5; c++) {
			k = dirs[d] " " paths[p] " " cfgs[c]
			if (!(k in cpu)) continue
			x = cfgs[c] == "none" ? "" : dmed(dirs[d], paths[p], cfgs[c], "none")
			printf "%-11s %-5s %-15s %8.0f %6.0f %8s %10.0f %9d  %s\n", dn[dirs[d]], paths[p], name[cfgs[c]],
				med(cpu[k]), spread(cpu[k]), x == "" ? "-" : sprintf("%+.0f", x), med(stat[k]), pk[k],
				(k in bad) ? "MISMATCH" bad[k] : "ok"
		}
		for (v = 1; v <= 2; v++) {
			w = v == 1 ? "nft" : "nftv"
			printf "ringguard/%s, filter cost:", name[w]
			for (d = 1; d <= 3; d++) for (p = 1; p <= 2; p++) {
				x = dmed(dirs[d], paths[p], "rg", "none"); y = dmed(dirs[d], paths[p], w, "none")
				if (x == "" || y == "") continue
				printf "  %s %s %s", dn[dirs[d]], paths[p], (y > 0 && x >= 0) ? sprintf("%.2f", x / y) : sprintf("(%+.0f vs %+.0f ns)", x, y)
			}
			printf "\nringguard/%s, whole path:", name[w]
			for (d = 1; d <= 3; d++) for (p = 1; p <= 2; p++) {
				r = dirs[d] " " paths[p] " rg"; n = dirs[d] " " paths[p] " " w
				if ((r in cpu) && (n in cpu))
					printf "  %s %s %.2f", dn[dirs[d]], paths[p], med(cpu[r]) / med(cpu[n])
			}
			printf "\n"
		}
		printf "XDP by itself (floor - no filter), pass/drop frame: ingress skb %+.0f/%+.0f, ingress xdp %+.0f/%+.0f ns\n",
			dmed("in", "pass", "xdp", "none"), dmed("in", "drop", "xdp", "none"),
			dmed("inx", "pass", "xdp", "none"), dmed("inx", "drop", "xdp", "none")
	}' "$TMP/raw"
	echo "elapsed: $(($(date +%s) - t_start)) s"
}
report | tee "$TMP/table"
if [ -n "$RESULTS" ]; then
	{ cat "$TMP/table"; echo; } >> "$RESULTS"
fi
[ "$VERDICT_OK" = 1 ] || die "a filter's verdicts differ from the plan (above)"
grep -q MISMATCH "$TMP/table" && die "counters do not add up (table)"
exit 0
