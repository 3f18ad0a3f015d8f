# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# lib.sh - shared by the netns suites: the lab, assertions, counters.
# Source with OUT set to the build output directory.

RG="$(realpath "$OUT/ringguard")"
INJECT="$(realpath "$OUT/rg-inject")"
TCX="$(realpath "$OUT/rg-tcx")"
TPROGS="$(realpath "$OUT/testprogs.bpf.o")"
TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PLAN="$TOP/maps/sol.plan"
# shellcheck source=../tools/lab.sh
. "$TOP/tools/lab.sh"

pass=0
fail=0
TMP=$(mktemp -d)

ok() { pass=$((pass + 1)); printf '  ok    %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf '  FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '        %s\n' "$2"; }

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}
# expect_match WHAT TEXT REGEX
expect_match() {
	if grep -Eq -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "'$2' does not match /$3/"; fi
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

# summary SUITE: the closing line, and the exit status
summary() {
	echo "$1: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}
