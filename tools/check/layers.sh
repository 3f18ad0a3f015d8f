#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# layers.sh - the rules of user/ (user/README.md): a file includes
# headers of its own folder and of the folders below it, never above.
# Every user header is included with its folder ("kernel/attach.h"), so
# the rule can be read off the include lines. And nothing below report/
# prints: lib/, plan/ and kernel/ say what they have to say through the
# log (lib/log.c, the one sink), never on stdout or stderr themselves.
# Run by `make check`.
set -u
cd "$(dirname "$0")/../.."

# lowest first: each folder may use the ones before it
LAYERS=(lib plan kernel report daemon cmd)

rank() {
	local i
	for i in "${!LAYERS[@]}"; do
		[ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

bad=0
for f in user/*; do
	if [ -f "$f" ] && [ "$f" != user/README.md ]; then
		echo "$f: source files live in a layer folder (${LAYERS[*]})"
		bad=1
	elif [ -d "$f" ] && [ "$(rank "$(basename "$f")")" = -1 ]; then
		echo "$f: not a layer: add it to LAYERS in $0 and to user/README.md"
		bad=1
	fi
done

for f in user/*/*.[ch]; do
	own=$(basename "$(dirname "$f")")
	mine=$(rank "$own")
	while IFS=: read -r line inc; do
		case "$inc" in
		ringguard.h | ringguard.skel.h) continue ;;	# include/ and the build
		*/*) ;;
		*)
			echo "$f:$line: #include \"$inc\": name the folder (\"$own/$inc\" or a lower layer's)"
			bad=1
			continue ;;
		esac
		dir=${inc%%/*}
		theirs=$(rank "$dir")
		if [ "$theirs" = -1 ]; then
			echo "$f:$line: #include \"$inc\": $dir/ is not a layer of user/"
			bad=1
		elif [ "$theirs" -gt "$mine" ]; then
			echo "$f:$line: #include \"$inc\": $own/ may not use $dir/ (it is above it: ${LAYERS[*]})"
			bad=1
		fi
	done < <(grep -n '^#[[:space:]]*include[[:space:]]*"' "$f" |
		 sed 's/^\([0-9]*\):.*"\([^"]*\)".*/\1:\2/')
done
while IFS= read -r hit; do
	echo "$hit: prints below report/: say it through lib/log.h (rg_err, rg_log_at)"
	bad=1
done < <(grep -nE '\bprintf\(|\bputs\(|\bputchar\(|\b(fprintf|vfprintf|fputs|fputc|fwrite)\(.*\b(stdout|stderr)\b' \
	user/lib/*.c user/plan/*.c user/kernel/*.c | grep -v '^user/lib/log\.c:' | cut -d: -f1,2)
[ "$bad" = 0 ] && echo "layers: ok (${LAYERS[*]}; nothing below report/ prints)"
exit "$bad"
