#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# control.sh OUTPUT_DIR [users|ENTRIES...] - the control plane through the
# real CLI, against plan size: `attach` (load, install, attach to a veth,
# pin), a full `sync` (from the users' plan to this one: every entry new), a
# one-prefix `sync` (one prefix added), `stats -j` (every bucket), a
# one-prefix change through the daemon (from the plan file's rename to the
# new plan in force, rg-bench-swap; median of 6, adding and removing it), and the
# kernel memory of the pinned maps (bytes_memlock, the tries and tables in
# the slots included). Wall-clock ms of the whole command, median of 3. In
# a network namespace of its own, removed on exit. Root.
set -eu
OUT=${1:-.output}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(users 1000 10000 100000)
RG=$(realpath "$OUT/ringguard")
GEN=$(realpath "$OUT/rg-genplan")
SWAP=$(realpath "$OUT/rg-bench-swap")
NS=rg-ctl-$$
PIN=/sys/fs/bpf/rg-ctl-$$
TMP=$(mktemp -d)

cleanup() {
	ip netns exec "$NS" "$RG" --pin-dir "$PIN" detach >/dev/null 2>&1 || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$PIN" "$TMP"
}
trap cleanup EXIT INT TERM

ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
median() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
rg() { ip netns exec "$NS" "$RG" --pin-dir "$PIN" "$@"; }

ip netns add "$NS"
ip -n "$NS" link add m0 type veth peer name m1
ip -n "$NS" link set m0 up
ip -n "$NS" link set m1 up

# the pinned maps' memory, the tries and tables in rg_plan's and rg_exact's
# slots included (bytes_memlock: what the kernel charges for each map)
memory() {
	local dir total=0 f id outer slot
	dir=$(ls -d "$PIN"/netns-*/maps)
	for f in "$dir"/*; do
		total=$((total + $(bpftool -j map show pinned "$f" | jq '.bytes_memlock // 0')))
	done
	for outer in rg_plan rg_exact; do
		for slot in 0 1; do
			set -- $(bpftool -j map lookup pinned "$dir/$outer" key $slot 0 0 0 2>/dev/null |
				 jq -r '.value // [] | join(" ")')
			[ $# = 4 ] || continue
			id=$(($1 + ($2 << 8) + ($3 << 16) + ($4 << 24)))
			[ -n "$id" ] || continue
			total=$((total + $(bpftool -j map show id "$id" | jq '.bytes_memlock // 0')))
		done
	done
	echo "$total"
}

# daemon_swap: a daemon watching a copy of a.plan, the extra prefix added
# and removed by renames, 3 times each; prints the median ms
daemon_swap() {
	local d=() maps="" pid i
	cp "$TMP/a.plan" "$TMP/live.plan"
	ip netns exec "$NS" "$RG" --pin-dir "$PIN" daemon --plan "$TMP/live.plan" --mesh m0 \
		>"$TMP/daemon.log" 2>&1 &
	pid=$!
	for i in $(seq 1 600); do
		grep -q watching "$TMP/daemon.log" && break
		sleep 0.1
	done
	maps=$(ls -d "$PIN"/netns-*/maps)
	for i in 1 2 3; do
		d+=("$("$SWAP" "$maps" "$TMP/live.plan" "$TMP/a1.plan")")
		d+=("$("$SWAP" "$maps" "$TMP/live.plan" "$TMP/a.plan")")
	done
	kill "$pid"
	wait "$pid" 2>/dev/null
	rg detach >/dev/null
	median "${d[@]}"
}

printf '%-9s %8s %9s %9s %9s %9s %9s %10s\n' plan entries attach sync "sync+1" "stats -j" \
	"daemon+1" "maps MiB"
for n in "${SIZES[@]}"; do
	if [ "$n" = users ]; then
		cp maps/sol.plan "$TMP/a.plan"
	else
		"$GEN" "$n" > "$TMP/a.plan"
	fi
	cp "$TMP/a.plan" "$TMP/a1.plan"
	echo "prefix bench-extra fd00:ffff:1::/64" >> "$TMP/a1.plan"
	entries=$("$RG" -j plan check "$TMP/a.plan" | jq .entries)
	a=() s=() o=() j=()
	for r in 1 2 3; do
		a+=("$(ms rg attach --plan "$TMP/a.plan" --mesh m0)")
		rg sync --plan maps/sol.plan >/dev/null
		s+=("$(ms rg sync --plan "$TMP/a.plan")")
		o+=("$(ms rg sync --plan "$TMP/a1.plan")")
		j+=("$(ms rg stats -j)")
		[ "$r" = 3 ] && mem=$(memory)
		rg detach >/dev/null
	done
	swap=$(daemon_swap)
	printf '%-9s %8s %9s %9s %9s %9s %9s %10.1f\n' "$([ "$n" = users ] && echo users || echo "gen")" \
		"$entries" "$(median "${a[@]}")" "$(median "${s[@]}")" "$(median "${o[@]}")" \
		"$(median "${j[@]}")" "$swap" "$(awk -v b="$mem" 'BEGIN { print b / 1048576 }')"
done
