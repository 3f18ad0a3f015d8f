#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# virtio.sh - ringguard on a virtio_net NIC, as on the K8s nodes (VMs whose
# NICs are virtio_net), in the `make test-kernels` guest: functional only,
# since TCG's timings mean nothing.
#
# The guest has two virtio-net NICs at MTU 9000 (qemu's host_mtu), wired to
# each other by a qemu hub (run.sh): no host network. The one with MAC
# RG_NODE_MAC stays in the root namespace as ringguard's egress interface;
# the one with RG_PEER_MAC goes to the network namespace "rgpeer" as the
# peer. Then, with the real ringguard binary and a plan where fc00::/8 is
# the mesh zone and fd00::/8 the egress zone:
#   - attach in auto mode works, and status -j names the hook auto chose on
#     virtio_net and why;
#   - monitor mode counts fc00 traffic out of the egress NIC as violations
#     and lets it through; enforce mode drops it (the peer sees none) and
#     counts the drops, while fd00 passes; traffic from the peer is counted
#     per prefix, and fc00 from the peer is dropped at ingress;
#   - --xdp native: the driver's answer (6.1 refuses XDP at MTU 9000: no
#     multi-buffer), which must be a clear error naming the interface and
#     what to do, or, attached, status saying so; the NIC's offloads before
#     and after (ethtool -k), printed as "INFO offloads ...".
# Asserts counters and what reaches the peer (its Icmp6InEchos), never
# timings. Prints PASS/FAIL/INFO lines and closes with
# "virtio: N passed, N failed" (run.sh counts them); exits non-zero on a
# failure.
#
# Also runs on a host for a try, inside a network namespace holding a veth
# pair: RG_IF/RG_PEER_IF name the interfaces instead of the MACs,
# RG_DRIVER=veth, RG_TOOLS the directory of ip, ethtool, jq and ringguard,
# RG_PIN a pin root of its own, RG_PEER_NS a namespace name of its own.
# by path: busybox's sh runs its own applets first, whatever PATH says, and
# its ip has no netns; ringguard is the build's, packed beside them
TOOLS=${RG_TOOLS:-/usr/local/bin}
RG=${RG:-$TOOLS/ringguard}
ip() { "$TOOLS/ip" "$@"; }
ethtool() { "$TOOLS/ethtool" "$@"; }
jq() { "$TOOLS/jq" "$@"; }
PIN=${RG_PIN:-/sys/fs/bpf/ringguard}
NS=${RG_PEER_NS:-rgpeer}
DRIVER=${RG_DRIVER:-virtio_net}
T=$(mktemp -d)
passed=0
failed=0

pass() {
	echo "PASS $1"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL $1"
	failed=$((failed + 1))
}
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: saw '$2', wanted '$3'"; fi
}
expect_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then pass "$1"; else fail "$1: saw '$2', wanted /$3/"; fi
}
rg() { "$RG" --pin-dir "$PIN" "$@"; }
peer() { nsenter --net="/run/netns/$NS" "$@"; }
pip() { peer "$TOOLS/ip" "$@"; }
# link_field IF FIELD: "mtu" or "link/ether" from ip (a host's try runs in a
# namespace of its own, where /sys still shows the host's devices)
link_field() { ip -o link show dev "$1" | sed -nE "s|.* $2 ([^ ]+).*|\1|p"; }

teardown() {
	rg detach >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap teardown EXIT

# --- the guest's NICs ---------------------------------------------------
# ifname_of MAC: the interface with that address (the kernel names the NICs
# in probe order, which a test should not rely on)
ifname_of() {
	for a in /sys/class/net/*/address; do
		if [ "$(cat "$a")" = "$1" ]; then
			d=${a%/address}
			echo "${d##*/}"
			return 0
		fi
	done
	return 1
}

modules=/lib/modules/$(uname -r)
if [ -s "$modules/order" ]; then
	# in dependency order (fetch.sh); a module already in is no error
	while read -r m; do
		insmod "$modules/$m" 2>"$T/insmod" ||
			grep -q 'File exists' "$T/insmod" ||
			echo "INFO insmod $m: $(cat "$T/insmod")"
	done <"$modules/order"
fi
IF=${RG_IF:-}
PIF=${RG_PEER_IF:-}
if [ -z "$IF" ]; then
	# the driver probes as the module loads; give the netdevs a moment
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		IF=$(ifname_of "${RG_NODE_MAC:-52:54:00:72:67:01}") &&
			PIF=$(ifname_of "${RG_PEER_MAC:-52:54:00:72:67:02}") && break
		sleep 1
	done
fi
if [ -z "$IF" ] || [ -z "$PIF" ]; then
	fail "the guest has its two virtio NICs: saw $(cd /sys/class/net && echo *)"
	echo "virtio: $passed passed, $failed failed"
	exit 1
fi
drv=$(ethtool -i "$IF" 2>/dev/null | sed -n 's/^driver: //p')
expect_eq "$IF's driver is $DRIVER" "$drv" "$DRIVER"
expect_eq "$IF came up at MTU 9000" "$(link_field "$IF" mtu)" "9000"
expect_eq "$PIF came up at MTU 9000" "$(link_field "$PIF" mtu)" "9000"
echo "INFO $IF: $(ethtool -i "$IF" 2>/dev/null | grep -E '^(driver|version|bus-info):' | tr '\n' ' ')"

# node: fd00:10::11 (egress zone) and fc00:10::11 (mesh zone) on $IF; the
# peer has ::1 of both. Static neighbours and no DAD: no neighbour
# discovery from a planned address, so every counted packet is a ping's.
mkdir -p /run/netns
ip netns add "$NS" || fail "ip netns add $NS"
mac=$(link_field "$IF" link/ether)
pmac=$(link_field "$PIF" link/ether)
ip link set "$PIF" netns "$NS"
ip link set "$IF" up
pip link set lo up
pip link set "$PIF" up
for z in fd00 fc00; do
	ip -6 addr add "$z:10::11/64" dev "$IF" nodad
	pip -6 addr add "$z:10::1/64" dev "$PIF" nodad
	ip -6 neigh replace "$z:10::1" lladdr "$pmac" dev "$IF" nud permanent
	pip -6 neigh replace "$z:10::11" lladdr "$mac" dev "$PIF" nud permanent
done

cat >"$T/virtio.plan" <<'EOF'
# the guest's wire: egress zone fd00::/8, mesh zone fc00::/8
zone   internal  mesh    fc00::/8
zone   external  egress  fd00::/8
prefix peer-ext  fd00:10::1/128
prefix node-ext  fd00:10::11/128
prefix peer-int  fc00:10::1/128
prefix node-int  fc00:10::11/128
EOF
out=$(rg plan check "$T/virtio.plan" 2>&1)
expect_eq "the plan checks (exit 0)" "$?" "0"

stats() { rg -j stats >"$T/stats.json"; }
# ifc DIR FIELD: $IF's counter in the last stats
ifc() { jq -r --arg n "$IF" ".interfaces[] | select(.name == \$n) | .$1.$2" "$T/stats.json"; }
# bkt NAME SIDE: packets, side src, dst or violations
bkt() { jq -r --arg n "$1" "[.buckets[] | select(.name == \$n)][0].$2.packets" "$T/stats.json"; }
# echoes NS_CMD: echo requests that reached that side's ICMPv6
node_echoes() { awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6; }
# shellcheck disable=SC2016 # awk's $1, not the shell's
peer_echoes() { peer awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6; }
# ping3 [peer] ADDR: three echo requests, one ping each: busybox's ping
# gives up at the first failed send, which is what a drop at tc egress is
# to the sender (ENOBUFS). Exit 0 when all three were answered, 1 when none
# was, 2 otherwise.
ping3() {
	n=0
	for _ in 1 2 3; do
		if [ "$1" = peer ]; then
			peer ping -6 -c 1 -W 2 "$2" >/dev/null 2>&1 && n=$((n + 1))
		else
			ping -6 -c 1 -W 2 "$1" >/dev/null 2>&1 && n=$((n + 1))
		fi
	done
	[ "$n" = 3 ] && return 0
	[ "$n" = 0 ] && return 1
	return 2
}

# --- auto ---------------------------------------------------------------
out=$(rg attach --plan "$T/virtio.plan" --egress "$IF" --mode monitor 2>&1)
expect_eq "attach --xdp auto on $IF (exit 0)" "$?" "0"
rg -j status >"$T/status.json"
hook=$(jq -r --arg n "$IF" '.interfaces[] | select(.name == $n) | .ingress' "$T/status.json")
why=$(jq -r --arg n "$IF" '.interfaces[] | select(.name == $n) | .hook_reason' "$T/status.json")
echo "INFO auto on $IF ($drv, $(uname -r)): ingress $hook: $why"
expect_eq "auto classifies ingress at tc on $DRIVER" "$hook" "tc"
expect_match "status -j says why, naming $DRIVER" "$why" "^ingress: tc \\($DRIVER: .+"
expect_match "attach's report says it too" "$out" "$IF: attached as egress .*ingress: tc \\($DRIVER: "

# monitor: counted, nothing dropped
stats
o0=$(ifc out packets); v0=$(ifc out violations); d0=$(ifc out dropped)
pe0=$(peer_echoes); b0=$(bkt peer-ext dst); s0=$(bkt peer-ext src)
ping3 fd00:10::1
expect_eq "monitor: fd00 ping from the node is answered" "$?" "0"
stats
expect_eq "monitor: the peer got the 3 fd00 echo requests" "$(($(peer_echoes) - pe0))" "3"
expect_eq "monitor: peer-ext counted 3 as destination (out)" "$(($(bkt peer-ext dst) - b0))" "3"
expect_eq "monitor: peer-ext counted 3 as source (the replies, in)" "$(($(bkt peer-ext src) - s0))" "3"
# at least: the kernel's own MLD and router solicitations go out too
expect_eq "monitor: $IF out counted the 3 requests" "$(($(ifc out packets) - o0 >= 3))" "1"
pe0=$(peer_echoes); v0=$(ifc out violations); d0=$(ifc out dropped)
ping3 fc00:10::1
expect_eq "monitor: fc00 out of the egress NIC still passes" "$?" "0"
stats
expect_eq "monitor: the peer got the 3 fc00 echo requests" "$(($(peer_echoes) - pe0))" "3"
expect_eq "monitor: $IF out counted 3 violations" "$(($(ifc out violations) - v0))" "3"
expect_eq "monitor: and dropped none" "$(($(ifc out dropped) - d0))" "0"

# enforce, switched as a user would (no reload: 6.1's verifier takes a
# minute under TCG for each load): fc00 dropped both ways, fd00 passes,
# counted per prefix
out=$(rg mode enforce 2>&1)
expect_eq "mode enforce (exit 0)" "$?" "0"
expect_eq "status -j says enforce" "$(rg -j status | jq -r .mode)" "enforce"
stats
pe0=$(peer_echoes); b0=$(bkt peer-ext dst)
ping3 fd00:10::1
expect_eq "enforce: fd00 ping from the node is answered" "$?" "0"
stats
expect_eq "enforce: the peer got the 3 fd00 echo requests" "$(($(peer_echoes) - pe0))" "3"
expect_eq "enforce: peer-ext counted 3 as destination" "$(($(bkt peer-ext dst) - b0))" "3"
pe0=$(peer_echoes); v0=$(ifc out violations); d0=$(ifc out dropped); c0=$(bkt peer-int dst)
ping3 fc00:10::1
expect_eq "enforce: fc00 ping out of the egress NIC gets no answer" "$?" "1"
stats
expect_eq "enforce: the peer got none of the fc00 echo requests" "$(($(peer_echoes) - pe0))" "0"
expect_eq "enforce: $IF out dropped 3" "$(($(ifc out dropped) - d0))" "3"
expect_eq "enforce: $IF out counted 3 violations" "$(($(ifc out violations) - v0))" "3"
expect_eq "enforce: peer-int counted the 3 as destination" "$(($(bkt peer-int dst) - c0))" "3"
ne0=$(node_echoes); s0=$(bkt peer-ext src); i0=$(ifc in packets)
ping3 peer fd00:10::11
expect_eq "enforce: fd00 ping from the peer is answered" "$?" "0"
stats
expect_eq "enforce: the node got the peer's 3 fd00 echo requests" "$(($(node_echoes) - ne0))" "3"
expect_eq "enforce: peer-ext counted 3 as source (in)" "$(($(bkt peer-ext src) - s0))" "3"
expect_eq "enforce: $IF in counted them" "$(($(ifc in packets) - i0 >= 3))" "1"
ne0=$(node_echoes); di0=$(ifc in dropped); c0=$(bkt peer-int src)
ping3 peer fc00:10::11
expect_eq "enforce: fc00 ping from the peer gets no answer" "$?" "1"
stats
expect_eq "enforce: the node got none of the peer's fc00 echo requests" "$(($(node_echoes) - ne0))" "0"
expect_eq "enforce: $IF in dropped 3 (tc ingress)" "$(($(ifc in dropped) - di0))" "3"
expect_eq "enforce: peer-int counted the 3 as source" "$(($(bkt peer-int src) - c0))" "3"
out=$(rg detach 2>&1)
expect_eq "detach (exit 0)" "$?" "0"

# --- --xdp native ---------------------------------------------------------
# offload_changes BEFORE AFTER: "name: on -> off" for each feature that moved
offload_changes() {
	awk -F': ' 'NR == FNR { a[$1] = $2; next }
		($1 in a) && a[$1] != $2 { printf "%s%s: %s -> %s", sep, $1, a[$1], $2; sep = ", " }' "$1" "$2"
}
ethtool -k "$IF" >"$T/k.before" 2>&1
out=$(rg attach --plan "$T/virtio.plan" --egress "$IF" --mode enforce --xdp native 2>&1)
rc=$?
ethtool -k "$IF" >"$T/k.after" 2>&1
echo "INFO --xdp native on $IF ($(uname -r)): exit $rc: $(printf '%s' "$out" | tr '\n' ' ')"
changed=$(offload_changes "$T/k.before" "$T/k.after")
echo "INFO offloads $IF, ethtool -k before -> after --xdp native: ${changed:-none changed}"
if [ "$rc" != 0 ]; then
	expect_eq "--xdp native refused: exit 2" "$rc" "2"
	expect_match "the error names $IF and the driver's reason" "$out" "$IF.*$DRIVER"
	expect_match "and says what to do (--xdp auto)" "$out" "--xdp auto"
	out=$(rg status 2>&1)
	expect_match "and leaves nothing attached" "$out" "not attached"
	expect_eq "nor XDP on $IF" "$(ip link show "$IF" | grep -c 'xdp')" "0"
else
	rg -j status >"$T/status.json"
	hook=$(jq -r --arg n "$IF" '.interfaces[] | select(.name == $n) | .ingress' "$T/status.json")
	xdp=$(jq -r --arg n "$IF" '.interfaces[] | select(.name == $n) | .xdp' "$T/status.json")
	why=$(jq -r --arg n "$IF" '.interfaces[] | select(.name == $n) | .hook_reason' "$T/status.json")
	echo "INFO --xdp native status: ingress $hook, xdp $xdp: $why"
	expect_eq "--xdp native attached: status says ingress xdp, native" "$hook $xdp" "xdp xdp-native"
	expect_match "and why auto would not take it here" "$why" "native XDP as --xdp native asked; auto takes tc here \\($DRIVER: "
	stats
	ne0=$(node_echoes); di0=$(ifc in dropped); c0=$(bkt peer-int src)
	ping3 peer fc00:10::11
	stats
	expect_eq "native XDP: the node got none of the peer's fc00 echo requests" "$(($(node_echoes) - ne0))" "0"
	expect_eq "native XDP: $IF in dropped 3" "$(($(ifc in dropped) - di0))" "3"
	expect_eq "native XDP: peer-int counted the 3 as source" "$(($(bkt peer-int src) - c0))" "3"
	ne0=$(node_echoes); s0=$(bkt peer-ext src)
	ping3 peer fd00:10::11
	expect_eq "native XDP: fd00 ping from the peer is answered" "$?" "0"
	stats
	expect_eq "native XDP: peer-ext counted 3 as source" "$(($(bkt peer-ext src) - s0))" "3"
	out=$(rg detach 2>&1)
	expect_eq "detach (exit 0)" "$?" "0"
	ethtool -k "$IF" >"$T/k.detached" 2>&1
	changed=$(offload_changes "$T/k.before" "$T/k.detached")
	echo "INFO offloads $IF after detach, against before attach: ${changed:-all as before}"
fi

echo "virtio: $passed passed, $failed failed"
[ "$failed" = 0 ]
