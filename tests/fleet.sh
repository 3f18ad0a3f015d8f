#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fleet.sh - the fleet rollout in the lab: the mode declared in the plan (a
# ConfigMap-style plan directory), overrides that survive a restart with the
# DaemonSet's own arguments, lifelines that undo an enforce which cuts the
# node off its gateway, the kernel reverting when the daemon dies in the
# confirm window, the fleet metrics, /healthz and /readyz, JSON logs, the
# systemd watchdog, and the shipped alert rules and dashboard.
#
# Prints what the closing note of issue 10 asks for: the time from a plan
# edit to the mode applied, and from a cut to the lifeline revert.
#
# usage: tests/fleet.sh OUTPUT_DIR [TEST...]     (run as root; TEST: a name or glob)
set -u

OUT=${1:-.output}
LAB="rgl$$-"
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

PORT=19469
WINDOW=5			# --confirm-within in these tests
GW=fd00:101::fffe		# the uplink gateway, on eth1 (egress)
MESHGW=fc00:101::fffe		# the mesh gateway, on eth0
GW4=10.9.0.1			# an IPv4 lifeline on eth1's link
DEAD=fd00:101::dead		# a lifeline no one answers for
SLOWPID=

teardown() {
	[ -n "$SLOWPID" ] && kill "$SLOWPID" 2>/dev/null
	daemon_down node
	lab_down
	rm -rf "$TMP"
}
trap teardown EXIT

# start_daemon ARGS...: the daemon in the node namespace, on the live plan
start_daemon() {
	ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 \
		--confirm-within "$WINDOW" --metrics "$PORT" --log-format json "$@" >>"$LOG" 2>&1 &
	DPID=$!
	wait_for 10 log_count_is "watching $LIVE" $(( $(log_count "watching $LIVE") + 1 ))
}

# ensure_daemon: a test picked alone gets its daemon too
ensure_daemon() {
	[ -e "$LIVE" ] || configmap "$TMP/monitor.plan"
	[ -n "$DPID" ] || start_daemon
}

# logged_at TEXT: epoch ms of the last log line with TEXT (the daemon's clock)
logged_at() {
	grep -- "$1" "$LOG" | tail -1 | jq -r '.time | capture("^(?<s>.*)\\.(?<ms>[0-9]+)Z$") |
		((.s + "Z" | fromdateiso8601) * 1000 + (.ms | tonumber))' 2>/dev/null
}
# logged_ms TEXT SINCE_MS: ms from SINCE_MS to the last log line with TEXT
logged_ms() { echo $(( $(logged_at "$1") - $2 )); }

st() { rg -j status | jq -r "$1"; }
mode_is() { [ "$(st .mode)" = "$1" ]; }
confirmed() { [ "$(st '.mode + " " + (.confirm_deadline|tostring)')" = "enforce null" ]; }
scrape() { lab_ns node curl -s "http://127.0.0.1:$PORT$1"; }
metric() { scrape /metrics | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
confirmed_by_is() { [ "$(st .confirmed_by)" = "$1" ]; }
# sha_is FILE: the plan in force is FILE
sha_is() { [ "$(st .plan.sha256)" = "$(sha256sum "$1" | cut -c1-64)" ]; }

# plan FILE HOSTLINE: the users' plan with solcp011's line replaced, and
# the lab's gateways as lifelines
plan() {
	sed "s|^host   solcp011 .*|$2|" "$PLAN" > "$1"
	echo "lifeline $GW $MESHGW $GW4" >> "$1"
}

# plan_ll FILE HOSTLINE LIFELINES: the same, with these lifelines
plan_ll() {
	sed "s|^host   solcp011 .*|$2|" "$PLAN" > "$1"
	echo "lifeline $3" >> "$1"
}

# slow_echo MS: the gateway's IPv4 address answers echo requests MS late (a
# responder in the gw namespace; the kernel's own replies are off there).
# slow_echo 0: the kernel answers again.
slow_echo() {
	if [ "$1" = 0 ]; then
		lab_ns gw sysctl -qw net.ipv4.icmp_echo_ignore_all=0
		[ -n "$SLOWPID" ] && kill "$SLOWPID" 2>/dev/null && wait "$SLOWPID" 2>/dev/null
		SLOWPID=
		return
	fi
	cat > "$TMP/slowecho.py" <<'EOF'
import socket, struct, sys, threading
delay = int(sys.argv[1]) / 1000
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
open(sys.argv[2], "w").close()
def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
while True:
    data, addr = s.recvfrom(2048)
    icmp = bytearray(data[(data[0] & 15) * 4:])
    if len(icmp) < 8 or icmp[0] != 8:
        continue
    icmp[0] = 0
    icmp[2:4] = b"\0\0"
    icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
    threading.Timer(delay, s.sendto, (bytes(icmp), addr)).start()
EOF
	rm -f "$TMP/slowecho.ready"
	# ip itself, not lab_ns (a function: $! would be a subshell), and the
	# interpreter itself (a pyenv shim forks it): $! is the responder
	ip netns exec "${LAB}gw" "$(python3 -c 'import sys; print(sys.executable)')" \
		"$TMP/slowecho.py" "$1" "$TMP/slowecho.ready" >/dev/null 2>&1 &
	SLOWPID=$!
	# its socket first, so no request goes unanswered
	wait_for 10 test -e "$TMP/slowecho.ready"
	lab_ns gw sysctl -qw net.ipv4.icmp_echo_ignore_all=1
}

# a violation through eth1 (fc00 arriving on egress): dropped only in enforce
dropped_now() {
	local d0 sent
	stats
	d0=$(ifc eth1 in dropped)
	read -r sent _ _ < <(inject gw g0 "$GW" fc00:101::11 -n 3 -l 100)
	stats
	echo $(( $(ifc eth1 in dropped) - d0 ))
}

echo "fleet: mode in the plan, overrides, lifelines, deadlines, metrics, probes, logs"
lab_up
lab_ns node ip addr add 10.9.0.11/24 dev eth1
lab_ns gw ip addr add "$GW4/24" dev g0
mkdir -p "$PLANDIR"
plan "$TMP/monitor.plan" "host solcp011 mesh eth0 egress eth1"
plan "$TMP/enforce.plan" "host solcp011 mesh eth0 egress eth1 mode enforce"
plan "$TMP/swapped.plan" "host solcp011 mesh eth1 egress eth0 mode enforce"
plan "$TMP/monitor-note.plan" "host solcp011 mesh eth0 egress eth1  # a comment edit"
plan "$TMP/enforce-note.plan" "host solcp011 mesh eth0 egress eth1 mode enforce # fixed"

# a plan declaring enforce: the daemon attaches, probes, enforces with the
# window armed, and confirms when every lifeline still answers at the end
test_declared_enforce_is_confirmed() {
	configmap "$TMP/enforce.plan"
	start_daemon
	expect_eq "enforce as the plan declares" "$(st '.mode + " " + .declared_mode + " " + (.override|tostring)')" "enforce enforce false"
	expect_match "with the deadline armed, confirmed by the daemon" "$(st '"\(.confirm_deadline) \(.confirmed_by)"')" "^[0-9]+ daemon$"
	expect_match "the log names the guarded lifelines" "$(grep 'enforce mode' "$LOG" | tail -1)" "guarding $GW, $MESHGW, $GW4"
	expect_eq "a violation is dropped in the window" "$(dropped_now)" "3"
	within "confirmed at the end of the ${WINDOW}s window" $((WINDOW + 3)) confirmed
	expect_match "the log says so" "$(tail -3 "$LOG")" "enforce confirmed: every guarded lifeline still answers"
	expect_eq "and it keeps enforcing" "$(dropped_now)" "3"
}

# a plan edit flips the mode; the times are the closing note's numbers
test_plan_edit_applies_the_mode() {
	ensure_daemon
	local t0
	t0=$(date +%s%3N)
	configmap "$TMP/monitor.plan"
	wait_for 5 mode_is monitor
	expect_eq "a plan edit declaring monitor: monitor" "$(st .mode)" "monitor"
	echo "  measured: plan edit -> monitor applied: $(logged_ms 'monitor mode' "$t0") ms (the daemon's log)"
	t0=$(date +%s%3N)
	configmap "$TMP/enforce.plan"
	wait_for 8 mode_is enforce
	expect_eq "a plan edit declaring enforce: enforce" "$(st .mode)" "enforce"
	echo "  measured: plan edit -> enforce applied (guarding the lifelines that answer): $(logged_ms 'enforce mode' "$t0") ms"
	within "confirmed again" $((WINDOW + 3)) confirmed
}

# `ringguard mode` is an override: a restart with the DaemonSet's exact
# arguments keeps it, and so does a sync that keeps the declaration; a sync
# that changes the declaration ends it
test_override_survives_a_daemonset_restart() {
	local args=() a
	ensure_daemon
	configmap "$TMP/monitor.plan"
	wait_for 5 mode_is monitor
	rg mode enforce >/dev/null 2>"$TMP/mode.err"
	expect_match "mode enforce says it is an override" "$(cat "$TMP/mode.err")" "^an override: the plan declares monitor"
	within "the daemon arms the window for a person's enforce" 3 confirmed_by_is daemon
	within "and confirms it" $((WINDOW + 3)) confirmed
	stop_daemon
	# the container's args, as the manifest has them: only the plan's path
	# (a ConfigMap mount there) and the env references are filled in
	while read -r a; do
		a=${a//\$(NODE_NAME)/solcp011}
		a=${a//\$(HOST_IP)/127.0.0.1}
		[ "$a" = /etc/ringguard/plan/ringguard.plan ] && a=$LIVE
		args+=("$a")
	done < <(python3 -c 'import sys, yaml
d = [x for x in yaml.safe_load_all(open(sys.argv[1])) if x and x["kind"] == "DaemonSet"][0]
print("\n".join(d["spec"]["template"]["spec"]["containers"][0]["args"]))' "$TOP/tools/deploy/k8s/daemonset.yaml")
	expect_match "the DaemonSet's arguments" "${args[*]}" "^daemon --plan $LIVE --host solcp011 "
	ip netns exec "${LAB}node" "$RG" "${args[@]}" >>"$LOG" 2>&1 &
	DPID=$!
	within "it adopts the pinned state" 10 lab_ns node curl -sf http://127.0.0.1:9469/readyz
	sleep 1.5
	expect_eq "the enforce override survives the restart" "$(st '.mode + " " + .declared_mode + " " + (.override|tostring)')" "enforce monitor true"
	expect_eq "and drops" "$(dropped_now)" "3"
	stop_daemon
	start_daemon
	configmap "$TMP/monitor-note.plan"
	wait_for 5 sha_is "$TMP/monitor-note.plan"
	sleep 0.3
	expect_eq "a sync that keeps the declaration keeps the override" "$(st '.mode + " " + (.override|tostring)')" "enforce true"
	configmap "$TMP/enforce.plan"
	wait_for 5 sha_is "$TMP/enforce.plan"
	sleep 0.3
	expect_eq "a sync that changes the declaration ends it" "$(st '.mode + " " + .declared_mode + " " + (.override|tostring)')" "enforce enforce false"
	configmap "$TMP/monitor.plan"
	within "and the new declaration wins" 5 mode_is monitor
}

# roles of eth0 and eth1 swapped on the host line: the gateways become
# unreachable once enforcing, and the daemon reverts within seconds
test_swapped_roles_revert() {
	ensure_daemon
	configmap "$TMP/swapped.plan"
	wait_for 8 mode_is enforce
	within "a plan with eth0 and eth1 swapped is back in monitor within seconds" 6 mode_is monitor
	echo "  measured: switch to enforce -> lifeline revert: $(logged_ms 'reverted to monitor' "$(logged_at 'enforce mode')") ms (the daemon's log)"
	expect_match "status names the lifeline" "$(rg status)" "reverted +1 time.*lifeline ($GW|$MESHGW) stopped answering .* after the switch to enforce"
	expect_eq "status -j: reverted, the declaration still enforce" "$(st '"\(.reverted) \(.declared_mode) \(.last_revert.count)"')" "true enforce 1"
	expect_match "the log says why" "$(grep 'reverted to monitor' "$LOG" | tail -1)" "lifeline ($GW|$MESHGW) stopped answering"
	expect_eq "the IPv4 lifeline, unplanned, still answers" "$(metric "ringguard_lifeline_up{address=\"$GW4\"}")" "1"
	expect_eq "metrics: the revert holds" "$(metric ringguard_mode_reverted) $(metric ringguard_reverts_total) $(metric ringguard_declared_enforcing) $(metric ringguard_enforcing)" "1 1 1 0"
	lab_ns node kill -HUP "$DPID" 2>/dev/null || kill -HUP "$DPID"
	sleep $((WINDOW / 2 + 1))
	expect_eq "it holds: no retry of the same plan (SIGHUP sync included)" "$(st .mode) $(log_count 'reverted to monitor')" "monitor 1"
	configmap "$TMP/enforce-note.plan"
	within "a fixed plan enforces again" 8 mode_is enforce
	within "and is confirmed" $((WINDOW + 3)) confirmed
	expect_eq "the revert no longer holds" "$(st .reverted)" "false"
}

# --mode: a fresh attach's mode when the plan declares none (an override
# from then on); ignored when the daemon adopts pinned state
test_mode_option_only_on_a_fresh_attach() {
	stop_daemon
	rg detach >/dev/null 2>&1
	configmap "$TMP/monitor.plan"
	start_daemon --mode enforce
	within "a fresh attach with --mode enforce and no declaration: enforce" 5 mode_is enforce
	expect_eq "as an override of the implicit monitor" "$(st '"\(.declared_mode) \(.override)"')" "monitor true"
	# confirmed before the restart: a daemon stopped in the window leaves
	# the kernel's deadline to revert, as it should, if the restart (a BPF
	# load on a busy machine) outlasts it
	within "confirmed" $((WINDOW + 4)) confirmed
	stop_daemon
	start_daemon --mode monitor
	sleep 1
	expect_eq "adopted: --mode monitor changes nothing" "$(st '"\(.mode) \(.override)"')" "enforce true"
	expect_match "and the log says why" "$(grep -- '--mode monitor not applied' "$LOG" | tail -1)" "it is for a fresh attach"
	stop_daemon
	rg detach >/dev/null 2>&1
	configmap "$TMP/enforce.plan"
	start_daemon --mode monitor
	within "a plan that declares enforce wins over --mode monitor" 5 mode_is enforce
	expect_match "with a warning" "$(grep -- '--mode monitor ignored' "$LOG" | tail -1)" "the plan declares enforce for solcp011"
	stop_daemon
}

# every step gives back what it took: no descriptor leaks across syncs,
# rejected plans, switches, reverts and scrapes
# fds_held: the most descriptors the daemon held in 10 looks 100 ms apart
# (one it opens now and then, a link dump's socket, counts once)
fds_held() {
	local n max=0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		n=$(ls "/proc/$DPID/fd" | wc -l)
		[ "$n" -gt "$max" ] && max=$n
		sleep 0.1
	done
	echo "$max"
}
test_no_descriptor_leaks() {
	ensure_daemon
	local n0 n1
	configmap "$TMP/monitor.plan"
	wait_for 5 mode_is monitor
	scrape /metrics >/dev/null
	n0=$(fds_held)
	ls -l "/proc/$DPID/fd" | tail -n +2 | awk '{print $NF}' | sort > "$TMP/fds0"
	for plan in bad enforce swapped monitor-note bad monitor; do
		if [ "$plan" = bad ]; then printf 'zone broken\n' > "$TMP/bad.plan"; fi
		configmap "$TMP/$plan.plan"
		sleep 1
		scrape /metrics >/dev/null
		scrape /healthz >/dev/null
	done
	wait_for 8 mode_is monitor
	# no more than at its most before: a leak (one a sync, a scrape, a
	# switch) grows past it over six rounds; a listener socket closes at its
	# 10 s idle timeout at the latest
	if wait_for 15 bash -c "[ \$(ls /proc/$DPID/fd | wc -l) -le $n0 ]"; then
		ok "the daemon holds as many descriptors as before ($n0) after six syncs (${WAITED} ms)"
	else
		ls -l "/proc/$DPID/fd" | tail -n +2 | awk '{print $NF}' | sort > "$TMP/fds1"
		bad "the daemon holds as many descriptors as before ($n0)" \
			"$(fds_held) after 15 s; new: $(comm -13 "$TMP/fds0" "$TMP/fds1" | tr '\n' ' ')"
	fi
}

# the daemon killed in the window: the kernel reverts at the deadline, with
# no process alive; the next daemon records it and does not retry
test_killed_in_the_window() {
	ensure_daemon
	configmap "$TMP/monitor.plan"
	wait_for 5 mode_is monitor
	configmap "$TMP/enforce.plan"
	wait_for 8 mode_is enforce
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	DPID=
	expect_eq "killed in the window, it still drops" "$(dropped_now)" "3"
	sleep $((WINDOW + 1))
	expect_eq "at the deadline the kernel is back in monitor, no process alive" "$(ip netns pids "${LAB}node" | wc -l) $(st .mode)" "0 monitor"
	expect_eq "and drops nothing" "$(dropped_now)" "0"
	start_daemon
	expect_match "the next daemon says why" "$(st .last_revert.reason)" "deadline passed while no daemon was running"
	sleep 1.5
	expect_eq "and holds monitor until the plan changes" "$(st '"\(.mode) \(.reverted)"')" "monitor true"
}

# the fleet metrics, with values
test_metrics() {
	ensure_daemon
	local sha m
	# another plan than the one whose revert may hold from the test before
	configmap "$TMP/enforce-note.plan"
	within "enforce (a plan that declares it)" 8 mode_is enforce
	scrape /metrics > "$TMP/metrics.txt"
	sha=$(sha256sum "$TMP/enforce-note.plan" | cut -c1-64)
	m() { awk -v m="$1" '$1 == m {print $2}' "$TMP/metrics.txt"; }
	expect_eq "build_info" "$(m 'ringguard_build_info{version="'"$("$RG" --version | awk '{print $2}')"'"}')" "1"
	expect_eq "plan_info carries the plan's sha256" "$(m "ringguard_plan_info{sha256=\"$sha\"}")" "1"
	expect_eq "declared and effective mode, no override" "$(m ringguard_declared_enforcing) $(m ringguard_enforcing) $(m ringguard_mode_override)" "1 1 0"
	expect_match "the confirm deadline lies ahead" "$(( $(m ringguard_confirm_deadline_timestamp_seconds) - $(date +%s) ))" "^[1-$WINDOW]$"
	expect_eq "the window" "$(m ringguard_confirm_window_seconds)" "$WINDOW"
	expect_eq "every lifeline up and guarded" "$(grep -c '^ringguard_lifeline_up{.*} 1$' "$TMP/metrics.txt") $(grep -c '^ringguard_lifeline_guarded{.*} 1$' "$TMP/metrics.txt")" "3 3"
	expect_eq "last sync ok" "$(m ringguard_last_sync_success)" "1"
	if have_cmd promtool; then
		expect_eq "promtool check metrics" "$(promtool check metrics < "$TMP/metrics.txt" 2>&1)" ""
	fi
	printf 'zone broken\n' > "$TMP/bad.plan"
	configmap "$TMP/bad.plan"
	within "a rejected plan: last sync failed" 5 metric_is ringguard_last_sync_success 0
	expect_match "rejects counted, with its time" "$(metric ringguard_plan_rejects_total) $(metric ringguard_last_reject_timestamp_seconds)" "^[1-9][0-9]* 1[0-9]{9}$"
	within "confirmed: no deadline in the metrics" $((WINDOW + 3)) metric_is ringguard_confirm_deadline_timestamp_seconds 0
	configmap "$TMP/enforce.plan"
}

# a plan edit 1.3 s before the end of a confirm window (before the former
# daemon's confirm, in the window's last second), with one lifeline that
# answers and one that never did (so unguarded): the daemon takes the edit
# without waiting for probes, and the enforce is confirmed, not reverted by
# the kernel's deadline (issue 17, item 5; the former daemon probed 3 s
# first and was reverted)
test_plan_edit_near_the_deadline() {
	local r0 t_sw left
	ensure_daemon
	plan_ll "$TMP/late1.plan" "host solcp011 mesh eth0 egress eth1 mode enforce # late" "$GW $DEAD"
	plan_ll "$TMP/late2.plan" "host solcp011 mesh eth0 egress eth1 mode enforce # edited late" "$GW $DEAD"
	configmap "$TMP/monitor.plan"
	wait_for 5 mode_is monitor
	r0=$(log_count 'reverted to monitor')
	configmap "$TMP/late1.plan"
	wait_for 8 mode_is enforce
	expect_match "only the answering lifeline is guarded" "$(grep 'enforce mode' "$LOG" | tail -1 | jq -r .msg)" "guarding $GW \\(not answering before the switch, so not guarded: $DEAD\\)"
	t_sw=$(logged_at 'enforce mode')
	left=$(( t_sw + WINDOW * 1000 - 1300 - $(date +%s%3N) ))
	[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
	configmap "$TMP/late2.plan"
	echo "  measured: the edit came $(( t_sw + WINDOW * 1000 - $(date +%s%3N) )) ms before the window's end"
	wait_for 5 sha_is "$TMP/late2.plan"
	expect_match "the edit gets a window of its own" "$(grep 'enforce mode' "$LOG" | tail -1 | jq -r .msg)" "a new plan while enforcing.*guarding $GW "
	within "and is confirmed" $((WINDOW + 4)) confirmed
	expect_eq "not reverted: enforce, no revert logged" "$(st '"\(.mode) \(.reverted)"') $(( $(log_count 'reverted to monitor') - r0 ))" "enforce false 0"
}

# a slow but alive lifeline (600 ms round trip, rounds every 500 ms): a
# reply counts for whichever round it answers, so it is guarded, never
# declared silent, and the enforce is confirmed (issue 17, item 6)
test_slow_lifeline_is_not_dead() {
	local r0 rtt
	ensure_daemon
	plan_ll "$TMP/slow.plan" "host solcp011 mesh eth0 egress eth1 mode enforce # slow" "$GW $GW4"
	configmap "$TMP/monitor.plan"
	wait_for 5 mode_is monitor
	slow_echo 600
	rtt=$(lab_ns node ping -c1 -W3 "$GW4" | sed -nE 's/.*time=([0-9]+).*/\1/p')
	expect_match "$GW4 answers, about 600 ms late" "${rtt:-none}" "^(5[5-9][0-9]|[6-9][0-9]{2}|1[0-9]{3})$"
	sleep 2.5		# the daemon's idle rounds see it answer
	r0=$(log_count 'reverted to monitor')
	configmap "$TMP/slow.plan"
	wait_for 8 mode_is enforce
	expect_match "it is guarded" "$(grep 'enforce mode' "$LOG" | tail -1 | jq -r .msg)" "guarding $GW, $GW4$"
	within "confirmed" $((WINDOW + 4)) confirmed
	expect_eq "never declared silent" "$(st .mode) $(( $(log_count 'reverted to monitor') - r0 ))" "enforce 0"
	expect_eq "and up in the metrics" "$(metric "ringguard_lifeline_up{address=\"$GW4\"}")" "1"
	slow_echo 0
}

# every metric the alert rules and the dashboard name is one we export
test_rules_and_dashboard_name_exported_metrics() {
	ensure_daemon
	local names missing=
	scrape /metrics > "$TMP/metrics.txt"
	names=$({ grep -oE 'ringguard_[a-z0-9_]+' "$TOP/tools/deploy/prometheus/ringguard-rules.yml"
		jq -r '.. | .expr? // empty' "$TOP/tools/deploy/grafana/ringguard-dashboard.json" |
			grep -oE 'ringguard_[a-z0-9_]+'; } | sort -u)
	for n in $names; do
		grep -qE "^# TYPE $n " "$TMP/metrics.txt" || missing+=" $n"
	done
	expect_eq "every ringguard_* metric in the rules and dashboard is exported" "${missing:-none}" "none"
	expect_match "and they name several" "$(wc -w <<<"$names")" "^([5-9]|[1-9][0-9])$"
	expect_eq "the dashboard has the panels the fleet needs" \
		"$(jq -r '[.panels[].title] | map(select(test("^(Traffic per prefix|Violations by rule and node|Mode per node|Plan drift.*)$"))) | length' "$TOP/tools/deploy/grafana/ringguard-dashboard.json")" "4"
}

test_promtool_test_rules() {
	have_cmd promtool || { skip "no promtool"; return; }
	local out
	out=$(cd "$TOP/tools/deploy/prometheus" && promtool test rules ringguard-rules.test.yml 2>&1)
	expect_eq "promtool test rules passes" "$?" "0"
	expect_match "and names its file" "$out" "SUCCESS"
	out=$(promtool check rules "$TOP/tools/deploy/prometheus/ringguard-rules.yml" 2>&1)
	expect_match "promtool check rules" "$out" "SUCCESS: [0-9]+ rules found"
}

# /healthz and /readyz on the metrics listener
test_healthz_readyz() {
	ensure_daemon
	expect_eq "/healthz 200 ok" "$(lab_ns node curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/healthz) $(scrape /healthz)" "200 ok"
	expect_eq "/readyz 200 ready" "$(lab_ns node curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/readyz) $(scrape /readyz)" "200 ready"
	expect_eq "anything else 404" "$(lab_ns node curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/nosuch)" "404"
	stop_daemon
	rg detach >/dev/null
	configmap "$TMP/monitor.plan"
	start_daemon
	# a detach under a daemon needs --force; the daemon then exits with an
	# error within a second (faults.sh, cli_refused_under_a_daemon)
	rg detach --force >/dev/null 2>&1
	expect_match "with the state unpinned under it, /healthz fails (or the daemon is gone)" \
		"$(lab_ns node curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/healthz)" "^(503|000)$"
	within "and the daemon exits" 5 bash -c "! kill -0 $DPID 2>/dev/null"
	wait "$DPID"
	expect_eq "with status 2" "$?" "2"
	DPID=
	expect_match "saying why" "$(grep 'is gone' "$LOG" | tail -1)" "pinned state in .* is gone"
}

# --log-format json --log-violations: every line is a JSON object; the
# violations come rate-limited like `ringguard events`
test_json_logs() {
	local jl=$TMP/json.log
	rg detach >/dev/null 2>&1
	configmap "$TMP/monitor.plan"
	ip netns exec "${LAB}node" "$RG" daemon --plan "$LIVE" --host solcp011 --log-format json \
		--log-violations > "$jl" 2>&1 &
	DPID=$!
	wait_for 10 grep -q '"msg":"watching' "$jl"
	inject gw g0 "$GW" fc00:20::7 -n 5 -l 120 >/dev/null
	inject node eth1 fc00:101::11 fd00:10::fffe -n 40 -l 140 >/dev/null
	sleep 1.5
	# a plan with an error: the error is a record of its own, with the
	# file and the line as fields (no FILE:LINE text to parse)
	{ cat "$TMP/monitor.plan"; echo 'prefix broken fd00:77::/48 allow sideways'; } > "$TMP/broken.plan"
	configmap "$TMP/broken.plan"
	wait_for 10 grep -q 'rejected' "$jl"
	configmap "$TMP/monitor.plan"
	stop_daemon
	expect_eq "a plan error carries file and line as fields" \
		"$(jq -r 'select(.file and .level == "error") | "\(.file) \(.line) \(.msg)"' "$jl" | head -1)" \
		"$LIVE $(wc -l < "$TMP/broken.plan") unknown role 'sideways' in allow (expected mesh or egress)"
	expect_eq "every line is one JSON object with time, level, msg" \
		"$(jq -c 'select(.time and .level and .msg) | 1' "$jl" 2>/dev/null | wc -l)" "$(wc -l < "$jl")"
	expect_eq "a violation line: rule, addresses, verdict" \
		"$(jq -r 'select(.msg == "violation" and .direction == "in") | "\(.rule) \(.dst) \(.dst_bucket) \(.verdict)"' "$jl" | sort -u)" \
		"fc00-leak-on-egress fc00:20::7 ceph-public would drop"
	expect_eq "a flood is rate-limited to 20 per bucket per second" \
		"$(jq -r 'select(.msg == "violation" and .direction == "out") | .suppressed' "$jl" | wc -l)" "20"
	expect_eq "--log-format text|json only" "$(lab_ns node "$RG" daemon --plan "$LIVE" --log-format xml 2>&1; echo " $?")" "option '--log-format': unknown value 'xml': use text or json
 2"
}

# Type=notify with WatchdogSec=: WATCHDOG=1 from the loop, at half the interval
test_systemd_watchdog() {
	local sock=$TMP/notify.sock n
	python3 - "$sock" > "$TMP/notify.txt" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
# 4 s from READY=1: the start before it (a BPF load) takes what it takes
end = time.time() + 60
ready = False
while time.time() < end:
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        continue
    print(msg.replace("\n", " "), flush=True)
    if not ready and "READY=1" in msg.split("\n"):
        ready = True
        end = time.time() + 4
EOF
	local py=$!
	stop_daemon
	configmap "$TMP/monitor.plan"
	wait_for 5 test -S "$sock"
	ip netns exec "${LAB}node" env NOTIFY_SOCKET="$sock" WATCHDOG_USEC=400000 \
		"$RG" daemon --plan "$LIVE" --host solcp011 >>"$LOG" 2>&1 &
	DPID=$!
	wait "$py"
	stop_daemon
	n=$(grep -c '^WATCHDOG=1' "$TMP/notify.txt")
	expect_match "READY=1 before the first WATCHDOG=1" "$(grep -E -m1 '^(READY|WATCHDOG)=1' "$TMP/notify.txt")" "^READY=1"
	expect_match "then WATCHDOG=1 about every 200 ms" "$n" "^(1[0-9]|[2-9][0-9])$"
}

# the drift watch: a route for a planned prefix moved onto the uplink shows
# in /metrics, status (text and -j), the log and the events stream within
# seconds, and clears when the route is put back; a route for an unplanned
# prefix is no drift. (The lab node drifts elsewhere already: its default
# route takes the fc00 prefixes it has no route for to the uplink; the test
# counts from there.)
drift_failing() { scrape /metrics | grep -c '^ringguard_drift_failing{.*prefix="fc00:20::/64"'; }
drift_is() { [ "$(drift_failing)" = "$1" ]; }
drift_ran() { local n; n=$(metric ringguard_drift_full_passes_total); [ "${n:-0}" -ge 1 ]; }
test_drift_route_shows_and_clears() {
	ensure_daemon
	local n0 t0 ev
	within "the drift watch has run" 10 drift_ran
	n0=$(metric ringguard_drift_failing_checks)
	expect_eq "ceph-public routes over the mesh at the start" "$(drift_failing)" 0
	lab_ns node timeout 30 "$RG" -j events > "$TMP/drift-events.json" 2>/dev/null &
	ev=$!
	sleep 1.5
	lab_ns node ip -6 route add 2001:db8::/32 via "$GW" dev eth1
	t0=$(date +%s%N)
	lab_ns node ip -6 route replace fc00:20::/64 via "$GW" dev eth1
	within "a wrong-role route for ceph-public shows in /metrics" 10 drift_is 1
	echo "        shown $(( ($(date +%s%N) - t0) / 1000000 )) ms after the route changed (target 2000)"
	# ceph-public and the three monitors' /128s inside it
	expect_eq "that route's prefixes alone are new (the unplanned one is no drift)" \
		"$(metric ringguard_drift_failing_checks)" "$((n0 + 4))"
	expect_eq "nothing about 2001:db8::/32" "$(scrape /metrics | grep -c '2001:db8')" 0
	expect_match "status says so" "$(rg status)" "route fc00:20::/64 ceph-public: leaves through eth1 \(egress\)"
	expect_eq "status -j names it" \
		"$(st '.drift.checks[] | select(.prefix == "fc00:20::/64") | .interface + " " + .role')" "eth1 egress"
	within "the log says so" 5 log_has 'drift: route fc00:20::/64 ceph-public'
	within "the events stream says so" 5 grep -q '"drift":"failing".*fc00:20::/64' "$TMP/drift-events.json"
	lab_ns node ip -6 route replace fc00:20::/64 via "$MESHGW" dev eth0
	t0=$(date +%s%N)
	within "it clears when the route is put back" 10 drift_is 0
	drift_is 0 || {
		# what the daemon saw, for the failure's reader
		scrape /metrics | grep -E '^ringguard_drift_(failing\{.*fc00:20::/64|errors|lookup|overruns|full)'
		echo "        now: $(date -u +%H:%M:%S.%N)"
		grep -E 'drift|netlink|plan' "$LOG" | tail -12
		lab_ns node ip -6 route show fc00:20::/64
	}
	echo "        cleared $(( ($(date +%s%N) - t0) / 1000000 )) ms after the route changed (target 2000)"
	within "the log says cleared" 5 log_has 'drift cleared: route fc00:20::/64'
	expect_eq "back to where it was" "$(metric ringguard_drift_failing_checks)" "$n0"
	lab_ns node ip -6 route del 2001:db8::/32 via "$GW" dev eth1
	sleep 1.5
	kill "$ev" 2>/dev/null
	wait "$ev" 2>/dev/null
	expect_eq "the events stream had it fail and clear" \
		"$(jq -r 'select(.drift and .prefix == "fc00:20::/64") | .drift' "$TMP/drift-events.json" | tr '\n' ' ')" "failing cleared "
}

run_tests fleet "${@:2}"
