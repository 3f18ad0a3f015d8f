#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# throughput.sh [PLAN] - what each ingress hook costs a bulk TCP flow (Ceph
# through a K8s node's mesh NIC), as ratios to nothing attached, and which
# hook --xdp auto takes. Prints numbers and does not judge them; exits 1
# only when the bench cannot run.
#
#   PLAN       a plan file (default maps/sol.plan)
#   OUT=DIR    build output with ringguard and rg-tap (default .output)
#   RUNS=N     runs per setup, direction and MTU (default 5)
#   SECS=N     seconds per run (default 4)
#   MTUS="9000 1500"   the MTUs measured
#   PERF=1     one perf record per setup, family and direction (the first
#              of MTUS): the kernel's time by group, to see where the cost goes
#   FAMILIES="6 4"  the address families of the veth runs (default 6, the
#              mesh); 4 adds IPv4 TCP (whose skb has 66 bytes of headers in
#              its linear part, IPv6's 86), which the plan passes
#   SETUPS="none auto"  the setups (default none native generic off auto)
#   BASE=PATH  another ringguard binary (an earlier build), attached with
#              --xdp auto as setup "base", to measure a datapath change side
#              by side with the one it replaces
#
# veth: one pair of namespaces per setup, "node" (eth0, fc00:101::11, the
# mesh) and "peer" (fc00:20::1, Ceph), all alike; ringguard attached to the
# node's eth0 as mesh in enforce mode with --xdp native, generic, off and
# auto, and one pair with nothing. All stay attached for the whole bench;
# runs go setup by setup in an order rotated per run, so a busy machine
# spreads its noise over all of them. iperf3 TCP, node -> peer (the node's
# tc egress) and peer -> node (the node's ingress: XDP or tc).
#
# tap: a guest's NIC as QEMU's virtio backend and vhost-net drive it.
# rg-tap writes 65000-byte TCP frames with a virtio_net_hdr asking for GSO
# (MSS 8940) into a tap (IFF_VNET_HDR) on a bridge, as a PVE host's guest
# port; the bridge forwards them to the peer over a veth. ringguard has the
# bridge as mesh (the tap, its port, gets the hook of the setup). Gbit/s
# written, per setup.
#
# CPU per Gbit: user + system time of the processes that move the data
# (both iperf3s; rg-tap), over the gigabits moved. On veth and tap the
# kernel's softirq work runs in their context and is counted there (this
# kernel accounts softirq ticks to the task they interrupt; with
# CONFIG_IRQ_TIME_ACCOUNTING it would not be).
set -u

PLAN=${1:-maps/sol.plan}
OUT=${OUT:-.output}
RUNS=${RUNS:-5}
SECS=${SECS:-4}
MTUS=${MTUS:-9000 1500}
RG=$(realpath "$OUT/ringguard")
TAP=$(realpath "$OUT/rg-tap")
P="rgtp$$"
FAMILIES=${FAMILIES:-6}
SETUPS=${SETUPS:-none native generic off auto}
BASE=${BASE:+$(realpath "$BASE")}
[ -n "$BASE" ] && SETUPS="$SETUPS base"
TMP=$(mktemp -d)

for c in iperf3 jq; do
	command -v "$c" >/dev/null || { echo "throughput: $c missing (tools/deps.sh installs it)" >&2; exit 1; }
done
[ -x "$RG" ] && [ -x "$TAP" ] || { echo "throughput: build first (make $OUT/rg-tap)" >&2; exit 1; }

ns() { ip netns exec "$P-$1" "${@:2}"; }
# the binary and the --xdp of a setup
rg_of() { if [ "$1" = base ]; then echo "$BASE"; else echo "$RG"; fi; }
xdp_of() { if [ "$1" = base ]; then echo auto; else echo "$1"; fi; }

cleanup() {
	local s
	for s in $SETUPS; do
		ns "n$s" "$(rg_of "$s")" detach >/dev/null 2>&1
		ns "t$s" "$(rg_of "$s")" detach >/dev/null 2>&1
		for n in n p t q; do
			[ -f "$TMP/iperf-$n$s.pid" ] && kill "$(cat "$TMP/iperf-$n$s.pid")" 2>/dev/null
			ip netns del "$P-$n$s" 2>/dev/null
		done
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

quiet() {
	ns "$1" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0
	ns "$1" ip link set lo up
}

# veth: node n$s (eth0) <-> peer p$s (ceph0)
for s in $SETUPS; do
	ip netns add "$P-n$s"; ip netns add "$P-p$s"
	quiet "n$s"; quiet "p$s"
	ip link add eth0 netns "$P-n$s" type veth peer name ceph0 netns "$P-p$s"
	ns "n$s" ip link set eth0 up
	ns "p$s" ip link set ceph0 up
	ns "n$s" ip addr add fc00:101::11/64 dev eth0 nodad
	ns "p$s" ip addr add fc00:101::fffe/64 dev ceph0 nodad
	ns "p$s" ip addr add fc00:20::1/128 dev lo
	ns "n$s" ip -6 route add fc00:20::/64 via fc00:101::fffe dev eth0
	ns "n$s" ip addr add 10.101.0.11/24 dev eth0
	ns "p$s" ip addr add 10.101.0.254/24 dev ceph0
	ns "p$s" ip addr add 10.20.0.1/32 dev lo
	ns "n$s" ip route add 10.20.0.0/24 via 10.101.0.254 dev eth0
	ns "p$s" iperf3 -s -D -I "$TMP/iperf-p$s.pid" >/dev/null
	# the tap: a bridge on a PVE host, the guest's tap and a veth to the peer
	ip netns add "$P-t$s"; ip netns add "$P-q$s"
	quiet "t$s"; quiet "q$s"
	ns "t$s" ip link add br0 type bridge
	ns "t$s" ip tuntap add dev tap0 mode tap vnet_hdr
	ip link add up0 netns "$P-t$s" type veth peer name ceph0 netns "$P-q$s"
	for i in tap0 up0; do ns "t$s" ip link set "$i" mtu 9000 master br0 up; done
	ns "t$s" ip link set br0 mtu 9000 up
	ns "q$s" ip link set ceph0 mtu 9000 up
	ns "q$s" ip addr add fc00:20::1/64 dev ceph0 nodad
done
sleep 1
for s in $SETUPS; do
	[ "$s" = none ] && continue
	if ! out=$(ns "n$s" "$(rg_of "$s")" attach --plan "$PLAN" --mesh eth0 --mode enforce \
			--xdp "$(xdp_of "$s")" 2>&1) ||
	   ! out2=$(ns "t$s" "$(rg_of "$s")" attach --plan "$PLAN" --mesh br0 --mode enforce \
			--xdp "$(xdp_of "$s")" 2>&1); then
		echo "throughput: attach --xdp $s failed: $out ${out2:-}" >&2
		exit 1
	fi
	ns "n$s" "$RG" -j status | jq -r --arg s "$s" \
		'.interfaces[0] | "  veth eth0, --xdp \($s): \(.hook_reason)"' >>"$TMP/hooks"
	ns "t$s" "$RG" -j status | jq -r --arg s "$s" \
		'.interfaces[0].ports[] | select(.name == "tap0") | "  tap tap0, --xdp \($s): \(.hook_reason)"' >>"$TMP/hooks"
done

# run SETUP DIR(out|in) MTU FAMILY -> appends "gbit cpu_s_per_gbit" to $TMP/r-...
run() {
	local j gbit cpu path=veth dst=fc00:20::1
	[ "$4" = 4 ] && { path=veth4; dst=10.20.0.1; }
	j=$(ns "n$1" iperf3 -"$4" -c "$dst" -t "$SECS" -J $([ "$2" = in ] && echo -R) 2>/dev/null) ||
		return
	gbit=$(jq -r '.end.sum_received.bits_per_second / 1e9' <<<"$j")
	cpu=$(jq -r --arg d "$SECS" '.end.cpu_utilization_percent |
		(.host_total + .remote_total) / 100 * ($d | tonumber)' <<<"$j")
	echo "$gbit $(awk -v c="$cpu" -v g="$gbit" -v d="$SECS" 'BEGIN { printf "%.4f", c / (g * d) }')" \
		>>"$TMP/r-$path-$3-$2-$1"
}

runtap() {
	local o gbit cpu
	o=$(ns "t$1" "$TAP" tap0 fc00:101::31 fc00:20::1 -l 65000 -m 8940 \
		-d "$(ns "q$1" cat /sys/class/net/ceph0/address)" -s "$SECS") || return
	gbit=$(sed -nE 's/.*gbit=([0-9.]+).*/\1/p' <<<"$o")
	cpu=$(sed -nE 's/.*cpu=([0-9.]+).*/\1/p' <<<"$o")
	echo "$gbit $(awk -v c="$cpu" -v g="$gbit" -v d="$SECS" 'BEGIN { printf "%.4f", c / (g * d) }')" \
		>>"$TMP/r-tap-9000-in-$1"
}

set_mtu() {
	local s
	for s in $SETUPS; do
		ns "n$s" ip link set eth0 mtu "$1"
		ns "p$s" ip link set ceph0 mtu "$1"
	done
}

echo "machine: $(nproc) CPUs, kernel $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%FT%TZ)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hooks taken:"
cat "$TMP/hooks"
rot=0
for mtu in $MTUS; do
	set_mtu "$mtu"
	for r in $(seq "$RUNS"); do
		order=$(tr ' ' '\n' <<<"$SETUPS" | awk -v k=$((rot++)) '{ a[NR] = $0 } END {
			for (i = 0; i < NR; i++) print a[(i + k) % NR + 1] }')
		for s in $order; do
			for fam in $FAMILIES; do
				run "$s" out "$mtu" "$fam"
				run "$s" in "$mtu" "$fam"
			done
			[ "$mtu" = 9000 ] && runtap "$s"
		done
	done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# median and range of column C of FILE
stat_of() {
	sort -g -k"$2,$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END {
		if (!NR) { print "- - -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR] }'
}

echo
echo "Throughput by hook, as ratios to nothing attached (median, range over $RUNS runs of ${SECS} s;"
echo "ratios from each setup's runs over the median with nothing); CPU: user+system ms per Gbit moved"
printf '%-22s %-6s %-5s %8s %15s %4s %9s\n' "path" "MTU" "dir" "Gbit/s" "ratio (range)" "n" "CPU ms/Gb"
for path in veth veth4 tap; do
	for mtu in $MTUS; do
		for dir in out in; do
			[ "$path" = tap ] && { [ "$mtu" = 9000 ] && [ "$dir" = in ] || continue; }
			f0="$TMP/r-$path-$mtu-$dir-none"
			[ -s "$f0" ] || continue
			read -r m0 _ _ < <(stat_of "$f0" 1)
			for s in $SETUPS; do
				f="$TMP/r-$path-$mtu-$dir-$s"
				[ -s "$f" ] || continue
				read -r m lo hi < <(stat_of "$f" 1)
				read -r c _ _ < <(stat_of "$f" 2)
				printf '%-22s %-6s %-5s %8.2f %5.2f (%.2f-%.2f) %4s %9.1f\n' \
					"$path --xdp $s$([ "$s" = base ] && echo " (auto)")" "$mtu" "$dir" "$m" \
					"$(awk -v a="$m" -v b="$m0" 'BEGIN { print a / b }')" \
					"$(awk -v a="$lo" -v b="$m0" 'BEGIN { print a / b }')" \
					"$(awk -v a="$hi" -v b="$m0" 'BEGIN { print a / b }')" \
					"$(wc -l <"$f")" "$(awk -v c="$c" 'BEGIN { print c * 1000 }')"
			done
		done
	done
done

if [ "${PERF:-}" = 1 ] && command -v perf >/dev/null; then
	# -a, because the ingress hook runs in softirq on whichever task's CPU
	# raised it; the report keeps the two iperf3s' samples only (the
	# machine may be busy with other work)
	echo
	echo "Where the cost goes: perf record -a during one run per setup, family and direction,"
	echo "MTU ${MTUS%% *}; the iperf3 processes' samples only (softirq work runs in their context), by group"
	set_mtu "${MTUS%% *}"
	for fam in $FAMILIES; do
	for dir in in out; do
	for s in $SETUPS; do
		dst=fc00:20::1
		[ "$fam" = 4 ] && dst=10.20.0.1
		perf record -q -a -o "$TMP/perf-$s.data" -- ip netns exec "$P-n$s" \
			iperf3 -"$fam" -c "$dst" -t "$SECS" $([ "$dir" = in ] && echo -R) >/dev/null 2>&1
		perf report -q -i "$TMP/perf-$s.data" --comms iperf3 --percentage relative \
			--sort symbol --percent-limit 0 2>/dev/null |
			awk -v s="$s" -v what="IPv$fam $([ "$dir" = in ] && echo "peer -> node" || echo "node -> peer")" '
			{ p = $1; sub(/%/, "", p); sym = $3 }
			sym ~ /^bpf_prog_.*rg_/ { g["ringguard programs"] += p; next }
			sym ~ /veth_xdp|veth_convert|page_pool|xdp_build_skb|xdp_convert|skb_copy_bits/ {
				g["skb -> XDP buffer and back (veth native)"] += p; next }
			sym ~ /generic_xdp|skb_cow_data_for_xdp|skb_linearize/ {
				g["generic XDP, linearise"] += p; next }
			sym ~ /bpf_skb_pull_data|skb_ensure_writable|__pskb_pull_tail|pskb_expand_head/ {
				g["pull, expand (the tc pull; generic XDP)"] += p; next }
			sym ~ /_copy_(to|from)_iter|copy_user/ { g["copies to and from iperf3"] += p; next }
			sym ~ /^tcp_|^__tcp_|^inet6?_|^ip6?_|^__ip6?_|gro|gso|segment/ { g["TCP/IP, GRO, GSO"] += p; next }
			END { printf "-- %s, --xdp %s:", what, s
				for (k in g) if (g[k] >= 0.1) printf " %s %.1f%%;", k, g[k]
				printf "\n" }'
	done
	done
	done
fi
