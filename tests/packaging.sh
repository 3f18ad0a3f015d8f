#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# packaging.sh - the three ways to install ringguard, each built and used
# for real:
#
#   deb     `make deb`, then the package's whole life on this machine:
#           install (unit enabled, not started without a plan), the
#           daemon started as the unit would start it, an upgrade
#           (restarted, adopts the pinned state), remove (daemon stopped,
#           enforcement stays), purge (detached, nothing left behind).
#           There is no systemd as PID 1 here, so the maintainer scripts
#           run in a private mount namespace that has /run/systemd/system,
#           with a stand-in systemctl that runs the installed unit's
#           ExecStart= in the lab's node namespace (tests/fake-systemctl).
#   image   `make image`, then podman runs it in the lab's node namespace
#           with the DaemonSet's capabilities and bpffs: it attaches,
#           enforces, serves /metrics; removed, enforcement stays; a new
#           container adopts the pins.
#   role    tools/deploy/ansible: ansible-lint, then a playbook against
#           localhost in check mode and for real (the service steps only
#           need systemd as PID 1; they are skipped here).
#
# usage: tests/packaging.sh OUTPUT_DIR [deb|image|role...]    (run as root)
#        RG_PKG_PREBUILT=1: use the .deb and image already in OUTPUT_DIR
set -u

OUT=${1:-.output}
shift
PARTS=("$@")
[ $# -gt 0 ] || PARTS=(deb image role)
LAB="rgp$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

DEB=
PKG_INSTALLED=0
FAKE=$TMP/fake			# the stand-in systemctl's state and log

# within WHAT SECONDS CMD...: an assertion that CMD comes true in time
within() {
	local what=$1 limit=$2 t0
	shift 2
	t0=$(date +%s%N)
	while ! "$@" >/dev/null 2>&1; do
		if [ $(( ($(date +%s%N) - t0) / 1000000 )) -gt $((limit * 1000)) ]; then
			bad "$what" "not within ${limit} s: $*"
			return 1
		fi
		sleep 0.05
	done
	ok "$what"
}

has_part() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }

# the daemon the stand-in systemctl started, if any
fake_pid() { cat "$FAKE/pid" 2>/dev/null; }
fake_active() { local p; p=$(fake_pid); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

teardown() {
	if [ "$PKG_INSTALLED" = 1 ]; then
		rm -f /etc/ringguard/ringguard.plan
		# purge detaches in the namespace it runs in: never the host's
		[ -e "/run/netns/${LAB}node" ] || ip netns add "${LAB}node"
		in_pkg_ns dpkg --purge ringguard >/dev/null 2>&1 ||
			echo "packaging: could not purge the ringguard package: dpkg --purge ringguard" >&2
	fi
	fake_active && kill "$(fake_pid)" 2>/dev/null
	ip netns pids "${LAB}node" 2>/dev/null | xargs -r kill 2>/dev/null
	lab_ns node "$RG" detach >/dev/null 2>&1
	lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

# in_pkg_ns CMD...: CMD in the lab's node network namespace, in a private
# mount namespace where /run/systemd/system exists (so the maintainer
# scripts believe systemd runs) and `systemctl` is tests/fake-systemctl.
# The host's mounts, /sys/fs/bpf included, stay visible; nothing mounted
# here reaches the host. A container image's /usr/sbin/policy-rc.d (exit
# 101: start nothing) is hidden too, as on a host.
in_pkg_ns() {
	local run=/run/systemd
	[ -d $run ] || run=/run
	printf '#!/bin/sh\nexit 0\n' > "$FAKE/policy-rc.d"
	chmod +x "$FAKE/policy-rc.d"
	RG_FAKE_DIR="$FAKE" nsenter --net="/run/netns/${LAB}node" unshare -m --propagation slave \
		sh -c 'mount -t tmpfs -o size=1m,mode=0755 tmpfs "$0" && mkdir -p /run/systemd/system &&
			{ [ ! -e /usr/sbin/policy-rc.d ] || mount --bind "$RG_FAKE_DIR/policy-rc.d" /usr/sbin/policy-rc.d; } &&
			exec "$@"' \
		"$run" env PATH="$FAKE/bin:$PATH" RG_FAKE_DIR="$FAKE" DEBIAN_FRONTEND=noninteractive "$@"
}

# CALLS: what systemctl was asked to do (start, stop, ...) since the last
# call, one comma-separated line
FAKE_SEEN=0
fake_calls() {
	local n
	n=$(wc -l < "$FAKE/calls")
	CALLS=$(sed -n "$((FAKE_SEEN + 1)),${n}p" "$FAKE/calls" |
		grep -Ev '^(is-enabled|is-active|daemon-reload|preset|enable|unmask)( |$)' | paste -sd, -)
	FAKE_SEEN=$n
}

# stats from a binary that outlives the package (the build's)
leak_dropped() {
	local d0 sent
	stats
	d0=$(ifc eth1 in dropped)
	read -r sent _ _ < <(inject gw g0 fd00:101::fffe fc00:101::11 -n 10 -l 100)
	stats
	[ "$(( $(ifc eth1 in dropped) - d0 ))" = "$sent" ] && [ "$sent" = 10 ]
}

# what the package may leave behind: files and directories named ringguard
leftovers() {
	find /etc /lib/systemd /usr/lib/systemd /usr/sbin /usr/bin /usr/share/man \
		/usr/share/doc /usr/share/bash-completion /var/lib -name '*ringguard*' \
		-not -path '/var/lib/containers/*' 2>/dev/null | sort
}

part_deb() {
	local t0 pid0 pid1 state c0 n up
	echo "-- deb"
	if dpkg-query -W -f='${db:Status-Status}\n' ringguard 2>/dev/null | grep -qv '^not-installed$' ||
	   [ -e /etc/ringguard ]; then
		bad "a ringguard package or /etc/ringguard is already on this machine" \
			"the test would replace it: purge it first (dpkg --purge ringguard)"
		return
	fi
	t0=$(date +%s)
	if [ -n "${RG_PKG_PREBUILT:-}" ]; then
		# the artifacts of an earlier `make deb image`, to iterate on the tests
		printf '  SIZE     %s: x\n' "$(ls "$OUT"/ringguard_*.deb)" > "$TMP/deb.log"
	elif ! make --no-print-directory deb OUTPUT="$OUT" > "$TMP/deb.log" 2>&1; then
		cat "$TMP/deb.log"
		bad "make deb"
		return
	fi
	DEB=$(sed -nE 's/^  SIZE +([^:]+):.*/\1/p' "$TMP/deb.log")
	ok "make deb: $(basename "$DEB"), $(stat -c %s "$DEB") bytes, $(( $(date +%s) - t0 )) s, lintian without errors"
	grep -E '^[EW]: ' "$TMP/deb.log" | sed 's/^/        lintian /'

	mkdir -p "$FAKE/bin"
	cp tests/fake-systemctl "$FAKE/bin/systemctl"
	: > "$FAKE/calls"
	lab_up
	leftovers > "$TMP/before"

	# --- install: enabled, not started without a plan
	PKG_INSTALLED=1
	if in_pkg_ns dpkg -i "$DEB" > "$TMP/dpkg.log" 2>&1; then ok "dpkg -i"; else bad "dpkg -i" "$(tail -5 "$TMP/dpkg.log")"; fi
	expect_match "ringguard --version" "$(/usr/sbin/ringguard --version 2>&1)" \
		"^ringguard $(dpkg-deb -f "$DEB" Version) \(libbpf "
	expect_match "plan check on the installed example plan" \
		"$(/usr/sbin/ringguard plan check /usr/share/doc/ringguard/examples/sol.plan 2>&1)" ": valid: "
	expect_eq "man -w ringguard" "$(man -w ringguard 2>&1)" "/usr/share/man/man8/ringguard.8.gz"
	expect_eq "bash completion installed" \
		"$(bash -c '. /usr/share/bash-completion/completions/ringguard && complete -p ringguard' 2>&1 | grep -c _ringguard)" "1"
	expect_eq "/etc/default/ringguard is a conffile" "$(dpkg-query -W -f='${Conffiles}' ringguard | awk '{print $1}')" "/etc/default/ringguard"
	expect_eq "the unit is enabled (multi-user.target.wants)" \
		"$(readlink /etc/systemd/system/multi-user.target.wants/ringguard.service)" "/lib/systemd/system/ringguard.service"
	fake_calls
	if [ -z "$CALLS" ] && ! fake_active; then ok "no plan: not started"; else bad "no plan: not started" "systemctl calls: $CALLS"; fi
	expect_match "and says what to do" "$(cat "$TMP/dpkg.log")" "enabled, not started: no plan yet. Put one in /etc/ringguard/ringguard.plan"

	# --- the unit started by hand, as an operator would, in enforce mode
	install -m 0644 maps/sol.plan /etc/ringguard/ringguard.plan
	sed -i 's/^RINGGUARD_OPTS=.*/RINGGUARD_OPTS="--host solcp011 --mode enforce"/' /etc/default/ringguard
	in_pkg_ns systemctl start ringguard.service
	fake_calls
	within "systemctl start: the unit's ExecStart attaches in the lab" 10 rg status
	expect_eq "in the mode /etc/default/ringguard gives" "$(rg mode)" "enforce"
	if leak_dropped; then ok "a leak is dropped"; else bad "a leak is dropped"; fi
	pid0=$(fake_pid)
	stats
	c0=$(ifc eth1 in dropped)

	# --- upgrade: the running daemon is restarted and adopts the pinned state
	rm -rf "$TMP/up" && dpkg-deb -R "$DEB" "$TMP/up"
	up=$(dpkg-deb -f "$DEB" Version)+test1
	sed -i "s/^Version: .*/Version: $up/" "$TMP/up/DEBIAN/control"
	dpkg-deb -b "$TMP/up" "$TMP/ringguard_up.deb" >/dev/null
	n=$(grep -c "adopted pinned" "$FAKE/daemon.log")
	if in_pkg_ns dpkg -i "$TMP/ringguard_up.deb" > "$TMP/dpkg.log" 2>&1; then ok "upgrade to $up"; else bad "upgrade" "$(tail -5 "$TMP/dpkg.log")"; fi
	fake_calls
	expect_eq "upgrade: systemctl was asked to" "$CALLS" "try-restart ringguard.service"
	pid1=$(fake_pid)
	if fake_active && [ "$pid1" != "$pid0" ]; then ok "the daemon was restarted ($pid0 -> $pid1)"; else bad "the daemon was restarted" "$pid0 -> $pid1"; fi
	within "the new daemon adopts the pinned state" 5 bash -c "[ \$(grep -c 'adopted pinned' '$FAKE/daemon.log') -gt $n ]"
	stats
	expect_eq "counters carried over" "$(ifc eth1 in dropped)" "$c0"
	expect_eq "enforcement carried over" "$(rg mode)" "enforce"
	if leak_dropped; then ok "a leak is still dropped"; else bad "a leak is still dropped"; fi

	# --- an upgrade with the daemon stopped does not start it
	in_pkg_ns systemctl stop ringguard.service
	fake_calls
	in_pkg_ns dpkg -i "$TMP/ringguard_up.deb" > "$TMP/dpkg.log" 2>&1
	fake_calls
	if ! fake_active; then ok "a stopped daemon stays stopped across an upgrade"; else bad "a stopped daemon stays stopped"; fi
	in_pkg_ns systemctl start ringguard.service
	within "started again" 5 fake_active
	fake_calls

	# --- remove: the daemon stops, enforcement stays
	if in_pkg_ns dpkg -r ringguard > "$TMP/dpkg.log" 2>&1; then ok "dpkg -r"; else bad "dpkg -r" "$(tail -5 "$TMP/dpkg.log")"; fi
	fake_calls
	expect_eq "remove: systemctl was asked to" "$CALLS" "stop ringguard.service"
	if ! fake_active && [ ! -e /usr/sbin/ringguard ]; then ok "the daemon and the binary are gone"; else bad "the daemon and the binary are gone"; fi
	state=$(rg -j status 2>/dev/null | jq -r '.mode // empty')
	expect_eq "the pins stay, still enforcing" "$state" "enforce"
	if leak_dropped; then ok "a leak is dropped with the package removed"; else bad "a leak is dropped with the package removed"; fi
	if [ -e /etc/default/ringguard ]; then ok "removal keeps /etc/default/ringguard"; else bad "removal keeps /etc/default/ringguard"; fi

	# --- purge: detached, nothing left behind
	rm -f /etc/ringguard/ringguard.plan
	if in_pkg_ns dpkg --purge ringguard > "$TMP/dpkg.log" 2>&1; then ok "dpkg --purge"; else bad "dpkg --purge" "$(tail -5 "$TMP/dpkg.log")"; fi
	PKG_INSTALLED=0
	if ! rg status >/dev/null 2>&1 && [ "$(tcx query eth1)" = "xdp= tcx=" ] && [ "$(tcx query eth0)" = "xdp= tcx=" ]; then
		ok "purge detached: no pins, no programs on eth0 and eth1"
	else
		bad "purge detached" "$(tcx query eth0) / $(tcx query eth1)"
	fi
	expect_eq "nothing left behind" "$(leftovers | diff "$TMP/before" - | grep '^[<>]')" ""
	if ! dpkg -s ringguard >/dev/null 2>&1; then ok "dpkg forgot the package"; else bad "dpkg forgot the package"; fi
	[ -n "${RG_PKG_DEBUG:-}" ] && cat "$FAKE/calls"
	lab_down
}

has_part deb && part_deb

summary packaging
