#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-tests.sh [--check] OUTPUT_DIR - every suite: Criterion (parser,
# importer, plan diff, BPF_PROG_TEST_RUN table, differential), the same
# suites built with ASan + UBSan (OUTPUT_DIR/san), each libFuzzer target for
# FUZZ_SMOKE seconds (20), the shell suites, the fleet and fault suites again
# beside a bounded stress-ng that keeps both CPUs busy ("fleet-busy",
# "faults-busy"), the kernels, the deployment files and the documentation.
# Prints one closing line with the totals.
#
# --busy: only the busy-machine runs (fleet-busy, faults-busy).
#
# --check (make check): only what needs no root: the Criterion suites that
# load no BPF program (plain and sanitized), the fuzz smoke runs, the command
# line suite (its BPF tests skip) and the file checks.
set -u
CHECK=
BUSY_ONLY=
if [ "${1:-}" = --check ]; then
	CHECK=1
	shift
elif [ "${1:-}" = --busy ]; then
	BUSY_ONLY=1
	shift
fi
OUT=${1:-.output}
FUZZ_SMOKE=${FUZZ_SMOKE:-20}
cd "$(dirname "$0")/.."

if [ -z "$CHECK" ] && [ "$(id -u)" != 0 ]; then
	echo "tests need root (BPF and network namespaces): run 'make test' as root," \
	     "or 'make check' for the suites that need none" >&2
	exit 1
fi

# The suites pin under the default root, a directory per network namespace
# they make, and detach removes each; the root itself goes too at the end
# if this run made it (an empty directory is all that is left of it)
PIN_ROOT=/sys/fs/bpf/ringguard
made_root=
[ -z "$CHECK" ] && [ ! -e "$PIN_ROOT" ] && made_root=1
leave() {
	[ -n "$made_root" ] && rmdir "$PIN_ROOT" 2>/dev/null
	return 0
}
trap leave EXIT

# Criterion suites that load BPF programs (root, BPF_PROG_TEST_RUN)
ROOT_SUITES=" test_prog test_diff test_live test_drift test_explain "

passed=0
failed=0
skipped=0

# criterion BINARY: run one Criterion suite, add its counts
criterion() {
	local log rc line p f
	log=$("$1" 2>&1)
	rc=$?
	printf '%s\n' "$log" | grep -v '^\[----\]   $' |
		grep -E 'FAIL|Assert|\[----\]   |Synthesis|ERROR: (Address|Leak)Sanitizer|runtime error' | tail -40
	line=$(printf '%s\n' "$log" | grep 'Synthesis' | tail -1)
	p=$(sed -nE 's/.*Passing: ([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*Failing: ([0-9]+).*/\1/p' <<<"$line")
	if [ -z "$p" ]; then p=0; f=1; fi
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
}

# closing SUITE LOG: add "SUITE: N passed, N failed[, N skipped]"
closing() {
	local p f k
	p=$(sed -nE "s/^$1: ([0-9]+) passed, ([0-9]+) failed(, [0-9]+ skipped)?\$/\\1/p" <<<"$2")
	f=$(sed -nE "s/^$1: ([0-9]+) passed, ([0-9]+) failed(, [0-9]+ skipped)?\$/\\2/p" <<<"$2")
	k=$(sed -nE "s/^$1: [0-9]+ passed, [0-9]+ failed, ([0-9]+) skipped\$/\\1/p" <<<"$2")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
	skipped=$((skipped + ${k:-0}))
}

# The safety suites once more with both CPUs kept busy (stress-ng, bounded
# by BUSY_S seconds and killed on every way out): a timing assertion that
# holds only on an idle machine is a bug in the test or the product.
BUSY_S=${BUSY_S:-900}
stress=
child=
stop_stress() {
	# a suite cut short by a signal tears its lab down (its EXIT trap)
	[ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child" 2>/dev/null
	child=
	[ -n "$stress" ] || return 0
	kill -- -"$stress" 2>/dev/null
	wait "$stress" 2>/dev/null
	stress=
}
busy_suites() {
	local suite log
	if ! command -v stress-ng >/dev/null; then
		echo "  FAIL  busy suites: no stress-ng (tools/deps.sh installs it)"
		failed=$((failed + 1))
		return
	fi
	trap 'stop_stress; leave' EXIT
	trap 'stop_stress; exit 130' INT TERM
	# its own process group (setsid), so the workers go with it
	setsid stress-ng --cpu 2 --timeout "${BUSY_S}s" --quiet &
	stress=$!
	for suite in fleet faults; do
		echo "== $suite-busy (shell suite, stress-ng --cpu 2 beside it)"
		# in the background: a signal's trap runs at once, not after the suite
		bash "tests/$suite.sh" "$OUT" >"$OUT/$suite-busy.log" 2>&1 &
		child=$!
		wait "$child"
		child=
		log=$(cat "$OUT/$suite-busy.log")
		# named apart from the quiet run: its tests, failures and totals
		printf '%s\n' "$log" | sed -E "s#^(PASS|FAIL|SKIP)  $suite/#\\1  $suite-busy/#;
			s#^(failed: )?$suite(/|: [0-9]+ passed)#\\1$suite-busy\\2#"
		closing "$suite" "$log"
	done
	stop_stress
}

totals() {
	if [ "$skipped" -gt 0 ]; then
		echo "tests: $passed passed, $failed failed, $skipped skipped"
	else
		echo "tests: $passed passed, $failed failed"
	fi
	[ "$failed" = 0 ]
}

if [ -n "$BUSY_ONLY" ]; then
	busy_suites
	totals
	exit
fi

for dir in "$OUT/tests" "$OUT/san/tests"; do
	for t in "$dir"/test_*; do
		[ -x "$t" ] || continue
		[[ $t == *.o || $t == *.d ]] && continue
		name=$(basename "$t")
		if [ -n "$CHECK" ] && [[ $ROOT_SUITES == *" $name "* ]]; then
			continue
		fi
		if [ "$dir" = "$OUT/san/tests" ]; then
			echo "== $name (ASan + UBSan)"
		else
			echo "== $name"
		fi
		criterion "$t"
	done
done

echo "== fuzz: each target ${FUZZ_SMOKE} s under ASan + UBSan"
log=$(tests/fuzz/run.sh "$OUT" "$FUZZ_SMOKE" 2>&1)
printf '%s\n' "$log"
closing fuzz "$log"

if [ -n "$CHECK" ]; then
	suites=(cli)
else
	suites=(cli netns faults staging verify packaging systemd pve fleet cilium)
fi
for suite in "${suites[@]}"; do
	echo "== $suite (shell suite)"
	log=$(bash "tests/$suite.sh" "$OUT" 2>&1)
	printf '%s\n' "$log"
	closing "$suite" "$log"
done

[ -z "$CHECK" ] && busy_suites

if [ -z "$CHECK" ]; then
	echo "== kernels: Debian 12's 6.1 and 6.12 under qemu (with virtio_net), and this one"
	log=$(make --no-print-directory test-kernels OUTPUT="$OUT" 2>&1)
	printf '%s\n' "$log" | grep -E '^kernel |^test-kernels:|FAIL|fail' | tail -20
	grep -q '^test-kernels: ' <<<"$log" || printf '%s\n' "$log" | tail -20
	closing test-kernels "$log"
fi

echo "== deployment files and documentation"
for check in check-layers check-unit check-k8s check-doc; do
	if make --no-print-directory "$check" OUTPUT="$OUT" >"$OUT/$check.log" 2>&1; then
		echo "  ok    make $check"
		passed=$((passed + 1))
	else
		cat "$OUT/$check.log"
		echo "  FAIL  make $check"
		failed=$((failed + 1))
	fi
done

totals
