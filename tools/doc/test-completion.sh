#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test-completion.sh - tests the bash completion (tools/doc/ringguard.bash)
# the way bash drives it: COMP_WORDS/COMP_CWORD set, _ringguard called,
# COMPREPLY compared with what a user should be offered. Needs no root and
# not the bash-completion package. Run by `make check-doc`; prints
# `completion: N passed, M failed` and exits non-zero on any failure.
set -u

cd "$(dirname "$0")/../.." || exit 2
# shellcheck source=tools/doc/ringguard.bash
source tools/doc/ringguard.bash

pass=0
fail=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# COMPREPLY for `ringguard WORD... <TAB>`: the last word is the one under the
# cursor ('' = after a blank). Sorted, one line.
offered()
{
	COMP_WORDS=(ringguard "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_ringguard ringguard "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | sort | paste -sd ' ' -
}

sorted()
{
	local -a words=()
	read -r -d "" -a words <<<"$1"
	((${#words[@]})) && printf '%s\n' "${words[@]}" | sort | paste -sd ' ' -
}

show()
{
	local line="ringguard" w
	for w in "$@"; do
		line+=" $w"
	done
	printf '%s<TAB>' "$line"
}

report()
{
	local ok=$1 what=$2 got=$3 want=$4
	if ((ok)); then
		pass=$((pass + 1))
		echo "  ok    $what"
	else
		fail=$((fail + 1))
		echo "  FAIL  $what"
		echo "        offered: [$got]"
		echo "        wanted:  [$want]"
	fi
}

# expect 'WORD...' ARG...: exactly these words are offered, in any order
expect()
{
	local want got
	want=$(sorted "$1")
	shift
	got=$(offered "$@")
	report "$([[ $got == "$want" ]] && echo 1 || echo 0)" "$(show "$@")" "$got" "$want"
}

# expect_has WORD [!WORD] ARG...: WORD is offered and !WORD is not
expect_has()
{
	local has=$1 hasnt=$2 got ok=1
	shift 2
	got=$(offered "$@")
	[[ " $got " == *" $has "* ]] || ok=0
	[[ -n $hasnt && " $got " == *" $hasnt "* ]] && ok=0
	report "$ok" "$(show "$@") has $has${hasnt:+, not $hasnt}" "$got" "$has${hasnt:+ and not $hasnt}"
}

ifaces=$(ls /sys/class/net)
lo_ifaces=$(for i in $ifaces; do printf 'lo,%s ' "$i"; done)
sol_hosts=$(awk '$1 == "host" { print $2 }' maps/sol.plan)
mkdir "$tmp/sub"
: >"$tmp/a.pcap"
: >"$tmp/b.plan"
printf '%s\n' 'zone z mesh fc00::/8' 'host a mesh eth0' '  host	b egress eth1 # bee' \
	'# host z mesh eth9' 'hosting x' >"$tmp/t.plan"

echo "completion: tools/doc/ringguard.bash"

# commands, matched by prefix like the CLI
expect 'attach' at
expect 'stats status' st
expect 'daemon detach' d
expect 'attach daemon sync mode status stats events replay plan verify explain detach help' ''
expect 'attach' -j at
expect 'sync status stats' --pin-dir /tmp s
expect '-j --json -v --verbose --pin-dir -h --help -V --version' -
expect '' frob ''
expect '' s --			# ambiguous: the CLI would refuse it too

# mode
expect 'monitor enforce confirm' mode ''
expect 'enforce' mode en
expect '' mode enforce ''
expect '--confirm-within' mode enforce --c

# plan subcommands and their files
expect 'check import diff' plan ''
expect 'import' plan im
expect 'import' pl i
expect '-o --output -j --json -v --verbose --pin-dir' plan import doc.md -
expect 'attach' help at
expect 'check import diff' help plan ''
expect '' help attach ''
expect "$tmp/a.pcap" plan diff "$tmp/b.plan" "$tmp/a"
expect '' plan diff old.plan new.plan ''
expect "$tmp/b.plan" plan check "$tmp/b"

# explain: its options, its roles, a plan file; addresses are not completed
expect 'explain' ex
expect '--plan --role --json --verbose --pin-dir' explain --
expect 'mesh egress' explain fc00::1 --role ''
expect "$tmp/b.plan" explain --plan "$tmp/b"
expect '' explain ''

# replay
expect 'mesh egress' replay --role ''
expect 'in out' replay --dir ''
expect "$tmp/a.pcap $tmp/b.plan $tmp/sub $tmp/t.plan" replay --plan x --role mesh "$tmp/"
expect '' replay --plan x --role mesh cap.pcap ''

# stats
expect 'name cidr packets bytes violations' stats --sort ''
expect 'packets' stats --sort pa
expect '--all --sort --tree --watch --prometheus --json --verbose --pin-dir' stats --
expect '--sort --tree --watch --prometheus --verbose --pin-dir' stats -j --all --
expect '' stats --watch ''

# events
expect '--count' events --c
expect '' events --count ''
expect '--verbose --pin-dir' events -j --count 5 --

# attach and daemon values
expect 'auto native generic off' attach --xdp ''
expect 'auto tcx clsact' attach --tc ''
expect 'monitor enforce' daemon --mode ''
expect '--detach-on-exit' daemon --de
expect 'text json' daemon --log-format ''
expect '--log-format --log-violations' daemon --log-
expect '--mode' attach --host x --m
expect '--plan --mesh --egress --mode --xdp --tc --force --json --verbose --pin-dir' attach --mesh lo --
expect '--force --json --verbose --pin-dir' detach --

# --host: the host lines of the --plan file given before it
expect_has solcp011 pve04 attach --plan maps/sol.plan --host ''
expect "$sol_hosts" attach --plan maps/sol.plan --host ''
expect 'solcp011 solcp012 solcp013 solwk021 solwk022 solwk023' att --plan maps/sol.plan --host sol
expect 'a b' verify --plan "$tmp/t.plan" --host ''
expect '' attach --host ''
expect '' attach --plan "$tmp/missing.plan" --host ''

# interfaces: one or more after --mesh/--egress, comma lists too
expect "$ifaces" attach --mesh ''
expect "$ifaces" attach --plan maps/sol.plan --egress lo ''
expect "$lo_ifaces" verify --mesh lo,
expect '' attach --mesh lo --plan x ''

# global --pin-dir: directories
expect "$tmp/sub" --pin-dir "$tmp/"

echo "completion: $pass passed, $fail failed"
((fail == 0))
