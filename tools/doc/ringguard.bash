# SPDX-License-Identifier: GPL-2.0-only
#
# bash completion for ringguard(8). `make install` puts it in
# $(PREFIX)/share/bash-completion/completions/ringguard, where the
# bash-completion package loads it on first use; `source` it by hand
# otherwise. Plain bash 4.4+: it uses no helper of bash-completion.
# tools/doc/test-completion.sh tests it (`make check-doc`).
#
# It follows the CLI's own parsing (user/cmd/opts.c, the tables in user/cmd/main.c):
# global options anywhere, commands and `plan` subcommands matched by
# unambiguous prefix, and --mesh/--egress taking a comma list, with the bare
# words right after them continuing it.

_ringguard_commands='attach daemon sync mode status stats events replay plan verify explain detach help'
_ringguard_globals='-j --json -v --verbose --pin-dir'

# The one word of "$@" that starts with $1, as the CLI picks a command;
# nothing if none or several do.
_ringguard_resolve()
{
	local word=$1 w found=''
	shift
	for w in "$@"; do
		[[ $w == "$word"* ]] || continue
		[[ -n $found ]] && return 1
		found=$w
	done
	[[ -n $found ]] && printf '%s\n' "$found"
}

_ringguard_words()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_ringguard_files()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_ringguard_dirs()
{
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -d -- "$cur")
}

# Interface names; in a comma list (--mesh eth0,eth<TAB>) the last one.
_ringguard_ifaces()
{
	local pre='' last=$cur n names=''
	if [[ $cur == *,* ]]; then
		pre=${cur%,*},
		last=${cur##*,}
	fi
	for n in /sys/class/net/*; do
		[[ -e $n ]] && names+=" ${n##*/}"
	done
	mapfile -t COMPREPLY < <(compgen -P "$pre" -W "$names" -- "$last")
}

# Host names from the `host` lines of plan file $1 (commented-out lines are
# not hosts).
_ringguard_hosts()
{
	local f=$1 line names=
	f=${f#[\"\']}
	f=${f%[\"\']}
	# shellcheck disable=SC2088 # a literal ~ typed on the line
	[[ $f == '~/'* ]] && f=$HOME/${f#'~/'}
	[[ -n $f && -f $f && -r $f ]] || return 0
	while IFS= read -r line || [[ -n $line ]]; do
		[[ $line =~ ^[[:space:]]*host[[:space:]]+([^[:space:]#]+) ]] &&
			names+=" ${BASH_REMATCH[1]}"
	done <"$f"
	_ringguard_words "$names"
}

_ringguard()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local cmd='' sub='' plan='' list='' w i npos=0
	local -A used=()

	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# what the words before the cursor already say
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--pin-dir | -j | --json | -v | --verbose | -h | --help | -V | --version)
			used[$w]=1
			[[ $w == --pin-dir ]] && ((i++))
			continue
			;;
		esac
		if [[ -z $cmd ]]; then
			# shellcheck disable=SC2086 # one argument per command
			cmd=$(_ringguard_resolve "$w" $_ringguard_commands) || cmd='?'
			[[ -n $cmd ]] || cmd='?'
			continue
		fi
		if [[ $cmd == plan && -z $sub ]]; then
			sub=$(_ringguard_resolve "$w" check import diff) || sub='?'
			[[ -n $sub ]] || sub='?'
			continue
		fi
		case $w in
		--plan | --host | --mode | --xdp | --tc | --metrics | --confirm-within | \
			--log-format | --sort | --watch | --role | --dir | --count | -o | --output)
			used[$w]=1
			[[ $w == --plan ]] && plan=${COMP_WORDS[i + 1]}
			list=
			((i++))
			;;
		--mesh | --egress) used[$w]=1; list=$w ;;
		-*) used[$w]=1; list= ;;
		*) [[ -n $list ]] || ((npos++)) ;;
		esac
	done

	# the value of an option
	case $prev in
	--pin-dir) _ringguard_dirs; return 0 ;;
	--plan | -o | --output) _ringguard_files; return 0 ;;
	--host) _ringguard_hosts "$plan"; return 0 ;;
	--mesh | --egress) _ringguard_ifaces; return 0 ;;
	--mode) _ringguard_words 'monitor enforce'; return 0 ;;
	--xdp) _ringguard_words 'auto native generic off'; return 0 ;;
	--tc) _ringguard_words 'auto tcx clsact'; return 0 ;;
	--log-format) _ringguard_words 'text json'; return 0 ;;
	--role) _ringguard_words 'mesh egress'; return 0 ;;
	--dir) _ringguard_words 'in out'; return 0 ;;
	--sort) _ringguard_words 'name cidr packets bytes violations'; return 0 ;;
	--watch | --confirm-within | --count | --metrics) return 0 ;;	# a number, an address
	esac

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_ringguard_words "$_ringguard_globals -h --help -V --version"
		else
			_ringguard_words "$_ringguard_commands"
		fi
		return 0
	fi
	[[ $cmd == '?' || $sub == '?' ]] && return 0

	# more interfaces after --mesh/--egress, as the CLI reads them
	if [[ -n $list && $cur != -* ]]; then
		_ringguard_ifaces
		return 0
	fi

	if [[ $cur == -* ]]; then
		local opts='' o out=''
		case $cmd in
		attach) opts='--plan --host --mesh --egress --mode --xdp --tc --force' ;;
		daemon) opts='--plan --host --mesh --egress --mode --xdp --tc --detach-on-exit --metrics --confirm-within --log-format --log-violations --standby' ;;
		sync) opts='--plan' ;;
		mode) opts='--confirm-within' ;;
		events) opts='--count' ;;
		stats) opts='--all --sort --tree --watch --prometheus' ;;
		replay) opts='--plan --role --dir' ;;
		verify) opts='--plan --host --mesh --egress' ;;
		explain) opts='--plan --role' ;;
		detach) opts='--force' ;;
		plan) [[ $sub == import ]] && opts='-o --output' ;;
		esac
		for o in $opts $_ringguard_globals; do
			case $o in
			--mesh | --egress) [[ -n ${used[--host]-} ]] && continue ;;
			--host) [[ -n ${used[--mesh]-}${used[--egress]-} ]] && continue ;;
			-j | --json) [[ -n ${used[-j]-}${used[--json]-} ]] && continue ;;
			-v | --verbose) [[ -n ${used[-v]-}${used[--verbose]-} ]] && continue ;;
			*) [[ -n ${used[$o]-} ]] && continue ;;
			esac
			out+=" $o"
		done
		_ringguard_words "$out"
		return 0
	fi

	case $cmd in
	help)
		# help COMMAND [SUBCOMMAND]: what `ringguard help` describes
		if ((npos == 0)); then
			_ringguard_words "$_ringguard_commands"
		elif ((npos == 1)) && [[ $(_ringguard_resolve "${COMP_WORDS[COMP_CWORD - 1]}" \
			$_ringguard_commands) == plan ]]; then
			_ringguard_words 'check import diff'
		fi
		;;
	mode) ((npos == 0)) && _ringguard_words 'monitor enforce confirm' ;;
	replay) ((npos == 0)) && _ringguard_files ;;
	plan)
		case $sub in
		'') _ringguard_words 'check import diff' ;;
		check | import) ((npos == 0)) && _ringguard_files ;;
		diff) ((npos < 2)) && _ringguard_files ;;
		esac
		;;
	esac
	return 0
}

complete -F _ringguard ringguard
