#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# packaging.sh - the three ways to install ringguard, each built and used
# for real:
#
#   deb     `make deb` and lintian, then installed on this machine: the
#           files a user relies on (binary, man page, completion,
#           conffile, example plan, the unit enabled), and purged: nothing
#           left behind. The maintainer scripts run in a private mount
#           namespace where /run/systemd is empty (no systemd, whatever
#           this host runs), in the lab's node namespace. The unit's life
#           under systemd (start, reload, watchdog, upgrade, stop, remove,
#           purge detaching) is tests/systemd.sh's, with systemd as PID 1.
#   image   `make image`, then podman runs it in the lab's node namespace
#           with the DaemonSet's capabilities and bpffs: it attaches,
#           enforces, serves /metrics; removed, enforcement stays; a new
#           container adopts the pins.
#   role    tools/deploy/ansible: ansible-lint, then a playbook against
#           localhost in check mode and for real (the service steps only
#           need systemd as PID 1; they are skipped here).
#
# Tests run in order and build on each other within a part (deb_*, image_*,
# role_*): the package installed by deb_install is the one deb_start runs.
#
# usage: tests/packaging.sh OUTPUT_DIR [TEST|GLOB...]    (run as root)
#        e.g. tests/packaging.sh .output 'image_*'
#        RG_PKG_PREBUILT=1: keep the .deb and image in OUTPUT_DIR if they are
#        up to date (make deb and make image rebuild what changed)
set -u

OUT=${1:-.output}
LAB="rgp$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
[ -n "$TMP" ] && [ -d "$TMP" ] || { echo "packaging: no temporary directory" >&2; exit 1; }

# The package, /etc and dpkg's database are the machine's: one packaging run
# at a time (another worktree's `make test` may be in this suite too).
mkdir -p /run/lock
exec 9> /run/lock/ringguard-packaging.lock
if ! flock -n 9; then
	echo "packaging: waiting for another packaging run (/run/lock/ringguard-packaging.lock)"
	flock -w 1800 9 || { echo "packaging: still locked after 30 min"; echo "packaging: 0 passed, 1 failed"; exit 1; }
fi

DEB=$OUT/ringguard_$(dpkg-parsechangelog -l tools/pkg/debian/changelog -S Version)_$(dpkg --print-architecture).deb
VERSION=$(dpkg-parsechangelog -l tools/pkg/debian/changelog -S Version)
PKG_INSTALLED=0
PKGNS=$TMP/pkgns		# in_pkg_ns's files

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

mkdir -p "$PKGNS"

teardown() {
	if [ "$PKG_INSTALLED" = 1 ]; then
		rm -f /etc/ringguard/ringguard.plan
		# purge detaches in the namespace it runs in: never the host's
		[ -e "/run/netns/${LAB}node" ] || ip netns add "${LAB}node"
		in_pkg_ns dpkg --purge ringguard >/dev/null 2>&1 ||
			echo "packaging: could not purge the ringguard package: dpkg --purge ringguard" >&2
	fi
	if [ -d "$TMP/store" ]; then
		pm rm -a -f -t 0 >/dev/null 2>&1
		pm rmi -a -f >/dev/null 2>&1
	fi
	ip netns pids "${LAB}node" 2>/dev/null | xargs -r kill 2>/dev/null
	lab_ns node "$RG" detach >/dev/null 2>&1
	# an empty pin directory a daemon killed in the middle may leave
	[ -n "${LAB_INODE:-}" ] && rmdir "/sys/fs/bpf/ringguard/netns-$LAB_INODE" 2>/dev/null
	lab_down
	# podman's per-container mounts (shm) under its run root, if any remain
	awk -v t="$TMP/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
	[ -d "$TMP/role" ] && rm -rf /var/cache/ringguard-deploy
	rm -rf "$TMP"
}
trap teardown EXIT

# in_pkg_ns CMD...: CMD in the lab's node network namespace (purge
# detaches there, never in the host's), in a private mount namespace where
# /run/systemd is an empty tmpfs: the maintainer scripts see no systemd and
# leave this host's alone, whatever it runs. The host's mounts, /sys/fs/bpf
# included, stay visible; nothing mounted here reaches the host. A
# container image's /usr/sbin/policy-rc.d (exit 101: start nothing) is
# hidden too, as on a host.
in_pkg_ns() {
	printf '#!/bin/sh\nexit 0\n' > "$PKGNS/policy-rc.d"
	chmod +x "$PKGNS/policy-rc.d"
	RG_PKGNS="$PKGNS" nsenter --net="/run/netns/${LAB}node" unshare -m --propagation slave \
		sh -c '{ [ ! -d /run/systemd ] || mount -t tmpfs -o size=1m,mode=0755 tmpfs /run/systemd; } &&
			{ [ ! -e /usr/sbin/policy-rc.d ] || mount --bind "$RG_PKGNS/policy-rc.d" /usr/sbin/policy-rc.d; } &&
			exec "$@"' \
		sh env DEBIAN_FRONTEND=noninteractive "$@"
}

# pkg_dpkg ARGS...: dpkg in the package namespace, output in $TMP/dpkg.log;
# waits while another apt or dpkg on the machine holds its lock
pkg_dpkg() {
	local i
	for i in $(seq 150); do
		in_pkg_ns dpkg "$@" > "$TMP/dpkg.log" 2>&1 && return 0
		grep -q 'lock' "$TMP/dpkg.log" || return 1
		sleep 2
	done
	return 1
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

# the package must not be on the machine before: the tests would replace it
no_package_here() {
	if dpkg -s ringguard >/dev/null 2>&1 || [ -e /etc/ringguard ] || [ -e /var/cache/ringguard-deploy ]; then
		fail "ringguard is already installed or deployed on this machine: purge it first (dpkg --purge ringguard)"
		return 1
	fi
}
have_deb() { [ -f "$DEB" ] || { fail "no $DEB: make deb failed"; return 1; }; }

# make deb from scratch: the copy of the tree, the build, lintian
test_deb_build() {
	local t0
	t0=$(date +%s)
	[ -n "${RG_PKG_PREBUILT:-}" ] || rm -f "$DEB" "$OUT"/ringguard_*.oci.tar
	if ! make --no-print-directory deb OUTPUT="$OUT" > "$TMP/deb.log" 2>&1 || [ ! -f "$DEB" ]; then
		cat "$TMP/deb.log"
		fail "make deb"
		return
	fi
	ok "make deb: $(basename "$DEB"), $(stat -c %s "$DEB") bytes, $(( $(date +%s) - t0 )) s, lintian without errors"
	grep -E '^[EW]: ' "$TMP/deb.log" | sed 's/^/        lintian /'
}

# install with no plan: the files a user relies on, the unit enabled
test_deb_install() {
	no_package_here && have_deb || return
	lab_up
	LAB_INODE=$(stat -L -c %i "/run/netns/${LAB}node")
	leftovers > "$TMP/before"
	PKG_INSTALLED=1
	if pkg_dpkg -i "$DEB"; then ok "dpkg -i"; else fail "dpkg -i: $(tail -5 "$TMP/dpkg.log")"; return; fi
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
	expect_match "no plan: it says what to do" "$(cat "$TMP/dpkg.log")" "enabled, not started: no plan yet. Put one in /etc/ringguard/ringguard.plan"
}

# purge (after deb_install): nothing left behind
test_deb_purge() {
	if pkg_dpkg --purge ringguard; then ok "dpkg --purge"; else bad "dpkg --purge" "$(tail -5 "$TMP/dpkg.log")"; fi
	PKG_INSTALLED=0
	expect_eq "nothing left behind" "$(leftovers | diff "$TMP/before" - | grep '^[<>]')" ""
	if ! dpkg -s ringguard >/dev/null 2>&1; then ok "dpkg forgot the package"; else bad "dpkg forgot the package"; fi
	lab_down
}

# --- image -------------------------------------------------------------------

# The DaemonSet, read as shell variables: what the test gives the container
# is what the manifest gives it. Downward-API variables: spec.nodeName is the
# lab node's plan name, status.hostIP the lab node's loopback.
daemonset_vars() {
	/usr/bin/python3 - tools/deploy/k8s/daemonset.yaml <<'PY'
import re, shlex, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "DaemonSet"]
spec = docs[0]["spec"]["template"]["spec"]
main = [c for c in spec["containers"] if c["name"] == "ringguard"][0]
init = spec.get("initContainers", [])
field = {"spec.nodeName": "solcp011", "status.hostIP": "127.0.0.1"}
env = {e["name"]: field.get(e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath"), e.get("value", ""))
       for e in main.get("env", [])}
def subst(a):
    # Kubernetes' expansion of command and args: $(VAR), and $$ for a $
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                  lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), a)
def arr(name, items):
    print(name + "=(" + " ".join(shlex.quote(subst(str(i))) for i in items) + ")")
sc = main["securityContext"]
vols = {v["name"]: v for v in spec["volumes"]}
print("DS_IMAGE=" + shlex.quote(main["image"]))
print("DS_INIT_IMAGES=" + shlex.quote(" ".join(c["image"] for c in init)))
arr("DS_CMD", main.get("command", []) + main.get("args", []))
arr("DS_CAPS", sc["capabilities"]["add"])
print("DS_READONLY=" + ("1" if sc.get("readOnlyRootFilesystem") else ""))
plan = [m["mountPath"] for m in main["volumeMounts"] if "configMap" in vols[m["name"]]]
print("DS_PLANDIR=" + shlex.quote(plan[0]))
arr("DS_INIT_CMD", (init[0].get("command", []) + init[0].get("args", [])) if init else [])
rp = main.get("readinessProbe", {})
if "exec" in rp:
    arr("DS_READY_EXEC", rp["exec"]["command"])
    print("DS_READY_HTTP=")
else:
    arr("DS_READY_EXEC", [])
    ports = {p["name"]: p["containerPort"] for p in main.get("ports", [])}
    port = rp["httpGet"]["port"]
    print("DS_READY_HTTP=" + shlex.quote("http://127.0.0.1:%s%s" % (ports.get(port, port), rp["httpGet"]["path"])))
PY
}

# podman with the settings this sandbox needs (runc, cgroupfs, no default
# ulimits) in a containers.conf the test owns, and its own storage under
# $TMP: the machine's configuration and container storage stay untouched.
pm() {
	CONTAINERS_CONF="$TMP/containers.conf" podman --root "$TMP/store" --runroot "$TMP/run" \
		--storage-driver vfs "$@"
}

# run_daemon NAME: the DaemonSet's container, in the lab's node namespace
run_daemon() {
	local ro=()
	[ -n "$DS_READONLY" ] && ro=(--read-only)
	pm run -d --name "$1" --network "ns:/run/netns/${LAB}node" --user 0 \
		--cap-drop ALL "${CAPS[@]}" --security-opt apparmor=unconfined "${ro[@]}" \
		-v /sys/fs/bpf:/sys/fs/bpf:rslave -v "$TMP/plan:$DS_PLANDIR:ro" \
		--entrypoint "${DAEMON[0]}" "$IMG" "${DAEMON[@]:1}" >/dev/null
}

metrics_port() { printf '%s\n' "${DAEMON[@]}" | grep -A1 '^--metrics$' | tail -1 | sed 's/.*://'; }

ready() {
	if [ -n "$DS_READY_HTTP" ]; then
		lab_ns node curl -fsS "$DS_READY_HTTP" >/dev/null
	else
		pm exec "$1" "${DS_READY_EXEC[@]}" >/dev/null
	fi
}

# shared by the image tests: the DaemonSet's settings (DS_*), the image,
# the daemon's command line and capabilities as podman takes them
DS_IMAGE= DS_INIT_IMAGES= DS_CMD=() DS_CAPS=() DS_READONLY= DS_PLANDIR= DS_INIT_CMD=()
DS_READY_EXEC=() DS_READY_HTTP=
eval "$(daemonset_vars)"
IMG=localhost/ringguard:$VERSION
DAEMON=()
CAPS=()
port=

# make image from the .deb (deb_build); the DaemonSet names that image
test_image_build() {
	local t0 archive size
	t0=$(date +%s)
	if ! make --no-print-directory image OUTPUT="$OUT" > "$TMP/image.log" 2>&1; then
		tail -30 "$TMP/image.log"
		fail "make image"
		return
	fi
	archive=$(ls "$OUT"/ringguard_*.oci.tar)
	size=$(stat -c %s "$archive")
	ok "make image: $(basename "$archive"), $size bytes, $(( $(date +%s) - t0 )) s"
	expect_eq "the DaemonSet runs the image make image builds" "$DS_IMAGE" "$IMG"
	expect_eq "so does its init container" "$DS_INIT_IMAGES" "$IMG"
}

# podman, set up as this sandbox needs it, loads the archive
test_image_load() {
	local archive
	archive=$(ls "$OUT"/ringguard_*.oci.tar 2>/dev/null) || { fail "no image archive: make image failed"; return; }
	printf '%s\n' '[containers]' 'default_ulimits = []' '[engine]' 'runtime = "runc"' \
		'cgroup_manager = "cgroupfs"' 'events_logger = "file"' \
		"events_logfile_path = \"$TMP/events.log\"" "tmp_dir = \"$TMP/libpod\"" > "$TMP/containers.conf"
	if pm load -q -i "$archive" >/dev/null 2>&1 && pm image exists "$IMG"; then
		ok "podman load: $IMG, $(pm image inspect -f '{{.Size}}' "$IMG") bytes unpacked"
	else
		fail "podman load of $archive"
	fi
}

# the init container's command, in the image (sh, stat and mount are
# busybox's), with bpffs there and without
test_image_init_container() {
	lab_up
	LAB_INODE=$(stat -L -c %i "/run/netns/${LAB}node")
	if pm run --rm --network "ns:/run/netns/${LAB}node" --cap-drop ALL \
		-v /sys/fs/bpf:/sys/fs/bpf:rslave --entrypoint "${DS_INIT_CMD[0]}" "$IMG" "${DS_INIT_CMD[@]:1}" \
		> "$TMP/init.log" 2>&1; then
		ok "the init container's command runs in the image (bpffs already there: nothing to mount)"
	else
		bad "the init container's command" "$(cat "$TMP/init.log")"
	fi
	# where there is none, it mounts one (here in the container only: the
	# DaemonSet's Bidirectional propagation is what takes it to the node)
	mkdir -p "$TMP/nobpf"
	if pm run --rm --network "ns:/run/netns/${LAB}node" --cap-drop ALL --cap-add SYS_ADMIN \
		--security-opt apparmor=unconfined -v "$TMP/nobpf:/sys/fs/bpf" --entrypoint /bin/sh "$IMG" \
		-c "${DS_INIT_CMD[*]:2} && stat -f -c %t /sys/fs/bpf" > "$TMP/init.log" 2>&1 &&
	   [ "$(cat "$TMP/init.log")" = cafe4a11 ]; then
		ok "and with no bpffs, it mounts one"
	else
		bad "with no bpffs, the init container mounts one" "$(cat "$TMP/init.log")"
	fi
}

# the DaemonSet's container (command, arguments, capabilities, read-only
# root, bpffs, the plan directory) in the lab (after image_init_container):
# attaches, gets ready, enforces, serves /metrics
test_image_daemon() {
	local c
	mkdir -p "$TMP/plan"
	cp maps/sol.plan "$TMP/plan/ringguard.plan"
	DAEMON=("${DS_CMD[@]}")
	# enforce as the README says: --mode enforce in the manifest if it has
	# --mode (a daemon given --mode applies it, adopting or not), else
	# `ringguard mode enforce` once attached (kept across restarts)
	for c in "${!DAEMON[@]}"; do
		[ "${DAEMON[$c]}" = --mode ] && DAEMON[$((c + 1))]=enforce
	done
	# a DaemonSet without --metrics (before the fleet metrics): serve them anyway
	[ -n "$(metrics_port)" ] || DAEMON+=(--metrics 127.0.0.1:9469)
	port=$(metrics_port)
	CAPS=()
	for c in "${DS_CAPS[@]}"; do CAPS+=(--cap-add "$c"); done

	run_daemon rg1
	within "the DaemonSet's container attaches in the lab and gets ready" 15 ready rg1
	expect_match "attached from the container" "$(rg status 2>&1)" "eth1"
	rg mode | grep -q '^enforce' || rg mode enforce >/dev/null
	if leak_dropped; then ok "enforce: a leak is dropped"; else bad "enforce: a leak is dropped"; fi
	if lab_ns node curl -fsS "http://127.0.0.1:$port/metrics" > "$TMP/metrics" &&
	   grep -q '^ringguard_' "$TMP/metrics"; then
		ok "/metrics served on port $port ($(grep -c '^ringguard_' "$TMP/metrics") samples)"
	else
		bad "/metrics served on port $port" "$(head -3 "$TMP/metrics")"
	fi
}

# the container stopped and removed: enforcement stays
test_image_container_removed() {
	pm stop -t 10 rg1 >/dev/null
	expect_match "container stopped: the daemon says enforcement stays" "$(pm logs rg1 2>&1 | tail -1)" "enforcement stays in place"
	pm rm rg1 >/dev/null
	expect_match "the pins are still there, enforcing" "$(rg mode)" "^enforce"
	if leak_dropped; then ok "with no container, a leak is still dropped"; else bad "with no container, a leak is still dropped"; fi
}

# a new container adopts the pins: counters and mode carried over
test_image_adopt() {
	local c0
	stats
	c0=$(ifc eth1 in dropped)
	run_daemon rg2
	within "a new container gets ready" 15 ready rg2
	within "and adopts the pinned state" 5 bash -c "CONTAINERS_CONF='$TMP/containers.conf' podman --root '$TMP/store' --runroot '$TMP/run' --storage-driver vfs logs rg2 2>&1 | grep -q 'adopted pinned'"
	stats
	expect_eq "counters carried over" "$(ifc eth1 in dropped)" "$c0"
	expect_match "enforcement carried over" "$(rg mode)" "^enforce"
	if leak_dropped; then ok "a leak is dropped under the new container"; else bad "a leak is dropped under the new container"; fi
}

# what the image tests made goes away
test_image_cleanup() {
	pm rm -f -t 5 rg2 >/dev/null 2>&1
	rg detach >/dev/null 2>&1
	pm rmi -f "$IMG" >/dev/null 2>&1
	expect_eq "no container or image left" "$(pm ps -aq; pm images -q)" ""
	lab_down
}

# --- role --------------------------------------------------------------------

# play [ARGS...]: the role's playbook against this machine (-c local), as
# the group `ringguard`, with the lab node's plan name; output in $PLAY
play() {
	PLAY=$(cd tools/deploy/ansible && ANSIBLE_HOME="$TMP/ansible" ANSIBLE_LOCAL_TEMP="$TMP/ansible/tmp" \
		ANSIBLE_REMOTE_TEMP="$TMP/ansible/rtmp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
		ansible-playbook -i "$TMP/inventory.yml" -c local site.yml "$@" 2>&1)
}
# recap FIELD: the play recap's count for localhost (ok, changed, failed, ...)
recap() { sed -nE "s/^localhost +:.* $1=([0-9]+).*/\\1/p" <<<"$PLAY"; }
# after TITLE: the line after a TASK or HANDLER banner
after() { grep -A1 -F "$1" <<<"$PLAY" | sed -n 2p; }

# ansible-lint on the role and its playbook
test_role_lint() {
	local out
	if out=$(cd tools/deploy/ansible && XDG_CACHE_HOME="$TMP/cache" ANSIBLE_HOME="$TMP/ansible" \
		ansible-lint --nocolor 2>&1); then
		ok "ansible-lint (production profile): $(tail -1 <<<"$out" | sed 's/^ *//')"
	else
		bad "ansible-lint" "$out"
	fi
}

# check mode against this machine: runs, changes nothing
test_role_check_mode() {
	no_package_here && have_deb || return
	mkdir -p "$TMP/role"
	cp maps/sol.plan "$TMP/role/ringguard.plan"
	cat > "$TMP/inventory.yml" <<-EOF
	ringguard:
	  hosts:
	    localhost:
	      ansible_connection: local
	      ansible_python_interpreter: /usr/bin/python3
	      ringguard_deb: $(realpath "$DEB")
	      ringguard_plan_src: $TMP/role/ringguard.plan
	      ringguard_host: solcp011
	EOF
	leftovers > "$TMP/before-role"

	play --check --diff
	expect_eq "check mode: the playbook runs" "$(recap failed)/$(recap unreachable)" "0/0"
	if ! dpkg -s ringguard >/dev/null 2>&1 && [ ! -e /etc/ringguard ] && [ ! -e /etc/default/ringguard ] &&
	   [ ! -e /var/cache/ringguard-deploy ]; then
		ok "check mode changes nothing ($(recap changed) changes reported)"
	else
		bad "check mode changes nothing" "$(tail -20 <<<"$PLAY")"
	fi
}

# for real (after role_check_mode): package, plan, the plan's host name;
# the service steps skipped for want of systemd as PID 1
test_role_apply() {
	no_package_here && have_deb || return
	PKG_INSTALLED=1
	play
	expect_eq "for real: the playbook runs" "$(recap failed)/$(recap unreachable)" "0/0"
	[ "$(recap failed)" = 0 ] || printf '%s\n' "$PLAY" | grep -E 'fatal|FAILED|msg' | head -5
	expect_match "the package is installed" "$(dpkg-query -W -f='${Status} ${Version}' ringguard 2>&1)" \
		"^install ok installed $VERSION"
	if cmp -s /etc/ringguard/ringguard.plan maps/sol.plan; then ok "the plan is written"; else bad "the plan is written"; fi
	expect_eq "the plan's host name is passed, as it is not this host's hostname ($(hostname))" \
		"$(grep '^RINGGUARD_OPTS=' /etc/default/ringguard)" 'RINGGUARD_OPTS="--host solcp011"'
	expect_eq "no systemd as PID 1: the service step is skipped" \
		"$(after 'TASK [ringguard : Enable and start the unit]')" "skipping: [localhost]"
	expect_eq "the unit is enabled by the package" \
		"$(readlink /etc/systemd/system/multi-user.target.wants/ringguard.service)" "/lib/systemd/system/ringguard.service"
}

# a second run changes nothing
test_role_idempotent() {
	play
	expect_eq "a second run changes nothing" "$(recap changed)/$(recap failed)" "0/0"
}

# the plan alone from here on (--tags ringguard_plan), as an operator
# pushing a plan change would: a change reloads, never restarts
test_role_plan_change() {
	printf '# changed by the test\n' >> "$TMP/role/ringguard.plan"
	play --tags ringguard_plan
	if grep -qF 'RUNNING HANDLER [ringguard : Reload ringguard]' <<<"$PLAY" &&
	   ! grep -qF 'RUNNING HANDLER [ringguard : Restart ringguard]' <<<"$PLAY" &&
	   cmp -s /etc/ringguard/ringguard.plan "$TMP/role/ringguard.plan"; then
		ok "a plan change is written and reloads (SIGHUP), never restarts"
	else
		bad "a plan change reloads" "$(grep -E 'HANDLER|changed:' <<<"$PLAY")"
	fi
}

# an invalid plan fails the play and changes nothing
test_role_invalid_plan() {
	cp /etc/ringguard/ringguard.plan "$TMP/role/good.plan"
	printf 'zone bogus\n' >> "$TMP/role/ringguard.plan"
	play --tags ringguard_plan
	if [ "$(recap failed)" = 1 ] && cmp -s /etc/ringguard/ringguard.plan "$TMP/role/good.plan"; then
		ok "an invalid plan fails the play and changes nothing"
	else
		bad "an invalid plan fails the play and changes nothing" "$(grep -E 'fatal|msg' <<<"$PLAY" | head -3)"
	fi
	expect_match "saying what plan check said" "$(grep -E 'fatal' -A1 <<<"$PLAY")" "ringguard.plan|line|zone"
}

# a host the plan does not know fails the play, saying what to add
test_role_unknown_host() {
	cp "$TMP/role/good.plan" "$TMP/role/ringguard.plan"
	sed -i 's/ringguard_host: solcp011/ringguard_host: solnowhere/' "$TMP/inventory.yml"
	play --tags ringguard_plan
	expect_match "a host the plan does not know fails the play, saying what to add" "$PLAY" \
		"the plan has no host line for 'solnowhere': add 'host solnowhere mesh IF"
	if cmp -s /etc/ringguard/ringguard.plan "$TMP/role/good.plan"; then ok "and changes nothing"; else bad "and changes nothing"; fi
}

# purged, nothing left behind
test_role_purge() {
	rm -f /etc/ringguard/ringguard.plan
	# purge detaches in the namespace it runs in: an empty one
	ip netns add "${LAB}node"
	if pkg_dpkg --purge ringguard; then ok "purged"; else bad "purge" "$(tail -3 "$TMP/dpkg.log")"; fi
	PKG_INSTALLED=0
	ip netns del "${LAB}node"
	rm -rf /var/cache/ringguard-deploy
	expect_eq "nothing left behind" "$(leftovers | diff "$TMP/before-role" - | grep '^[<>]')" ""
}

run_tests packaging "${@:2}"
