#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# faults.sh - the daemon under faults, with traffic flowing: ConfigMap-style
# plan updates, bad plan files, SIGHUP, 1000 plan swaps that would betray any
# partial plan, kill -9 in the middle of a sync, interfaces deleted, recreated
# and renamed, restarts that adopt the pinned state, a pinned map of an older
# layout migrated, and one that cannot be, and upgrades from the build of
# layout 1 and from the previous one.
#
# usage: tests/faults.sh OUTPUT_DIR [TEST...]     (run as root; TEST: a name or glob)
set -u

OUT=${1:-.output}
LAB="rgf$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SQ=				# a private bpffs (mode=1777), test_squatted_pin_dir_refused
SP=				# a standby daemon, test_standby_takes_over
PINX="/sys/fs/bpf/rgf$$-xdp"	# a foreign XDP program's pins

# squat_down: the private bpffs and what ringguard pinned in it
squat_down() {
	[ -n "$SQ" ] || return 0
	lab_ns node "$RG" --pin-dir "$SQ/ringguard" detach >/dev/null 2>&1
	umount "$SQ" 2>/dev/null
	rmdir "$SQ" 2>/dev/null
	SQ=
}

teardown() {
	squat_down
	[ -n "$SP" ] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null
	lab_ns node "$TCX" xdp-off eth1 >/dev/null 2>&1
	rm -rf "$PINX"
	daemon_down node
	lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

# start_daemon [ENV=VAL...]: runs the daemon in the node namespace
start_daemon() {
	env "$@" ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 >>"$LOG" 2>&1 &
	DPID=$!
}

gen() { rg -j status | jq -r .plan.generation; }
gen_is() { [ "$(gen)" = "$1" ]; }

echo "faults: the daemon on the lab node, under traffic"
lab_up
configmap "$PLAN"
# the daemon attaches on first start and installs the plan (every test
# below works with this daemon, restarting it where it says so)
test_daemon_starts() {
	start_daemon
	within "daemon attaches on first start" 10 log_has "watching"
	expect_eq "daemon installed the plan" "$(gen)" "1"
}

# a ConfigMap-style ..data swap syncs
test_configmap_swap_syncs() {
	sed 's/^prefix k8s-lb-pool .*/&\nprefix lab-extra fd00:beef::\/64/' "$PLAN" > "$TMP/plan2"
	configmap "$TMP/plan2"
	within "a ConfigMap ..data swap syncs" 3 gen_is 2
}

# a touch, or a burst of identical updates, does not sync
test_same_content_does_not_sync() {
	touch "$PLANDIR"/..data/ringguard.plan
	sleep 0.5
	expect_eq "a touch (same content) does not sync" "$(gen)" "2"
	for i in 1 2 3 4 5; do configmap "$TMP/plan2"; done
	sleep 0.6
	expect_eq "a burst of identical updates does not sync" "$(gen)" "2"
}

# SIGHUP forces a sync
test_sighup_forces_sync() {
	kill -HUP "$DPID"
	within "SIGHUP forces a sync" 3 gen_is 3
}

# garbage, truncated, oversized, empty and invalid plans are rejected,
# the last good plan stays, and a good plan after them syncs
test_bad_plans_rejected() {
	printf 'zone internal mesh fc00::/8\nprefix broken fd00:101:44::1/60\n' > "$TMP/bad1"
	head -c 1000 /dev/urandom > "$TMP/bad2"
	head -c 1500 "$PLAN" > "$TMP/bad3"			# truncated mid-line
	yes '# padding' | head -c $((70 << 20)) > "$TMP/bad4"	# 70 MiB
	printf '' > "$TMP/bad5"
	for i in 1 2 3 4 5; do
		before=$(rg -j status | jq -r .rejects)
		configmap "$TMP/bad$i"
		within "bad plan $i rejected" 5 bash -c "[ \$(ip netns exec ${LAB}node $RG -j status | jq -r .rejects) -gt $before ]"
	done
	rg -j status > "$TMP/st.json"
	expect_eq "garbage, truncated, oversized, empty and invalid plans all rejected" "$(jq -r .rejects "$TMP/st.json")" "5"
	expect_eq "the last good plan stays" "$(jq -r .plan.generation "$TMP/st.json")/$(jq -r .plan.sha256 "$TMP/st.json")" "3/$(sha256sum "$TMP/plan2" | cut -d' ' -f1)"
	expect_match "status shows the last error" "$(jq -r .last_error "$TMP/st.json")" "ringguard.plan: the plan has no zone"
	expect_match "the log has FILE:LINE messages" "$(cat "$LOG")" "ringguard.plan:2: host bits set in 'fd00:101:44::1/60'"
	configmap "$PLAN"
	within "a good plan after bad ones syncs" 3 gen_is 4
}

# 1000 plan swaps under traffic: no packet sees a partial plan
test_1000_swaps_under_traffic() {
	# Under plan A the destination breaks the plan, under B the source does: the
	# flow is a violation under either, and would only pass if a packet looked
	# one address up in A and the other in B. The loopback flow passes in both.
	{ grep -v '^host' "$PLAN"; echo "prefix swap-src fd00:ab::/64 allow mesh"; echo "host solcp011 mesh eth0 egress eth1"; } > "$TMP/A"
	{ grep -v '^host' "$PLAN"; echo "prefix swap-dst fd00:cd::/64 allow mesh"; echo "host solcp011 mesh eth0 egress eth1"; } > "$TMP/B"
	rg mode enforce >/dev/null
	rg sync --plan "$TMP/A" >/dev/null
	stats
	d0=$(ifc eth0 in dropped); v0=$(ifc eth0 in violations); l0=$(bkt solcp011-lo dst packets)
	lab_ns mesh "$INJECT" m0 fd00:ab::1 fd00:cd::1 -n 200000 -l 100 > "$TMP/bad-flow" &
	p1=$!
	lab_ns mesh "$INJECT" m0 fd00:255:101::12 fd00:255:101::11 -n 200000 -l 100 > "$TMP/good-flow" &
	p2=$!
	t0=$(date +%s%N)
	for i in $(seq 1 500); do
		rg sync --plan "$TMP/B" >/dev/null || bad "sync $i"
		rg sync --plan "$TMP/A" >/dev/null || bad "sync $i"
	done
	t1=$(date +%s%N)
	wait $p1 $p2
	read -r bsent bfail _ < <(sed -E 's/sent=([0-9]+) failed=([0-9]+) len=([0-9]+)/\1 \2 \3/' "$TMP/bad-flow")
	read -r gsent gfail _ < <(sed -E 's/sent=([0-9]+) failed=([0-9]+) len=([0-9]+)/\1 \2 \3/' "$TMP/good-flow")
	stats
	echo "        1000 swaps in $(( (t1 - t0) / 1000000 )) ms; $bsent violating and $gsent allowed frames arrived"
	expect_eq "1000 swaps: zero wrongly passed" "$(( $(ifc eth0 in dropped) - d0 ))" "$bsent"
	expect_eq "1000 swaps: every violating frame counted as one" "$(( $(ifc eth0 in violations) - v0 ))" "$bsent"
	expect_eq "1000 swaps: zero wrongly dropped" "$(( $(bkt solcp011-lo dst packets) - l0 ))" "$gsent"
	rg mode monitor >/dev/null
	configmap "$PLAN"
	sleep 0.5
	kill -HUP "$DPID"
	sleep 0.5
}

# kill -9 in the middle of a sync: the old plan stays in force, traffic
# keeps its verdicts and counts (the test build of the CLI pauses the sync)
test_kill_9_mid_sync() {
	stop_daemon
	n=$(log_count watching)
	# the test build of the CLI: only it has the pause (user/lib/testhook.h)
	RG="$(realpath "$OUT/ringguard-hooks")" start_daemon RG_FAULT_SYNC_PAUSE_MS=3000
	within "daemon restarts (its first sync pauses 3 s)" 10 log_count_is watching $((n + 1))
	g0=$(gen)
	rg mode enforce >/dev/null
	stats
	c0=$(bkt pve01-ceph-public dst packets); d0=$(ifc eth1 in dropped)
	lab_ns node "$INJECT" eth0 fc00:101::11 fc00:20::1 -n 30000 -l 100 > "$TMP/k-good" &
	p1=$!
	lab_ns gw "$INJECT" g0 fd00:101::fffe fc00:101::11 -n 30000 -l 100 > "$TMP/k-bad" &
	p2=$!
	configmap "$TMP/plan2"
	sleep 1.2			# the daemon is now inside the sync, new trie built
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	DPID=
	expect_eq "kill -9 mid-sync: the old plan is still the one in force" "$(gen)" "$g0"
	wait $p1 $p2
	read -r gsent gfail _ < <(sed -E 's/sent=([0-9]+) failed=([0-9]+) len=([0-9]+)/\1 \2 \3/' "$TMP/k-good")
	read -r bsent bfail _ < <(sed -E 's/sent=([0-9]+) failed=([0-9]+) len=([0-9]+)/\1 \2 \3/' "$TMP/k-bad")
	stats
	expect_eq "kill -9 mid-sync: allowed traffic kept flowing, counted exactly" "$(( $(bkt pve01-ceph-public dst packets) - c0 ))" "$((gsent + gfail))"
	expect_eq "kill -9 mid-sync: violations kept being dropped" "$(( $(ifc eth1 in dropped) - d0 ))" "$bsent"
}

# a daemon restarted after kill -9 adopts the pinned state and converges
test_restart_after_kill_9_converges() {
	local n
	n=$(log_count watching)
	start_daemon
	# its start (a BPF load: seconds on a busy machine) first; the sync it
	# makes before it says "watching" is what converges
	wait_for 60 log_count_is watching $((n + 1))
	within "a restarted daemon converges on the plan on disk" 5 bash -c "[ \"\$(ip netns exec ${LAB}node $RG -j status | jq -r .plan.sha256)\" = $(sha256sum "$TMP/plan2" | cut -d' ' -f1) ]"
	expect_match "it adopted the pinned state" "$(cat "$LOG")" "adopted pinned state"
	stats
	expect_eq "counters intact after kill -9 and restart" "$(( $(bkt pve01-ceph-public dst packets) - c0 ))" "$((gsent + gfail))"
	rg mode monitor >/dev/null
}

# a deleted role interface is reported, not fatal
test_interface_deleted() {
	old=$(rg -j status | jq -r '.interfaces[] | select(.name=="eth1") | .ifindex')
	lab_ns node ip link del eth1
	within "a vanished interface is reported, not fatal" 3 log_has "eth1: gone"
	if kill -0 "$DPID" 2>/dev/null; then ok "the daemon keeps running"; else bad "the daemon keeps running" "it exited"; fi
}

# a recreated interface is re-attached within 1 s, enforced and counted
test_interface_recreated() {
	t0=$(date +%s%N)
	ip link add eth1 netns "${LAB}node" type veth peer name g0 netns "${LAB}gw"
	lab_ns node ip link set eth1 up
	lab_ns gw ip link set g0 up
	within "a recreated interface is re-attached within 1 s" 1 bash -c "nsenter --net=/run/netns/${LAB}node $TCX query eth1 | grep -q 'tcx=rg_tc' \
		&& nsenter --net=/run/netns/${LAB}node $TCX query-in eth1 | grep -q 'tcxin=rg_tc_in'"
	expect_match "with a new ifindex" "$(rg -j status | jq -r '.interfaces[] | select(.name=="eth1") | "\(.ifindex) \(.present)"')" "^[0-9]+ true$"
	[ "$(rg -j status | jq -r '.interfaces[] | select(.name=="eth1") | .ifindex')" != "$old" ] || bad "eth1 has a new ifindex"
	expect_eq "status counts the re-attach" "$(rg -j status | jq -r '.interfaces[] | select(.name=="eth1") | .reattaches')" "1"
	stats
	o0=$(bkt k8s-egress-gw src packets)
	inject gw g0 fd00:101::fffe fd00:101::11 -n 10 -l 100 >/dev/null
	stats
	# by bucket: a new interface sends its own MLD reports (unplanned) too
	expect_eq "the new eth1 is enforced and counted" "$(( $(bkt k8s-egress-gw src packets) - o0 ))" "10"
}

# an interface renamed away is detached, renamed back re-attached
test_interface_renamed() {
	lab_ns node ip link set eth1 down
	lab_ns node ip link set eth1 name eth7
	within "an interface renamed away is detached" 2 bash -c "[ \"\$(nsenter --net=/run/netns/${LAB}node $TCX query eth7)\" = 'xdp= tcx=' ]"
	lab_ns node ip link set eth7 name eth1
	lab_ns node ip link set eth1 up
	within "renamed back, it is re-attached within 1 s" 1 bash -c "nsenter --net=/run/netns/${LAB}node $TCX query eth1 | grep -q 'tcx=rg_tc' \
		&& nsenter --net=/run/netns/${LAB}node $TCX query-in eth1 | grep -q 'tcxin=rg_tc_in'"
}

# SIGTERM leaves enforcement in place: violations still dropped
test_sigterm_keeps_enforcement() {
	# ingress at tc: --xdp auto's choice on a veth
	progs0="$(tcx query eth0) $(tcx query-in eth0) $(tcx query eth1) $(tcx query-in eth1)"
	stop_daemon
	expect_match "SIGTERM leaves enforcement in place" "$(tail -1 "$LOG")" "enforcement stays in place"
	rg mode enforce >/dev/null
	stats
	d0=$(ifc eth1 in dropped)
	read -r sent _ _ < <(inject gw g0 fd00:101::fffe fc00:101::11 -n 10 -l 100)
	stats
	expect_eq "with no daemon running, violations are still dropped" "$(( $(ifc eth1 in dropped) - d0 ))" "$sent"
}

# a new daemon adopts the pinned state and replaces the programs in place,
# counters and mode kept
test_new_daemon_adopts_in_place() {
	c0=$(bkt pve01-ceph-public dst packets)
	n=$(log_count "adopted pinned")
	start_daemon
	within "a new daemon adopts the pinned state" 5 log_count_is "adopted pinned" $((n + 1))
	progs1="$(tcx query eth0) $(tcx query-in eth0) $(tcx query eth1) $(tcx query-in eth1)"
	if [ "$progs0" != "$progs1" ] && [ "$(grep -o rg_ <<<"$progs1" | wc -l)" = 4 ]; then
		ok "a new daemon replaces the programs in place (link update: $progs0 -> $progs1)"
	else
		bad "programs replaced in place" "$progs0 -> $progs1"
	fi
	stats
	expect_eq "counters kept across the restart" "$(bkt pve01-ceph-public dst packets)" "$c0"
	expect_eq "mode kept across the restart" "$(rg mode)" "enforce"
	rg mode monitor >/dev/null
}

# a pinned map of an older, shorter layout is migrated, counters included
test_older_layout_migrated() {
	# stand in an "old build's" rg_if_stats whose values lack the last counter
	stop_daemon
	pin=$(rg -j status | jq -r .pin_dir)
	ncpu=$(( $(cut -d- -f2 /sys/devices/system/cpu/possible) + 1 ))
	rm "$pin/maps/rg_if_stats"
	bpftool map create "$pin/maps/rg_if_stats" type percpu_array key 4 value 88 entries 64 name rg_if_stats
	# slot 0 (eth0): in.packets = 12345 on every CPU, the rest 0
	bpftool map update pinned "$pin/maps/rg_if_stats" key 0 0 0 0 value 57 48 $(printf '0 %.0s' $(seq 1 86))
	start_daemon
	within "a pinned map of an older layout is migrated" 5 log_has "migrated map rg_if_stats: 88-byte values to 64"
	wait_for 5 log_count_is "adopted pinned" $((n + 2))
	stats
	expect_eq "its counters come along" "$(ifc eth0 in packets)" "$((12345 * ncpu))"
	expect_eq "the field it lacked starts at zero" "$(ifc eth0 out other)" "0"
}

# a pinned map it cannot migrate is refused clearly, and nothing changes
test_incompatible_map_refused() {
	stop_daemon
	id=$(bpftool -j map show pinned "$pin/maps/rg_ifaces" | jq -r .id)
	rm "$pin/maps/rg_ifaces"	# the attached programs keep the map itself alive
	bpftool map create "$pin/maps/rg_ifaces" type hash key 8 value 40 entries 64 name rg_ifaces
	out=$(timeout 10 ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 2>&1)
	expect_match "an incompatible pinned map is refused clearly" "$out" "layout this build cannot migrate"
	rm -f "$pin/maps/rg_ifaces"
	bpftool map pin id "$id" "$pin/maps/rg_ifaces"
	expect_eq "and the state is left as it was" "$(rg -j status | jq -r '.interfaces | length')" "2"
}

# upgrade_from REV LAYOUT MIGRATED: an upgrade from the pinned state of an
# older layout's build (ringguard as of commit REV): the new daemon migrates
# the maps in place (MIGRATED: a regex over its last "migrated map" lines),
# counters and enforcement kept
upgrade_from() {
	local rev=$1 layout=$2 migrated=$3 repo old sent o0 d0 n w
	repo=$(cd "$(dirname "$0")/.." && pwd)
	if ! git -C "$repo" cat-file -e "$rev^{commit}" 2>/dev/null; then
		skip "commit $rev is not in this clone's history (a shallow clone?)"
		return
	fi
	old=$TMP/layout$layout
	mkdir -p "$old"
	git -C "$repo" archive "$rev" | tar -x -C "$old"
	if ! make -C "$old" -s -j2 .output/ringguard >/dev/null 2>&1; then
		bad "layout $layout builds from commit $rev"
		return
	fi
	stop_daemon
	rg detach >/dev/null
	lab_ns node "$old/.output/ringguard" attach --plan "$LIVE" --host solcp011 \
		--mode enforce >/dev/null
	inject gw g0 fd00:101::fffe fd00:101::11 -n 6 -l 100 >/dev/null
	read -r sent _ _ < <(inject gw g0 fd00:101::fffe fc00:101::11 -n 4 -l 100)
	lab_ns node "$old/.output/ringguard" -j stats > "$TMP/stats.json"
	o0=$(bkt k8s-egress-gw src packets)
	d0=$(ifc eth1 in dropped)
	# the gateway is the source of both kinds of frames
	expect_eq "layout $layout: its build counts and drops" "$o0 $d0" "$((6 + sent)) $sent"
	n=$(log_count "adopted pinned")
	w=$(log_count watching)
	start_daemon
	within "layout $layout: the new daemon adopts it" 10 log_count_is "adopted pinned" $((n + 1))
	# and re-syncs the plan in this build's layout before it is up: the
	# bucket names come back with it (a busy machine shows the gap)
	wait_for 60 log_count_is watching $((w + 1))
	# the maps this adoption migrated: after the n-th adoption's line
	expect_match "and migrates its counters" \
		"$(awk -v n="$n" '/adopted pinned/ { a++ } a == n && /migrated map/' "$LOG" | tr '\n' ' ')" \
		"$migrated"
	stats
	expect_eq "counters kept across the upgrade" "$(bkt k8s-egress-gw src packets) $(ifc eth1 in dropped)" "$o0 $d0"
	read -r sent _ _ < <(inject gw g0 fd00:101::fffe fc00:101::11 -n 5 -l 100)
	inject gw g0 fd00:101::fffe fd00:101::11 -n 3 -l 100 >/dev/null
	stats
	expect_eq "and it keeps enforcing and counting" \
		"$(( $(ifc eth1 in dropped) - d0 )) $(( $(bkt k8s-egress-gw src packets) - o0 ))" \
		"$sent $((sent + 3))"
	stop_daemon
}

# layout 1 (commit 65f61ce): per-CPU counters summed into shared ones,
# names into a hash
test_upgrade_from_layout_1() {
	upgrade_from 65f61ce 1 "rg_bucket_stats.*rg_buckets"
}

# layout 3, the build before layout 4 (commit a869ced): per-CPU interface
# counters and counter slots into one region per CPU of line-sized values
test_upgrade_from_layout_3() {
	upgrade_from a869ced 3 "rg_if_stats: 96-byte values to 64.*rg_counts: 56-byte values to 64"
}

# --detach-on-exit: the one way a daemon's exit ends enforcement
test_detach_on_exit() {
	ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 --detach-on-exit >>"$LOG" 2>&1 &
	DPID=$!
	n=$(log_count "adopted pinned")
	wait_for 5 log_count_is "adopted pinned" $((n + 1))
	stop_daemon
	expect_eq "--detach-on-exit: SIGTERM removes the programs" "$(tcx query eth0) $(tcx query eth1)" "xdp= tcx= xdp= tcx="
	expect_match "and the pins" "$(rg status 2>&1)" "not attached"
}

# --- the daemon at its edges (issue 17): plain plan directories ----------------

EPORT=19471
# version FILE N: the users' plan with one more prefix, so each has its own sha256
version() {
	sed "s/^prefix k8s-lb-pool .*/&\nprefix edge-$2 fd00:beef:$2::\/64/" "$PLAN" > "$1"
}
# edge_daemon PLAN [ARGS...]: a daemon on PLAN with a listener, DPID set
edge_daemon() {
	local n
	touch "$LOG"
	n=$(log_count "watching $1")
	ip netns exec "${LAB}node" "$RG" daemon --plan "$1" --host solcp011 \
		--metrics "127.0.0.1:$EPORT" "${@:2}" >>"$LOG" 2>&1 &
	DPID=$!
	wait_for 10 log_count_is "watching $1" $((n + 1))
}
sha_is() { [ "$(rg -j status | jq -r .plan.sha256)" = "$(sha256sum "$1" | cut -c1-64)" ]; }
get() { lab_ns node curl -s -m 5 "http://127.0.0.1:$EPORT/healthz"; }
healthy() { [ "$(get)" = "ok" ]; }
not_enforcing_shows() { get | grep -q "not enforcing what it reports"; }
edge_metric() { lab_ns node curl -s -m 5 "http://127.0.0.1:$EPORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
edge_metric_is() { [ "$(edge_metric "$1")" = "$2" ]; }
# stopped SECONDS: SIGTERM ends the daemon within SECONDS
stopped() {
	kill "$DPID" 2>/dev/null
	if wait_for "$1" bash -c "! kill -0 $DPID"; then wait "$DPID" 2>/dev/null; DPID=; return 0; fi
	kill -9 "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; DPID=
	return 1
}

# a FIFO renamed over the plan: refused without blocking (the loop goes
# on: /healthz, a later good plan, SIGTERM); a first start on a FIFO fails
# fast, saying why
test_fifo_over_plan() {
	local dir=$TMP/e9 t0 out rc
	stop_daemon
	rg detach >/dev/null 2>&1
	mkdir -p "$dir"
	version "$dir/ringguard.plan" 1
	edge_daemon "$dir/ringguard.plan"
	mkfifo "$dir/.fifo"
	mv "$dir/.fifo" "$dir/ringguard.plan"
	within "a FIFO over the plan is refused, saying so" 5 log_has "ringguard.plan: is a FIFO, not a regular file: refused"
	sleep 1.5
	expect_eq "/healthz still answers ok" "$(get)" "ok"
	version "$dir/.new" 2
	mv "$dir/.new" "$dir/ringguard.plan"
	within "a good plan renamed over the FIFO is installed" 5 sha_is "$dir/ringguard.plan"
	mkfifo "$dir/.fifo"
	mv "$dir/.fifo" "$dir/ringguard.plan"
	wait_for 5 bash -c "[ \$(grep -c 'is a FIFO' '$LOG') -ge 2 ]"
	if stopped 5; then ok "SIGTERM handled with the FIFO in place"; else bad "SIGTERM handled with the FIFO in place" "still running after 5 s"; fi
	rg detach >/dev/null 2>&1
	t0=$(date +%s%N)
	out=$(timeout 20 ip netns exec "${LAB}node" "$RG" daemon --plan "$dir/ringguard.plan" --host solcp011 2>&1)
	rc=$?
	echo "        a first start on a FIFO exited $rc in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	expect_match "a first start on a FIFO plan fails (not the timeout's 124)" "$rc" "^[12]$"
	expect_match "and says why" "$out" "is a FIFO, not a regular file"
	rm -f "$dir/ringguard.plan"
}

# idle_conns N SRC SECS: python holding N idle connections to the listener
# from address SRC for SECS seconds; prints "open N" once they are made
idle_conns() {
	lab_ns node python3 - "$1" "$2" "$EPORT" "$3" <<'EOF' &
import resource, socket, sys, time
n, src, port, secs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
socks = []
for i in range(n):
    s = socket.socket()
    s.bind((src, 0))
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    socks.append(s)
print("open", len(socks), flush=True)
time.sleep(secs)
EOF
}

# 1,100 idle connections to --metrics: /healthz still answers, a plan
# edit meanwhile goes in, the log stays short, the daemon's descriptors
# stay bounded; idle connections are closed after 10 s; POST gets 405
test_idle_connections() {
	local dir=$TMP/e11 py py2 lines0 fds out
	mkdir -p "$dir"
	version "$dir/ringguard.plan" 1
	edge_daemon "$dir/ringguard.plan"
	lines0=$(wc -l < "$LOG")
	idle_conns 1100 127.0.0.2 40 > "$TMP/idle.out"
	py=$!
	wait_for 30 grep -q "^open" "$TMP/idle.out"
	expect_match "1,100 connections made" "$(cat "$TMP/idle.out")" "^open 1100$"
	within "/healthz from another address answers during the flood" 5 healthy
	version "$dir/.new" 2
	mv "$dir/.new" "$dir/ringguard.plan"
	within "a plan edit during the flood is installed" 5 sha_is "$dir/ringguard.plan"
	fds=$(find "/proc/$DPID/fd" -mindepth 1 | wc -l)
	echo "        the daemon holds $fds descriptors during the flood"
	expect_match "the daemon's descriptors stay bounded (128 connections at most)" "$fds" "^([0-9]|[0-9][0-9]|1[0-9][0-9])$"
	# from the flood's own address: its 16 slots are held until the idle
	# timeout (10 s) frees them
	idle_conns 1100 127.0.0.1 40 > "$TMP/idle2.out"
	py2=$!
	wait_for 30 grep -q "^open" "$TMP/idle2.out"
	within "/healthz from the flooding address answers once idle ones time out" 30 healthy
	out=$(lab_ns node curl -s -m 5 -X POST -d x -D - -o /dev/null "http://127.0.0.1:$EPORT/metrics")
	expect_match "POST gets 405" "$out" "^HTTP/1.1 405"
	expect_match "with Allow: GET, HEAD" "$out" "Allow: GET, HEAD"
	kill "$py" "$py2" 2>/dev/null; wait "$py" "$py2" 2>/dev/null
	echo "        $(( $(wc -l < "$LOG") - lines0 )) log lines over 2,200 connections"
	expect_match "the log stays short" "$(( $(wc -l < "$LOG") - lines0 ))" "^([0-9]|[1-3][0-9])$"
	version "$dir/.new" 3
	mv "$dir/.new" "$dir/ringguard.plan"
	within "a plan edit after the flood is installed" 5 sha_is "$dir/ringguard.plan"
	stopped 5 || bad "SIGTERM after the flood"
}

# a plan edit that fails for want of descriptors is retried until it
# goes in (the daemon's limit lowered under it, then raised)
test_no_descriptors_retried() {
	local dir=$TMP/e11b free=0 lim r0
	mkdir -p "$dir"
	version "$dir/ringguard.plan" 1
	edge_daemon "$dir/ringguard.plan"
	r0=$(rg -j status | jq -r .rejects)
	# the lowest free descriptor as the limit: every open fails
	while [ -e "/proc/$DPID/fd/$free" ]; do free=$((free + 1)); done
	lim=$(prlimit --pid "$DPID" --nofile --raw -o SOFT,HARD --noheadings | tr -s ' ' ':' | sed 's/^://')
	prlimit --pid "$DPID" --nofile="$free:${lim#*:}"
	version "$dir/.new" 4
	mv "$dir/.new" "$dir/ringguard.plan"
	within "a read without descriptors is retried, not rejected" 5 log_has "Too many open files: retrying every second"
	sleep 1
	expect_eq "the rejects did not grow" "$(rg -j status | jq -r .rejects)" "$r0"
	expect_eq "and the edit is not in force yet" "$(sha_is "$dir/ringguard.plan" && echo yes || echo no)" "no"
	prlimit --pid "$DPID" --nofile="$lim"
	within "the edit goes in once descriptors are back" 5 sha_is "$dir/ringguard.plan"
	stopped 5 || bad "SIGTERM"
}

# the plan's directory moved away and a new one put in its place, and a
# symlinked config directory switched to a new release: later edits go in;
# ringguard_plan_file_differs says when the file is not the plan in force
test_plan_dir_swapped() {
	local top=$TMP/e12
	mkdir -p "$top/conf"
	version "$top/conf/ringguard.plan" 1
	edge_daemon "$top/conf/ringguard.plan"
	expect_eq "the file is the plan in force" "$(edge_metric ringguard_plan_file_differs)" "0"
	mv "$top/conf" "$top/conf.old"
	mkdir "$top/conf"
	version "$top/conf/ringguard.plan" 2
	within "mv of the directory + a new one: its plan goes in" 5 sha_is "$top/conf/ringguard.plan"
	version "$top/conf/ringguard.plan" 3
	within "and a later edit in the new directory" 5 sha_is "$top/conf/ringguard.plan"
	version "$top/conf.old/ringguard.plan" 9
	sleep 1.5
	expect_eq "an edit in the old directory is not followed" "$(rg -j status | jq -r .plan.sha256)" "$(sha256sum "$top/conf/ringguard.plan" | cut -c1-64)"
	printf 'zone broken\n' > "$top/conf/ringguard.plan"
	within "a rejected file: ringguard_plan_file_differs 1" 5 edge_metric_is ringguard_plan_file_differs 1
	version "$top/conf/ringguard.plan" 4
	within "fixed: 0 again" 5 edge_metric_is ringguard_plan_file_differs 0
	stopped 5 || bad "SIGTERM"

	# a symlinked config directory, switched the way a release is
	mkdir -p "$top/releases/r1" "$top/releases/r2"
	version "$top/releases/r1/ringguard.plan" 5
	ln -sfn releases/r1 "$top/current"
	edge_daemon "$top/current/ringguard.plan"
	within "the plan through the symlink goes in" 5 sha_is "$top/releases/r1/ringguard.plan"
	version "$top/releases/r2/ringguard.plan" 6
	ln -sfn releases/r2 "$top/current.tmp"
	mv -T "$top/current.tmp" "$top/current"
	within "the symlink switched: the new release's plan goes in" 5 sha_is "$top/releases/r2/ringguard.plan"
	version "$top/releases/r2/.new" 7
	mv "$top/releases/r2/.new" "$top/releases/r2/ringguard.plan"
	within "and a later edit in the new release" 5 sha_is "$top/releases/r2/ringguard.plan"
	stopped 5 || bad "SIGTERM"

	# a swap higher up the path, where no watch looks: the stat check
	mkdir -p "$top/deep/a/conf" "$top/deep/b/conf"
	version "$top/deep/a/conf/ringguard.plan" 8
	ln -sfn a "$top/deep/cur"
	edge_daemon "$top/deep/cur/conf/ringguard.plan"
	version "$top/deep/b/conf/ringguard.plan" 10
	ln -sfn b "$top/deep/cur.tmp"
	mv -T "$top/deep/cur.tmp" "$top/deep/cur"
	within "a swap two levels up is followed by the stat check" 5 sha_is "$top/deep/b/conf/ringguard.plan"
	expect_match "and logged" "$(cat "$LOG")" "changed where no watch saw it"
	stopped 5 || bad "SIGTERM"
}

# --- the pin directory is root's; one daemon owns a namespace ----------------

# These tests are about pins and owners, not the hook a device gets: they
# attach with --xdp native, so eth1's ingress is an XDP link to remove
# (--xdp auto puts a veth's ingress at tc).
#
# daemon_up [ARGS...]: a daemon on the live plan (started if none runs), up
# and watching; with VAR=VALUE words first, in its environment
daemon_up() {
	local n envs=()
	[ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null && return 0
	while [[ ${1:-} == *=* ]]; do envs+=("$1"); shift; done
	n=$(log_count watching 2>/dev/null)
	env "${envs[@]}" ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 \
		--xdp native "$@" >>"$LOG" 2>&1 &
	DPID=$!
	wait_for 10 log_count_is watching $((n + 1))
}
hooked_eth1() { tcx query eth1 | grep -q 'xdp=rg_xdp.*tcx=rg_tc'; }
# drops_of N: fc00 arriving on egress (eth1), N frames: "dropped/sent"
drops_of() {
	local d0 sent
	stats
	d0=$(ifc eth1 in dropped)
	read -r sent _ _ < <(inject gw g0 fd00:101::fffe fc00:101::11 -n "$1" -l 100)
	stats
	echo "$(( $(ifc eth1 in dropped) - d0 ))/$sent"
}
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
sq_dropped() {
	lab_ns node "$RG" --pin-dir "$SQ/ringguard" -j stats |
		jq -r '.interfaces[] | select(.name == "eth1") | .in.dropped'
}

# an unprivileged user who made the pin directories first (a bpffs mounted
# without mode= is 1777): attach and the daemon refuse, naming the owner and
# the fix, and attach nothing; once it is gone ringguard makes its own,
# root's and 0700, where that user can remove no pin
test_squatted_pin_dir_refused() {
	local ino pin out rc link d0
	stop_daemon
	SQ=$(mktemp -d /tmp/rgsq.XXXXXX)
	chmod 755 "$SQ"
	mount -t bpf -o mode=1777 bpf "$SQ" || { fail "cannot mount a bpffs at $SQ"; return; }
	ino=$(lab_ns node stat -L -c %i /proc/self/ns/net)
	pin=$SQ/ringguard/netns-$ino
	nobody mkdir -p "$pin/links" "$pin/maps" "$pin/progs"
	expect_eq "nobody made netns-$ino/links first" "$(stat -c %U "$pin/links")" "nobody"
	h0="$(tcx query eth0) $(tcx query eth1)"
	out=$(rg --pin-dir "$SQ/ringguard" attach --plan "$LIVE" --host solcp011 --xdp native 2>&1); rc=$?
	expect_eq "attach on the squatted directory fails" "$rc" "2"
	expect_match "naming the owner and the fix" "$out" \
		"^$SQ/ringguard belongs to uid 65534, not root: .*'rm -r $SQ/ringguard'.*mode=0700.*nothing was changed$"
	expect_eq "and attaches nothing" "$(tcx query eth0) $(tcx query eth1)" "$h0"
	expect_eq "nor pins anything" "$(find "$SQ/ringguard" ! -type d | wc -l)" "0"
	out=$(timeout 20 ip netns exec "${LAB}node" "$RG" --pin-dir "$SQ/ringguard" daemon \
		--plan "$LIVE" --host solcp011 2>&1); rc=$?
	expect_eq "the daemon refuses too" "$rc" "2"
	expect_match "with the same message" "$out" "belongs to uid 65534, not root"
	rm -r "$SQ/ringguard"
	nobody ln -s /tmp "$SQ/ringguard"
	out=$(rg --pin-dir "$SQ/ringguard" attach --plan "$LIVE" --host solcp011 --xdp native 2>&1)
	expect_match "a symbolic link in its place is refused" "$out" "$SQ/ringguard is a symbolic link"
	rm "$SQ/ringguard"
	mkdir -m 0777 "$SQ/ringguard"
	out=$(rg --pin-dir "$SQ/ringguard" attach --plan "$LIVE" --host solcp011 --xdp native 2>&1)
	expect_match "a directory of root's that others can write is refused" "$out" \
		"can be written by other users \(mode 0777\).*chmod 0700"
	rmdir "$SQ/ringguard"
	# the default pin directory may hold the suite's own state: out of the way
	lab_ns node "$RG" detach >/dev/null 2>&1
	out=$(rg --pin-dir "$SQ/ringguard" attach --plan "$LIVE" --host solcp011 --xdp native --mode enforce 2>&1) ||
		bad "attach where nobody came first" "$out"
	expect_eq "ringguard's directories are root's, 0700" \
		"$(stat -c '%U %a' "$SQ/ringguard" "$pin" "$pin/links" | tr '\n' ' ')" \
		"root 700 root 700 root 700 "
	link=$(find "$pin/links" -name 'xdp-*' | head -1)
	nobody rm -f "$link" 2>/dev/null
	expect_eq "nobody cannot remove a link pin" "$(test -e "$link" && echo kept)" "kept"
	d0=$(sq_dropped)
	read -r sent _ _ < <(inject gw g0 fd00:101::fffe fc00:101::11 -n 5 -l 100)
	expect_eq "fc00 on egress is dropped" "$(( $(sq_dropped) - d0 ))/$sent" "5/5"
	squat_down
}

# status and verify fail when a link pin is gone (it was "xdp-native"
# while nothing was on the hook); a daemon that starts on it attaches again
test_status_and_verify_fail_when_a_link_is_lost() {
	local pin idx out rc
	daemon_up
	stop_daemon			# enforcement stays pinned
	pin=$(rg -j status | jq -r .pin_dir)
	idx=$(lab_ns node cat /sys/class/net/eth1/ifindex)
	out=$(rg verify --host solcp011)
	expect_match "verify: eth1's hooks in place" "$(grep ' hook ' <<<"$out")" \
		"ok +hook +eth1 \(egress\): ringguard attached"
	rm "$pin/links/xdp-$idx"
	expect_eq "the link went with its pin" "$(tcx query eth1 | cut -d' ' -f1)" "xdp="
	out=$(rg status); rc=$?
	expect_eq "status exits 1" "$rc" "1"
	expect_match "status says so" "$out" \
		"lost +eth1: the XDP link is gone \($pin/links/xdp-$idx is not pinned\)"
	expect_match "eth1's row is not xdp-native" "$(grep '^eth1 ' <<<"$out")" " LOST .*NOT ENFORCED"
	expect_eq "status -j: eth0 hooked, eth1 not" \
		"$(rg -j status | jq -r '[.interfaces[] | "\(.name)=\(.hooked)"] | join(" ")')" \
		"eth0=true eth1=false"
	out=$(rg verify --host solcp011); rc=$?
	expect_eq "verify exits 1" "$rc" "1"
	expect_match "verify names the lost link" "$(grep ' hook ' <<<"$out")" \
		"FAIL +hook +eth1 \(egress\): not enforced: eth1: the XDP link is gone"
	daemon_up
	within "a daemon started on it attaches eth1 again" 5 hooked_eth1
	rg status >/dev/null; rc=$?
	expect_eq "then status exits 0" "$rc" "0"
}

# link pins removed (or a link detached) under a running daemon: it
# attaches again within seconds, and fc00 on egress is dropped again
test_pins_removed_under_the_daemon() {
	local pin idx id
	daemon_up
	rg mode enforce >/dev/null
	pin=$(rg -j status | jq -r .pin_dir)
	idx=$(lab_ns node cat /sys/class/net/eth1/ifindex)
	rm "$pin/links/xdp-$idx"
	within "the XDP link pin removed: attached again" 5 hooked_eth1
	within "the daemon said why" 5 log_has "eth1: the XDP link is gone"
	expect_eq "fc00 on egress dropped again" "$(drops_of 5)" "5/5"
	id=$(bpftool -j link show pinned "$pin/links/tc-$idx" | jq -r .id)
	bpftool link detach id "$id"
	within "a tcx link detached: attached again" 5 bash -c \
		"[ \"\$(bpftool -j link show pinned $pin/links/tc-$idx | jq -r .id)\" != $id ]"
	expect_match "the daemon said why" "$(grep 'tcx egress link' "$LOG" | tail -1)" \
		"detached from the interface|link is gone"
	expect_eq "status is clean" "$(rg -j status | jq -r '[.interfaces[].hooked] | all')" "true"
	rg mode monitor >/dev/null
}

# a second daemon (a unit and a pod by mistake, with another interface
# set) refuses, naming the first; it detaches nothing
test_second_daemon_refused() {
	local out rc
	daemon_up
	out=$(timeout 20 ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --mesh eth0 2>&1); rc=$?
	expect_eq "the second daemon exits 2" "$rc" "2"
	expect_match "naming the owner, and what to do" "$out" \
		"another ringguard daemon owns this network namespace \(pid $DPID; state in .*\): .*'kill $DPID'.*--standby"
	expect_eq "eth1 keeps its hooks" "$(hooked_eth1 && echo yes)" "yes"
	stop_daemon
	daemon_up POD_NAME=ringguard-x2x4q POD_NAMESPACE=ringguard
	out=$(timeout 20 ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 2>&1)
	expect_match "an owner in a pod is named by its pod" "$out" \
		"\(pid $DPID, pod ringguard/ringguard-x2x4q;.*kubectl -n ringguard delete pod ringguard-x2x4q"
	stop_daemon
}

# attach and detach under a running daemon refuse without --force; with
# it, the detach happens and the daemon exits non-zero instead of running
# on with nothing attached
test_cli_refused_under_a_daemon() {
	local out rc
	daemon_up
	out=$(rg detach 2>&1); rc=$?
	expect_eq "detach under a daemon exits 2" "$rc" "2"
	expect_match "naming the daemon and --force" "$out" \
		"a ringguard daemon owns this network namespace \(pid $DPID\): a detach would .*'kill $DPID'.*--force"
	expect_eq "and detaches nothing" "$(hooked_eth1 && echo yes)" "yes"
	out=$(rg attach --plan "$LIVE" --host solcp011 --xdp native 2>&1); rc=$?
	expect_match "attach under a daemon is refused the same way" "$rc $out" \
		"^2 a ringguard daemon owns this network namespace \(pid $DPID\): an attach would"
	out=$(rg detach --force 2>&1); rc=$?
	expect_eq "detach --force detaches" "$rc $(tcx query eth0) $(tcx query eth1)" \
		"0 xdp= tcx= xdp= tcx="
	within "the daemon exits" 5 bash -c "! kill -0 $DPID 2>/dev/null"
	wait "$DPID"; rc=$?
	DPID=
	expect_eq "non-zero" "$rc" "2"
	expect_match "saying why" "$(grep -E 'gone|removed' "$LOG" | tail -1)" \
		"(pinned state in .* is gone|hold on .* was removed).*exiting"
	out=$(rg attach --plan "$LIVE" --host solcp011 --xdp native 2>&1) || bad "attach with no daemon" "$out"
	rg detach >/dev/null
}

# --standby: waits while another daemon owns the namespace, and takes over
# when it exits, here one that detaches on exit
test_standby_takes_over() {
	local slog=$TMP/standby.log
	daemon_up --detach-on-exit
	ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 --xdp native \
		--standby >"$slog" 2>&1 &
	SP=$!
	within "the standby waits, naming the owner" 10 grep -q "standby: pid $DPID owns" "$slog"
	expect_eq "and attaches nothing meanwhile" "$(grep -c 'attach' "$slog")" "0"
	stop_daemon			# detaches on exit
	within "it takes over when the owner exits" 10 grep -q "taking over" "$slog"
	within "and attaches" 10 grep -q "watching" "$slog"
	expect_eq "eth1 hooked" "$(hooked_eth1 && echo yes)" "yes"
	DPID=$SP
	SP=
	stop_daemon
}

# Type=notify with WatchdogSec=: no WATCHDOG=1 while the daemon cannot put
# back a hook it lost (a foreign XDP program holds eth1, --xdp native), and
# again once it has
test_no_watchdog_while_not_enforcing() {
	local sock=$TMP/notify.sock pin idx py n t0 t1
	stop_daemon
	# a fresh attach, with --xdp native: an adopted state keeps its hooks
	rg detach >/dev/null 2>&1
	rm -f "$sock"
	python3 - "$sock" > "$TMP/notify.txt" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.time() + 30
while time.time() < end:
    try:
        m = s.recv(4096).decode().replace("\n", " ")
        print("%.3f %s" % (time.time(), m), flush=True)
    except socket.timeout:
        pass
EOF
	py=$!
	wait_for 5 test -S "$sock"
	n=$(log_count watching 2>/dev/null)
	ip netns exec "${LAB}node" env NOTIFY_SOCKET="$sock" WATCHDOG_USEC=400000 \
		"$RG" daemon --plan "$LIVE" --host solcp011 --xdp native \
		--metrics "127.0.0.1:$EPORT" >>"$LOG" 2>&1 &
	DPID=$!
	wait_for 10 log_count_is watching $((n + 1))
	pin=$(rg -j status | jq -r .pin_dir)
	idx=$(lab_ns node cat /sys/class/net/eth1/ifindex)
	wait_for 5 grep -q WATCHDOG=1 "$TMP/notify.txt"
	# while the daemon is stopped its link goes, another program takes the hook
	kill -STOP "$DPID"
	rm "$pin/links/xdp-$idx"
	tcx attach "$TPROGS" xdp_count eth1 xdp "$PINX"
	kill -CONT "$DPID"
	within "the daemon says it is not enforcing" 5 log_has "not enforcing what this daemon reports"
	t0=$(date +%s.%N)
	sleep 3
	# (a second's grace: a datagram sent before may be printed late)
	expect_eq "no WATCHDOG=1 while it is not" \
		"$(awk -v t="$t0" '$1 > t + 1 && /WATCHDOG=1/' "$TMP/notify.txt" | wc -l)" "0"
	expect_match "its STATUS= says why" "$(grep 'STATUS=not enforcing' "$TMP/notify.txt" | tail -1)" \
		"STATUS=not enforcing: eth1: (the XDP link is gone|present, but ringguard could not attach)"
	expect_eq "ringguard_hooks_in_place says so" "$(edge_metric ringguard_hooks_in_place)" "0"
	within "after 15 s of it /healthz fails (a kubelet restarts it)" 25 not_enforcing_shows
	lab_ns node "$TCX" xdp-off eth1
	rm -rf "$PINX"
	within "the hook is back once that program is gone" 10 hooked_eth1
	within "ringguard_hooks_in_place 1 again" 5 edge_metric_is ringguard_hooks_in_place 1
	within "and /healthz ok" 5 healthy
	t1=$(date +%s.%N)
	within "and WATCHDOG=1 with it" 5 bash -c \
		"awk -v t=$t1 '\$1 > t && /WATCHDOG=1/' $TMP/notify.txt | grep -q ."
	stop_daemon
	kill "$py" 2>/dev/null
	wait "$py" 2>/dev/null || :
}

run_tests faults "${@:2}"
