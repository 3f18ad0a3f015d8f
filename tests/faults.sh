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

teardown() {
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
	start_daemon
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
	local rev=$1 layout=$2 migrated=$3 repo old sent o0 d0 n
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
	start_daemon
	within "layout $layout: the new daemon adopts it" 10 log_count_is "adopted pinned" $((n + 1))
	expect_match "and migrates its counters" "$(grep 'migrated map' "$LOG" | tail -4 | tr '\n' ' ')" \
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

run_tests faults "${@:2}"
