#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# netns.sh - ringguard on real veths in network namespaces: the lab node
# (eth0 mesh at MTU 9000, eth1 egress) with a mesh peer and the gateway.
# Real frames in both directions, monitor then enforce, exact counters,
# jumbo and VLAN-tagged frames, sync under traffic, detach leaving nothing;
# a program put before ringguard in a tcx chain, and ringguard's links
# detached under it: the daemon takes the head back and attaches again.
#
# usage: tests/netns.sh OUTPUT_DIR [TEST...]     (run as root; TEST: a name or glob)
set -u

OUT=${1:-.output}
LAB="rgt$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

teardown() {
	[ -n "$DPID" ] && kill -CONT "$DPID" 2>/dev/null
	stop_daemon
	capture_stop
	lab_ns node "$RG" detach >/dev/null 2>&1
	lab_ns node "$TCX" xdp-off eth0 2>/dev/null
	rm -rf /sys/fs/bpf/rgt$$-*
	lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

echo "netns: ringguard on a lab node (eth0 mesh MTU 9000, eth1 egress)"
lab_up

# attach refuses what it cannot do, clearly, and leaves nothing attached
test_attach_errors() {
	out=$(rg attach --plan "$TMP/missing.plan" --host solcp011 2>&1)
	expect_match "attach with a missing plan file fails clearly" "$out" "cannot read plan: No such file"
	printf 'zone internal mesh fc00::/8\nprefix bad fc00::1/64\nhost solcp011 mesh eth0 egress eth9\n' > "$TMP/bad.plan"
	out=$(rg attach --plan "$TMP/bad.plan" 2>&1)
	expect_match "attach with an invalid plan reports FILE:LINE" "$out" "bad.plan:2: host bits set"
	out=$(rg attach --plan "$PLAN" --mesh eth0 --egress eth9 2>&1)
	expect_match "attach to a missing interface fails clearly" "$out" "interface eth9 not found"
	out=$(rg status 2>&1)
	expect_match "and leaves nothing attached" "$out" "not attached"
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$RG" status 2>&1)
	expect_match "a non-root user gets a clear error" "$out" "needs root"
}

# attach by host line: roles, hooks, the plan's hash, the pin directory
# (every test below runs on this attach)
test_attach_by_host() {
	out=$(rg attach --plan "$PLAN" --host solcp011)
	expect_match "attach by host line" "$out" "attached to 2 interfaces in monitor mode"
	expect_match "attach says where ingress is hooked, and why" "$out" "eth0: attached as mesh \\(ifindex [0-9]+\\), ingress: tc \\(veth: "
	out=$(rg attach --plan "$PLAN" --host solcp011 2>&1)
	expect_match "a second attach is refused" "$out" "already attached"
	rg -j status > "$TMP/status.json"
	expect_eq "eth0 is mesh, ingress at tc: auto's choice on a veth" "$(jq -r '.interfaces[0] | "\(.name) \(.role) \(.ingress) \(.mtu)"' "$TMP/status.json")" "eth0 mesh tc 9000"
	expect_match "status -j says why: the skb exists already on a veth" "$(jq -r '.interfaces[0].hook_reason' "$TMP/status.json")" \
		"^ingress: tc \\(veth: the skb exists already; native XDP would copy"
	expect_match "status says it on eth0's line" "$(rg status | grep '^eth0 ')" "tc-ingress .*ingress: tc \\(veth: the skb exists already"
	expect_eq "eth1 is egress, tc via tcx" "$(jq -r '.interfaces[1] | "\(.name) \(.role) \(.tc)"' "$TMP/status.json")" "eth1 egress tcx"
	expect_match "the kernel shows both programs on eth1, ingress at tc" "$(tcx query-in eth1)" "^xdp= tcxin=rg_tc_in:[0-9]+$"
	expect_eq "status shows the plan's sha256" "$(jq -r .plan.sha256 "$TMP/status.json")" "$(sha256sum "$PLAN" | cut -d' ' -f1)"
	out=$(nsenter --net="/run/netns/${LAB}node" "$RG" -j status | jq -r .plan.generation)
	expect_eq "nsenter --net finds the same state" "$out" "1"
	pin=$(jq -r .pin_dir "$TMP/status.json")
	expect_eq "pin directory is mode 0700" "$(stat -c %a "${pin#/proc/*/root}" 2>/dev/null || stat -c %a "$pin")" "700"
}

# real pings over the mesh and egress in monitor mode
test_ping_in_monitor_mode() {
	lab_ns node ping -6 -c 3 -i 0.2 -W 1 fc00:20::1 >/dev/null
	expect_eq "ping to Ceph over the mesh works" "$?" "0"
	lab_ns node ping -6 -c 2 -i 0.2 -W 1 fd00:10::fffe >/dev/null
	expect_eq "ping to management over egress works" "$?" "0"
	stats
	expect_match "Ceph monitor counted as destination" "$(bkt pve01-ceph-public dst packets)" "^[3-9]$"
	expect_eq "no violations on legit traffic" "$(ifc eth0 out violations)+$(ifc eth1 out violations)" "0+0"
}

# exact counters: frames from the mesh peer into eth0 (XDP)
test_counters_xdp() {
	s0=$(ifc eth0 in bytes); p0=$(ifc eth0 in packets); g0=$(bkt k8s-mesh-anycast-gw src packets)
	read -r sent failed len < <(inject mesh m0 fc00:101::fffe fc00:101::11 -n 500 -l 1000)
	stats
	expect_eq "eth0 in: packets equal frames received" "$(( $(ifc eth0 in packets) - p0 ))" "$sent"
	expect_eq "eth0 in: bytes equal bytes sent" "$(( $(ifc eth0 in bytes) - s0 ))" "$(( sent * len ))"
	expect_eq "anycast gw bucket counts them as source" "$(( $(bkt k8s-mesh-anycast-gw src packets) - g0 ))" "$sent"
}

# exact counters: frames out of eth1 (tc)
test_counters_tc() {
	s0=$(ifc eth1 out bytes); v0=$(bkt k8s-egress-gw dst packets)
	read -r sent failed len < <(inject node eth1 fd00:101::11 fd00:101::fffe -n 300 -l 700)
	stats
	expect_eq "eth1 out: bytes equal bytes sent" "$(( $(ifc eth1 out bytes) - s0 ))" "$(( (sent + failed) * len ))"
	expect_eq "egress gw bucket counts them as destination" "$(( $(bkt k8s-egress-gw dst packets) - v0 ))" "$(( sent + failed ))"
}

# jumbo frames, both directions
test_jumbo_frames() {
	s0=$(ifc eth0 in bytes); o0=$(ifc eth0 out bytes)
	read -r sent failed len < <(inject mesh m0 fc00:101::fffe fc00:101::11 -n 50 -l 9014)
	read -r sent2 failed2 len2 < <(inject node eth0 fc00:101::11 fc00:20::1 -n 50 -l 9014)
	stats
	expect_eq "jumbo frames in: full length counted (ingress)" "$(( $(ifc eth0 in bytes) - s0 ))" "$(( sent * 9014 ))"
	expect_eq "jumbo frames out: full length counted (tc)" "$(( $(ifc eth0 out bytes) - o0 ))" "$(( (sent2 + failed2) * 9014 ))"
	lab_ns node ping -6 -c 2 -i 0.2 -W 1 -M do -s 8952 fc00:20::1 >/dev/null
	expect_eq "a 9000-byte ping crosses the mesh" "$?" "0"
}

# VLAN: one to four in-band tags (0x8100, 0x88a8, 0x9100) classify at XDP,
# five are malformed (unreadable; monitor mode passes them)
test_vlan_in_band() {
	p0=$(bkt ceph-public dst packets); m0=$(ifc eth0 in malformed)
	inject mesh m0 fc00:101::fffe fc00:20::9 -n 10 -l 200 -t 8100 >/dev/null
	inject mesh m0 fc00:101::fffe fc00:20::9 -n 10 -l 200 -t 88a8,8100 >/dev/null
	inject mesh m0 fc00:101::fffe fc00:20::9 -n 10 -l 200 -t 88a8,8100,8100 >/dev/null
	inject mesh m0 fc00:101::fffe fc00:20::9 -n 10 -l 200 -t 9100,88a8,8100,8100 >/dev/null
	inject mesh m0 fc00:101::fffe fc00:20::9 -n 10 -l 200 -t 88a8,8100,8100,8100,8100 >/dev/null
	stats
	expect_eq "1 to 4 VLAN tags classify at ingress" "$(( $(bkt ceph-public dst packets) - p0 ))" "40"
	expect_eq "5 tags are malformed" "$(( $(ifc eth0 in malformed) - m0 ))" "10"
	expect_eq "and pass in monitor mode" "$(ifc eth0 in dropped)" "0"
}

# a VLAN tag held out of band classifies the same at tc
test_vlan_out_of_band() {
	kernel_has tcx || { skip "the kernel has no tcx (6.6+) for the neighbour program"; return; }
	# A VLAN device with tx offload hands tc the outer tag out of band; a
	# neighbour program that pushes a tag at the head of the chain does the same
	# (and works where the kernel has no 802.1Q module).
	PINX="/sys/fs/bpf/rgt$$-vlan"
	tcx attach "$TPROGS" vlan_push eth0 head "$PINX"
	p0=$(bkt ceph-public dst packets); o0=$(ifc eth0 out bytes); m0=$(ifc eth0 out malformed)
	inject node eth0 fc00:101::11 fc00:20::9 -n 10 -l 300 >/dev/null
	inject node eth0 fc00:101::11 fc00:20::9 -n 10 -l 300 -t 88a8,8100,8100 >/dev/null
	inject node eth0 fc00:101::11 fc00:20::9 -n 10 -l 300 -t 88a8,8100,8100,8100 >/dev/null
	stats
	tcx detach "$PINX"
	expect_eq "an out-of-band tag classifies the same at tc, with up to 3 in-band ones" "$(( $(bkt ceph-public dst packets) - p0 ))" "20"
	expect_eq "and its 4 bytes count" "$(( $(ifc eth0 out bytes) - o0 ))" "$(( 30 * 304 ))"
	expect_eq "out-of-band tag + 4 in-band tags are malformed" "$(( $(ifc eth0 out malformed) - m0 ))" "10"
}

# programs after ringguard (tcx tail, like Cilium; a clsact filter) see what it passes
test_programs_after_ringguard() {
	kernel_has tcx || { skip "the kernel has no tcx (6.6+)"; return; }
	# a program after ringguard (tail of tcx, like Cilium) and a legacy clsact
	# filter keep seeing what ringguard passes, and only that
	PINT="/sys/fs/bpf/rgt$$-tail"
	PINC="/sys/fs/bpf/rgt$$-cls"
	tcx attach "$TPROGS" count eth1 tail "$PINT"
	tcx attach "$TPROGS" count eth1 clsact "$PINC"
	inject node eth1 fd00:101::11 fd00:101::fffe -n 25 -l 100 >/dev/null
	expect_eq "a tcx program after ringguard sees passed traffic" "$(tcx count "$PINT")" "25"
	expect_eq "a clsact filter sees it too" "$(tcx count "$PINC")" "25"
}

# truncated and non-IP frames through tc
test_truncated_and_non_ip() {
	m0=$(ifc eth1 out malformed); x0=$(ifc eth1 out other)
	inject node eth1 fd00:101::11 fd00:10::1 -n 5 -c 40 >/dev/null
	inject node eth1 --ethertype 0x88cc -n 7 -l 60 >/dev/null
	stats
	expect_eq "truncated IPv6 at tc is malformed" "$(( $(ifc eth1 out malformed) - m0 ))" "5"
	expect_eq "LLDP at tc is other" "$(( $(ifc eth1 out other) - x0 ))" "7"
}

# a misrouted fc00 flow: monitor counts it, drops nothing
test_leak_counted_in_monitor() {
	lab_ns node ip -6 route replace fc00:20::/64 via fd00:101::fffe dev eth1
	v0=$(ifc eth1 out violations); c0=$(bkt pve01-ceph-public violations packets)
	lab_ns node ping -6 -c 3 -i 0.2 -W 1 fc00:20::1 >/dev/null 2>&1
	stats
	expect_eq "monitor: the leak is counted on eth1" "$(( $(ifc eth1 out violations) - v0 ))" "3"
	expect_eq "monitor: and in the Ceph bucket" "$(( $(bkt pve01-ceph-public violations packets) - c0 ))" "3"
	expect_eq "monitor: nothing dropped" "$(ifc eth1 out dropped)" "0"
}

# enforce drops the misrouted flow on eth1 egress
test_enforce_drops_the_leak() {
	expect_eq "mode switch to enforce" "$(rg mode enforce)" "enforce"
	v0=$(ifc eth1 out violations)
	lab_ns node ping -6 -c 3 -i 0.2 -W 1 fc00:20::1 >/dev/null 2>&1
	expect_eq "enforce: the leaking ping gets no answer" "$?" "1"
	stats
	# ping retries a send that fails with ENOBUFS, so count attempts, not pings
	expect_match "enforce: the leak is dropped on eth1 egress" "$(ifc eth1 out dropped)" "^([3-9]|[1-9][0-9]+)$"
	expect_eq "enforce: every violation dropped" "$(ifc eth1 out dropped)" "$(( $(ifc eth1 out violations) - v0 ))"
}

# enforce at XDP: fc00 arriving on egress and fd00 transiting the mesh
# dropped, the plan's exceptions pass
test_enforce_at_xdp() {
	read -r sent failed len < <(inject gw g0 fd00:101::fffe fc00:101::11 -n 20 -l 100)
	stats
	expect_eq "enforce: fc00 arriving on egress dropped at ingress" "$(ifc eth1 in dropped)" "20"
	d0=$(ifc eth0 in dropped)
	inject mesh m0 fd00:10::5 fd00:101:44::9 -n 20 -l 100 >/dev/null
	inject mesh m0 fd00:255:101::12 fd00:255:101::11 -n 20 -l 100 >/dev/null
	stats
	expect_eq "enforce: fd00 transiting the mesh is dropped" "$(( $(ifc eth0 in dropped) - d0 ))" "20"
	expect_eq "enforce: pods and IS-IS loopbacks on the mesh pass" "$(bkt solcp011-lo dst packets)" "20"
}

# enforce at tc egress: fc00 behind 3 VLAN tags is read and dropped; behind
# 5, or with its IPv6 header cut short after a tag, it is unreadable and
# dropped; none of it reaches the gateway. LLDP and legit traffic do (the
# legit frame, sent last, marks the end of the capture).
test_enforce_unreadable_at_tc() {
	have_cmd tcpdump || { skip "no tcpdump to watch the gateway"; return; }
	local n=5 d0 m0
	stats
	d0=$(ifc eth1 out dropped); m0=$(ifc eth1 out malformed)
	capture_start gw g0 || { bad "tcpdump listens at the gateway" "$(cat "$TMP/cap.err")"; return; }
	inject node eth1 fd00:101::11 fc00:20::1 -n $n -l 200 -t 8100,8100,8100 >/dev/null
	inject node eth1 fd00:101::11 fc00:20::1 -n $n -l 200 -t 9100,88a8,8100,8100,8100 >/dev/null
	inject node eth1 fc00:101::11 fc00:20::1 -n $n -l 200 -t 8100 -c 50 >/dev/null
	inject node eth1 --ethertype 0x88cc -n 3 -l 60 >/dev/null
	inject node eth1 fd00:101::11 fd00:101::fffe -n 1 -l 100 >/dev/null
	wait_ms 5000 test "$(captured)" -ge 4
	expect_eq "enforce: of the tagged and cut fc00 frames none reaches the gateway (LLDP and the marker do)" \
		"$(captured)" "4"
	capture_stop
	stats
	expect_eq "enforce: all $((3 * n)) dropped at eth1 egress" "$(( $(ifc eth1 out dropped) - d0 ))" "$((3 * n))"
	expect_eq "enforce: the 5-tag and the cut ones counted malformed" \
		"$(( $(ifc eth1 out malformed) - m0 ))" "$((2 * n))"
}

# a dropped leak never reaches the program after ringguard
test_drop_never_reaches_next_program() {
	[ -e "${PINT:-}" ] || { skip "no program after ringguard (programs_after_ringguard did not attach one)"; return; }
	n0=$(tcx count "$PINT")
	inject node eth1 fd00:101::11 fc00:20::1 -n 5 -l 100 >/dev/null
	expect_eq "enforce: a dropped leak never reaches the next program" "$(tcx count "$PINT")" "$n0"
	tcx detach "$PINT"
	tcx detach "$PINC"
	lab_ns node tc qdisc del dev eth1 clsact
}

# the fixed route works in enforce mode
test_fixed_route_works() {
	lab_ns node ip -6 route replace fc00:20::/64 via fc00:101::fffe dev eth0
	lab_ns node ping -6 -c 2 -i 0.2 -W 1 fc00:20::1 >/dev/null
	expect_eq "enforce: the fixed route works" "$?" "0"
	rg mode monitor >/dev/null
}

# 20 syncs under 20,000 packets: exact counters, no violations;
# an invalid plan changes nothing
test_sync_under_traffic() {
	sed 's/^prefix k8s-lb-pool .*/&\nprefix lab-extra fd00:beef::\/64/' "$PLAN" > "$TMP/plan2"
	out=$(rg sync --plan "$TMP/bad.plan" 2>&1)
	expect_match "sync rejects an invalid plan" "$out" "nothing was changed"
	expect_eq "and the live plan stays" "$(rg -j status | jq -r .plan.generation)" "1"
	stats
	c0=$(bkt pve01-ceph-public dst packets)
	lab_ns node "$INJECT" eth0 fc00:101::11 fc00:20::1 -n 20000 -l 128 > "$TMP/inject.out" &
	ipid=$!
	for i in $(seq 1 20); do
		if [ $((i % 2)) = 1 ]; then rg sync --plan "$TMP/plan2" >/dev/null; else rg sync --plan "$PLAN" >/dev/null; fi
	done
	wait $ipid
	read -r sent failed len < <(sed -E 's/sent=([0-9]+) failed=([0-9]+) len=([0-9]+)/\1 \2 \3/' "$TMP/inject.out")
	stats
	expect_eq "20 syncs under traffic: generation advanced" "$(jq -r .plan.generation "$TMP/stats.json")" "21"
	expect_eq "a kept prefix's counters survive every sync, exactly" "$(( $(bkt pve01-ceph-public dst packets) - c0 ))" "$(( sent + failed ))"
	expect_eq "no violations from 20000 legit packets during syncs" "$(ifc eth0 out violations)" "0"
}

# a sync reads the plan in force back from rg_index: a prefix renamed
# (same CIDR) keeps its counters and shows its new name; so does a zone
# renamed around it; renamed back, the same
test_sync_renames_keep_counters() {
	sed -e 's/^prefix pve01-ceph-public /prefix pve01-ceph-mons /' \
	    -e 's/^zone   internal /zone   inside /' "$PLAN" > "$TMP/renamed.plan"
	stats
	c0=$(bkt pve01-ceph-public dst packets)
	read -r sent failed len < <(inject node eth0 fc00:101::11 fc00:20::1 -n 50 -l 128)
	rg sync --plan "$TMP/renamed.plan" >/dev/null
	stats
	expect_eq "a renamed prefix keeps its counters" "$(bkt pve01-ceph-mons dst packets)" "$(( c0 + sent + failed ))"
	expect_eq "under its new name only" "$(bkt pve01-ceph-public dst packets)" "null"
	expect_eq "in the renamed zone" "$(jq -r '[.buckets[] | select(.name == "pve01-ceph-mons")][0].zone' "$TMP/stats.json")" "inside"
	rg sync --plan "$PLAN" >/dev/null
	stats
	expect_eq "renamed back, the counters are still there" "$(bkt pve01-ceph-public dst packets)" "$(( c0 + sent + failed ))"
	expect_eq "and the zone's name too" "$(jq -r '[.buckets[] | select(.name == "pve01-ceph-public")][0].zone' "$TMP/stats.json")" "internal"
}

# explain without --plan reads the plan in force: the file the state names,
# checked against the pinned trie, in the mode in force; a file edited since
# its sync is refused, saying what to do, and so is a pinned trie that
# disagrees with the file (on attach_by_host's attach)
test_explain_the_plan_in_force() {
	local out rc gen
	gen=$(rg -j status | jq -r .plan.generation)
	out=$(rg explain fd00:101:44::5 fc00:20::1 --role egress); rc=$?
	expect_eq "a pod to Ceph frame on egress: a finding" "$rc" "1"
	expect_match "the plan in force, its generation" "$out" "^plan in force: $PLAN \\(generation $gen, sha256 [0-9a-f]{12}\\), mode monitor$"
	expect_match "counted in monitor mode" "$out" "egress  count \\(fc00-leak-on-egress\\)"
	rg mode enforce >/dev/null 2>&1
	out=$(rg -j explain fd00:101:44::5 fc00:20::1 --role egress)
	expect_eq "-j: in force, the mode in force, dropped" \
		"$(jq -r '"\(.plan.in_force) \(.mode) \(.mode_from) \(.frame.roles[0].verdict)"' <<<"$out" 2>&1)" \
		"true enforce pinned drop"
	rg mode monitor >/dev/null 2>&1
	cp "$PLAN" "$TMP/inforce.plan"
	rg sync --plan "$TMP/inforce.plan" >/dev/null
	out=$(rg explain fd00:10::5); rc=$?
	expect_eq "the synced copy is the plan in force" "$(head -1 <<<"$out" | cut -d' ' -f4)" "$TMP/inforce.plan"
	echo "prefix lab-late fd00:beef::/64 allow mesh" >>"$TMP/inforce.plan"
	out=$(rg explain fd00:beef::1 2>&1); rc=$?
	expect_eq "a plan file edited since its sync: refused" "$rc" "2"
	expect_match "saying it changed and what to do" "$out" \
		"^$TMP/inforce.plan has changed since it was put in force \\(sha256 [0-9a-f]{12} in force, [0-9a-f]{12} on disk\\): run 'ringguard sync' to put it in force, or 'ringguard explain --plan $TMP/inforce.plan ...' to explain the file as it is now$"
	rg sync >/dev/null
	out=$(rg explain fd00:beef::1 --role mesh); rc=$?
	expect_eq "after the sync, the new line is in force" "$rc" "0"
	expect_match "and named" "$out" "prefix lab-late fd00:beef::/64 allow mesh \\($TMP/inforce.plan:"
	rg sync --plan "$PLAN" >/dev/null
	# a pinned trie that says otherwise than the file: refused, never a
	# wrong explanation (fc00::/8's value made to break nothing, both slots)
	have_cmd bpftool || { skip "no bpftool to edit the pinned trie"; return; }
	local p s id v0 v1 ids=() key=(8 0 0 0 0xfc 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0)
	p=${pin#/proc/*/root}
	for s in 0 1; do
		id=$(bpftool -j map lookup pinned "$p/maps/rg_plan" key "$s" 0 0 0 |
			jq -r '.value | map(ltrimstr("0x")) | reverse | join("")')
		ids+=($((16#$id)))
	done
	read -ra v0 < <(bpftool -j map lookup id "${ids[0]}" key "${key[@]}" | jq -r '.value | join(" ")')
	read -ra v1 < <(bpftool -j map lookup id "${ids[1]}" key "${key[@]}" | jq -r '.value | join(" ")')
	expect_eq "fc00::/8 breaks egress in both tries" "${v0[4]} ${v1[4]}" "0x04 0x04"
	# the same bucket id, no role broken
	bpftool map update id "${ids[0]}" key "${key[@]}" value "${v0[@]:0:4}" 0 0 0 0
	bpftool map update id "${ids[1]}" key "${key[@]}" value "${v1[@]:0:4}" 0 0 0 0
	out=$(rg explain fc00:ffff::1 2>&1); rc=$?
	bpftool map update id "${ids[0]}" key "${key[@]}" value "${v0[@]}"
	bpftool map update id "${ids[1]}" key "${key[@]}" value "${v1[@]}"
	expect_eq "the kernel and the file disagree: refused" "$rc" "2"
	expect_match "saying both answers" "$out" \
		"^the pinned plan \\(generation [0-9]+\\) answers otherwise for fc00:ffff::1 than $PLAN: bucket fc00::/8, breaking the plan on no role in the kernel, bucket fc00::/8, breaking it on egress in the file"
	out=$(rg explain fc00:ffff::1 --role egress); rc=$?
	expect_eq "put back: explained again" "$rc" "1"
}

# detach leaves no pin and no program
test_detach_leaves_nothing() {
	rg detach >/dev/null
	expect_eq "detach: no pins left" "$(ls "${pin#/proc/*/root}" 2>/dev/null | wc -l)" "0"
	expect_eq "detach: no XDP left" "$(lab_ns node ip -d link show eth0 | grep -c 'prog/xdp')" "0"
	expect_eq "detach: no programs left on eth0" "$(tcx query eth0)" "xdp= tcx="
	expect_eq "detach: no programs left on eth1" "$(tcx query eth1)" "xdp= tcx="
	expect_eq "detach: nothing left at eth0's tc ingress" "$(tcx query-in eth0)" "xdp= tcxin="
}

# hook_counts IF: inject into IF's ingress from its peer (legit and a leak),
# in enforce; prints "packets bytes dropped violations" deltas
hook_counts() {
	local p0 b0 d0 v0 sent failed len
	stats
	p0=$(ifc eth0 in packets); b0=$(ifc eth0 in bytes); d0=$(ifc eth0 in dropped); v0=$(ifc eth0 in violations)
	read -r sent failed len < <(inject mesh m0 fc00:101::fffe fc00:101::11 -n 40 -l 1400)
	inject mesh m0 fd00:10::5 fd00:101:44::9 -n 15 -l 9014 >/dev/null
	stats
	echo "$(( $(ifc eth0 in packets) - p0 )) $(( $(ifc eth0 in bytes) - b0 ))" \
		"$(( $(ifc eth0 in dropped) - d0 )) $(( $(ifc eth0 in violations) - v0 ))"
}

# every --xdp choice on the same veth: status names the hook and why, and
# counters and verdicts are the same whichever hook runs
test_hook_choice() {
	local x want kind got
	rg detach >/dev/null 2>&1
	for x in auto native generic off; do
		case $x in
		auto) want='^tc ingress: tc \(veth: the skb exists already' ;;
		native) want='^xdp-native native XDP as --xdp native asked; auto takes tc here \(veth' ;;
		generic) want='^xdp-generic generic XDP as --xdp generic asked' ;;
		off) want='^tc ingress: tc \(veth' ;;
		esac
		rg attach --plan "$PLAN" --host solcp011 --xdp "$x" >/dev/null && rg mode enforce >/dev/null 2>&1
		kind=$(rg -j status | jq -r '.interfaces[0] | "\(if .ingress == "tc" then "tc" else .xdp end) \(.hook_reason)"')
		expect_match "--xdp $x: status -j names the hook and why" "$kind" "$want"
		got=$(hook_counts)
		# 40 legit 1400-byte frames + 15 fd00 transit frames of 9014 bytes, dropped
		expect_eq "--xdp $x: counters and verdicts" "$got" "55 $(( 40 * 1400 + 15 * 9014 )) 15 15"
		rg detach >/dev/null
	done
}

# a bridge port of a kind the attach did not foresee (an ifb: not on
# hook.c's list, no native XDP) still gets its hooks: the XDP program, left
# out of the load, is loaded when that port asks for it, the driver refuses
# native XDP, and ingress goes to tc (a program missing would say "Bad file
# descriptor" there)
test_unforeseen_port_kind() {
	local out
	rg detach >/dev/null 2>&1
	if ! lab_ns node ip link add ifx type ifb 2>/dev/null; then
		skip "ifb devices are not available here"
		return
	fi
	lab_ns node ip link add brx type bridge
	lab_ns node ip link set ifx master brx
	lab_ns node ip link set brx up
	lab_ns node ip link set ifx up
	out=$(rg attach --plan "$PLAN" --mesh brx)
	expect_match "the port is hooked at tc ingress, native XDP refused by its driver" "$out" \
		"ifx: attached as mesh, port of brx .*ingress: tc .*refused native XDP: Operation not supported"
	expect_eq "status -j says so" \
		"$(rg -j status | jq -r '.interfaces[].ports[]? | select(.name == "ifx") | .ingress')" "tc"
	expect_match "its tc ingress program is attached" "$(tcx query-in ifx)" "tcxin=rg_tc_in"
	rg detach >/dev/null
	expect_match "detach takes it off" "$(tcx query-in ifx)" "^xdp= tcxin=$"
	lab_ns node ip link del ifx
	lab_ns node ip link del brx
}

# the clsact fallback (kernels without tcx) counts egress and removes the
# qdisc it added
test_clsact_fallback() {
	rg attach --plan "$PLAN" --host solcp011 --tc clsact >/dev/null
	expect_eq "clsact fallback attaches" "$(rg -j status | jq -r '.interfaces[1].tc')" "clsact"
	inject node eth1 fd00:101::11 fd00:101::fffe -n 10 -l 100 >/dev/null
	stats
	expect_eq "clsact program counts egress" "$(ifc eth1 out packets)" "10"
	rg detach >/dev/null
	expect_eq "detach removes the clsact qdisc it added" "$(lab_ns node tc qdisc show dev eth1 | grep -c clsact)" "0"
}

gw_rx() { lab_ns gw cat /sys/class/net/g0/statistics/rx_packets; }
head_first() { tcx query eth1 | grep -Eq ' tcx=rg_tc:[0-9]+,'; }

# a tool attaches before ringguard in eth1's tcx chain (BPF_F_BEFORE) and
# ends the chain with TC_ACT_OK: status says so; the daemon takes the head
# back within seconds, says so, and leaks are dropped again
test_tcx_head_taken_back() {
	kernel_has tcx || { skip "the kernel has no tcx (6.6+)"; return; }
	local PINH="/sys/fs/bpf/rgt$$-head" out rc w0 d0 n0 sent failed len
	rg attach --plan "$PLAN" --host solcp011 >/dev/null
	rg mode enforce >/dev/null
	tcx attach "$TPROGS" pass eth1 head "$PINH"
	expect_match "the foreign program is at the head of eth1's chain" "$(tcx query eth1)" \
		" tcx=pass:[0-9]+,rg_tc:[0-9]+$"
	out=$(rg status); rc=$?
	expect_eq "status (no daemon) exits 1" "$rc" "1"
	expect_match "and shows eth1's tc as displaced, naming the program" "$(grep '^eth1 ' <<<"$out")" \
		"tcx-DISPLACED .*program [0-9]+ \(pass\) runs before ringguard in the tcx egress chain"
	expect_eq "status -j: tcx_head.out.state" "$(rg -j status | jq -r '.interfaces[] | select(.name == "eth1") | .tcx_head.out.state')" "displaced"
	expect_match "metric: ringguard_tcx_first 0" "$(rg stats --prometheus)" \
		'^ringguard_tcx_first\{interface="eth1",direction="out"\} 0$'
	w0=$(gw_rx)
	read -r sent failed len < <(inject node eth1 fd00:101::11 fc00:20::1 -n 5 -l 200)
	expect_eq "displaced: $sent of 5 fc00 frames reach the wire" "$(( $(gw_rx) - w0 ))" "$sent"
	ip netns exec "${LAB}node" "$RG" daemon --plan "$PLAN" --host solcp011 >"$LOG" 2>&1 &
	DPID=$!
	wait_for 30 log_has "watching" || { fail "the daemon did not start: $(cat "$LOG")"; return; }
	within "the daemon puts ringguard first again" 10 head_first
	expect_match "the chain: ringguard, then the foreign program" "$(tcx query eth1)" \
		" tcx=rg_tc:[0-9]+,pass:[0-9]+$"
	within "its log says so" 5 log_has "eth1: program [0-9]* (pass) was attached before ringguard in the tcx egress chain: ringguard is first again"
	rg -j status > "$TMP/status.json"; rc=$?
	expect_eq "status exits 0 again" "$rc" "0"
	expect_eq "status -j: first, taken back once" \
		"$(jq -r '.interfaces[] | select(.name == "eth1") | .tcx_head.out | "\(.state) \(.retakes)"' "$TMP/status.json")" "first 1"
	out=$(rg stats --prometheus)
	expect_match "metric: ringguard_tcx_first 1" "$out" '^ringguard_tcx_first\{interface="eth1",direction="out"\} 1$'
	expect_match "metric: ringguard_tcx_retakes_total 1" "$out" \
		'^ringguard_tcx_retakes_total\{interface="eth1",direction="out"\} 1$'
	stats
	w0=$(gw_rx); d0=$(ifc eth1 out dropped); n0=$(tcx count "$PINH")
	read -r sent failed len < <(inject node eth1 fd00:101::11 fc00:20::1 -n 5 -l 200)
	stats
	# a frame dropped at tc egress fails the sender's write: failed counts it
	expect_eq "first again: 0 of $((sent + failed)) fc00 frames reach the wire" "$(( $(gw_rx) - w0 ))" "0"
	expect_eq "ringguard dropped them" "$(( $(ifc eth1 out dropped) - d0 ))" "$((sent + failed))"
	expect_eq "before the foreign program saw them" "$(( $(tcx count "$PINH") - n0 ))" "0"
	# the tool comes back: taken back again, and called a contest
	tcx detach "$PINH"
	tcx attach "$TPROGS" pass eth1 head "$PINH"
	within "taken back a second time" 10 head_first
	within "the log calls it a contest" 5 log_has "eth1: program [0-9]* (pass) keeps taking the head of the tcx egress chain"
	stop_daemon
	[ "$T_FAILS" = 0 ] || sed 's/^/        log: /' "$LOG"
	tcx detach "$PINH"
	rg detach >/dev/null
}

# the same at tc ingress (--xdp off): rg_tc_in is taken back to the head
test_tcx_ingress_head_taken_back() {
	kernel_has tcx || { skip "the kernel has no tcx (6.6+)"; return; }
	local PINH="/sys/fs/bpf/rgt$$-headin" rc v0 n0 sent failed len
	rg attach --plan "$PLAN" --host solcp011 --xdp off >/dev/null
	tcx attach "$TPROGS" pass eth0 head-in "$PINH"
	rg -j status > "$TMP/status.json"; rc=$?
	expect_eq "status (no daemon) exits 1" "$rc" "1"
	expect_match "status -j: eth0's ingress chain is displaced, by pass" \
		"$(jq -r '.interfaces[] | select(.name == "eth0") | .tcx_head.in | "\(.state) \(.first_name)"' "$TMP/status.json")" \
		"^displaced pass$"
	ip netns exec "${LAB}node" "$RG" daemon --plan "$PLAN" --host solcp011 --xdp off >"$LOG" 2>&1 &
	DPID=$!
	wait_for 30 log_has "watching" || { fail "the daemon did not start: $(cat "$LOG")"; return; }
	within "the daemon puts rg_tc_in first again" 10 \
		bash -c "nsenter --net=/run/netns/${LAB}node $TCX query-in eth0 | grep -Eq 'tcxin=rg_tc_in:[0-9]+,pass:'"
	within "its log says so" 5 log_has "eth0: program [0-9]* (pass) was attached before ringguard in the tcx ingress chain: ringguard is first again"
	stats
	v0=$(ifc eth0 in violations); n0=$(tcx count "$PINH")
	read -r sent failed len < <(inject mesh m0 fd00:10::5 fd00:10::6 -n 5 -l 200)
	stats
	expect_eq "fd00 transiting the mesh is classified at tc ingress again" \
		"$(( $(ifc eth0 in violations) - v0 ))" "$sent"
	expect_eq "and passed on to the program after it (monitor mode)" "$(( $(tcx count "$PINH") - n0 ))" "$sent"
	stop_daemon
	[ "$T_FAILS" = 0 ] || sed 's/^/        log: /' "$LOG"
	tcx detach "$PINH"
	rg detach >/dev/null
}

# someone detaches ringguard's links (bpftool link detach) and, on eth0,
# puts a program of its own on the XDP hook: the daemon attaches again, at
# tc ingress (where --xdp auto puts a veth's ingress, and where it would go
# anyway with the XDP hook taken)
test_links_detached_under_it() {
	kernel_has tcx || { skip "the kernel has no tcx (6.6+)"; return; }
	local PINX="/sys/fs/bpf/rgt$$-fx" pin i0 i1 id rc out v0 sent failed len
	rg attach --plan "$PLAN" --host solcp011 >/dev/null
	rg -j status > "$TMP/status.json"
	pin=$(jq -r .pin_dir "$TMP/status.json"); pin=${pin#/proc/*/root}
	i0=$(jq -r '.interfaces[] | select(.name == "eth0") | .ifindex' "$TMP/status.json")
	i1=$(jq -r '.interfaces[] | select(.name == "eth1") | .ifindex' "$TMP/status.json")
	ip netns exec "${LAB}node" "$RG" daemon --plan "$PLAN" --host solcp011 >"$LOG" 2>&1 &
	DPID=$!
	wait_for 30 log_has "watching" || { fail "the daemon did not start: $(cat "$LOG")"; return; }
	# while the daemon is stopped, so the test knows the order
	kill -STOP "$DPID"
	tcx link-detach "$pin/links/tcin-$i0"
	tcx attach "$TPROGS" xdp_count eth0 xdp "$PINX"
	tcx link-detach "$pin/links/tc-$i1"
	id=$(tcx query eth0 | sed -nE 's/^xdp=xdp_count:([0-9]+) .*/\1/p')
	expect_match "the foreign program holds eth0's XDP hook" "$id" "^[0-9]+$"
	expect_match "nothing of ringguard on eth1's tcx chain" "$(tcx query eth1)" " tcx=$"
	out=$(rg status); rc=$?
	expect_eq "status exits 1" "$rc" "1"
	expect_match "and says ringguard is not in eth1's chain" "$(grep '^eth1 ' <<<"$out")" \
		"tcx-MISSING .*ringguard is not in the tcx egress chain"
	kill -CONT "$DPID"
	within "eth0: attached again, ingress at tc, XDP held by the foreign program" 10 \
		bash -c "ip netns exec ${LAB}node $RG -j status | jq -e '.interfaces[] | select(.name == \"eth0\") | select(.ingress == \"tc\" and .xdp_held_by == $id)'"
	within "eth1: ringguard's tcx link is back" 10 \
		bash -c "nsenter --net=/run/netns/${LAB}node $TCX query eth1 | grep -Eq ' tcx=rg_tc:[0-9]+$'"
	# the head check or a link event's reconcile, whichever looks first;
	# the line may follow the link it reports by a moment
	within "the log says what happened to eth0" 5 grep -Eq \
		"eth0: (ringguard's tcx ingress link was detached by someone else|re-attached as mesh)" "$LOG"
	within "and to eth1" 5 grep -Eq \
		"eth1: (ringguard's tcx egress link was detached by someone else|re-attached as egress)" "$LOG"
	rg status >/dev/null; rc=$?
	expect_eq "status exits 0 again" "$rc" "0"
	stats
	v0=$(ifc eth0 in violations)
	read -r sent failed len < <(inject mesh m0 fd00:10::5 fd00:10::6 -n 5 -l 200)
	stats
	expect_eq "eth0's ingress is classified at tc" "$(( $(ifc eth0 in violations) - v0 ))" "$sent"
	stop_daemon
	[ "$T_FAILS" = 0 ] || sed 's/^/        log: /' "$LOG"
	rg detach >/dev/null
	tcx xdp-off eth0
	rm -rf "$PINX"
}

run_tests netns "${@:2}"
