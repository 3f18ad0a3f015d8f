#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# demo.sh OUTPUT_DIR - ringguard on a lab shaped like the users' plan:
# normal traffic counted, a misrouted fc00 flow caught in monitor mode, then
# dropped in enforce mode. Builds the lab in network namespaces and removes
# it on exit; the host's own interfaces are never touched.
set -eu
OUT=${1:-.output}
TOP="$(cd "$(dirname "$0")/.." && pwd)"
RG="$(realpath "$OUT/ringguard")"
PLAN="$TOP/maps/sol.plan"
LAB=rgdemo-
# shellcheck source=lab.sh
. "$TOP/tools/lab.sh"

if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
run() { printf '$ %s\n' "$*"; "$@"; }
node() { lab_ns node "$@"; }

cleanup() {
	node "$RG" detach >/dev/null 2>&1 || true
	lab_down
}
trap cleanup EXIT

step "the plan: maps/sol.plan encodes the users' IPv6 allocation plan"
run "$RG" plan check "$PLAN"

step "a lab: K8s node solcp011 (eth0 mesh, MTU 9000; eth1 egress), the PVE mesh, RouterOS"
lab_up
node ip -br addr show eth0
node ip -br addr show eth1
node ip -6 route show

step "attach in monitor mode (the default): roles come from the plan's host line"
run node "$RG" attach --plan "$PLAN" --host solcp011
run node "$RG" status

step "normal traffic: Ceph over the mesh (jumbo frames too), management over egress"
run node ping -6 -c 3 -i 0.2 -q fc00:20::1 | tail -2
run node ping -6 -c 2 -i 0.2 -q -M do -s 8952 fc00:20::1 | tail -2
run node ping -6 -c 3 -i 0.2 -q fd00:10::fffe | tail -2
run node "$RG" stats

step "a wrong route sends Ceph traffic (fc00) out of the uplink"
run node ip -6 route replace fc00:20::/64 via fd00:101::fffe dev eth1
run node ping -6 -c 3 -i 0.2 -W 1 -q fc00:20::1 | tail -2 || true
echo "monitor mode: the leak went out, and ringguard counted what enforcement would drop:"
node "$RG" -j stats | jq -r '.interfaces[] | "  \(.name) (\(.role)) out: \(.out.violations) violations, \(.out.dropped) dropped"'
node "$RG" -j stats | jq -r '.buckets[] | select(.violations.packets > 0) | "  bucket \(.name) \(.cidr): \(.violations.packets) violating packets"'

step "staging looks right: switch to enforce mode, no reload"
run node "$RG" mode enforce
run node ping -6 -c 3 -i 0.2 -W 1 -q fc00:20::1 | tail -2 || true
node "$RG" -j stats | jq -r '.interfaces[] | "  \(.name) (\(.role)) out: \(.out.violations) violations, \(.out.dropped) dropped"'
echo "the leak is dropped at eth1's tc egress before it reaches the uplink"

step "fix the route: traffic flows again, enforcement stays on"
run node ip -6 route replace fc00:20::/64 via fc00:101::fffe dev eth0
run node ping -6 -c 2 -i 0.2 -q fc00:20::1 | tail -2
run node "$RG" stats

step "detach: programs, links, pins and qdiscs are removed"
run node "$RG" detach
echo
echo "demo done"
