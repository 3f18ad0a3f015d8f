#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# verify.sh - `ringguard verify` on the lab node (tools/lab.sh): a node set
# up as the plan prescribes passes; a misrouted prefix, a wrong MTU, a
# foreign address, a link without carrier and a missing interface each fail,
# naming what is wrong; -j says the same in JSON. Reads kernel state only,
# so no BPF is attached here.
#
# usage: tests/verify.sh OUTPUT_DIR [TEST...]     (run as root; TEST: a name or glob)
#        VERIFY="CMD ARGS" tests/verify.sh OUTPUT_DIR
#                 runs CMD ARGS instead of "$OUTPUT_DIR/ringguard verify"
set -u

OUT=${1:-.output}
LAB="rgv$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

VERIFY=${VERIFY:-"$RG verify"}
read -ra VCMD <<<"$VERIFY"

teardown() {
	lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

if [ "$(id -u)" != 0 ]; then
	echo "verify: needs root (network namespaces)" >&2
	exit 1
fi

# v ARGS... -> $out (stdout and stderr), $rc; in the lab node's namespace
v() {
	out=$(lab_ns node "${VCMD[@]}" "$@" 2>&1)
	rc=$?
}
vhost() { v --plan "$PLAN" --host solcp011 "$@"; }
# line CHECK REGEX: the lines of the last output for CHECK matching REGEX
line() { grep -E "^(ok|warn|FAIL) +$1 " <<<"$out" | grep -E -- "$2"; }

echo "verify: the lab node (solcp011) against maps/sol.plan"
lab_up

# the lab as tools/lab.sh builds it is not the plan
test_bare_lab_is_not_the_plan() {
	# lab.sh routes only fc00:20::/64 over the mesh; the rest of fc00::/8 follows
	# the default route out of eth1, which the plan forbids.
	vhost
	expect_eq "the bare lab is not the plan: verify exits 1" "$rc" "1"
	expect_match "it names the Ceph cluster prefix leaving through eth1" \
		"$(line route 'fc00:21::/64 ')" "^FAIL .*ceph-cluster +leaves through eth1 \(egress\)"
}

# a node set up as the plan prescribes passes (the tests below start from it)
test_node_as_the_plan_says_passes() {
	# The plan's "Kubernetes Nodes (With FRR)" static routes: Ceph public and
	# cluster via the mesh anycast gateway, default via egress. The plan routes
	# only those specific /64s, so unallocated fc00 space would still follow the
	# default route onto the uplink; a reject route for the zone keeps it home
	# (the RouterOS filter would drop it there anyway, "BGP Route Filters").
	lab_ns node ip -6 route add fc00:21::/64 via fc00:101::fffe dev eth0 metric 100 onlink
	lab_ns node ip -6 route add unreachable fc00::/8
	vhost
	expect_eq "a node set up as the plan says passes: exit 0" "$rc" "0"
	expect_eq "and no check fails" "$(grep -c '^FAIL' <<<"$out")" "0"
	expect_match "eth0 is up" "$(line link 'eth0')" "^ok +link +eth0 \(mesh\): up, carrier$"
	expect_match "eth0 carries its mesh address" "$(line address 'eth0')" "^ok .*fc00:101::11/64"
	expect_match "eth0 MTU 9000 is in the plan's range" "$(line mtu 'eth0')" "^ok .*9000 \(plan: 8950-9000\)"
	expect_match "eth1 MTU 1500" "$(line mtu 'eth1')" "^ok .*1500 \(plan: 1500\)"
	expect_match "Ceph public leaves through the mesh via the anycast gateway" \
		"$(line route 'fc00:20::/64 ')" "^ok .*-> eth0 \(mesh\) via fc00:101::fffe src fc00:101::11"
	expect_match "management leaves through egress" \
		"$(line route 'fd00:10::/64 ')" "^ok .*-> eth1 \(egress\) via fd00:101::fffe"
	expect_match "the node's own address is local" \
		"$(line route 'fc00:101::11/128 ')" "^ok .*local address of this host"
	expect_match "unallocated fc00 space stays home" \
		"$(line route 'fc00::/8 ')" "^ok .*unreachable route, nothing leaves"
	expect_match "every prefix in a zone is checked" "$(line routes '')" \
		"^ok +routes +65 prefixes checked, 65 ok, 0 wrong, 0 warnings$"
	v -j --plan "$PLAN" --host solcp011
	expect_eq "-j: ok=true, host named from the plan" "$(jq -r '"\(.ok) \(.host)"' <<<"$out")" "true solcp011"
}

# a misrouted prefix fails, named, in text and in JSON
test_misrouted_prefix() {
	lab_ns node ip -6 route replace fc00:20::/64 via fd00:101::fffe dev eth1
	vhost
	expect_eq "Ceph public routed via eth1: exit 1" "$rc" "1"
	expect_match "the line names fc00:20::/64 and eth1" "$(line route 'fc00:20::/64 ')" \
		"^FAIL +route +fc00:20::/64 +ceph-public +leaves through eth1 \(egress\) via fd00:101::fffe; the plan puts it on mesh$"
	expect_eq "so do the /128s under it, and nothing else" \
		"$(grep -E '^FAIL +route ' <<<"$out" | awk '{print $3}' | tr '\n' ' ')" \
		"fc00:20::/64 fc00:20::1/128 fc00:20::2/128 fc00:20::3/128 "
	expect_match "the summary counts them" "$(line routes '')" \
		"^FAIL +routes +65 prefixes checked, 61 ok, 4 wrong, 0 warnings$"
	v -j --plan "$PLAN" --host solcp011
	expect_eq "-j parses, ok=false" "$(jq -r .ok <<<"$out")" "false"
	expect_eq "-j names the prefix and the interface" \
		"$(jq -r '[.checks[] | select(.ok == false and .check == "route")][0] | "\(.prefix) \(.interface) \(.name)"' <<<"$out")" \
		"fc00:20::/64 eth1 ceph-public"
	expect_eq "-j: every check has check, interface, ok, detail" \
		"$(jq '[.checks[] | select(has("check") and has("interface") and has("ok") and has("detail"))] | length' <<<"$out")" \
		"$(jq '.checks | length' <<<"$out")"
	lab_ns node ip -6 route replace fc00:20::/64 via fc00:101::fffe dev eth0
}

# a prefix routed out of an interface without a role fails
test_route_out_of_roleless_interface() {
	# a prefix routed out of an interface without a role
	lab_ns node ip link add side0 type veth peer name side1
	lab_ns node ip link set side0 up
	lab_ns node ip link set side1 up
	lab_ns node ip -6 route add fd00:101:cafe::/112 dev side0
	vhost
	expect_eq "the LB pool routed out of a role-less interface: exit 1" "$rc" "1"
	expect_match "named, with 'no role'" "$(line route 'fd00:101:cafe::/112 ')" \
		"^FAIL .*leaves through side0, which has no role"
	lab_ns node ip link del side0
}

# an MTU outside the plan's range fails
test_wrong_mtu() {
	lab_ns node ip link set eth0 mtu 1500
	vhost
	expect_eq "MTU 1500 on the mesh: exit 1" "$rc" "1"
	expect_match "the mtu line says what the plan wants" "$(line mtu 'eth0')" \
		"^FAIL +mtu +eth0 \(mesh\): MTU 1500, the plan wants 8950-9000$"
	lab_ns node ip link set eth0 mtu 9000
}

# a foreign address on a role interface fails
test_foreign_address() {
	lab_ns node ip addr add fd00:101::99/64 dev eth0 nodad
	vhost
	expect_eq "an fd00 address on eth0: exit 1" "$rc" "1"
	expect_match "the address line names it" "$(line address 'eth0')" \
		"^FAIL .*eth0 \(mesh\): fd00:101::99/64 \(zone external, egress\) breaks the plan on mesh"
	lab_ns node ip addr del fd00:101::99/64 dev eth0
}

# the plan's exception (k8s loopbacks allowed on the mesh) and IPv4 pass
test_allowed_exception_and_ipv4() {
	# the plan's exception: k8s loopbacks may sit on the mesh (allow mesh), and
	# IPv4 is in no zone
	lab_ns node ip addr add fd00:255:101::11/128 dev eth0 nodad
	lab_ns node ip addr add 10.244.0.11/24 dev eth0
	vhost
	expect_eq "an allowed fd00 loopback and IPv4 on eth0 pass" "$rc" "0"
	expect_match "and the exception is named" "$(line address 'eth0')" \
		"^ok .*fd00:255:101::11/128 allowed on mesh by k8s-loopbacks"
	lab_ns node ip addr del fd00:255:101::11/128 dev eth0
	lab_ns node ip addr del 10.244.0.11/24 dev eth0
}

# a role interface without an address of its zone fails
test_missing_zone_address() {
	lab_ns node ip addr del fc00:101::11/64 dev eth0
	vhost
	expect_eq "eth0 without its mesh address: exit 1" "$rc" "1"
	expect_match "no address of a mesh zone" "$(line address 'eth0')" \
		"^FAIL .*no global address of a mesh zone \(internal fc00::/8\)"
	lab_ns node ip addr add fc00:101::11/64 dev eth0 nodad
	lab_ns node ip -6 route replace fc00:20::/64 via fc00:101::fffe dev eth0
	lab_ns node ip -6 route replace fc00:21::/64 via fc00:101::fffe dev eth0 metric 100 onlink
}

# a role interface without carrier fails
test_no_carrier() {
	lab_ns mesh ip link set m0 down
	vhost
	expect_eq "the mesh peer down (no carrier on eth0): exit 1" "$rc" "1"
	expect_match "the link line says so" "$(line link 'eth0')" "^FAIL +link +eth0 \(mesh\): up but no carrier$"
	lab_ns mesh ip link set m0 up
}

# a role interface that does not exist fails
test_missing_interface() {
	v --plan "$PLAN" --mesh eth0 --egress eth1 eth9
	expect_eq "a missing role interface: exit 1" "$rc" "1"
	expect_match "named" "$(line link 'eth9')" "^FAIL .*eth9 \(egress\): not found"
}

# restored, the node passes again
test_restored_node_passes() {
	vhost
	expect_eq "everything restored: exit 0 again" "$rc" "0"
}

# a missing plan is an error, not a pass or a failed check
test_missing_plan_is_an_error() {
	v --plan "$TMP/missing.plan" --host solcp011
	expect_match "a missing plan is an error, not a pass" "$rc" "^[1-9]"
	expect_eq "and prints no report" "$(line verify '')" ""
}

run_tests verify "${@:2}"
