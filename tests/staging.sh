#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# staging.sh - the staging -> production tools on the lab node: live events
# for the violations we send, replay of a capture taken in the lab agreeing
# with the live counters, the enforce rollout timer reverting with no
# ringguard process alive, stats --sort/--tree/--watch, and Prometheus
# metrics (stats --prometheus, daemon --metrics) passing promtool.
#
# usage: tests/staging.sh OUTPUT_DIR [TEST...]     (run as root; TEST: a name or glob)
set -u

OUT=${1:-.output}
LAB="rgs$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PIDS=()
teardown() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	lab_ns node "$RG" detach >/dev/null 2>&1
	lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

echo "staging: events, replay, the rollout timer, stats views, metrics"
lab_up

# the lab node attached in monitor mode: every test below builds on it
test_attach() {
	rg attach --plan "$PLAN" --host solcp011 >/dev/null 2>&1
	expect_eq "attached in monitor mode" "$(rg mode)" "monitor"
}

# live events for violations, rate-limited, and the listener's lease
test_events() {
	ip netns exec "${LAB}node" "$RG" -j events --count 31 > "$TMP/events.json" 2>"$TMP/events.err" &
	PIDS+=($!)
	evpid=$!
	sleep 0.5
	inject gw g0 fd00:101::fffe fc00:20::7 -n 5 -l 120 >/dev/null	# fc00 arriving on egress
	inject mesh m0 fd00:10::5 fd00:101::11 -n 5 -l 130 >/dev/null	# fd00 across the mesh
	inject mesh m0 fc00:101::fffe fc00:101::11 -n 50 -l 100 >/dev/null	# fine: no events
	inject node eth1 fc00:101::11 fd00:10::fffe -n 40 -l 140 >/dev/null	# a flood: rate-limited
	sleep 1.2
	inject node eth1 fc00:101::11 fd00:10::fffe -n 1 -l 140 >/dev/null	# next second: reports the rest
	sleep 0.5
	kill "$evpid" 2>/dev/null
	wait "$evpid" 2>/dev/null
	ev() { jq -c -r "$1" "$TMP/events.json" 2>/dev/null; }
	expect_eq "events: fc00 arriving on egress" "$(ev 'select(.interface=="eth1" and .direction=="in") | "\(.rule) \(.dst) \(.dst_bucket) \(.length) \(.verdict)"' | sort -u)" "fc00-leak-on-egress fc00:20::7 ceph-public 120 would drop"
	expect_eq "events: fd00 across the mesh" "$(ev 'select(.interface=="eth0") | "\(.rule) \(.src_bucket) \(.src_breaks) \(.dst_bucket)"' | sort -u)" "fd00-transit-on-mesh pve-mgmt true solcp011-egress"
	expect_eq "events: none for allowed traffic" "$(ev 'select(.src=="fc00:101::fffe")' | wc -l)" "0"
	expect_eq "events: a flood is rate-limited to 20 per bucket per second" "$(ev 'select(.direction=="out" and .suppressed==0)' | wc -l)" "20"
	expect_eq "events: and what was suppressed is reported" "$(ev 'select(.direction=="out") | .suppressed' | sort -n | tail -1)" "20"
	sleep 3.2
	expect_eq "events: with the listener gone, the datapath stops emitting (lease expired)" "$(rg -j status | jq -r .events_listener)" "false"
}

# the listener's lease renewal caught between its start and its write (the
# test build pauses it, user/lib/testhook.h): a mode change made meanwhile
# stays; the lease is its own entry, not a copy of the whole config
test_events_lease_keeps_a_mode_change() {
	local hooked evpid
	hooked="$(realpath "$OUT/ringguard-hooks")"
	[ -x "$hooked" ] || { fail "no $hooked: make $OUT/ringguard-hooks"; return; }
	rg mode monitor >/dev/null 2>&1
	ip netns exec "${LAB}node" env RG_FAULT_LEASE_PAUSE_MS=1500 "$hooked" events \
		> /dev/null 2>"$TMP/lease.err" &
	evpid=$!
	PIDS+=("$evpid")
	sleep 0.5			# inside its first renewal's pause
	rg mode enforce >/dev/null 2>&1
	expect_eq "mode enforce during the renewal" "$(rg mode 2>/dev/null)" "enforce"
	sleep 1.5			# the renewal is written by now (and the next one paused)
	expect_eq "the listener's lease is in force" "$(rg -j status | jq -r .events_listener)" "true"
	expect_eq "and the mode change stays: the renewal did not write the old mode back" "$(rg mode 2>/dev/null)" "enforce"
	rg mode monitor >/dev/null 2>&1
	expect_eq "a second change during a renewal stays too" "$(sleep 1.6; rg mode 2>/dev/null)" "monitor"
	kill "$evpid" 2>/dev/null
	wait "$evpid" 2>/dev/null
}

# a capture taken in the lab, replayed offline, agrees with the live counters
test_replay_agrees_with_live() {
	ip netns exec "${LAB}node" tcpdump -Q in -i eth1 -w "$TMP/eth1.pcap" -U -s 0 2>/dev/null &
	PIDS+=($!)
	tdpid=$!
	sleep 1
	stats
	p0=$(ifc eth1 in packets); v0=$(ifc eth1 in violations); b0=$(ifc eth1 in bytes)
	inject gw g0 fd00:101::fffe fd00:101::11 -n 30 -l 200 >/dev/null
	inject gw g0 fd00:101::fffe fc00:20::1 -n 12 -l 300 >/dev/null
	inject gw g0 fc00:21::3 fd00:101::11 -n 7 -l 90 >/dev/null
	inject gw g0 10.244.1.5 10.96.0.10 -n 4 -l 80 >/dev/null
	sleep 1
	kill -INT "$tdpid"; wait "$tdpid" 2>/dev/null
	stats
	live_p=$(( $(ifc eth1 in packets) - p0 )); live_v=$(( $(ifc eth1 in violations) - v0 )); live_b=$(( $(ifc eth1 in bytes) - b0 ))
	lab_ns node "$RG" -j replay --plan "$PLAN" --role egress --dir in "$TMP/eth1.pcap" > "$TMP/replay.json"
	expect_eq "replay exits 1 when something would drop" "$?" "1"
	expect_eq "replay: frames and bytes equal the live counters" "$(jq -r '"\(.frames) \(.bytes)"' "$TMP/replay.json")" "$live_p $live_b"
	expect_eq "replay: would-drop equals the live violations" "$(jq -r .would_drop "$TMP/replay.json")" "$live_v"
	expect_eq "replay: per bucket and rule" "$(jq -r '[.buckets[] | "\(.name):\(.packets):\(.rule)"] | sort | join(" ")' "$TMP/replay.json")" "pve01-ceph-public:12:fc00-leak-on-egress pve03-ceph-cluster:7:fc00-leak-on-egress"
	out=$(lab_ns node "$RG" replay -v --plan "$PLAN" --role egress --dir out "$TMP/eth1.pcap")
	expect_match "replay -v: a line per frame, through tc" "$out" "fc00:21::3 \(pve03-ceph-cluster\) -> fd00:101::11 \(solcp011-egress\)  WOULD DROP"
	lab_ns node "$RG" replay --plan "$PLAN" --role mesh "$TMP/eth1.pcap" >/dev/null
	expect_eq "replay as mesh: fd00 frames would drop" "$?" "1"
	printf 'zone internal mesh fc00::/8\n' > "$TMP/tiny.plan"
	lab_ns node "$RG" replay --plan "$TMP/tiny.plan" --role mesh "$TMP/eth1.pcap" >/dev/null
	expect_eq "replay exits 0 when nothing would drop" "$?" "0"
	expect_match "replay: a missing capture fails clearly" "$(lab_ns node "$RG" replay --plan "$PLAN" --role mesh /nonexistent.pcap 2>&1)" "cannot read capture"
}

# mode enforce --confirm-within reverts by itself, with no process alive
test_rollout_timer_reverts() {
	out=$(rg mode enforce --confirm-within 2)
	expect_match "mode enforce --confirm-within" "$out" "reverting to monitor in [12] s"
	expect_match "status shows the deadline" "$(rg status)" "reverts to monitor in [0-9]+ s"
	stats; d0=$(ifc eth1 in dropped)
	inject gw g0 fd00:101::fffe fc00:20::1 -n 5 -l 100 >/dev/null
	stats
	expect_eq "before the deadline: enforced" "$(( $(ifc eth1 in dropped) - d0 ))" "5"
	# in the node's namespace (other namespaces may run their own)
	if ip netns pids "${LAB}node" | xargs -r ps -o comm= -p | grep -qx ringguard; then
		bad "no ringguard process may be running in the node's namespace"
	else
		ok "no ringguard process is running in the node's namespace"
	fi
	sleep 2.3
	stats; d0=$(ifc eth1 in dropped); v0=$(ifc eth1 in violations)
	inject gw g0 fd00:101::fffe fc00:20::1 -n 5 -l 100 >/dev/null
	stats
	expect_eq "past the deadline: reverted to monitor by itself" "$(( $(ifc eth1 in dropped) - d0 ))/$(( $(ifc eth1 in violations) - v0 ))" "0/5"
	expect_match "mode says so" "$(rg mode)" "^monitor \(the enforce confirmation deadline passed\)"
	expect_match "a late confirm is refused" "$(rg mode confirm 2>&1)" "too late"
}

# a confirm in time keeps enforce past the deadline
test_rollout_confirm_keeps_enforce() {
	rg mode enforce --confirm-within 2 >/dev/null
	expect_eq "a confirm in time keeps enforce" "$(rg mode confirm)" "enforce (confirmed)"
	sleep 2.3
	expect_eq "and it stays enforced" "$(rg mode)" "enforce"
	rg mode monitor >/dev/null
}

# stats --tree, --sort and --watch
test_stats_views() {
	out=$(rg stats --tree)
	expect_match "stats --tree indents prefixes under their zone" "$out" "^  ceph-public"
	tree_zone=$(rg stats --tree --all | awk '$1=="internal" {print $7}')
	flat_sum=$(rg -j stats | jq '[.buckets[] | select(.zone=="internal") | .dst.packets] | add')
	expect_eq "stats --tree rolls counters up to the zone" "$tree_zone" "$flat_sum"
	worst=$(rg -j stats | jq -r '.buckets | max_by(.violations.packets) | .name')
	out=$(rg stats --sort violations | sed -n 4p)
	expect_match "stats --sort violations puts the worst first" "$out" "^$worst "
	ip netns exec "${LAB}mesh" "$INJECT" m0 fc00:101::fffe fc00:101::11 -n 200000 -l 100 >/dev/null &
	PIDS+=($!)
	out=$(timeout 3.5 ip netns exec "${LAB}node" "$RG" stats --watch 1)
	expect_match "stats --watch shows live rates" "$out" "eth0 +mesh +in +[0-9.]+[kM]? +[0-9.]+[kMG]?b"
}

# stats --prometheus and daemon --metrics pass promtool
test_metrics() {
	have_cmd promtool || { skip "no promtool (Debian package prometheus)"; return; }
	rg stats --prometheus > "$TMP/metrics.txt"
	promtool check metrics < "$TMP/metrics.txt" > "$TMP/promtool.out" 2>&1
	expect_eq "stats --prometheus passes promtool check metrics" "$?/$(cat "$TMP/promtool.out")" "0/"
	expect_match "with bucket, cidr and zone labels" "$(cat "$TMP/metrics.txt")" '^ringguard_bucket_packets_total\{bucket="ceph-public",kind="prefix",cidr="fc00:20::/64",zone="internal",side="dst"\} [0-9]+$'
	expect_match "and interface, direction labels" "$(cat "$TMP/metrics.txt")" '^ringguard_interface_dropped_total\{interface="eth1",role="egress",direction="in"\} [0-9]+$'
	ip netns exec "${LAB}node" "$RG" daemon --plan "$PLAN" --host solcp011 --metrics 19464 >"$TMP/daemon.log" 2>&1 &
	PIDS+=($!)
	MPID=$!
	for i in $(seq 50); do grep -q "metrics on" "$TMP/daemon.log" && break; sleep 0.1; done
	lab_ns node curl -sf http://127.0.0.1:19464/metrics > "$TMP/scrape.txt"
	expect_eq "daemon --metrics serves /metrics on localhost" "$?" "0"
	promtool check metrics < "$TMP/scrape.txt" > "$TMP/promtool2.out" 2>&1
	expect_eq "and promtool accepts it" "$?/$(cat "$TMP/promtool2.out")" "0/"
	expect_match "with the plan generation" "$(cat "$TMP/scrape.txt")" "^ringguard_plan_generation [0-9]+$"
}

# interface names the kernel allows but the text format must escape ('"',
# '\\', '{', and a byte that is not UTF-8): /metrics and stats
# --prometheus still pass promtool, so the node's scrape does not fail
test_metrics_hostile_names() {
	have_cmd promtool || { skip "no promtool (Debian package prometheus)"; return; }
	local a='p"1\{' b=$'q\\"\xff'
	[ -n "${MPID:-}" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	lab_ns node ip link add "$a" type veth peer name "$b" || { fail "ip link add '$a'"; return; }
	lab_ns node ip link set "$a" up
	lab_ns node ip link set "$b" up
	ip netns exec "${LAB}node" "$RG" daemon --plan "$PLAN" --mesh eth0 --egress eth1 \
		--mesh "$a" --egress "$b" --metrics 19465 >"$TMP/daemon2.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 100); do grep -q "watching" "$TMP/daemon2.log" && break; sleep 0.1; done
	lab_ns node curl -sf http://127.0.0.1:19465/metrics > "$TMP/scrape2.txt"
	expect_match "the hostile names are attached and exported" "$(grep -cF 'ringguard_interface_packets_total{interface="p\"1\\{"' "$TMP/scrape2.txt")" "^2$"
	promtool check metrics < "$TMP/scrape2.txt" > "$TMP/promtool3.out" 2>&1
	expect_eq "promtool accepts /metrics with them" "$?/$(cat "$TMP/promtool3.out")" "0/"
	rg stats --prometheus > "$TMP/metrics3.txt"
	promtool check metrics < "$TMP/metrics3.txt" > "$TMP/promtool4.out" 2>&1
	expect_eq "and stats --prometheus with them" "$?/$(cat "$TMP/promtool4.out")" "0/"
	expect_match "the name that is not UTF-8 shows U+FFFD" "$(grep -cF $'ringguard_interface_packets_total{interface="q\\\\\\"\xef\xbf\xbd"' "$TMP/metrics3.txt")" "^2$"
	kill "${PIDS[-1]}" 2>/dev/null; wait "${PIDS[-1]}" 2>/dev/null
	lab_ns node ip link del "$a"
}

run_tests staging "${@:2}"
