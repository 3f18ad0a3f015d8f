# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# lib.sh - shared by the netns suites: the lab, assertions, counters, a
# daemon under test (its plan directory, waits, log, teardown), and the
# runner that makes a suite a list of test functions. Source with OUT set to
# the build output directory.
#
# Writing a suite (xdp-tools' style: one shell function per test)
#
#   OUT=${1:-.output}; LAB="rgx$$-"
#   . "$(dirname "$0")/lib.sh"
#   teardown() { lab_down; rm -rf "$TMP"; }; trap teardown EXIT
#   lab_up
#
#   # one line on what the test shows, then the test
#   test_attach_by_host() {
#           out=$(rg attach --plan "$PLAN" --host solcp011)
#           expect_match "attach by host line" "$out" "attached to 2 interfaces"
#   }
#   test_tcx_chain() {
#           kernel_has tcx || { skip "the kernel has no tcx (6.6+)"; return; }
#           ...
#   }
#   run_tests mysuite "${@:2}"         # last line: runs them, prints the totals
#
# - run_tests runs every function named test_* in the order the file defines
#   them, in this one shell: a test may build on what earlier ones set up
#   (the lab, an attach), so say so in its comment when it does.
# - Inside a test, expect_eq / expect_match / ok / bad / fail are the checks.
#   A test fails if any check fails, if it returns non-zero, or if it ran no
#   check at all (a test that cannot fail is a defect). A failure prints the
#   suite, the test and what it saw, and is listed again under the totals.
# - `skip "why"; return` marks it skipped (status 77): use it when the kernel
#   or the machine lacks a feature (kernel_has tcx, have_cmd promtool), never
#   to hide a failure.
# - Extra arguments to run_tests (the suite's own "${@:2}") pick tests by
#   name or glob, with or without test_: bash tests/netns.sh .output 'attach*'
# - The closing line is "SUITE: N passed, N failed" (", N skipped" after it
#   when any were skipped), counted in tests; tools/run-tests.sh reads it.
#
# Suites not yet in this style call ok/bad and `summary SUITE` at the end;
# then every check counts as one.

RG="$(realpath "$OUT/ringguard")"
INJECT="$(realpath "$OUT/rg-inject")"
TCX="$(realpath "$OUT/rg-tcx")"
TAPSEND="$(realpath "$OUT/rg-tap")"
TPROGS="$(realpath "$OUT/testprogs.bpf.o")"
TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PLAN="$TOP/maps/sol.plan"
# shellcheck source=../tools/lab.sh
. "$TOP/tools/lab.sh"

pass=0
fail=0
skipped=0
TMP=$(mktemp -d)
# a suite stopped by a signal (make test interrupted, run-tests.sh ending a
# busy run) still runs its EXIT trap: the teardown of its lab and daemon
trap 'exit 130' INT
trap 'exit 143' TERM

# Within a test (T_NAME set) checks count toward the test; outside one (the
# old style) each check counts as a test.
T_NAME=
T_CHECKS=0
T_FAILS=0
T_SAW=
ok() {
	printf '  ok    %s\n' "$1"
	if [ -n "$T_NAME" ]; then T_CHECKS=$((T_CHECKS + 1)); else pass=$((pass + 1)); fi
}
# bad WHAT [SAW]: a failed check, with what was seen instead
bad() {
	printf '  FAIL  %s\n' "$1"
	[ -n "${2:-}" ] && printf '        %s\n' "$2"
	if [ -n "$T_NAME" ]; then
		T_CHECKS=$((T_CHECKS + 1)); T_FAILS=$((T_FAILS + 1))
		[ -z "$T_SAW" ] && T_SAW="$1${2:+: $2}"
	else
		fail=$((fail + 1))
	fi
	return 0
}
# fail SAW: the test cannot go on; use as `fail "why"; return`
fail() { bad "$1"; return 1; }
# skip WHY: the test does not apply here; use as `skip "why"; return`
skip() { T_SKIP=$1; return 77; }

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}
# expect_match WHAT TEXT REGEX
expect_match() {
	if grep -Eq -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "'$2' does not match /$3/"; fi
}

# have_cmd NAME: for `have_cmd promtool || { skip "no promtool"; return; }`
have_cmd() { command -v "$1" >/dev/null 2>&1; }
# kernel_has FEATURE: what some tests need from the running kernel
#   tcx     tc BPF links (6.6+)
#   vlan    the 802.1Q module (VLAN devices)
#   vxlan   VXLAN devices
#   geneve  Geneve devices
#   bridge  Linux bridges
kernel_has() {
	local ns="rgk$$" r=1
	case $1 in
	tcx)
		local v maj min
		v=$(uname -r); maj=${v%%.*}; min=${v#*.}; min=${min%%[!0-9]*}
		[ "$maj" -gt 6 ] || { [ "$maj" = 6 ] && [ "$min" -ge 6 ]; }
		return ;;
	vlan | vxlan | geneve | bridge)
		# in a namespace of its own, on a veth (dummy may be missing too)
		ip netns add "$ns" 2>/dev/null || return 1
		ip -n "$ns" link add rgk0 type veth peer name rgk9 2>/dev/null
		case $1 in
		vlan) ip -n "$ns" link add link rgk0 name rgk1 type vlan id 7 2>/dev/null && r=0 ;;
		vxlan) ip -n "$ns" link add rgk1 type vxlan id 7 dstport 4789 dev rgk0 2>/dev/null && r=0 ;;
		geneve) ip -n "$ns" link add rgk1 type geneve id 7 remote 2001:db8::1 2>/dev/null && r=0 ;;
		bridge) ip -n "$ns" link add rgk1 type bridge 2>/dev/null && r=0 ;;
		esac
		ip netns del "$ns"
		return $r ;;
	*) echo "kernel_has: unknown feature '$1'" >&2; return 2 ;;
	esac
}

rg() { lab_ns node "$RG" "$@"; }
stats() { rg -j stats > "$TMP/stats.json"; }
# ifc NAME DIR FIELD -- from the last stats
ifc() { jq -r --arg n "$1" ".interfaces[] | select(.name == \$n) | .$2.$3" "$TMP/stats.json"; }
# bkt NAME SIDE FIELD -- side: src, dst, violations
bkt() { jq -r --arg n "$1" "[.buckets[] | select(.name == \$n)][0].$2.$3" "$TMP/stats.json"; }
# inject NS IF ARGS... -> prints "sent failed len"
inject() {
	local out
	out=$(lab_ns "$1" "$INJECT" "${@:2}") || return 1
	sed -E 's/sent=([0-9]+) failed=([0-9]+) len=([0-9]+)/\1 \2 \3/' <<<"$out"
}
# nsenter keeps the host's mount namespace, where bpffs holds the pins
tcx() { nsenter --net="/run/netns/${LAB}node" "$TCX" "$@"; }

# capture_start NS IF: record the frames rg-inject sends (its source MAC)
# that reach IF in namespace NS, until capture_stop (the suite's teardown
# calls it too); captured: how many so far
CPID=
capture_start() {
	capture_stop
	rm -f "$TMP/cap.pcap" "$TMP/cap.err"
	ip netns exec "${LAB}$1" tcpdump --immediate-mode -i "$2" -U -nn -w "$TMP/cap.pcap" \
		'ether src 02:52:47:00:00:01' 2>"$TMP/cap.err" &
	CPID=$!
	wait_ms 5000 grep -q "listening on" "$TMP/cap.err"
}
captured() { tcpdump -r "$TMP/cap.pcap" -nn 2>/dev/null | wc -l; }
capture_stop() {
	[ -n "$CPID" ] || return 0
	kill "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
}

# --- a daemon under test (fleet.sh, faults.sh, pve.sh) ------------------------
#
# A suite starts its daemon in the background with its own arguments, keeps
# its pid in DPID and logs to LOG. PLANDIR is mounted like a Kubernetes
# ConfigMap: configmap FILE publishes a plan there and LIVE follows it.
# The suite's teardown calls daemon_down NS before it takes the lab down.
DPID=
LOG=$TMP/daemon.log
PLANDIR=$TMP/plan
LIVE=$PLANDIR/ringguard.plan

stop_daemon() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	DPID=
}

# daemon_down NS: the daemon, any process a failed check left behind in
# ${LAB}NS, and what ringguard attached there (--force: a daemon killed
# just now may still hold the namespace for an instant)
daemon_down() {
	stop_daemon
	ip netns pids "${LAB}$1" 2>/dev/null | xargs -r kill 2>/dev/null
	lab_ns "$1" "$RG" detach --force >/dev/null 2>&1
}

# configmap FILE: publish FILE the way the kubelet does: a new timestamped
# directory, then an atomic swap of the ..data symlink; LIVE is the
# ringguard.plan -> ..data/ringguard.plan link, made once (replacing it on
# every publish would leave a moment with no plan file)
n_cm=0
configmap() {
	local d
	n_cm=$((n_cm + 1))
	d="..$(date +%Y_%m_%d_%H_%M_%S).$n_cm"
	mkdir -p "$PLANDIR/$d"
	cp "$1" "$PLANDIR/$d/ringguard.plan"
	ln -s "$d" "$PLANDIR/..data_tmp"
	mv -T "$PLANDIR/..data_tmp" "$PLANDIR/..data"
	[ -L "$LIVE" ] || ln -s ..data/ringguard.plan "$LIVE"
}

# wait_ms MS CMD...: poll CMD every POLL seconds until it succeeds;
# WAITED = ms it took. wait_for SECONDS CMD...: the same in seconds.
WAITED=0
POLL=0.02
wait_ms() {
	local limit=$1 t0
	shift
	t0=$(date +%s%N)
	while ! "$@" >/dev/null 2>&1; do
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt "$limit" ] && return 1
		sleep "$POLL"
	done
	WAITED=$(( ($(date +%s%N) - t0) / 1000000 ))
}
wait_for() { wait_ms $(($1 * 1000)) "${@:2}"; }
# within WHAT SECONDS CMD...: an assertion that CMD comes true in time
within() {
	local what=$1 limit=$2
	shift 2
	if wait_for "$limit" "$@"; then ok "$what (${WAITED} ms)"; else bad "$what" "not within ${limit}s"; fi
}

# log_count TEXT: how many daemon log lines have TEXT
log_count() { grep -c -- "$1" "$LOG"; }
log_count_is() { [ "$(log_count "$1")" -ge "$2" ]; }
log_has() { grep -q -- "$1" "$LOG"; }

# summary SUITE: the closing line, and the exit status
summary() {
	local line="$1: $pass passed, $fail failed"
	[ "$skipped" -gt 0 ] && line+=", $skipped skipped"
	echo "$line"
	[ "$fail" = 0 ]
}

# run_tests SUITE [NAME|GLOB...]: run the suite's test_* functions in file
# order (all of them, or those named), then print the closing line
run_tests() {
	local suite=$1 t rc t0 ms want match failed_list=()
	shift
	local tests=()
	# declare -F under extdebug gives each function's line: the file order
	while read -r t; do tests+=("$t"); done < <(
		shopt -s extdebug
		for t in $(declare -F | awk '$3 ~ /^test_/ {print $3}'); do
			declare -F "$t"
		done | sort -k2,2n | awk '{print $1}')
	for t in "${tests[@]}"; do
		if [ $# -gt 0 ]; then
			match=
			for want in "$@"; do
				# shellcheck disable=SC2053	# the pattern is meant to glob
				[[ $t == $want || ${t#test_} == $want ]] && match=1
			done
			[ -n "$match" ] || continue
		fi
		T_NAME=${t#test_}; T_CHECKS=0; T_FAILS=0; T_SAW=; T_SKIP=
		echo "-- $T_NAME"
		t0=$(date +%s%N)
		"$t"
		rc=$?
		ms=$(( ($(date +%s%N) - t0) / 1000000 ))
		if [ "$rc" = 77 ]; then
			skipped=$((skipped + 1))
			printf 'SKIP  %s/%s: %s\n' "$suite" "$T_NAME" "$T_SKIP"
		elif [ "$T_FAILS" = 0 ] && [ "$rc" = 0 ] && [ "$T_CHECKS" -gt 0 ]; then
			pass=$((pass + 1))
			printf 'PASS  %s/%s (%d checks, %d ms)\n' "$suite" "$T_NAME" "$T_CHECKS" "$ms"
		else
			fail=$((fail + 1))
			if [ -z "$T_SAW" ] && [ "$T_CHECKS" = 0 ]; then T_SAW="no check ran (status $rc)"
			elif [ -z "$T_SAW" ]; then T_SAW="the test function returned $rc"
			fi
			printf 'FAIL  %s/%s: %s\n' "$suite" "$T_NAME" "$T_SAW"
			failed_list+=("$T_NAME: $T_SAW")
		fi
	done
	T_NAME=
	if [ ${#tests[@]} = 0 ] || { [ $# -gt 0 ] && [ $((pass + fail + skipped)) = 0 ]; }; then
		echo "$suite: no test matched${1:+ '$*'}" >&2
		fail=$((fail + 1))
	fi
	for t in "${failed_list[@]}"; do printf 'failed: %s/%s\n' "$suite" "$t"; done
	summary "$suite"
}
