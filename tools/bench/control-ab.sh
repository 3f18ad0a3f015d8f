#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# control-ab.sh OUTPUT_DIR BASE_REV [RUNS [ENTRIES]] - the control plane of
# this build against the build of git revision BASE_REV, in the same sitting:
# `attach`, a full `sync` (from the users' plan: every entry new), a
# one-prefix `sync` (one prefix added) and back (removed), at ENTRIES
# (100000) generated entries, the two builds taking turns RUNS (5) times.
# Prints each run and the medians, as wall-clock ms / CPU ms (user + system
# of the command, threads included: what a busy machine does not inflate
# as much as the wall clock). BASE_REV is built from `git archive` in a
# temporary directory. In a network namespace of its own, removed on exit.
# Root.
set -eu
OUT=${1:?usage: control-ab.sh OUTPUT_DIR BASE_REV [RUNS [ENTRIES]]}
BASE_REV=${2:?usage: control-ab.sh OUTPUT_DIR BASE_REV [RUNS [ENTRIES]]}
RUNS=${3:-5}
ENTRIES=${4:-100000}
NEW=$(realpath "$OUT/ringguard")
GEN=$(realpath "$OUT/rg-genplan")
SOL=$(realpath maps/sol.plan)
NS=rg-ab-$$
PIN=/sys/fs/bpf/rg-ab-$$
TMP=$(mktemp -d)
BASE=$TMP/base/.output/ringguard

cleanup() {
	for b in "$NEW" "$BASE"; do
		[ -x "$b" ] && ip netns exec "$NS" "$b" --pin-dir "$PIN" detach >/dev/null 2>&1 || true
	done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT INT TERM

mkdir -p "$TMP/base"
git archive "$BASE_REV" | tar -x -C "$TMP/base"
make -C "$TMP/base" OUTPUT=.output -j"$(nproc)" .output/ringguard >"$TMP/build.log" 2>&1 ||
	{ tail -20 "$TMP/build.log"; exit 1; }
"$GEN" "$ENTRIES" >"$TMP/a.plan"
cp "$TMP/a.plan" "$TMP/a1.plan"
echo "prefix bench-extra fd00:ffff:1::/64" >>"$TMP/a1.plan"

ip netns add "$NS"
ip -n "$NS" link add m0 type veth peer name m1
ip -n "$NS" link set m0 up
ip -n "$NS" link set m1 up

# t BIN ARGS...: "wall/cpu" in ms of one command
t() {
	local b=$1
	shift
	/usr/bin/time -o "$TMP/t" -f "%e %U %S" ip netns exec "$NS" "$b" --pin-dir "$PIN" "$@" \
		>/dev/null 2>&1
	awk '{ printf "%d/%d", $1 * 1000, ($2 + $3) * 1000 }' "$TMP/t"
}
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }

declare -A rows
printf '%-5s %-4s %13s %13s %13s %13s %6s\n' run build attach sync "sync+1" "sync-1" load
for r in $(seq 1 "$RUNS"); do
	for which in base new; do
		b=$NEW
		[ "$which" = base ] && b=$BASE
		a=$(t "$b" attach --plan "$TMP/a.plan" --mesh m0)
		ip netns exec "$NS" "$b" --pin-dir "$PIN" sync --plan "$SOL" >/dev/null
		s=$(t "$b" sync --plan "$TMP/a.plan")
		o=$(t "$b" sync --plan "$TMP/a1.plan")
		d=$(t "$b" sync --plan "$TMP/a.plan")
		ip netns exec "$NS" "$b" --pin-dir "$PIN" detach >/dev/null
		rows[$which]+="$a $s $o $d"$'\n'
		printf '%-5s %-4s %13s %13s %13s %13s %6s\n' "$r" "$which" "$a" "$s" "$o" "$d" \
			"$(cut -d' ' -f1 /proc/loadavg)"
	done
done
echo "medians, wall ms / CPU ms ($BASE_REV = base, this build = new):"
for which in base new; do
	line=""
	for col in 1 2 3 4; do
		mapfile -t w < <(printf '%s' "${rows[$which]}" | awk -v c=$col 'NF { split($c, x, "/"); print x[1] }')
		mapfile -t c < <(printf '%s' "${rows[$which]}" | awk -v c=$col 'NF { split($c, x, "/"); print x[2] }')
		line+=$(printf ' %13s' "$(median "${w[@]}")/$(median "${c[@]}")")
	done
	printf '%-10s%s\n' "$which" "$line"
done
