#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh OUTPUT_DIR SECONDS [TARGET...] - run the libFuzzer targets built in
# OUTPUT_DIR/san/fuzz (make fuzz-build), each for SECONDS, under ASan and
# UBSan: first every input of tests/fuzz/regress/TARGET/ once (inputs that
# crashed once: each is a regression test), then fuzzing from the seed corpus
# tests/fuzz/corpus/TARGET/. New inputs go to OUTPUT_DIR/san/fuzz/TARGET.corpus,
# never into the tree. TARGET: plan, import, plandiff, frame, values (default:
# all).
#
# A crash leaves OUTPUT_DIR/san/fuzz/TARGET-crash-*: fix the bug, then copy the
# file into tests/fuzz/regress/TARGET/ (named after the bug) and add a unit
# test for the behaviour that was wrong.
set -u
OUT=${1:-.output}
SECS=${2:-20}
shift $(( $# >= 2 ? 2 : $# ))
cd "$(dirname "$0")/../.."
FZ=$OUT/san/fuzz
TARGETS=("$@")
[ ${#TARGETS[@]} = 0 ] && TARGETS=(plan import plandiff frame values)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

pass=0
fail=0
for t in "${TARGETS[@]}"; do
	bin=$FZ/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "  FAIL  $t: $bin is not built (make fuzz-build)"
		fail=$((fail + 1))
		continue
	fi
	log=$FZ/$t.log
	: > "$log"
	regress=(tests/fuzz/regress/"$t"/*)
	if [ -e "${regress[0]}" ]; then
		if ! "$bin" "${regress[@]}" >>"$log" 2>&1; then
			echo "  FAIL  $t: a regression input fails again"
			grep -E 'ERROR|invariant|runtime error|Running: ' "$log" | tail -5 | sed 's/^/        /'
			fail=$((fail + 1))
			continue
		fi
	fi
	mkdir -p "$FZ/$t.corpus"
	args=(-max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$FZ/$t-")
	case $t in
	frame) args+=(-max_len=256) ;;
	values) args+=(-max_len=128) ;;
	*) args+=(-max_len=16384) ;;
	esac
	[ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
	if "$bin" "${args[@]}" "$FZ/$t.corpus" "tests/fuzz/corpus/$t" >>"$log" 2>&1; then
		runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
		cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
		echo "  ok    $t: ${runs:-?} runs in ${SECS} s, ${cov:-cov: ?}, $(ls "${regress[@]}" 2>/dev/null | wc -l) regression inputs"
		pass=$((pass + 1))
	else
		echo "  FAIL  $t: $(grep -m1 -oE 'ERROR: [^ ]+: [^(]*|invariant broken: .*|runtime error: .*' "$log")"
		grep -E '^artifact_prefix|Test unit written to' "$log" | sed 's/^/        /'
		echo "        log: $log"
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
