#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-tests.sh OUTPUT_DIR - every suite: Criterion (parser, BPF_PROG_TEST_RUN
# table, differential) then the network-namespace integration suite. Prints
# one closing line with the totals.
set -u
OUT=${1:-.output}
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "tests need root (BPF and network namespaces): run 'make test' as root" >&2
	exit 1
fi

passed=0
failed=0
skipped=0
for t in "$OUT"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "== $(basename "$t")"
	log=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$log" | grep -v '^\[----\]   $' | grep -E 'FAIL|Assert|\[----\]   |Synthesis' | tail -40
	line=$(printf '%s\n' "$log" | grep 'Synthesis' | tail -1)
	p=$(sed -nE 's/.*Passing: ([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*Failing: ([0-9]+).*/\1/p' <<<"$line")
	if [ -z "$p" ]; then p=0; f=1; fi
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	passed=$((passed + p))
	failed=$((failed + f))
done

for suite in cli netns faults staging verify packaging; do
	echo "== $suite (shell suite)"
	log=$(bash "tests/$suite.sh" "$OUT" 2>&1)
	printf '%s\n' "$log"
	# "SUITE: N passed, N failed[, N skipped]" (tests/lib.sh's run_tests)
	p=$(sed -nE "s/^$suite: ([0-9]+) passed, ([0-9]+) failed(, [0-9]+ skipped)?\$/\\1/p" <<<"$log")
	f=$(sed -nE "s/^$suite: ([0-9]+) passed, ([0-9]+) failed(, [0-9]+ skipped)?\$/\\2/p" <<<"$log")
	k=$(sed -nE "s/^$suite: [0-9]+ passed, [0-9]+ failed, ([0-9]+) skipped\$/\\1/p" <<<"$log")
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-1}))
	skipped=$((skipped + ${k:-0}))
done

echo "== kernels: Debian 12's 6.1 under qemu, and this one"
log=$(make --no-print-directory test-kernels OUTPUT="$OUT" 2>&1)
printf '%s\n' "$log" | grep -E '^kernel |^test-kernels:|FAIL|fail' | tail -20
p=$(sed -nE 's/^test-kernels: ([0-9]+) passed, ([0-9]+) failed$/\1/p' <<<"$log")
f=$(sed -nE 's/^test-kernels: ([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$log")
[ -z "$p" ] && printf '%s\n' "$log" | tail -20
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-1}))

echo "== deployment files and documentation"
for check in check-unit check-k8s check-doc; do
	if make --no-print-directory "$check" OUTPUT="$OUT" >"$OUT/$check.log" 2>&1; then
		echo "  ok    make $check"
		passed=$((passed + 1))
	else
		cat "$OUT/$check.log"
		echo "  FAIL  make $check"
		failed=$((failed + 1))
	fi
done

if [ "$skipped" -gt 0 ]; then
	echo "tests: $passed passed, $failed failed, $skipped skipped"
else
	echo "tests: $passed passed, $failed failed"
fi
[ "$failed" = 0 ]
