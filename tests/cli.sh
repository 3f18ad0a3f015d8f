#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# cli.sh OUTPUT_DIR - the command line as a user meets it: one function per
# row of issue 12's list (options, help, exit codes, messages, JSON, replay),
# each asserting the message and the exit status. Everything that needs no
# BPF runs without root; the replay tests need root and BPF_PROG_TEST_RUN and
# are skipped, by name, without them. Prints `cli: N passed, N failed`.
set -u
OUT=${1:-.output}
TOP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RG="$(realpath "$OUT/ringguard")"
PLAN="$TOP/maps/sol.plan"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass=0
fail=0
skip=0
current=

ok() { pass=$((pass + 1)); printf '  ok    %s: %s\n' "$current" "$1"; }
bad() {
	fail=$((fail + 1))
	printf '  FAIL  %s: %s\n' "$current" "$1"
	[ -n "${2:-}" ] && printf '        %s\n' "${2:0:600}"
}
skip() { skip=$((skip + 1)); printf '  SKIP  %s: %s\n' "$current" "$1"; }

# run ARGS... -> $out (stdout), $err (stderr), $rc
run() {
	out=$("$RG" "$@" 2>"$TMP/stderr")
	rc=$?
	err=$(cat "$TMP/stderr")
}
# expect_rc WHAT WANT: the exit status of the last run
expect_rc() {
	if [ "$rc" = "$2" ]; then ok "$1: exit $2"; else bad "$1: exit $rc, want $2" "stderr: $err"; fi
}
# expect_in WHAT TEXT FIXED-STRING
expect_in() {
	if grep -qF -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "'$2' does not contain '$3'"; fi
}
expect_not_in() {
	if grep -qF -- "$3" <<<"$2"; then bad "$1" "'$2' contains '$3'"; else ok "$1"; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', want '$3'"; fi
}

# ---- options ---------------------------------------------------------------

t_count_must_be_a_number() {
	run events --count abc
	expect_rc "events --count abc" 2
	expect_in "the message names the option and the value" "$err" \
		"option '--count' needs a whole number from 1 to 1000000000, not 'abc'"
	run events --count -3
	expect_rc "events --count -3" 2
}

t_watch_rejects_trailing_junk() {
	run stats --watch 2abc
	expect_rc "stats --watch 2abc" 2
	expect_in "the message names the option and the value" "$err" \
		"option '--watch' needs a duration from 1 to 86400 seconds"
	expect_in "and shows the value" "$err" "not '2abc'"
	run mode enforce --confirm-within 5x
	expect_rc "mode --confirm-within 5x" 2
}

t_mesh_without_interface_is_a_usage_error() {
	run attach --plan "$PLAN" --mesh
	expect_rc "attach --plan P --mesh" 2
	expect_in "it names the option" "$err" "option '--mesh' needs a value"
	expect_not_in "no fallback to the hostname" "$err" "host line"
	run attach --plan "$PLAN" --egress eth1 --mesh
	expect_rc "attach --plan P --egress eth1 --mesh" 2
	run verify --plan "$PLAN" --mesh
	expect_rc "verify --plan P --mesh" 2
}

t_option_without_value() {
	run attach --plan
	expect_rc "attach --plan" 2
	expect_in "it says the option needs a value" "$err" "option '--plan' needs a value"
	run attach --plan --mesh eth0
	expect_rc "attach --plan --mesh eth0" 2
	expect_in "an option is not taken as the value" "$err" \
		"option '--plan' needs a value, not the option '--mesh'"
	run plan import doc.md -o
	expect_rc "plan import DOC -o" 2
	expect_in "short options too" "$err" "option '-o' needs a value"
}

t_opt_equals_value_bundles_and_double_dash() {
	run --pin-dir="$TMP/$(printf 'p%.0s' {1..210})" plan check "$PLAN"
	expect_rc "--pin-dir=VALUE is parsed (over its limit here)" 2
	expect_in "its limit is named" "$err" "the limit is 200"
	run plan check --pin-dir="$TMP" "$PLAN"
	expect_rc "--pin-dir=DIR after the command" 0
	run -jv plan check "$PLAN"
	expect_rc "bundled -jv" 0
	expect_eq "-jv gives JSON" "$(jq -r .valid <<<"$out" 2>&1)" "true"
	cp "$PLAN" "$TMP/-dash.plan"
	out=$(cd "$TMP" && "$RG" plan check -- -dash.plan 2>&1)
	rc=$?
	expect_rc "plan check -- -dash.plan" 0
	out=$(cd "$TMP" && "$RG" plan check -dash.plan 2>&1)
	rc=$?
	expect_rc "without --, -dash.plan is an option" 2
	expect_in "and says so" "$out" "unknown option '-d'"
	run stats --all=yes
	expect_rc "a flag given a value" 2
	expect_in "is told so" "$err" "option '--all' takes no value"
	run attach --plan a --plan b
	expect_rc "an option given twice" 2
	expect_in "is told so" "$err" "option '--plan' given twice"
}

t_interface_lists_split_the_same_everywhere() {
	local cmd
	for cmd in attach verify; do
		run "$cmd" --plan "$PLAN" --mesh "$(printf 'a%.0s' {1..16}),b"
		expect_rc "$cmd --mesh LONG,b" 2
		expect_in "$cmd splits on commas and names the limit" "$err" "is 16 characters long, the limit is 15"
		run "$cmd" --plan "$PLAN" --mesh a,,b
		expect_rc "$cmd --mesh a,,b" 2
		run "$cmd" --plan "$PLAN" --mesh a,b --egress b
		expect_rc "$cmd: one interface in two roles" 2
		expect_in "$cmd: the comma list is two names" "$err" "interface b given as both mesh and egress"
	done
	run daemon --plan "$PLAN" --mesh a,b --egress b
	expect_rc "daemon: one interface in two roles" 2
	expect_in "daemon: the comma list is two names" "$err" "interface b given as both mesh and egress"
	# verify names each interface: two of a comma list, one repeated, one bare
	run -j verify --plan "$PLAN" --mesh rgx1,rgx2 --mesh rgx3 rgx4 --egress rgx5
	expect_rc "verify with interfaces that do not exist: a finding" 1
	expect_eq "verify checks five interfaces" \
		"$(jq -r '[.checks[] | select(.check == "link") | .interface] | join(" ")' <<<"$out" 2>&1)" \
		"rgx1 rgx2 rgx3 rgx4 rgx5"
}

t_json_inside_import() {
	printf '# plan\n\n## Internal (fc00::/8)\n\n| Name | Prefix |\n|---|---|\n| a | fc00:1::/64 |\n' \
		>"$TMP/doc.md"
	run plan import "$TMP/doc.md" -j
	expect_eq "plan import DOC -j gives JSON" "$(jq -r '.file' <<<"$out" 2>&1)" "$TMP/doc.md"
	run -j plan import "$TMP/doc.md"
	expect_eq "-j plan import DOC gives JSON" "$(jq -r '.problems | type' <<<"$out" 2>&1)" "array"
}

# ---- help ------------------------------------------------------------------

t_help_per_command() {
	local global attach
	run help
	expect_rc "help" 0
	global=$out
	run help attach
	expect_rc "help attach" 0
	attach=$out
	expect_in "help attach is attach's usage" "$attach" "Usage: ringguard attach --plan FILE"
	expect_in "with its options" "$attach" "--egress IF[,IF...]"
	expect_in "and examples" "$attach" "ringguard attach --plan maps/sol.plan --mesh eth0 --egress eth1"
	expect_not_in "not the global list" "$attach" "Commands:"
	[ "$global" != "$attach" ] && ok "help and help attach differ" || bad "help and help attach are the same"
	run attach --help
	expect_rc "attach --help" 0
	expect_eq "attach --help is help attach" "$out" "$attach"
	run help plan diff
	expect_rc "help plan diff" 0
	expect_in "a plan subcommand has its own usage" "$out" "Usage: ringguard plan diff OLD NEW"
	run help nosuch
	expect_rc "help nosuch" 2
	expect_in "help nosuch says the command is unknown" "$err" "unknown command 'nosuch'"
	expect_eq "and prints no help" "$out" ""
	run nosuch
	expect_rc "an unknown command" 2
}

# ---- exit codes --------------------------------------------------------------

t_plan_diff_exit_codes() {
	printf 'zone internal mesh fc00::/8\n' >"$TMP/a.plan"
	printf 'zone internal mesh fc00::/8\nprefix p fc00:1::/32\n' >"$TMP/b.plan"
	run plan diff "$TMP/a.plan" "$TMP/a.plan"
	expect_rc "plan diff: the same" 0
	run plan diff "$TMP/a.plan" "$TMP/b.plan"
	expect_rc "plan diff: they differ" 1
	run plan diff "$TMP/a.plan" "$TMP/missing.plan"
	expect_rc "plan diff: a missing file" 2
	expect_in "names it" "$err" "$TMP/missing.plan: cannot read plan: No such file or directory"
	run plan diff "$TMP/a.plan"
	expect_rc "plan diff with one plan" 2
}

t_usage_errors_inside_commands_exit_2() {
	run stats --bogus
	expect_rc "stats --bogus" 2
	expect_in "names the option" "$err" "stats: unknown option '--bogus'"
	run plan check "$PLAN" extra
	expect_rc "plan check FILE extra" 2
	run detach now
	expect_rc "detach now" 2
	run replay --plan "$PLAN" cap.pcap
	expect_rc "replay without --role" 2
	expect_in "says what is missing" "$err" "replay needs --role mesh|egress"
	run mode sideways
	expect_rc "mode sideways" 2
}

t_replay_errors_exit_2() {
	run replay --plan "$PLAN" --role mesh "$TMP/nonexistent.pcap"
	expect_rc "replay of a missing capture" 2
}

# ---- messages ----------------------------------------------------------------

t_directory_as_plan() {
	run plan check "$TMP"
	expect_rc "plan check DIR" 2
	expect_in "says it is a directory" "$err" "$TMP: is a directory, not a plan"
	expect_not_in "not an I/O error" "$err" "Input/output error"
	run plan diff "$TMP" "$PLAN"
	expect_rc "plan diff DIR P" 2
	expect_in "plan diff too" "$err" "is a directory, not a plan"
}

t_long_names_are_refused_not_cut() {
	local long
	long=$(head -c 100000 /dev/zero | tr '\0' a)
	printf 'zone internal mesh fc00::/8\nprefix %s fc00:1::/32\n' "$long" >"$TMP/long.plan"
	run plan check "$TMP/long.plan"
	expect_rc "a 100 kB prefix name" 2
	expect_in "the message gives the length and the limit" "$err" \
		"prefix name 'aaaaaaaaaaaaaaaaaaaa...' is 100000 characters long, the limit is 63"
	printf 'zone internal mesh fc00::/8\nhost h mesh %s\n' "$long" >"$TMP/long.plan"
	run plan check "$TMP/long.plan"
	expect_in "an interface name in a plan" "$err" "is 100000 characters long, the limit is 15"
	run attach --plan "$PLAN" --host "$long"
	expect_rc "attach --host with a 100 kB name" 2
	expect_in "names the option and the limit" "$err" \
		"option '--host': 'aaaaaaaaaaaaaaaaaaaa...' is 100000 characters long, the limit is 63"
	[ "${#err}" -lt 400 ] && ok "the message is short (${#err} bytes)" || bad "the message is ${#err} bytes"
}

tests=$(declare -F | sed -n 's/^declare -f \(t_.*\)/\1/p')
for t in $tests; do
	current=${t#t_}
	"$t"
done
[ "$skip" = 0 ] || echo "cli: $skip skipped"
echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
