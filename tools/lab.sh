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
