#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# cli.sh OUTPUT_DIR [TEST...] - the command line as a user meets it: one test
# per row of issue 12's list (options, help, exit codes, messages, JSON,
# replay), each asserting the message and the exit status. Everything that
# needs no BPF runs without root; the replay tests need root for
# BPF_PROG_TEST_RUN and are skipped, by name, without it. No lab: nothing
# here touches an interface. Prints `cli: N passed, N failed`.
set -u
OUT=${1:-.output}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$TMP"' EXIT

# run ARGS...: ringguard ARGS -> $out (stdout), $err (stderr), $rc
run() {
	out=$("$RG" "$@" 2>"$TMP/stderr")
	rc=$?
	err=$(cat "$TMP/stderr")
}
# expect_rc WHAT WANT: the exit status of the last run
expect_rc() {
	if [ "$rc" = "$2" ]; then ok "$1: exit $2"; else bad "$1: exit $rc, want $2" "stderr: ${err:0:400}"; fi
}
# expect_in WHAT TEXT STRING: TEXT holds STRING (a fixed string)
expect_in() {
	if grep -qF -- "$3" <<<"$2"; then ok "$1"; else bad "$1" "'${2:0:600}' does not contain '$3'"; fi
}
expect_not_in() {
	if grep -qF -- "$3" <<<"$2"; then bad "$1" "'${2:0:600}' contains '$3'"; else ok "$1"; fi
}

# ---- options ---------------------------------------------------------------

test_count_must_be_a_number() {
	run events --count abc
	expect_rc "events --count abc" 2
	expect_in "the message names the option and the value" "$err" \
		"option '--count' needs a whole number from 1 to 1000000000, not 'abc'"
	run events --count -3
	expect_rc "events --count -3" 2
}

test_watch_rejects_trailing_junk() {
	run stats --watch 2abc
	expect_rc "stats --watch 2abc" 2
	expect_in "the message names the option and the value" "$err" \
		"option '--watch' needs a duration from 1 to 86400 seconds"
	expect_in "and shows the value" "$err" "not '2abc'"
	run mode enforce --confirm-within 5x
	expect_rc "mode --confirm-within 5x" 2
}

test_mesh_without_interface_is_a_usage_error() {
	run attach --plan "$PLAN" --mesh
	expect_rc "attach --plan P --mesh" 2
	expect_in "it names the option" "$err" "option '--mesh' needs a value"
	expect_not_in "no fallback to the hostname" "$err" "host line"
	run attach --plan "$PLAN" --egress eth1 --mesh
	expect_rc "attach --plan P --egress eth1 --mesh" 2
	run verify --plan "$PLAN" --mesh
	expect_rc "verify --plan P --mesh" 2
}

test_option_without_value() {
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

test_opt_equals_value_bundles_and_double_dash() {
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
	run attach --m eth0
	expect_rc "an ambiguous prefix of two options" 2
	expect_in "is told so" "$err" "attach: option '--m' is ambiguous: say more"
	run attach --pl="$PLAN" --mesh
	expect_in "a unique prefix is the option" "$err" "option '--mesh' needs a value"
	run stats --all=yes
	expect_rc "a flag given a value" 2
	expect_in "is told so" "$err" "option '--all' takes no value"
	run attach --plan a --plan b
	expect_rc "an option given twice" 2
	expect_in "is told so" "$err" "option '--plan' given twice"
}

test_interface_lists_split_the_same_everywhere() {
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

test_json_inside_import() {
	printf '# plan\n\n## Internal (fc00::/8)\n\n| Name | Prefix |\n|---|---|\n| a | fc00:1::/64 |\n' \
		>"$TMP/doc.md"
	run plan import "$TMP/doc.md" -j
	expect_eq "plan import DOC -j gives JSON" "$(jq -r '.file' <<<"$out" 2>&1)" "$TMP/doc.md"
	run -j plan import "$TMP/doc.md"
	expect_eq "-j plan import DOC gives JSON" "$(jq -r '.problems | type' <<<"$out" 2>&1)" "array"
}

# ---- help ------------------------------------------------------------------

test_help_per_command() {
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
	if [ "$global" != "$attach" ]; then ok "help and help attach differ"; else bad "help and help attach are the same"; fi
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

test_plan_diff_exit_codes() {
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

test_usage_errors_inside_commands_exit_2() {
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

test_replay_errors_exit_2() {
	run replay --plan "$PLAN" --role mesh "$TMP/nonexistent.pcap"
	expect_rc "replay of a missing capture" 2
}

# ---- messages ----------------------------------------------------------------

test_directory_as_plan() {
	run plan check "$TMP"
	expect_rc "plan check DIR" 2
	expect_in "says it is a directory" "$err" "$TMP: is a directory, not a plan"
	expect_not_in "not an I/O error" "$err" "Input/output error"
	run plan diff "$TMP" "$PLAN"
	expect_rc "plan diff DIR P" 2
	expect_in "plan diff too" "$err" "is a directory, not a plan"
}

test_long_names_are_refused_not_cut() {
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
	if [ "${#err}" -lt 400 ]; then ok "the message is short (${#err} bytes)"; else bad "the message is ${#err} bytes"; fi
}

# ---- JSON ----------------------------------------------------------------------

test_json_problems_same_shape_for_check_and_import() {
	printf 'zone internal mesh fc00::/8\nprefix bad fc00:1::1/32\nprefix worse fd00::/8 allow sideways\n' \
		>"$TMP/bad.plan"
	run -j plan check "$TMP/bad.plan"
	expect_rc "-j plan check of an invalid plan" 2
	expect_eq "one object with the summary as error" "$(jq -r .error <<<"$out" 2>&1)" \
		"$TMP/bad.plan: plan invalid (2 errors): nothing was changed"
	expect_eq "and the errors as problems[{file, line, severity, message}]" \
		"$(jq -r '[.problems[] | "\(.file | sub(".*/"; "")) \(.line) \(.severity)"] | join(",")' <<<"$out" 2>&1)" \
		"bad.plan 2 error,bad.plan 3 error"
	expect_eq "each message as the text says it, without its place" \
		"$(jq -r '.problems[1].message' <<<"$out" 2>&1)" \
		"unknown role 'sideways' in allow (expected mesh or egress)"
	run plan check "$TMP/bad.plan"
	expect_in "the text says FILE:LINE: message" "$err" \
		"$TMP/bad.plan:3: unknown role 'sideways' in allow (expected mesh or egress)"
	printf '# plan\n\n## Internal (fc00::/8)\n\n| Name | Prefix |\n|---|---|\n| a | fc00:1::1/64 |\n' \
		>"$TMP/doc2.md"
	run -j plan import "$TMP/doc2.md"
	expect_eq "plan import's problems have the same keys" \
		"$(jq -r '.problems[0] | keys | join(",")' <<<"$out" 2>&1)" "file,line,message,severity"
	run -j plan check "$TMP"
	expect_eq "an error without lines is {\"error\"} alone" "$(jq -c 'keys' <<<"$out" 2>&1)" '["error"]'
	run -j attach --plan
	expect_eq "usage errors too" "$(jq -r .error <<<"$out" 2>&1)" \
		"option '--plan' needs a value (see 'ringguard help attach')"
	run -j nosuch
	expect_eq "and an unknown command" "$(jq -r .error <<<"$out" 2>&1)" \
		"ringguard: unknown command 'nosuch' (see 'ringguard help')"
	run stats -jx
	expect_rc "stats -jx" 2
	expect_eq "-j after the command: the error is JSON too" "$(jq -r .error <<<"$out" 2>&1)" \
		"stats: unknown option '-x' (see 'ringguard help stats')"
	expect_eq "and stderr stays empty" "$err" ""
	run plan check "$TMP" -j
	expect_eq "-j at the end of a plan command" "$(jq -r .error <<<"$out" 2>&1)" \
		"$TMP: is a directory, not a plan: give the plan file in it"
}

test_json_strings_are_escaped() {
	local name
	name=$'we"ird\\name\tx'
	mkdir -p "$TMP/q"
	cp "$PLAN" "$TMP/q/$name"
	run -j plan check "$TMP/q/$name"
	expect_rc "a plan whose name needs escaping" 0
	expect_eq "the name comes back whole through jq" "$(jq -r .file <<<"$out" 2>&1)" "$TMP/q/$name"
}

# ---- explain -------------------------------------------------------------------

# line NUMBER of the users' plan that starts with TEXT
plan_line() { grep -n "^$1" "$PLAN" | head -1 | cut -d: -f1; }

test_explain_address_text() {
	local zone pfx
	zone=$(plan_line 'zone   internal ')
	pfx=$(plan_line 'prefix ceph-public ')
	run explain --plan "$PLAN" fc00:20::10
	expect_rc "an fc00 address breaks the plan on egress: a finding" 1
	expect_in "its bucket" "$out" "  bucket  ceph-public fc00:20::/64 (prefix)"
	expect_in "its zone's line first" "$out" "  lines   $PLAN:$zone: zone internal mesh fc00::/8"
	expect_in "then the prefix's" "$out" "          $PLAN:$pfx: prefix ceph-public fc00:20::/64"
	expect_in "mesh: its zone's" "$out" "  mesh    fits: zone internal fc00::/8 belongs on mesh ($PLAN:$zone)"
	expect_in "egress: broken, and why" "$out" \
		"  egress  breaks the plan: zone internal fc00::/8 belongs on mesh ($PLAN:$zone) and no prefix allows egress"
	run explain --plan "$PLAN" fc00:20::10 --role mesh
	expect_rc "--role mesh: it fits there" 0
	expect_not_in "--role mesh: no egress line" "$out" "egress  "
}

test_explain_inherited_allow() {
	local pods
	pods=$(plan_line 'prefix k8s-pods ')
	run explain --plan "$PLAN" fd00:101:44::5
	expect_rc "a pod address breaks nothing" 0
	expect_in "the node /64 is its bucket" "$out" "  bucket  k8s-pods-solcp011 fd00:101:44::/64 (prefix)"
	expect_in "the /60's allow is named, with its line" "$out" \
		"  mesh    fits: zone external belongs on egress, prefix k8s-pods fd00:101:44::/60 allow mesh ($PLAN:$pods)"
}

test_explain_frame_per_role_and_mode() {
	local zone
	zone=$(plan_line 'zone   internal ')
	run explain --plan "$PLAN" fd00:101:44::5 fc00:20::1
	expect_rc "a pod to Ceph frame is a violation on egress" 1
	expect_in "the frame line" "$out" "frame fd00:101:44::5 -> fc00:20::1 (IPv6), mode monitor"
	expect_in "mesh: pass" "$out" "  mesh    pass: neither address breaks the plan on mesh"
	expect_in "egress: counted in monitor mode, with the rule" "$out" \
		"  egress  count (fc00-leak-on-egress): passes, counted as a violation (enforce mode drops it)"
	expect_in "the destination broke it, at the zone's line" "$out" \
		"destination fc00:20::1 breaks it: zone internal fc00::/8 belongs on mesh ($PLAN:$zone)"
	# a plan that declares enforce for this host: drop
	{ cat "$PLAN"; echo "host $(hostname) mesh eth0 mode enforce"; } >"$TMP/enforce.plan"
	run explain --plan "$TMP/enforce.plan" fd00:101:44::5 fc00:20::1 --role egress
	expect_rc "enforce: still a finding" 1
	expect_in "the mode and where it is declared" "$out" "mode enforce (declared for host $(hostname), $TMP/enforce.plan:"
	expect_in "egress: dropped" "$out" "  egress  drop (fc00-leak-on-egress): dropped"
	run explain --plan "$PLAN" fd00:101:44::5 fd00:10::5 --role mesh
	expect_rc "fd00 management on the mesh" 1
	expect_in "mesh: the rule of the mesh" "$out" "  mesh    count (fd00-transit-on-mesh)"
	expect_in "the destination, not the allowed pod source" "$out" "destination fd00:10::5 breaks it"
	expect_not_in "the pod source is not blamed" "$out" "source fd00:101:44::5 breaks it"
}

test_explain_families() {
	run explain --plan "$PLAN" 10.244.1.7
	expect_rc "an IPv4 pod address" 0
	expect_in "judged as IPv4, by the IPv4 prefixes" "$out" "  bucket  k8s-pods-v4-solcp012 10.244.1.0/24 (prefix)"
	expect_in "no IPv4 zone: nothing to enforce" "$out" "  mesh    fits: in no IPv4 zone: nothing to enforce"
	run explain --plan "$PLAN" ::ffff:10.244.1.7
	expect_rc "the same address, IPv4-mapped" 0
	expect_in "is IPv6" "$out" "::ffff:10.244.1.7 (IPv6, IPv4-mapped: judged by the plan's IPv6 CIDRs, not its IPv4 ones)"
	expect_in "and no IPv4 prefix answers for it" "$out" "  bucket  unplanned (no IPv6 zone or prefix contains it)"
	run explain --plan "$PLAN" 10.244.1.7 fc00:20::1
	expect_rc "a frame of two families" 2
	expect_in "is refused, saying how to write it" "$err" "a frame carries one family (an IPv4 address inside an IPv6 frame is written ::ffff:a.b.c.d)"
	run explain --plan "$PLAN" ::ffff:10.244.1.7 fc00:20::1
	expect_rc "a mapped address in an IPv6 frame" 1
}

test_explain_json() {
	local zone pfx
	zone=$(plan_line 'zone   internal ')
	pfx=$(plan_line 'prefix k8s-pods ')
	run -j explain --plan "$PLAN" fd00:101:44::5 fc00:20::1
	expect_rc "-j: the same exit" 1
	expect_eq "-j: the chain's lines of the pod address" \
		"$(jq -r '[.addresses[0].chain[] | "\(.kind):\(.name):\(.line)"] | join(" ")' <<<"$out" 2>&1)" \
		"zone:external:$(plan_line 'zone   external ') prefix:k8s-pods:$pfx prefix:k8s-pods-solcp011:$(plan_line 'prefix k8s-pods-solcp011 ')"
	expect_eq "-j: mesh decided by the /60's allow" \
		"$(jq -r '.addresses[0].roles[] | select(.role == "mesh") | "\(.breaks) \(.why) \(.line.name) \(.line.allow)"' <<<"$out" 2>&1)" \
		"false allow k8s-pods mesh"
	expect_eq "-j: the frame per role" \
		"$(jq -r '[.frame.roles[] | "\(.role)=\(.verdict):\(.rule)"] | join(" ")' <<<"$out" 2>&1)" \
		"mesh=pass:null egress=count:fc00-leak-on-egress"
	expect_eq "-j: broken by the destination, at the zone's line" \
		"$(jq -r '.frame.roles[1].broken_by[] | "\(.address) \(.line.line)"' <<<"$out" 2>&1)" "destination $zone"
	expect_eq "-j: the plan and the mode" \
		"$(jq -r '"\(.plan.in_force) \(.mode) \(.mode_from) \(.plan.path)"' <<<"$out" 2>&1)" "false monitor default $PLAN"
	run -j explain --plan "$PLAN" ::ffff:10.20.1.144
	expect_eq "-j: a mapped address is family 6, unplanned" \
		"$(jq -r '"\(.addresses[0].family) \(.addresses[0].mapped) \(.addresses[0].bucket)"' <<<"$out" 2>&1)" "6 true null"
}

test_explain_errors() {
	run explain --plan "$PLAN" fc00::zz
	expect_rc "a bad address" 2
	expect_in "is named" "$err" "bad address 'fc00::zz': not an IPv6 or IPv4 address"
	run explain --plan "$PLAN" fc00:20::/64
	expect_rc "a prefix" 2
	expect_in "is refused, saying what to give" "$err" "'fc00:20::/64' is a prefix: give one address (drop the /LENGTH)"
	run explain --plan "$TMP/missing.plan" fc00::1
	expect_rc "--plan of a missing file" 2
	expect_in "names the file" "$err" "$TMP/missing.plan: cannot read plan: No such file or directory"
	run -j explain --plan "$TMP/missing.plan" fc00::1
	expect_eq "-j: the error as JSON" "$(jq -r .error <<<"$out" 2>&1)" \
		"$TMP/missing.plan: cannot read plan: No such file or directory"
	printf 'zone z mesh fc00::/8\nprefix p fc00::1/64\n' >"$TMP/hostbits.plan"
	run explain --plan "$TMP/hostbits.plan" fc00::1
	expect_rc "an invalid plan" 2
	expect_in "its errors as FILE:LINE" "$err" "$TMP/hostbits.plan:2: host bits set"
	run explain
	expect_rc "no address" 2
	run explain --plan "$PLAN" fc00::1 fc00::2 fc00::3
	expect_rc "three addresses" 2
	run explain --plan "$PLAN" --role core fc00::1
	expect_rc "an unknown role" 2
}

test_explain_without_a_plan_in_force() {
	need_bpf || { skip "needs root (the pinned state)"; return; }
	have_cmd unshare || { skip "no unshare"; return; }
	# a network namespace of its own: nothing is attached there
	out=$(unshare --net "$RG" explain fc00:20::1 2>"$TMP/stderr"); rc=$?; err=$(cat "$TMP/stderr")
	expect_rc "nothing attached, no --plan" 2
	expect_in "says there is no plan in force, and what to do" "$err" \
		"no plan in force to explain: ringguard is not attached in this network namespace; attach one ('ringguard attach --plan FILE') or explain a file with --plan FILE"
	expect_eq "and prints nothing else" "$out" ""
}

# ---- replay ----------------------------------------------------------------------

# hex bytes -> binary on stdout
bin() { printf '%b' "$(sed 's/\([0-9a-f][0-9a-f]\)/\\x\1/g' <<<"$1")"; }
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# pcap_header SNAPLEN: a little-endian pcap file header, Ethernet
pcap_header() { bin "d4c3b2a1020004000000000000000000$(le32 "$1")01000000"; }
# record CAPLEN LEN: the header of one record (its bytes follow)
record() { bin "0000000000000000$(le32 "$1")$(le32 "$2")"; }
FC_PVE01=fc000020000000000000000000000001	# fc00:20::1 pve01-ceph-public
FD_MGMT=fd000010000000000000000000000005	# fd00:10::5 pve-mgmt
FD_MGMT2=fd000010000000000000000000000006

need_bpf() { [ "$(id -u)" = 0 ]; }
# frame6 SRC DST (32 hex digits each): Ethernet + IPv6 header, 54 bytes, no payload
frame6() { bin "02000000000202000000000186dd6000000000003b40$1$2"; }

test_replay_short_frames_are_malformed() {
	need_bpf || { skip "needs root (BPF_PROG_TEST_RUN)"; return; }
	{ pcap_header 65535; record 54 54; frame6 "$FD_MGMT" "$FD_MGMT2"
	  record 10 10; bin 02000000000202000000; } >"$TMP/short.pcap"
	run -j replay --plan "$PLAN" --role egress "$TMP/short.pcap"
	expect_rc "replay of a capture with a 10-byte frame: unreadable, it would drop" 1
	expect_eq "both frames counted, the short one as malformed and dropped" \
		"$(jq -r '"\(.frames) \(.malformed) \(.bytes) \(.would_drop)"' <<<"$out" 2>&1)" "2 1 64 1"
	run -v replay --plan "$PLAN" --role egress "$TMP/short.pcap"
	expect_in "-v lists it as malformed" "$out" "#2         10  malformed  WOULD DROP"
	expect_in "and says why, and what to do" "$out" \
		"1 unreadable frame would drop (more than 4 VLAN tags, a cut or invalid header): 'unreadable pass' in the plan lets them through"
	expect_not_in "it never says nothing would drop" "$out" "nothing would drop"
	{ cat "$PLAN"; echo "unreadable pass"; } >"$TMP/pass.plan"
	run -v replay --plan "$TMP/pass.plan" --role egress "$TMP/short.pcap"
	expect_rc "with 'unreadable pass' nothing would drop" 0
	expect_in "-v lists it as malformed, passing" "$out" "#2         10  malformed  pass"
}

test_replay_snaplen_cut_frames_are_not_judged() {
	need_bpf || { skip "needs root (BPF_PROG_TEST_RUN)"; return; }
	# cut at 30 bytes: inside the IPv6 header
	{ pcap_header 30; record 30 1054; frame6 "$FC_PVE01" "$FD_MGMT" | head -c 30; } >"$TMP/cut.pcap"
	run replay --plan "$PLAN" --role egress "$TMP/cut.pcap"
	expect_rc "a capture cut inside the headers cannot pass" 2
	expect_not_in "it never says nothing would drop" "$out" "nothing would drop"
	expect_in "it says the frame was not judged and what to do" "$out" \
		"1 frame not judged: frames cut by the capture's snaplen inside their headers were not judged: capture again with the whole frame (tcpdump -s 0)"
	run -j replay --plan "$PLAN" --role egress "$TMP/cut.pcap"
	expect_rc "-j: the same exit" 2
	expect_eq "-j: not_judged, and nothing counted as malformed" \
		"$(jq -r '"\(.not_judged) \(.malformed) \(.frames)"' <<<"$out" 2>&1)" "1 0 0"
	# cut after the headers: judged on them
	{ pcap_header 96; record 54 1054; frame6 "$FC_PVE01" "$FD_MGMT"; } >"$TMP/cut2.pcap"
	run replay --plan "$PLAN" --role egress "$TMP/cut2.pcap"
	expect_rc "cut after the headers: judged, and an fc00 source on egress would drop" 1
	expect_in "with a note on the snaplen" "$out" "note: 1 frame was cut short by the capture's snaplen"
}

test_replay_frames_over_the_test_run_limit() {
	need_bpf || { skip "needs root (BPF_PROG_TEST_RUN)"; return; }
	{ pcap_header 262144; record 54 54; frame6 "$FD_MGMT" "$FD_MGMT2"
	  record 80054 80054; frame6 "$FC_PVE01" "$FD_MGMT"; head -c 80000 /dev/zero
	  record 54 54; frame6 "$FD_MGMT2" "$FD_MGMT"; } >"$TMP/big.pcap"
	local dir
	for dir in in out; do
		run -j replay --plan "$PLAN" --role egress --dir "$dir" "$TMP/big.pcap"
		expect_rc "--dir $dir: an 80 kB frame does not end the replay; it would drop" 1
		expect_eq "--dir $dir: all three frames, every byte, one drop" \
			"$(jq -r '"\(.frames) \(.bytes) \(.would_drop) \(.headers_only)"' <<<"$out" 2>&1)" \
			"3 80162 1 1"
		expect_eq "--dir $dir: the drop is pve01-ceph-public's" \
			"$(jq -r '[.buckets[].name] | join(",")' <<<"$out" 2>&1)" "pve01-ceph-public"
	done
	run replay --plan "$PLAN" --role egress "$TMP/big.pcap"
	expect_in "the text says how the frame was judged" "$out" \
		"note: 1 frame over BPF_PROG_TEST_RUN's size limit (the largest 80054 bytes) judged on the first 256 bytes"
}

test_replay_verbose_lookup_is_indexed() {
	need_bpf || { skip "needs root (BPF_PROG_TEST_RUN)"; return; }
	local i t0 t1 t2 plain verbose
	{ echo 'zone internal mesh fc00::/8'; echo 'zone external egress fd00::/8'
	  for ((i = 0; i < 35000; i++)); do printf 'prefix p%d fc00:%x:%x::/48\n' "$i" $((i / 256 + 1)) $((i % 256)); done
	  echo 'prefix deep fc00:20::/64'; echo 'prefix deeper fc00:20::1/128'; } >"$TMP/big.plan"
	# 4096 frames: one record, doubled 12 times
	{ record 54 54; frame6 "$FC_PVE01" "$FD_MGMT"; } >"$TMP/rec"
	for ((i = 0; i < 12; i++)); do cat "$TMP/rec" "$TMP/rec" >"$TMP/rec2"; mv "$TMP/rec2" "$TMP/rec"; done
	{ pcap_header 65535; cat "$TMP/rec"; } >"$TMP/many.pcap"
	# twice each, in turn, the fastest of each: a busy machine slows both
	# alike; a scan of every entry per lookup would add 6 s idle (about
	# 2.7x the plain replay), indexed lookups next to nothing
	plain=999999
	verbose=999999
	for i in 1 2; do
		t0=$(date +%s%N)
		run replay --plan "$TMP/big.plan" --role mesh "$TMP/many.pcap"
		t1=$(date +%s%N)
		run -v replay --plan "$TMP/big.plan" --role mesh "$TMP/many.pcap"
		t2=$(date +%s%N)
		[ $(((t1 - t0) / 1000000)) -lt "$plain" ] && plain=$(((t1 - t0) / 1000000))
		[ $(((t2 - t1) / 1000000)) -lt "$verbose" ] && verbose=$(((t2 - t1) / 1000000))
	done
	expect_eq "-v: a line per frame" "$(grep -c '^#' <<<"$out")" "4096"
	expect_in "-v: the most specific prefix names each address" "$out" \
		"fc00:20::1 (deeper) -> fd00:10::5 (external)"
	echo "        replay of 4096 frames on a 35k plan: ${plain} ms, with -v ${verbose} ms (fastest of 2)"
	if [ "$verbose" -lt $((plain * 3 / 2 + 500)) ]; then
		ok "-v costs under half the replay's own time for 8192 lookups (a scan of every entry: 1.7x more)"
	else
		bad "-v took ${verbose} ms against ${plain} ms without it: are its lookups a scan again?"
	fi
}

run_tests cli "${@:2}"
