#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# systemd.sh - the package under a real systemd, as a new user meets it: a
# minimal Debian rootfs (mmdebstrap: apt, systemd and the .deb's Depends,
# nothing else) booted with systemd as PID 1 by `systemd-nspawn -b`, in the
# lab's node network namespace (eth0 mesh, eth1 egress, the gw and mesh
# namespaces on the other ends), with a private bpffs at /sys/fs/bpf. The
# .deb (`make deb`) is installed with apt, then the unit's life:
#
#   install    enabled, not started without a plan
#   start      Type=notify: active once attached; enforce drops a leak
#   reload     `systemctl reload` (SIGHUP) with the package's Depends alone
#   plan_edit  an edited plan file is synced by the running daemon
#   watchdog   a frozen daemon is killed by WatchdogSec= and restarted; the
#              new one adopts the pins: counters and mode carried over
#   load_failure  programs the kernel refuses: the restarts stop at the
#              start limit, the unit shows failed, the journal says why;
#              enforcement stays pinned meanwhile
#   upgrade    a newer version: try-restart, the new daemon adopts
#   stop       the daemon exits, the pins stay and enforce
#   upgrade_stopped  a stopped daemon stays stopped across an upgrade
#   remove     the daemon is stopped, the pins stay, the conffile too
#   purge      detached: no pins, no programs on eth0 and eth1
#
# Tests run in order and build on each other: the machine booted by
# test_boot is the one every later test uses. The rootfs is cached in
# OUTPUT_DIR/systemd/ as a tarball keyed by its package list (mmdebstrap
# runs once, about a minute); each run unpacks a fresh copy.
#
# Needs root, systemd-nspawn (systemd-container), mmdebstrap and network
# access to Debian's mirrors for the first run; SKIPs when nspawn cannot
# boot a container here.
#
# usage: tests/systemd.sh OUTPUT_DIR [TEST|GLOB...]    (run as root)
set -u

OUT=${1:-.output}
LAB="rgn$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
OUT=$(realpath "$OUT")

PKG_VERSION=$(dpkg-parsechangelog -l tools/pkg/debian/changelog -S Version)
DEB=$OUT/ringguard_${PKG_VERSION}_$(dpkg --print-architecture).deb
MACHINE=rgn$$
ROOT=$TMP/root			# the container's tree, unpacked from the cache
BPFFS=$TMP/bpffs		# its private bpffs, bound at /sys/fs/bpf
NSPAWN=				# systemd-nspawn's pid
LEADER=				# the container's PID 1, as the host sees it
BOOTED=
LAB_INODE=
PINS=				# the pin directory of the node namespace, in $BPFFS

teardown() {
	if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
		# nspawn turns SIGTERM into an orderly poweroff of the container
		kill -TERM "$NSPAWN" 2>/dev/null
		for _ in $(seq 150); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$NSPAWN" 2>/dev/null
		wait "$NSPAWN" 2>/dev/null
	fi
	# what a daemon may have left attached in the node namespace
	[ -e "/run/netns/${LAB}node" ] && nsenter --net="/run/netns/${LAB}node" "$RG" detach \
		--pin-dir "$BPFFS/ringguard" >/dev/null 2>&1
	ip netns pids "${LAB}node" 2>/dev/null | xargs -r kill -9 2>/dev/null
	mountpoint -q "$BPFFS" && umount -l "$BPFFS"
	# anything nspawn left mounted under the tree
	awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
	rm -rf "/run/systemd/nspawn/propagate/$MACHINE"
	lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

# cx CMD...: CMD inside the container (all its namespaces), with a clean
# environment, as `machinectl shell` would run it
cx() {
	nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
# unit PROPERTY: the unit's property value (ActiveState, MainPID, ...)
unit() { cx systemctl show -P "$1" ringguard.service 2>/dev/null; }
unit_is() { [ "$(unit "$1")" = "$2" ]; }
# the unit's journal (systemd's lines and the daemon's), one line each
journal() { cx journalctl -q -u ringguard.service -o cat --no-pager 2>/dev/null; }
# mark: remember where the journal is; since: what came after the mark
MARK=0
mark() { MARK=$(journal | wc -l); }
since() { journal | tail -n +$((MARK + 1)); }
since_has() { since | grep -q -- "$1"; }
since_count() { since | grep -c -- "$1"; }

# the daemon's view, through the installed binary inside the container;
# once the package is removed, through the build's on the same bpffs
crg() { cx /usr/sbin/ringguard "$@"; }
hrg() { nsenter --net="/run/netns/${LAB}node" "$RG" --pin-dir "$BPFFS/ringguard" "$@"; }
cstats() {
	if cx test -x /usr/sbin/ringguard; then crg -j stats; else hrg -j stats; fi > "$TMP/stats.json"
}

# a leak from the uplink side (fd00 source towards the mesh host) is dropped
leak_dropped() {
	local d0 sent
	cstats || return 1
	d0=$(ifc eth1 in dropped)
	read -r sent _ _ < <(inject gw g0 fd00:101::fffe fc00:101::11 -n 10 -l 100)
	cstats || return 1
	[ "$(( $(ifc eth1 in dropped) - d0 ))" = "$sent" ] && [ "$sent" = 10 ]
}
pins_there() { [ -n "$(ls -A "$PINS" 2>/dev/null)" ]; }

# the rootfs tarball: Debian (this machine's release and apt sources), the
# apt variant (Essential: yes packages and apt), systemd, and the first
# alternative of each of the .deb's Depends; built once per package list
rootfs() {
	local suite pkgs key tar sources f
	suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
	pkgs=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' |
		grep -v '^$' | sort -u | paste -sd, -)
	pkgs="systemd,$pkgs"
	key=$(printf '%s %s %s\n' "$suite" apt "$pkgs" | sha256sum | cut -c1-12)
	tar=$OUT/systemd/debian-$suite-$key.tar
	ROOTFS_PKGS=$pkgs
	ROOTFS_TAR=$tar
	[ -s "$tar" ] && return 0
	mkdir -p "$OUT/systemd"
	sources=$TMP/apt.sources
	: > "$sources"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] && { cat "$f"; echo; } >> "$sources"
	done
	grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list >> "$sources" || true
	mmdebstrap --quiet --variant=apt --mode=root --format=tar --include="$pkgs" \
		"$suite" "$tar.tmp" "$sources" > "$TMP/mmdebstrap.log" 2>&1 || {
		tail -20 "$TMP/mmdebstrap.log"; rm -f "$tar.tmp"; return 1; }
	# one cached rootfs: the older package lists go
	find "$OUT/systemd" -name "debian-$suite-*.tar" ! -name "$(basename "$tar")" -delete
	mv "$tar.tmp" "$tar"
	ROOTFS_BUILT=1
}

# the .deb (make deb: rebuilt only when a source changed), the rootfs, the
# lab, the container booted with systemd as PID 1
test_boot() {
	local t0 state reg=()
	have_cmd systemd-nspawn || { skip "no systemd-nspawn: apt-get install systemd-container (tools/deps.sh)"; return; }
	have_cmd mmdebstrap || { skip "no mmdebstrap (tools/deps.sh)"; return; }
	t0=$(date +%s)
	if ! make --no-print-directory deb OUTPUT="$OUT" > "$TMP/deb.log" 2>&1 || [ ! -f "$DEB" ]; then
		tail -20 "$TMP/deb.log"
		fail "make deb"
		return
	fi
	ok "make deb: $(basename "$DEB") ($(( $(date +%s) - t0 )) s)"
	t0=$(date +%s)
	ROOTFS_BUILT=
	rootfs || { fail "mmdebstrap: a Debian rootfs with $ROOTFS_PKGS"; return; }
	ok "rootfs $(basename "$ROOTFS_TAR"): $ROOTFS_PKGS ($([ -n "$ROOTFS_BUILT" ] && echo built || echo cached), $(( $(date +%s) - t0 )) s)"

	mkdir -p "$ROOT" "$BPFFS"
	tar -C "$ROOT" -xf "$ROOTFS_TAR" || { fail "unpack $ROOTFS_TAR"; return; }
	# the plan's host line for solcp011 names eth0 and eth1: the lab node's
	echo solcp011 > "$ROOT/etc/hostname"
	mount -t bpf -o mode=0700 bpf "$BPFFS" || { fail "mount a private bpffs at $BPFFS"; return; }
	lab_up
	LAB_INODE=$(stat -L -c %i "/run/netns/${LAB}node")
	PINS=$BPFFS/ringguard/netns-$LAB_INODE

	# No systemd on this host: nspawn cannot ask it for a scope, so it stays
	# in its own cgroup and registers nowhere.
	[ -d /run/systemd/system ] || reg=(--register=no --keep-unit)
	systemd-nspawn -q -b -D "$ROOT" -M "$MACHINE" "${reg[@]}" \
		--network-namespace-path="/run/netns/${LAB}node" \
		--system-call-filter=bpf --bind="$BPFFS:/sys/fs/bpf" \
		--capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN,CAP_SYS_RESOURCE \
		> "$TMP/console.log" 2>&1 < /dev/null &
	NSPAWN=$!
	t0=$(date +%s%N)
	# its child is the container's PID 1; an nspawn that cannot boot exits
	wait_for 30 bash -c "pgrep -P $NSPAWN || ! kill -0 $NSPAWN"
	if ! pgrep -P "$NSPAWN" >/dev/null; then
		skip "systemd-nspawn cannot boot a container here: $(tail -3 "$TMP/console.log" | tr '\n' ' ')"
		return
	fi
	LEADER=$(pgrep -P "$NSPAWN" | head -1)
	# systemctl talks to PID 1 on its private socket, there once it runs
	wait_for 30 nsenter -t "$LEADER" -a test -S /run/systemd/private
	state=$(timeout 60 nsenter -t "$LEADER" -a env -i PATH=/usr/bin:/bin \
		systemctl is-system-running --wait 2>&1)
	case $state in
	running | degraded) ;;
	*)
		kill -0 "$NSPAWN" 2>/dev/null || {
			skip "systemd-nspawn cannot boot a container here: $(tail -3 "$TMP/console.log" | tr '\n' ' ')"
			return; }
		fail "the container's systemd: '$state', not running (console: $TMP/console.log)"
		tail -20 "$TMP/console.log"
		return ;;
	esac
	BOOTED=1
	ok "booted: systemd as PID 1 ($(cx systemctl --version | head -1)), $state, in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	[ "$state" = degraded ] && cx systemctl --failed --no-legend | sed 's/^/        failed unit: /'
	expect_eq "a private bpffs at /sys/fs/bpf" "$(cx stat -f -c %T /sys/fs/bpf)" "bpf_fs"
	expect_eq "no /bin/kill in the container (procps is not a Depends)" "$(cx sh -c 'command -v /bin/kill /usr/bin/kill')" ""
}

booted() { [ -n "$BOOTED" ] || { skip "no container (test_boot)"; return 77; }; }

# apt installs the .deb: enabled, not started without a plan, and says so
test_install() {
	booted || return
	cx sh -c 'cat > /tmp/ringguard.deb' < "$DEB"
	if cx apt-get install -y -q --no-install-recommends /tmp/ringguard.deb > "$TMP/apt.log" 2>&1; then
		ok "apt-get install ./$(basename "$DEB") (no network: the Depends are all in the rootfs)"
	else
		fail "apt-get install: $(tail -5 "$TMP/apt.log")"
		return
	fi
	expect_eq "the unit is enabled" "$(cx systemctl is-enabled ringguard.service 2>&1)" "enabled"
	expect_eq "no plan: not started (ConditionPathExists=)" \
		"$(unit ActiveState)/$(unit ConditionResult)" "inactive/no"
	expect_match "and apt's output says what to do" "$(cat "$TMP/apt.log")" \
		"enabled, not started: no plan yet. Put one in /etc/ringguard/ringguard.plan"
}

# with a plan: systemctl start returns once the daemon is attached
# (Type=notify), in the unit's sandbox; enforce drops a leak
test_start() {
	booted || return
	cx sh -c 'cat > /etc/ringguard/ringguard.plan' < maps/sol.plan
	mark
	if cx timeout 60 systemctl start ringguard.service 2> "$TMP/start.err"; then
		ok "systemctl start"
	else
		fail "systemctl start: $(cat "$TMP/start.err"); $(since | tail -5)"
		return
	fi
	expect_eq "active (running) as soon as start returns" "$(unit ActiveState)/$(unit SubState)" "active/running"
	expect_match "the daemon attached to the host line's interfaces" "$(crg status 2>&1)" "eth0.*|eth1"
	expect_match "its status, sent with READY=1" "$(unit StatusText)" "^attached, watching /etc/ringguard/ringguard.plan"
	expect_match "the watchdog is armed" "$(since)" "systemd watchdog: a ping every 15000 ms"
	# CAP_BPF CAP_NET_ADMIN CAP_NET_RAW CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_RESOURCE,
	# less what this host's own bounding set lacks
	expect_eq "the unit's capability bounding set holds" \
		"$(cx sh -c "grep ^CapBnd /proc/$(unit MainPID)/status | cut -f2")" \
		"$(printf '%016x' $(( 0xc001203000 & 0x$(grep ^CapBnd /proc/self/status | cut -f2) )))"
	if pins_there; then ok "pinned in the private bpffs"; else bad "pinned in the private bpffs" "$(ls "$BPFFS"/ringguard 2>&1)"; fi
	crg mode enforce > /dev/null 2>&1
	expect_match "ringguard mode enforce" "$(crg mode 2>/dev/null)" "^enforce"
	if leak_dropped; then ok "a leak is dropped"; else bad "a leak is dropped"; fi
}

# systemctl reload: SIGHUP reaches the daemon (no /bin/kill here), which
# syncs the plan; same process
test_reload() {
	local pid
	booted || return
	pid=$(unit MainPID)
	mark
	if cx timeout 30 systemctl reload ringguard.service 2> "$TMP/reload.err"; then
		ok "systemctl reload"
	else
		bad "systemctl reload" "$(cat "$TMP/reload.err"); $(since | tail -3)"
	fi
	within "the daemon got SIGHUP and syncs" 10 since_has "SIGHUP: syncing the plan"
	expect_eq "no restart: the same process, active" "$(unit MainPID)/$(unit ActiveState)" "$pid/active"
}

# an edited plan file is synced by the running daemon, no systemctl needed
test_plan_edit() {
	booted || return
	mark
	cx sh -c 'echo "prefix rg-systemd-test fc00:77::/64" >> /etc/ringguard/ringguard.plan'
	within "the edit is installed by the daemon" 15 since_has "installed: generation .*1 added"
	cstats
	expect_eq "its new bucket is live" "$(bkt rg-systemd-test src packets)" "0"
}

# a frozen daemon: the watchdog (WatchdogSec=30s) kills it, Restart= starts
# a new one, which adopts the pins: counters and the mode carry over, and
# enforcement never stopped
test_watchdog() {
	local pid c0 t0
	booted || return
	leak_dropped >/dev/null
	cstats
	c0=$(ifc eth1 in dropped)
	pid=$(unit MainPID)
	mark
	t0=$(date +%s)
	cx sh -c 'kill -STOP "$1"' sh "$pid"
	if leak_dropped; then ok "frozen daemon: a leak is still dropped"; else bad "frozen daemon: a leak is still dropped"; fi
	cstats
	c0=$(ifc eth1 in dropped)
	within "systemd sees the watchdog time out (30 s)" 50 since_has "Watchdog timeout"
	within "and restarts the daemon" 30 bash -c "[ \"\$(nsenter -t $LEADER -a systemctl show -P MainPID ringguard.service)\" != $pid ] &&
		[ \"\$(nsenter -t $LEADER -a systemctl show -P ActiveState ringguard.service)\" = active ]"
	echo "        frozen to running again: $(( $(date +%s) - t0 )) s"
	expect_eq "NRestarts" "$(unit NRestarts)" "1"
	expect_match "the new daemon adopted the pins" "$(since)" "adopted pinned state in .*enforce mode"
	cstats
	expect_eq "counters carried over" "$(ifc eth1 in dropped)" "$c0"
	expect_match "enforcement carried over" "$(crg mode 2>/dev/null)" "^enforce"
	if leak_dropped; then ok "a leak is dropped by the new daemon's programs"; else bad "a leak is dropped after the restart"; fi
}

# programs that cannot load (bpf() refused by a drop-in): a bounded number
# of tries, then the unit shows failed with the reason in the journal;
# what is pinned keeps enforcing; fixed, it starts again
test_load_failure() {
	local t0 n
	booted || return
	cx mkdir -p /run/systemd/system/ringguard.service.d
	printf '[Service]\nSystemCallFilter=~bpf\n' | cx sh -c 'cat > /run/systemd/system/ringguard.service.d/rg-test-nobpf.conf'
	cx systemctl daemon-reload
	mark
	t0=$(date +%s)
	cx timeout 30 systemctl restart ringguard.service 2>/dev/null &&
		bad "a daemon without bpf() does not start" "systemctl restart succeeded"
	within "the restarts stop: the unit shows failed" 90 unit_is ActiveState failed
	n=$(since_count "^Starting ringguard.service")
	echo "        failed after $n starts, $(( $(date +%s) - t0 )) s"
	expect_eq "systemd gave up after StartLimitBurst=5 starts" "$n" "5"
	expect_match "the journal says so" "$(since)" "ringguard.service: Start request repeated too quickly"
	expect_eq "and the daemon's reason, at each start" "$(since_count "^cannot load the BPF programs: Operation not permitted")" "5"
	expect_eq "status: failed (Result: exit-code)" "$(unit ActiveState) (Result: $(unit Result))" "failed (Result: exit-code)"
	expect_eq "systemctl is-failed" "$(cx systemctl is-failed ringguard.service)" "failed"
	if pins_there && leak_dropped; then ok "the pins stay and keep enforcing"; else bad "the pins stay and keep enforcing"; fi
	cx rm -rf /run/systemd/system/ringguard.service.d
	cx systemctl daemon-reload
	mark
	if cx systemctl reset-failed ringguard.service && cx timeout 60 systemctl start ringguard.service; then
		ok "fixed: reset-failed and start"
	else
		bad "fixed: reset-failed and start" "$(since | tail -5)"
	fi
	expect_match "it adopts the pins" "$(since)" "adopted pinned state in .*enforce mode"
}

# a newer version, daemon running: dpkg try-restarts it; the new daemon
# adopts (counters kept)
test_upgrade() {
	local pid c0 up
	booted || return
	cstats
	c0=$(ifc eth1 in dropped)
	pid=$(unit MainPID)
	rm -rf "$TMP/up" && dpkg-deb -R "$DEB" "$TMP/up"
	up=${PKG_VERSION}+test1
	sed -i "s/^Version: .*/Version: $up/" "$TMP/up/DEBIAN/control"
	dpkg-deb -b "$TMP/up" "$TMP/ringguard_up.deb" >/dev/null
	cx sh -c 'cat > /tmp/ringguard_up.deb' < "$TMP/ringguard_up.deb"
	mark
	if cx apt-get install -y -q /tmp/ringguard_up.deb > "$TMP/apt.log" 2>&1; then
		ok "apt-get install: upgrade to $up"
	else
		bad "upgrade" "$(tail -5 "$TMP/apt.log")"
	fi
	expect_match "the daemon was restarted" "$(unit ActiveState)/$(unit MainPID)" "^active/[0-9]+$"
	[ "$(unit MainPID)" != "$pid" ] || bad "a new process" "MainPID still $pid"
	expect_match "and adopted the pins" "$(since)" "adopted pinned state in .*enforce mode"
	cstats
	expect_eq "counters carried over" "$(ifc eth1 in dropped)" "$c0"
}

# systemctl stop: the daemon exits saying so, the pins stay and enforce
test_stop() {
	booted || return
	mark
	cx timeout 60 systemctl stop ringguard.service
	expect_eq "inactive" "$(unit ActiveState)" "inactive"
	expect_match "the daemon says enforcement stays" "$(since)" "exiting: enforcement stays in place"
	if pins_there; then ok "the pins stay ($(ls "$PINS" | wc -l) in $PINS)"; else bad "the pins stay"; fi
	if leak_dropped; then ok "a leak is dropped with the daemon stopped"; else bad "a leak is dropped with the daemon stopped"; fi
}

# an upgrade (the same version again) with the daemon stopped leaves it
# stopped; then an operator's start adopts
test_upgrade_stopped() {
	booted || return
	if cx apt-get install -y -q --reinstall /tmp/ringguard_up.deb > "$TMP/apt.log" 2>&1; then
		ok "apt-get install --reinstall, daemon stopped"
	else
		bad "apt-get install --reinstall" "$(tail -5 "$TMP/apt.log")"
	fi
	expect_eq "a stopped daemon stays stopped" "$(unit ActiveState)" "inactive"
	mark
	cx timeout 60 systemctl start ringguard.service
	expect_eq "started again" "$(unit ActiveState)" "active"
	expect_match "it adopts the pins" "$(since)" "adopted pinned state in .*enforce mode"
}

# apt-get remove: the running daemon is stopped, enforcement stays
test_remove() {
	booted || return
	mark
	if cx apt-get remove -y -q ringguard > "$TMP/apt.log" 2>&1; then ok "apt-get remove"; else bad "apt-get remove" "$(tail -5 "$TMP/apt.log")"; fi
	expect_match "the daemon was stopped" "$(since)" "exiting: enforcement stays in place"
	expect_eq "the unit is gone" "$(unit LoadState)" "not-found"
	expect_eq "the binary is gone, the conffile stays" \
		"$(cx sh -c 'ls -d /usr/sbin/ringguard /etc/default/ringguard 2>/dev/null')" "/etc/default/ringguard"
	if pins_there && leak_dropped; then ok "the pins stay and enforce"; else bad "the pins stay and enforce"; fi
}

# apt-get purge: detached, nothing pinned, no program on the interfaces
test_purge() {
	booted || return
	if cx apt-get purge -y -q ringguard > "$TMP/apt.log" 2>&1; then ok "apt-get purge"; else bad "apt-get purge" "$(tail -5 "$TMP/apt.log")"; fi
	# (maps.debug and progs.debug: the kernel's own, in every fresh bpffs)
	expect_eq "no pins left" "$(find "$BPFFS" -mindepth 1 ! -name '*.debug')" ""
	expect_eq "no programs on eth0 and eth1" "$(tcx query eth0) / $(tcx query eth1)" "xdp= tcx= / xdp= tcx="
	# the plan is the user's: dpkg keeps it, and its directory
	expect_eq "nothing of the package left (the user's plan stays)" \
		"$(cx sh -c 'ls -d /etc/ringguard/* /etc/default/ringguard /var/lib/ringguard /usr/sbin/ringguard /lib/systemd/system/ringguard.service 2>/dev/null')" \
		"/etc/ringguard/ringguard.plan"
}

# the container shuts down cleanly
test_poweroff() {
	booted || return
	# (systemctl first asks logind, on a bus this minimal system lacks)
	cx systemctl poweroff --no-block 2>/dev/null
	if wait_for 60 bash -c "! kill -0 $NSPAWN 2>/dev/null"; then
		ok "poweroff: the container stopped in ${WAITED} ms"
		wait "$NSPAWN" 2>/dev/null
		NSPAWN=
	else
		bad "poweroff" "systemd-nspawn still running after 60 s"
	fi
}

run_tests systemd "${@:2}"
