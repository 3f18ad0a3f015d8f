#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# demo.sh OUTPUT_DIR - ringguard on a lab shaped like the users' plan:
# normal traffic counted, a misrouted fc00 flow caught in monitor mode, then
# dropped in enforce mode; then a Proxmox host, where a guest's leak is
# caught at its bridge port before the uplink. Builds the lab in network namespaces and removes
# it on exit; the host's own interfaces are never touched.
set -eu
OUT=${1:-.output}
TOP="$(cd "$(dirname "$0")/.." && pwd)"
RG="$(realpath "$OUT/ringguard")"
PLAN="$TOP/maps/sol.plan"
LAB=rgdemo-
CAP=$(mktemp --suffix=.pcap)
# shellcheck source=lab.sh
. "$TOP/tools/lab.sh"

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
run() { printf '$ %s\n' "$*"; "$@"; }
node() { lab_ns node "$@"; }

pve() { lab_ns pve1 "$@"; }
# per-port counters of the Proxmox part
ports() {
	pve "$RG" -j stats | jq -r '.interfaces[] | select(.name == "tap100i1" or .name == "up0") |
		"  \(.name) (port of \(.bridge)): in \(.in.violations) violations, \(.in.dropped) dropped; out \(.out.violations) violations"'
}

cleanup() {
	node "$RG" detach >/dev/null 2>&1 || true
	pve "$RG" detach >/dev/null 2>&1 || true
	pve_lab_down
	lab_down
	rm -f "$CAP"
}
trap cleanup EXIT

step "the plan: maps/sol.plan encodes the users' IPv6 allocation plan"
run "$RG" plan check "$PLAN"

step "a lab: K8s node solcp011 (eth0 mesh, MTU 9000; eth1 egress), the PVE mesh, RouterOS"
lab_up
lab_plan_routes
node ip -br addr show eth0
node ip -br addr show eth1
node ip -6 route show

step "before anything: does the node match the plan? (addresses, MTU, a route per prefix)"
run node "$RG" verify --plan "$PLAN" --host solcp011 | tail -3

step "attach in monitor mode (the default): roles come from the plan's host line"
run node "$RG" attach --plan "$PLAN" --host solcp011 2>/dev/null
run node "$RG" status

step "normal traffic: Ceph over the mesh (jumbo frames too), management over egress"
run node ping -6 -c 3 -i 0.2 -q fc00:20::1 | tail -2
run node ping -6 -c 2 -i 0.2 -q -M do -s 8952 fc00:20::1 | tail -2
run node ping -6 -c 3 -i 0.2 -q fd00:10::fffe | tail -2
run node "$RG" stats --tree

step "a wrong route sends Ceph traffic (fc00) out of the uplink"
run node ip -6 route replace fc00:20::/64 via fd00:101::fffe dev eth1
echo "verify catches it before any packet flows:"
node "$RG" verify --plan "$PLAN" --host solcp011 | grep -E "^FAIL" || true

step "staging, monitor mode: the leak flows, and ringguard shows what enforce would drop"
node "$RG" events --count 3 2>/dev/null &
evpid=$!
ip netns exec "${LAB}node" tcpdump -Q out -i eth1 -w "$CAP" -U 2>/dev/null &
tdpid=$!
sleep 0.5
run node ping -6 -c 3 -i 0.2 -W 1 -q fc00:20::1 | tail -2 || true
sleep 0.5
kill -INT "$tdpid" 2>/dev/null; wait "$tdpid" 2>/dev/null || true
wait "$evpid" 2>/dev/null || true
node "$RG" -j stats | jq -r '.interfaces[] | "  \(.name) (\(.role)) out: \(.out.violations) violations, \(.out.dropped) dropped"'
echo "replaying the capture of eth1 through the real programs, privately:"
run node "$RG" replay --plan "$PLAN" --role egress --dir out "$CAP" || true

step "production: enforce, with a safety net that reverts by itself in 60 s unless confirmed"
run node "$RG" mode enforce --confirm-within 60
run node ping -6 -c 3 -i 0.2 -W 1 -q fc00:20::1 | tail -2 || true
node "$RG" -j stats | jq -r '.interfaces[] | "  \(.name) (\(.role)) out: \(.out.violations) violations, \(.out.dropped) dropped"'
echo "the leak is dropped at eth1's tc egress before it reaches the uplink; still reachable, so:"
run node "$RG" mode confirm

step "fix the route: traffic flows again, enforcement stays on"
run node ip -6 route replace fc00:20::/64 via fc00:101::fffe dev eth0
run node ping -6 -c 2 -i 0.2 -q fc00:20::1 | tail -2
run node "$RG" verify --plan "$PLAN" --host solcp011 | tail -1
run node "$RG" stats

step "detach: programs, links, pins and qdiscs are removed"
run node "$RG" detach

step "Proxmox: pve01's roles are on bridges (vmbr0, vnet101); attach covers every port"
lab_down
pve_lab_up
run pve "$RG" attach --plan "$PLAN" --host pve01
run pve "$RG" status | sed -n '/^INTERFACE/,$p'

step "a guest (solcp011's VM on vmbr0) with a wrong route leaks Ceph traffic toward the uplink"
run lab_ns vm100 ip -6 route add fc00:20::/64 via fd00:101::fffe dev eth1
run lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 -q fc00:20::1 | tail -2 || true
echo "monitor mode: counted where it enters (the guest's tap) and where it leaves (the uplink):"
ports

step "enforce: the leak is dropped at the guest's tap, before the bridge and the uplink"
run pve "$RG" mode enforce
run lab_ns vm100 ping -6 -c 3 -i 0.2 -W 1 -q fc00:20::1 | tail -2 || true
ports
run lab_ns vm100 ping -6 -c 2 -i 0.2 -q fd00:101::fffe | tail -2
run pve "$RG" detach
echo
echo "demo done"
