#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# pve.sh - ringguard on a Proxmox-shaped host (tools/lab.sh, pve_lab_up):
# roles on the bridges vmbr0 and vnet101 cover every port (uplink, guests'
# taps, the EVPN VXLAN device); a guest's fc00 leak toward the uplink is
# counted in monitor mode and dropped before the uplink in enforce mode;
# guest-to-gateway, guest-to-guest and overlay traffic passes; the daemon
# enforces a guest port that joins later within a second and releases it
# when it leaves; detach leaves nothing on any port; and a foreign XDP
# program on the mesh link: ingress is classified at tc, the foreign program
# keeps running, untouched by attach and detach. A bridge of 200 guests with
# its uplink added last is covered whole; at a (lowered) limit the uplink
# goes first and the ports left out are named. A guest's real tap driven as
# QEMU and vhost-net drive it (IFF_VNET_HDR, GSO frames): the same counters
# and verdicts under every ingress hook.
#
# usage: tests/pve.sh OUTPUT_DIR     (run as root)
set -u

OUT=${1:-.output}
LAB="rgp$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PINX="/sys/fs/bpf/rgp$$-xdp"
POLL=0.01			# wait_ms times port changes to the 10 ms

rg() { lab_ns pve1 "$RG" "$@"; }
tcx() { nsenter --net="/run/netns/${LAB}pve1" "$TCX" "$@"; }

TDPID=
teardown() {
	capture_stop
	[ -n "$TDPID" ] && kill "$TDPID" 2>/dev/null
	daemon_down pve1
	rm -rf "$PINX"
	big_lab_down
	pve_lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

# port_of BRIDGE PORT: status lists PORT under BRIDGE, ingress hooked
port_of() {
	rg -j status | jq -e --arg b "$1" --arg p "$2" \
		'.interfaces[] | select(.name == $b) | .ports[] | select(.name == $p)' >/dev/null
}
# nothing_on NS IF: no XDP, no tcx either way, no clsact qdisc
nothing_on() {
	local q qi
	q=$(nsenter --net="/run/netns/${LAB}$1" "$TCX" query "$2")
	qi=$(nsenter --net="/run/netns/${LAB}$1" "$TCX" query-in "$2")
	[ "$q $qi" = "xdp= tcx= xdp= tcxin=" ] && ! lab_ns "$1" tc qdisc show dev "$2" | grep -q clsact
}

# --- a bridge with many guests (its own namespaces: big, wire) ---------------
HOOKS="$(realpath "$OUT/ringguard-hooks")"
NPORTS=200
rgb() { lab_ns big "$RG" "$@"; }
big_lab_down() {
	if ip netns list | grep -q "^${LAB}big"; then
		lab_ns big "$RG" detach >/dev/null 2>&1
		ip netns del "${LAB}big"
	fi
	ip netns del "${LAB}wire" 2>/dev/null
	return 0
}
# big_lab_up: vmbr9 with NPORTS guest taps (veths, peers g100.. in the same
# namespace), then its uplink up9 last (as a network reload recreates a
# bond), up9's peer w9 in wire: IPv6 off everywhere, so w9 counts only what
# is injected
big_lab_up() {
	local i b="$TMP/big.batch"
	big_lab_down
	ip netns add "${LAB}big"
	ip netns add "${LAB}wire"
	for i in big wire; do
		lab_ns "$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	{
		echo "link add vmbr9 type bridge"
		echo "link set vmbr9 up"
		for ((i = 100; i < 100 + NPORTS; i++)); do
			echo "link add tap${i}i0 type veth peer name g$i"
			echo "link set tap${i}i0 master vmbr9 up"
			echo "link set g$i up"
		done
	} > "$b"
	lab_ns big ip -batch "$b" || return 1
	ip link add up9 netns "${LAB}big" type veth peer name w9 netns "${LAB}wire"
	lab_ns big ip link set up9 master vmbr9 up
	lab_ns wire ip link set w9 up
}
wire_rx() { lab_ns wire cat /sys/class/net/w9/statistics/rx_packets; }

# vmbr0-like bridge with 200 guests and the uplink added last: every port is
# covered, and no guest's fc00 leak reaches the wire in enforce mode
test_many_ports() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	big_lab_up || { fail "cannot build a bridge with $NPORTS ports"; return; }
	local out rc t0 t1 w0 i n=0 sent failed len
	t0=$(date +%s%N)
	out=$(rgb attach --plan "$PLAN" --egress vmbr9 --mode enforce 2>&1); rc=$?
	t1=$(date +%s%N)
	expect_eq "attach to a bridge with $((NPORTS + 1)) ports exits 0" "$rc" "0"
	expect_match "and covers every port" "$out" "and $((NPORTS + 1)) bridge ports in enforce mode"
	echo "        attach of vmbr9 and $((NPORTS + 1)) ports: $(( (t1 - t0) / 1000000 )) ms"
	rgb -j status > "$TMP/big.json"; rc=$?
	expect_eq "status exits 0: nothing uncovered" "$rc" "0"
	expect_eq "status lists every port under vmbr9, the uplink among them" 		"$(jq -r '.interfaces[] | select(.name == "vmbr9") | [.ports | length, (.[] | select(.name == "up9") | .name)] | join(" ")' "$TMP/big.json")" 		"$((NPORTS + 1)) up9"
	expect_eq "status -j: no uncovered port" "$(jq -r '.uncovered | length' "$TMP/big.json")" "0"
	w0=$(wire_rx)
	for ((i = 100; i < 100 + NPORTS; i += 11)); do
		read -r sent failed len < <(inject big "g$i" fd00:101::11 fc00:20::1 -n 5 -l 200)
		n=$((n + sent))
	done
	read -r sent failed len < <(inject big "g$((99 + NPORTS))" fd00:101::11 fc00:20::1 -n 5 -l 200)
	n=$((n + sent))
	expect_eq "enforce: 0 of $n fc00 frames from $(( (NPORTS + 10) / 11 + 1 )) guests reach the wire" 		"$(( $(wire_rx) - w0 ))" "0"
	w0=$(wire_rx)
	read -r sent failed len < <(inject big "g$((99 + NPORTS))" fd00:101::11 fd00:101::fffe -n 5 -l 200)
	expect_eq "while the last guest's fd00 frames do ($sent sent)" "$(( $(wire_rx) - w0 ))" "$sent"
	rgb detach >/dev/null
}

# at the interface limit (lowered for the test) the uplink is covered first,
# and attach, status and the metrics say which ports are not
test_port_limit() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	[ -x "$HOOKS" ] || { skip "no $HOOKS (make test builds it)"; return; }
	ip netns list | grep -q "^${LAB}big" || big_lab_up || { fail "no big lab"; return; }
	local out rc left=$((NPORTS + 1 - 7))
	out=$(lab_ns big env RG_TEST_MAX_IFACES=8 "$HOOKS" attach --plan "$PLAN" --egress vmbr9 		--mode enforce 2>&1); rc=$?
	expect_eq "attach past the limit exits 2" "$rc" "2"
	expect_match "and names the ports it left out" "$out" 		"attach: $left ports of bridges with a role NOT covered: .*tap$((99 + NPORTS))i0"
	expect_match "its log says the limit and what went first" "$out" 		"$left interfaces NOT covered, ringguard covers at most 8 \(ports that lead off the host went first\)"
	rgb -j status > "$TMP/big.json"; rc=$?
	expect_eq "status exits 1" "$rc" "1"
	expect_eq "the uplink, added last, is covered" 		"$(jq -r '.interfaces[] | select(.name == "vmbr9") | .ports[] | select(.name == "up9") | .name' "$TMP/big.json")" "up9"
	expect_eq "status -j lists each uncovered port" 		"$(jq -r '[.uncovered[] | select(.bridge == "vmbr9")] | length' "$TMP/big.json")" "$left"
	out=$(rgb status)
	expect_match "status names them for people" "$out" "NOT COVERED: $left ports"
	expect_match "one a line, with the bridge" "$out" "  tap$((99 + NPORTS))i0 +port of vmbr9"
	out=$(rgb stats --prometheus)
	expect_match "metric: the count" "$out" "^ringguard_uncovered_interfaces $left\$"
	expect_match "metric: each port" "$out" \
		"^ringguard_uncovered_interface\\{interface=\"tap$((99 + NPORTS))i0\",bridge=\"vmbr9\"\\} 1\$"
	rgb detach >/dev/null
	big_lab_down
}

# The tests run in order on one lab and build on each other: attach, then
# traffic through that attach, detach, then the daemon, then a fresh attach.
LAB_UP=
need_lab() { [ -n "$LAB_UP" ]; }

# pve01's host line: both bridges and every port, each with its attach kind
test_attach() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	local out
	out=$(rg attach --plan "$PLAN" --host pve01)
	expect_match "attach by pve01's host line covers both bridges and their ports" "$out" \
		"attached to 2 interfaces and 5 bridge ports in monitor mode"
	expect_match "and says which ports, of which bridge" "$out" \
		"tap100i1: attached as egress, port of vmbr0"
	rg -j status > "$TMP/status.json"
	expect_eq "status: vmbr0's ports listed under it" \
		"$(jq -r '.interfaces[] | select(.name == "vmbr0") | [.ports[].name] | join(",")' "$TMP/status.json")" \
		"up0,tap100i1,tap101i1"
	expect_eq "status: vnet101's ports (the VXLAN device, the guest's tap)" \
		"$(jq -r '.interfaces[] | select(.name == "vnet101") | [.ports[].name] | join(",")' "$TMP/status.json")" \
		"vxlan101,tap100i0"
	expect_eq "ports carry their bridge's role" \
		"$(jq -r '[.interfaces[] | .role as $r | .ports[] | .role == $r] | all' "$TMP/status.json")" "true"
	expect_eq "attach kinds under --xdp auto: all at tc ingress (bridges, veths, VXLAN: the skb exists already), tcx egress" \
		"$(jq -r '[.interfaces[] | ., .ports[] | "\(.name)=\(.ingress)/\(.xdp)/\(.tc)"] | join(" ")' "$TMP/status.json")" \
		"vnet101=tc/none/tcx vxlan101=tc/none/tcx tap100i0=tc/none/tcx vmbr0=tc/none/tcx up0=tc/none/tcx tap100i1=tc/none/tcx tap101i1=tc/none/tcx"
	expect_match "status -j says why for the VXLAN port" \
		"$(jq -r '.interfaces[] | .ports[] | select(.name == "vxlan101") | .hook_reason' "$TMP/status.json")" \
		"^ingress: tc \\(vxlan: a tunnel, no native XDP"
	expect_match "the kernel shows ringguard on a guest's tap" "$(tcx query-in tap100i1)" \
		"^xdp= tcxin=rg_tc_in:[0-9]+$"
	expect_match "and tc ingress on the bridge" "$(tcx query-in vmbr0)" "^xdp= tcxin=rg_tc_in:[0-9]+$"
	expect_eq "the table indents ports under their bridge" \
		"$(rg status | grep -c '^  tap')" "3"
	stats
	expect_eq "stats has a row per port, with its bridge" "$(ifc tap101i1 in packets >/dev/null; \
		jq -r '.interfaces[] | select(.name == "tap101i1") | .bridge' "$TMP/stats.json")" "vmbr0"
}

# guest to gateway, guest to guest, the overlay and Ceph: no violation anywhere
test_legit() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	stats
	local v0
	v0=$(jq '[.interfaces[] | .in.violations + .out.violations] | add' "$TMP/stats.json")
	lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 fd00:101::fffe >/dev/null
	expect_eq "guest to its gateway (vmbr0, uplink) passes" "$?" "0"
	lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 fd00:101::21 >/dev/null
	expect_eq "guest to guest on vmbr0 passes" "$?" "0"
	lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 fc00:101::fffe >/dev/null
	expect_eq "guest to the anycast gateway on vnet101 passes" "$?" "0"
	lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 -M do -s 8902 fc00:101::12 >/dev/null
	expect_eq "guest to pve02 over the EVPN VXLAN at MTU 8950 passes" "$?" "0"
	lab_ns pve1 ping -6 -c 2 -i 0.2 -W 1 fc00:20::2 >/dev/null
	expect_eq "Ceph to pve02 over the mesh link passes" "$?" "0"
	stats
	expect_eq "no violations from legit traffic on any hook" \
		"$(jq '[.interfaces[] | .in.violations + .out.violations] | add' "$TMP/stats.json")" "$v0"
	expect_match "the guest's frames counted where they enter (its tap)" "$(ifc tap100i1 in packets)" \
		"^([6-9]|[1-9][0-9]+)$"
	expect_match "and at the uplink where they leave" "$(ifc up0 out packets)" "^([3-9]|[1-9][0-9]+)$"
	expect_match "overlay frames counted at the VXLAN port" "$(ifc vxlan101 out packets)" \
		"^([3-9]|[1-9][0-9]+)$"
	expect_match "the host's own traffic counted at the bridge" "$(ifc vnet101 in packets)" \
		"^([3-9]|[1-9][0-9]+)$"
}

# the guest's route for Ceph points at the uplink router: a leak, counted
# at the guest's tap and at the uplink in monitor mode
test_leak_monitor() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	lab_ns vm100 ip -6 route replace fc00:20::/64 via fd00:101::fffe dev eth1
	stats
	local t0 u0 c0 t1 u1
	t0=$(ifc tap100i1 in violations); u0=$(ifc up0 out violations)
	c0=$(bkt pve01-ceph-public violations packets)
	lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 fc00:20::1 >/dev/null 2>&1
	stats
	expect_eq "monitor: the leak counted at the guest's tap (in)" \
		"$(( $(ifc tap100i1 in violations) - t0 ))" "3"
	expect_eq "monitor: and again at the uplink (out)" "$(( $(ifc up0 out violations) - u0 ))" "3"
	expect_eq "monitor: the Ceph bucket counts it at each hook" \
		"$(( $(bkt pve01-ceph-public violations packets) - c0 ))" "6"
	expect_eq "monitor: nothing dropped" "$(ifc tap100i1 in dropped)+$(ifc up0 out dropped)" "0+0"
	# VLAN 101 tagged, sent raw (no 8021q here): the plain bridge floods it
	t1=$(ifc tap100i1 in violations); u1=$(ifc up0 out violations)
	read -r sent failed len < <(inject vm100 eth1 fd00:101::11 fc00:20::1 -n 25 -l 300 -t 8100)
	stats
	expect_eq "monitor: tagged leak frames counted at the tap" \
		"$(( $(ifc tap100i1 in violations) - t1 ))" "$sent"
	expect_eq "monitor: and at the uplink" "$(( $(ifc up0 out violations) - u1 ))" "$sent"
	echo "        monitor: 3 pings + $sent tagged frames sent; tap in $(ifc tap100i1 in violations), uplink out $(ifc up0 out violations) violations"
}

# the same leak in enforce mode: dropped at the tap, before the uplink
test_leak_enforce() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	expect_eq "mode switch to enforce" "$(rg mode enforce)" "enforce"
	stats
	local d0 u0 up0 sent failed len
	d0=$(ifc tap100i1 in dropped); u0=$(ifc up0 out violations); up0=$(ifc up0 out packets)
	lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 fc00:20::1 >/dev/null 2>&1
	expect_eq "enforce: the leaking ping gets no answer" "$?" "1"
	read -r sent failed len < <(inject vm100 eth1 fd00:101::11 fc00:20::1 -n 25 -l 300 -t 8100)
	stats
	expect_eq "enforce: dropped at the guest's tap" "$(( $(ifc tap100i1 in dropped) - d0 ))" \
		"$(( 3 + sent ))"
	expect_eq "enforce: nothing of it reaches the uplink" "$(( $(ifc up0 out violations) - u0 ))" "0"
	echo "        enforce: 3 pings + $sent tagged frames sent; $(( $(ifc tap100i1 in dropped) - d0 )) dropped at tap100i1, uplink out +$(( $(ifc up0 out packets) - up0 )) frames"
	lab_ns vm100 ping -6 -c 2 -i 0.2 -W 1 fd00:101::21 >/dev/null
	expect_eq "enforce: guest to guest still passes" "$?" "0"
	lab_ns vm100 ping -6 -c 2 -i 0.2 -W 1 fd00:101::fffe >/dev/null
	expect_eq "enforce: guest to gateway still passes" "$?" "0"
	lab_ns vm100 ip -6 route del fc00:20::/64
	rg mode monitor >/dev/null
}

# issue 17: a guest hides fc00 behind VLAN tags at its tap. Behind 3 tags
# (which the datapath once could not read, and passed) it is a leak like
# any other; behind 5, more than the datapath walks, it is unreadable: in
# enforce mode neither reaches the uplink router, unless the plan says
# 'unreadable pass' (then the 5-tag frames do, as the operator asked).
# A legit frame sent last marks the end: the path is one queue, so what
# was not captured before it never comes.
test_unreadable_never_leaves() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	have_cmd tcpdump || { skip "no tcpdump to watch the uplink router"; return; }
	local n=5 t0 m0 d0 u0 um0 three=8100,8100,8100 five=88a8,8100,8100,8100,8100
	stats
	t0=$(ifc tap100i1 in violations); m0=$(ifc tap100i1 in malformed)
	capture_start rtr ether1 || { bad "tcpdump listens at the router" "$(cat "$TMP/cap.err")"; return; }
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -t $three >/dev/null
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -t $five >/dev/null
	# fc00 inside MPLS and a PPPoE session: a router that unwraps them
	# would route it
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -w 8847 >/dev/null
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -w 8864 >/dev/null
	wait_ms 5000 test "$(captured)" -ge $((4 * n))
	expect_eq "monitor: 3- and 5-tag, MPLS and PPPoE fc00 frames reach the uplink router" \
		"$(captured)" "$((4 * n))"
	stats
	expect_eq "monitor: 3 tags are read, a violation at the tap" \
		"$(( $(ifc tap100i1 in violations) - t0 ))" "$n"
	expect_eq "monitor: 5 tags, MPLS and PPPoE are unreadable (malformed) at the tap" \
		"$(( $(ifc tap100i1 in malformed) - m0 ))" "$((3 * n))"

	expect_eq "mode switch to enforce" "$(rg mode enforce)" "enforce"
	stats
	d0=$(ifc tap100i1 in dropped); m0=$(ifc tap100i1 in malformed)
	u0=$(ifc up0 out violations); um0=$(ifc up0 out malformed)
	capture_start rtr ether1 || { bad "tcpdump listens at the router" "$(cat "$TMP/cap.err")"; return; }
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -t $three >/dev/null
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -t $five >/dev/null
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -w 8847 >/dev/null
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -w 8864 >/dev/null
	inject vm100 eth1 fd00:101::11 fd00:101::fffe -n 1 -l 100 >/dev/null
	wait_ms 5000 test "$(captured)" -ge 1
	expect_eq "enforce: 0 of $((4 * n)) tagged or wrapped fc00 frames reach the router (only the marker)" \
		"$(captured)" "1"
	stats
	expect_eq "enforce: all dropped at the guest's tap" "$(( $(ifc tap100i1 in dropped) - d0 ))" \
		"$((4 * n))"
	expect_eq "enforce: the 5-tag, MPLS and PPPoE ones counted malformed" \
		"$(( $(ifc tap100i1 in malformed) - m0 ))" "$((3 * n))"
	expect_eq "enforce: none seen at the uplink's egress" \
		"$(( $(ifc up0 out violations) - u0 ))+$(( $(ifc up0 out malformed) - um0 ))" "0+0"

	{ cat "$PLAN"; echo "unreadable pass"; } > "$TMP/pass.plan"
	expect_match "plan check shows the override" "$(rg plan check "$TMP/pass.plan")" \
		"^unreadable frames: pass in enforce mode$"
	rg sync --plan "$TMP/pass.plan" >/dev/null
	capture_start rtr ether1 || { bad "tcpdump listens at the router" "$(cat "$TMP/cap.err")"; return; }
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -t $three >/dev/null
	inject vm100 eth1 fd00:101::11 fc00:20::1 -n $n -l 300 -t $five >/dev/null
	inject vm100 eth1 fd00:101::11 fd00:101::fffe -n 1 -l 100 >/dev/null
	wait_ms 5000 test "$(captured)" -ge $((n + 1))
	expect_eq "unreadable pass: the 5-tag frames reach the router, the 3-tag leak does not" \
		"$(captured)" "$((n + 1))"
	capture_stop
	rg sync --plan "$PLAN" >/dev/null
	rg mode monitor >/dev/null
}

# detach leaves nothing on the bridges or any of their ports
test_detach() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	local pin
	pin=$(rg -j status | jq -r .pin_dir)
	rg detach >/dev/null
	expect_eq "detach: no pins left" "$(ls "${pin#/proc/*/root}" 2>/dev/null | wc -l)" "0"
	local left="" i
	for i in vmbr0 vnet101 up0 vxlan101 tap100i0 tap100i1 tap101i1 mesh0; do
		nothing_on pve1 "$i" || left="$left $i"
	done
	expect_eq "detach: nothing left on the bridges or any port" "$left" ""
}

# a VM starts (its tap joins vmbr0) and is migrated away, under the daemon
test_daemon_ports() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	# not through lab_ns: $! must be the daemon, not a subshell around it
	ip netns exec "${LAB}pve1" "$RG" daemon --plan "$PLAN" --host pve01 --mode enforce \
		>"$LOG" 2>&1 &
	DPID=$!
	if ! wait_ms 10000 port_of vmbr0 tap101i1; then
		bad "the daemon attaches pve01's bridges and ports" "$(cat "$LOG")"
		return
	fi
	ok "the daemon attaches pve01's bridges and ports"
	# a VM starts: its tap appears and is enslaved to vmbr0
	ip netns add "${LAB}vm102"
	lab_ns vm102 sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 \
		net.ipv6.conf.default.router_solicitations=0
	ip link add tap102i1 netns "${LAB}pve1" type veth peer name eth1 netns "${LAB}vm102"
	lab_ns vm102 ip link set eth1 up
	lab_ns pve1 ip link set tap102i1 up
	lab_ns pve1 ip link set tap102i1 master vmbr0
	if wait_ms 1000 port_of vmbr0 tap102i1; then
		ok "a guest port that joins vmbr0 is attached within 1 s ($WAITED ms)"
	else
		bad "a guest port that joins vmbr0 is attached within 1 s" "$(tail -5 "$LOG")"
	fi
	expect_match "the daemon logs it" "$(cat "$LOG")" "tap102i1: attached as egress, port of vmbr0"
	stats
	local u0 sent failed len
	u0=$(ifc up0 out violations)
	read -r sent failed len < <(inject vm102 eth1 fd00:101::31 fc00:21::1 -n 20 -l 200)
	stats
	expect_eq "its leak is dropped at its tap" "$(ifc tap102i1 in dropped)" "$sent"
	expect_eq "and never reaches the uplink" "$(( $(ifc up0 out violations) - u0 ))" "0"
	# the VM is migrated away: its tap leaves the bridge
	lab_ns pve1 ip link set tap102i1 nomaster
	if wait_ms 1000 bash -c "! ip netns exec ${LAB}pve1 $RG -j status | grep -q tap102i1"; then
		ok "a port that leaves the bridge is released within 1 s ($WAITED ms)"
	else
		bad "a port that leaves the bridge is released within 1 s"
	fi
	expect_eq "nothing of ringguard is left on it" "$(nothing_on pve1 tap102i1 && echo clean)" "clean"
	stop_daemon
	ip netns del "${LAB}vm102"
}

# another program holds mesh0's XDP hook: ingress at tc, the program untouched
test_foreign_xdp() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	local id out sent failed len n0
	rg detach >/dev/null 2>&1
	tcx attach "$TPROGS" xdp_count mesh0 xdp "$PINX"
	id=$(tcx query mesh0 | sed -nE 's/^xdp=xdp_count:([0-9]+) .*/\1/p')
	expect_match "a foreign XDP program holds mesh0" "$id" "^[0-9]+$"
	out=$(rg attach --plan "$PLAN" --mesh vnet101 mesh0 --egress vmbr0 --xdp native 2>&1)
	expect_match "--xdp native refuses a taken hook and says what to do" "$out" \
		"mesh0 already has an XDP program that is not ringguard's \\(id $id\\): use --xdp auto"
	expect_match "and leaves nothing attached" "$(rg status 2>&1)" "not attached"
	out=$(rg attach --plan "$PLAN" --mesh vnet101 mesh0 --egress vmbr0 --mode enforce)
	expect_match "attach succeeds with ingress at tc, and says so" "$out" \
		"mesh0: attached as mesh \\(ifindex [0-9]+\\), ingress: tc, XDP held by program $id"
	expect_match "status: ingress tc, XDP held by program N" "$(rg status | grep '^mesh0 ')" \
		"tc-ingress +tcx .*ingress: tc, XDP held by program $id"
	expect_eq "status -j: ingress and the holder" \
		"$(rg -j status | jq -r '.interfaces[] | select(.name == "mesh0") | "\(.ingress) \(.xdp_held_by)"')" "tc $id"
	expect_match "the foreign program is untouched, ringguard at tc ingress" "$(tcx query-in mesh0)" \
		"^xdp=xdp_count:$id tcxin=rg_tc_in:[0-9]+$"
	n0=$(tcx count "$PINX")
	stats
	# fd00 transiting the mesh, from pve02
	read -r sent failed len < <(inject pve2 mesh0 fd00:10::5 fd00:10::6 -n 20 -l 200)
	stats
	expect_eq "enforce: ingress violations dropped at tc" "$(ifc mesh0 in dropped)" "$sent"
	expect_eq "the foreign program saw them first and kept running" "$(( $(tcx count "$PINX") - n0 ))" "$sent"
	# a daemon of this build adopts the state: the tc ingress link moves to
	# its program in place, and keeps dropping
	local p0 p1 d0
	p0=$(tcx query-in mesh0 | sed -nE 's/.*tcxin=rg_tc_in:([0-9]+)$/\1/p')
	ip netns exec "${LAB}pve1" "$RG" daemon --plan "$PLAN" --mesh vnet101 mesh0 --egress vmbr0 \
		>"$TMP/daemon2.log" 2>&1 &
	DPID=$!
	if wait_ms 15000 grep -q "watching" "$TMP/daemon2.log"; then
		ok "a daemon adopts the state with ingress at tc ($WAITED ms)"
	else
		bad "a daemon adopts the state with ingress at tc" "$(cat "$TMP/daemon2.log")"
	fi
	p1=$(tcx query-in mesh0 | sed -nE 's/.*tcxin=rg_tc_in:([0-9]+)$/\1/p')
	expect_match "its tc ingress link now runs the daemon's program ($p0 -> $p1)" \
		"$p0 $p1 $([ "$p0" != "$p1" ] && echo moved)" "^[0-9]+ [0-9]+ moved$"
	stats
	d0=$(ifc mesh0 in dropped)
	read -r sent failed len < <(inject pve2 mesh0 fd00:10::5 fd00:10::6 -n 10 -l 200)
	stats
	expect_eq "and it drops at tc ingress as before" "$(( $(ifc mesh0 in dropped) - d0 ))" "$sent"
	stop_daemon
	lab_ns vm100 ping -6 -c 2 -i 0.2 -W 1 fc00:101::12 >/dev/null
	expect_eq "enforce: the overlay over mesh0 still passes" "$?" "0"
	lab_ns pve1 ping -6 -c 2 -i 0.2 -W 1 fc00:20::2 >/dev/null
	expect_eq "enforce: Ceph over mesh0 still passes" "$?" "0"
	rg detach >/dev/null
	expect_eq "after detach the foreign program is there as it was" "$(tcx query-in mesh0)" \
		"xdp=xdp_count:$id tcxin="
	n0=$(tcx count "$PINX")
	inject pve2 mesh0 fd00:10::5 fd00:10::6 -n 7 -l 200 >/dev/null
	expect_eq "and still running" "$(( $(tcx count "$PINX") - n0 ))" "7"
	tcx xdp-off mesh0
	rm -rf "$PINX"
}

# verify_pve01 RC WHAT: verify pve01's roles, expecting exit status RC;
# the report is left in the caller's out
verify_pve01() {
	out=$(rg verify --plan "$PLAN" --mesh vnet101 mesh0 --egress vmbr0)
	expect_eq "$2" "$?" "$1"
}

# verify on a bridge role: the ports carry it, addresses live on the bridge,
# and it catches an address on a port and a port below the bridge's MTU
test_verify() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	local out
	# the plan's static route: unallocated fc00 space stays home
	lab_ns pve1 ip -6 route add unreachable fc00::/8
	verify_pve01 0 "verify passes on pve01 with its bridges and mesh link"
	expect_match "it lists vmbr0's ports as carrying its role" "$out" \
		"ok +ports +vmbr0 \(egress\): bridge, 3 ports carry its role: up0, tap100i1, tap101i1"
	expect_match "and vnet101's, the VXLAN device among them" "$out" \
		"ok +ports +vnet101 \(mesh\): bridge, 2 ports carry its role: vxlan101, tap100i0"
	expect_match "addresses are checked on the bridge" "$out" "ok +address +vmbr0 \(egress\): fd00:10::1/64"
	lab_ns pve1 ip addr add fd00:10::99/64 dev tap101i1 nodad
	# a guest NIC left at 1500 on the MTU 8950 VNet; the bridge keeps 8950
	# because its MTU is set explicitly (as PVE's network config does)
	lab_ns pve1 ip link set tap100i0 mtu 1500
	lab_ns pve1 ip link set vnet101 mtu 8950
	verify_pve01 1 "a misconfigured port fails verify"
	expect_match "an address on a port: put it on the bridge" "$out" \
		"FAIL +port +tap101i1 \(egress, port of vmbr0\) has address fd00:10::99/64, .*put it on vmbr0"
	expect_match "a port below the bridge's MTU" "$out" \
		"FAIL +port +tap100i0 \(mesh, port of vnet101\): MTU 1500 below the bridge's 8950"
	lab_ns pve1 ip addr del fd00:10::99/64 dev tap101i1
	lab_ns pve1 ip link set tap100i0 mtu 8950
	lab_ns pve1 ip -6 route del unreachable fc00::/8
}

# tap_burst MAC SRC DST: 20 GSO frames (60000 bytes, MSS 1440) written into
# tap102i0 as QEMU's virtio backend writes a guest's TSO frames; prints
# "sent arrived": arrived, the frames for DST that tcpdump's filter took at
# the router
tap_burst() {
	local sent failed len
	rm -f "$TMP/tcpdump.log"
	# not through lab_ns: $! must be tcpdump, not a subshell around it
	ip netns exec "${LAB}rtr" tcpdump -i ether1 -nn -s 128 -w /dev/null "ip6 dst host $3" \
		>/dev/null 2>"$TMP/tcpdump.log" &
	TDPID=$!
	wait_ms 5000 grep -q "listening on" "$TMP/tcpdump.log"
	read -r sent failed len < <(lab_ns pve1 "$TAPSEND" tap102i0 "$2" "$3" -n 20 -l 60000 -m 1440 \
		-d "$1" | sed -E 's/sent=([0-9]+) failed=([0-9]+) len=([0-9]+)/\1 \2 \3/')
	sleep 0.3
	kill -INT "$TDPID"; wait "$TDPID" 2>/dev/null; TDPID=
	echo "$sent $(sed -nE 's/^([0-9]+) packets? received by filter/\1/p' "$TMP/tcpdump.log")"
}

# a guest's tap as QEMU and vhost-net drive it (IFF_VNET_HDR, GSO frames),
# on vmbr0 like a PVE guest's NIC: under every ingress hook the same
# counters (one per GSO frame, its full length), legit frames reach the
# router, and in enforce 0 of the guest's fc00 leaks do
test_guest_tap_gso() {
	need_lab || { skip "the kernel has no bridge or VXLAN devices"; return; }
	[ -c /dev/net/tun ] || { skip "no /dev/net/tun"; return; }
	local x mac got p0 b0 d0 v0 want
	rg detach >/dev/null 2>&1
	lab_ns pve1 ip tuntap add dev tap102i0 mode tap vnet_hdr || { skip "cannot create a tap"; return; }
	lab_ns pve1 ip link set tap102i0 master vmbr0 up
	mac=$(lab_ns rtr cat /sys/class/net/ether1/address)
	for x in auto native off; do
		# vmbr0 alone: its ports all take native XDP (vnet101's VXLAN port has none)
		rg attach --plan "$PLAN" --egress vmbr0 --xdp "$x" >/dev/null
		rg mode enforce >/dev/null 2>&1
		case $x in
		auto) want='^tc/ingress: tc \(tun/tap: the skb exists already' ;;
		native) want='^xdp-native/native XDP as --xdp native asked; auto takes tc here \(tun/tap' ;;
		off) want='^tc/ingress: tc \(tun/tap' ;;
		esac
		expect_match "--xdp $x: status -j names the tap's hook and why" \
			"$(rg -j status | jq -r '.interfaces[] | .ports[]? | select(.name == "tap102i0") |
				"\(if .ingress == "tc" then "tc" else .xdp end)/\(.hook_reason)"')" "$want"
		stats
		p0=$(ifc tap102i0 in packets); b0=$(ifc tap102i0 in bytes)
		d0=$(ifc tap102i0 in dropped); v0=$(ifc tap102i0 in violations)
		expect_eq "--xdp $x: 20 legit GSO frames from the guest reach the router" \
			"$(tap_burst "$mac" fd00:101::31 fd00:101::fffe)" "20 20"
		expect_eq "--xdp $x: 0 of 20 fc00 leaks in GSO frames reach the router" \
			"$(tap_burst "$mac" fd00:101::31 fc00:20::1)" "20 0"
		stats
		got="$(( $(ifc tap102i0 in packets) - p0 )) $(( $(ifc tap102i0 in bytes) - b0 ))"
		got="$got $(( $(ifc tap102i0 in dropped) - d0 )) $(( $(ifc tap102i0 in violations) - v0 ))"
		expect_eq "--xdp $x: one count per GSO frame, its full length; the leaks dropped" \
			"$got" "40 $(( 40 * 60000 )) 20 20"
		rg detach >/dev/null
	done
	lab_ns pve1 ip link del tap102i0
}

echo "pve: ringguard on a Proxmox host (vmbr0, vnet101 over VXLAN 100101, guests)"
if kernel_has bridge && kernel_has vxlan; then
	pve_lab_up
	LAB_UP=1
fi
run_tests pve "${@:2}"
