# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# lab.sh - a lab of network namespaces shaped like the users' plan, sourced
# by tools/demo.sh and tests/netns.sh. Nothing here touches the host's own
# interfaces, routes or firewall.
#
#   ${LAB}node  a K8s node (solcp011): eth0 mesh (MTU 9000), eth1 egress
#   ${LAB}mesh  the mesh side: PVE anycast gateway fc00:101::fffe and a Ceph
#               monitor fc00:20::1, MTU 9000
#   ${LAB}gw    the RouterOS side: fd00:101::fffe, management gw fd00:10::fffe
#
# lab_up / lab_down use $LAB as the namespace name prefix.

LAB=${LAB:-rglab-}

lab_ns() { ip netns exec "${LAB}$1" "${@:2}"; }

lab_down() {
	local ns
	for ns in node mesh gw; do
		ip netns del "${LAB}$ns" 2>/dev/null || true
	done
}

lab_up() {
	lab_down
	local ns
	for ns in node mesh gw; do
		ip netns add "${LAB}$ns"
		# a quiet lab: no router solicitations, no link-local addresses
		# (so no DAD and no MLD reports for them), so counters show only
		# the traffic we send
		lab_ns "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.default.accept_dad=0
	done
	ip link add eth0 netns "${LAB}node" mtu 9000 type veth peer name m0 netns "${LAB}mesh" mtu 9000
	ip link add eth1 netns "${LAB}node" type veth peer name g0 netns "${LAB}gw"

	lab_ns node ip link set lo up
	lab_ns node ip link set eth0 address 02:52:47:00:00:02 up
	lab_ns node ip link set eth1 address 02:52:47:00:01:02 up
	lab_ns node ip addr add fc00:101::11/64 dev eth0 nodad
	lab_ns node ip addr add fd00:101::11/64 dev eth1 nodad
	lab_ns node ip -6 route add fc00:20::/64 via fc00:101::fffe dev eth0
	lab_ns node ip -6 route add default via fd00:101::fffe dev eth1

	lab_ns mesh ip link set lo up
	lab_ns mesh ip link set m0 up
	lab_ns mesh ip addr add fc00:101::fffe/64 dev m0 nodad
	lab_ns mesh ip addr add fc00:20::1/128 dev lo

	lab_ns gw ip link set lo up
	lab_ns gw ip link set g0 up
	lab_ns gw ip addr add fd00:101::fffe/64 dev g0 nodad
	lab_ns gw ip addr add fd00:10::fffe/128 dev lo
	# the uplink router has no route back into the fast ring: a leaked fc00
	# packet arrives there and goes nowhere
	lab_ns gw sysctl -qw net.ipv6.conf.all.forwarding=1
	# The peers answer from addresses on lo (fc00:20::1, fd00:10::fffe). With
	# no link-local address a neighbour solicitation for such a reply has no
	# source, so the kernel never sends it: once the node's entry went stale
	# (30 s into a slow run) the peer could no longer answer it. Real routers
	# have link-locals; the quiet lab pins the node's MACs instead.
	lab_ns mesh ip -6 neigh replace fc00:101::11 lladdr 02:52:47:00:00:02 dev m0 nud permanent
	lab_ns gw ip -6 neigh replace fd00:101::11 lladdr 02:52:47:00:01:02 dev g0 nud permanent
	# let the MLD reports for the new addresses go out before anyone counts
	sleep 1.2
}

# The rest of the plan's static routes for a K8s node ("Kubernetes Nodes
# (With FRR)"): Ceph cluster over the mesh too, and unallocated fc00 space
# kept home instead of following the default route to the uplink.
lab_plan_routes() {
	lab_ns node ip -6 route add fc00:21::/64 via fc00:101::fffe dev eth0 metric 100 onlink
	lab_ns node ip -6 route add unreachable fc00::/8
}

# --- a Proxmox host (pve_lab_up / pve_lab_down) -------------------------------
#
#   ${LAB}pve1  pve01: vmbr0 (egress) bridges the uplink up0 and the guests'
#               tap100i1, tap101i1; vnet101 (mesh, MTU 8950) bridges the EVPN
#               VXLAN device vxlan101 (VNI 100101, port 4789) and tap100i0;
#               the VXLAN underlay is mesh0, an MTU 9000 mesh link to pve02
#               (IPv4 VTEPs, as MTU 8950 over 9000 implies). Ceph and the
#               loopback live on lo (the plan's dummy_underlay: this kernel
#               has no dummy devices).
#   ${LAB}pve2  pve02: mesh0, vxlan101 in vnet101 with a K8s node's mesh
#               address fc00:101::12 (a guest there, without its namespace)
#   ${LAB}rtr   RouterOS behind the uplink: fd00:10::fffe, fd00:101::fffe
#   ${LAB}vm100 solcp011's VM: eth0 on vnet101, eth1 on vmbr0
#   ${LAB}vm101 solwk021's VM: eth1 on vmbr0
#
# There is no bridge VLAN filtering and no 8021q here: vmbr0 carries VLAN 10
# and 101 untagged on one segment, and tagged guest frames are sent raw.

PVE_NS="pve1 pve2 rtr vm100 vm101"

pve_lab_down() {
	local ns
	for ns in $PVE_NS vm102; do
		ip netns del "${LAB}$ns" 2>/dev/null || true
	done
}

# pve_guest VM TAP GUESTIF BRIDGE [MTU]: a guest NIC, its tap on the bridge
pve_guest() {
	ip link add "$2" netns "${LAB}pve1" mtu "${5:-1500}" type veth peer name "$3" \
		netns "${LAB}$1" mtu "${5:-1500}"
	lab_ns pve1 ip link set "$2" master "$4" up
	lab_ns "$1" ip link set "$3" up
}

pve_lab_up() {
	pve_lab_down
	local ns
	for ns in $PVE_NS; do
		ip netns add "${LAB}$ns"
		lab_ns "$ns" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.addr_gen_mode=1 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0
		lab_ns "$ns" ip link set lo up
	done

	# pve01's bridges and its mesh link to pve02
	lab_ns pve1 ip link add vmbr0 type bridge
	lab_ns pve1 ip link set vmbr0 address 02:52:47:10:00:01 up
	lab_ns pve1 ip link add vnet101 mtu 8950 type bridge
	lab_ns pve1 ip link set vnet101 address 02:52:47:10:01:01 up
	ip link add mesh0 netns "${LAB}pve1" mtu 9000 type veth peer name mesh0 \
		netns "${LAB}pve2" mtu 9000
	ip link add up0 netns "${LAB}pve1" type veth peer name ether1 netns "${LAB}rtr"
	lab_ns pve1 ip link set up0 master vmbr0 up
	local n
	for n in 1 2; do
		lab_ns pve$n ip link set mesh0 address 02:52:47:21:00:0$n up
		lab_ns pve$n ip addr add 10.21.0.$n/30 dev mesh0
		lab_ns pve$n ip addr add fc00:21::$n/64 dev mesh0 nodad
		lab_ns pve$n ip addr add fc00:20::$n/128 dev lo
		lab_ns pve$n ip addr add fd00:0:0:ffff::$n/128 dev lo
		lab_ns pve$n ip link add vxlan101 mtu 8950 type vxlan id 100101 dstport 4789 \
			local 10.21.0.$n remote 10.21.0.$((3 - n)) dev mesh0 nolearning
		[ $n = 2 ] && lab_ns pve2 ip link add vnet101 mtu 8950 type bridge
		lab_ns pve$n ip link set vxlan101 master vnet101 up
		lab_ns pve$n ip link set vnet101 up
	done
	# The mesh link's neighbours are fixed, as on a routed point-to-point
	# link: with any native XDP program on a veth (a bare counting one too),
	# this kernel left IPv6 neighbour probes across it unanswered now and
	# then, which a ping would take for a drop.
	for n in 1 2; do
		lab_ns pve$n ip -6 neigh replace fc00:21::$((3 - n)) lladdr 02:52:47:21:00:0$((3 - n)) \
			dev mesh0 nud permanent
	done
	lab_ns pve1 ip -6 route add fc00:20::2/128 via fc00:21::2 dev mesh0
	lab_ns pve2 ip -6 route add fc00:20::1/128 via fc00:21::1 dev mesh0
	lab_ns pve1 ip addr add fd00:10::1/64 dev vmbr0 nodad
	lab_ns pve1 ip -6 route add default via fd00:10::fffe dev vmbr0
	lab_ns pve1 ip addr add fc00:101::fffe/64 dev vnet101 nodad
	lab_ns pve2 ip addr add fc00:101::12/64 dev vnet101 nodad

	# the uplink router: both VLANs' gateways on one untagged segment
	lab_ns rtr ip link set ether1 up
	lab_ns rtr ip addr add fd00:10::fffe/64 dev ether1 nodad
	lab_ns rtr ip addr add fd00:101::fffe/64 dev ether1 nodad
	lab_ns rtr sysctl -qw net.ipv6.conf.all.forwarding=1

	# the guests
	pve_guest vm100 tap100i0 eth0 vnet101 8950
	pve_guest vm100 tap100i1 eth1 vmbr0
	pve_guest vm101 tap101i1 eth1 vmbr0
	lab_ns vm100 ip addr add fc00:101::11/64 dev eth0 nodad
	lab_ns vm100 ip addr add fd00:101::11/64 dev eth1 nodad
	lab_ns vm100 ip -6 route add default via fd00:101::fffe dev eth1
	lab_ns vm101 ip addr add fd00:101::21/64 dev eth1 nodad
	lab_ns vm101 ip -6 route add default via fd00:101::fffe dev eth1
	sleep 1.2
}
