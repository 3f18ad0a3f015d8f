#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh OUTPUT_DIR - the BPF_PROG_TEST_RUN suites (test_prog, test_diff) on
# this machine's kernel, then on Debian 12's own kernel booted under qemu
# with the initramfs of tools/kernels/initramfs.sh. Prints one line per
# kernel and a closing line with the totals; exits non-zero unless every
# suite passed on every kernel. `make test-kernels` builds what it needs
# first.
#
# Environment: KERNELS_ACCEL=auto|kvm|tcg, KERNELS_TIMEOUT (seconds per boot,
# default 1200), KERNELS_GUEST_ARGS (extra Criterion arguments in the guest,
# no blanks: the kernel command line carries them).
set -u
OUT=${1:-.output}
cd "$(dirname "$0")/../.." || exit 1
KDIR=$OUT/kernels
SUITES=(test_prog test_diff)
TIMEOUT=${KERNELS_TIMEOUT:-1200}
ACCEL=${KERNELS_ACCEL:-auto}

if [ "$(id -u)" != 0 ]; then
	echo "test-kernels: BPF needs root: run 'make test-kernels' as root" >&2
	exit 1
fi
for t in "${SUITES[@]}"; do
	if [ ! -x "$OUT/tests/$t" ] || [ ! -s "$KDIR/initramfs.cpio.gz" ]; then
		echo "test-kernels: $OUT/tests/$t or $KDIR/initramfs.cpio.gz missing: run 'make test-kernels'" >&2
		exit 1
	fi
done

passed=0
failed=0
summary=()

# suite_result LOG RC -> "P F": Criterion's Synthesis line, counting a
# crashed test as failed. No Synthesis line (the suite died, or never ran),
# no test run, or a non-zero exit with nothing failing counts as one
# failure, so a broken run can never read as green.
suite_result() {
	local log=$1 rc=$2 line t p f
	line=$(grep 'Synthesis' "$log" 2>/dev/null | tail -1)
	t=$(sed -nE 's/.*Tested: ([0-9]+).*/\1/p' <<<"$line")
	p=$(sed -nE 's/.*Passing: ([0-9]+).*/\1/p' <<<"$line")
	# a suite that ran no test proves nothing about this kernel
	if [ -z "$t" ] || [ -z "$p" ] || [ "$t" = 0 ]; then
		echo "0 1"
		return
	fi
	f=$((t - p))
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
	echo "$p $f"
}

# What a person needs from a suite's log: its failed assertions and, if a
# program did not load, libbpf's verifier log (printed at warning level, so
# it is there without -v).
show_suite() {
	local log=$1
	grep -E 'Synthesis|FAIL|Assert|CRASH|[Cc]rash|Timed out|cannot load|libbpf:' "$log" |
		grep -v 'PROG LOAD LOG' | head -40 | sed 's/^/    /'
	if grep -q 'BEGIN PROG LOAD LOG' "$log"; then
		echo "    verifier log (last 60 lines):"
		sed -n '/BEGIN PROG LOAD LOG/,/END PROG LOAD LOG/p' "$log" | tail -60 | sed 's/^/      /'
	fi
}

# account NAME LOGDIR: fold one kernel's suites into the totals and its
# summary line. LOGDIR holds SUITE.log and SUITE.rc.
account() {
	local name=$1 dir=$2 t p f rc joined parts=()
	for t in "${SUITES[@]}"; do
		rc=$(cat "$dir/$t.rc" 2>/dev/null || echo none)
		read -r p f < <(suite_result "$dir/$t.log" "$rc")
		passed=$((passed + p))
		failed=$((failed + f))
		parts+=("$t $p passed $f failed")
		echo "  $t (exit $rc$([ -s "$dir/$t.secs" ] && echo ", $(cat "$dir/$t.secs") s")):"
		if [ ! -e "$dir/$t.rc" ] && [ -e "$dir/$t.log" ]; then
			echo "    started, did not finish$([ -s "$dir/$t.log" ] && echo "; its last lines:")"
			tail -n 15 "$dir/$t.log" | sed 's/^/    /'
		elif [ -s "$dir/$t.log" ]; then
			show_suite "$dir/$t.log"
		else
			echo "    no output: the suite did not run"
		fi
	done
	joined=$(printf '%s, ' "${parts[@]}")
	summary+=("kernel $name: ${joined%, }")
}

# --- this machine's kernel: the binaries as they are ---------------------
host=$(uname -r)
hdir=$KDIR/host
mkdir -p "$hdir"
echo "== kernel $host (this machine)"
start=$SECONDS
for t in "${SUITES[@]}"; do
	"$OUT/tests/$t" >"$hdir/$t.log" 2>&1
	echo $? >"$hdir/$t.rc"
done
echo "  suites ran in $((SECONDS - start)) s; logs: $hdir/"
account "$host (this machine)" "$hdir"

# --- Debian 12's kernel under qemu -----------------------------------------
# A usable KVM is hardware-assisted: a /dev/kvm without vmx/svm in the CPU
# flags is a software or paravirtual backend (this project's VMs offer
# kvm_pvm), under which a stock kernel hangs in early boot or stops on an
# instruction the emulator lacks (cmpxchg16b); TCG boots it.
pick_accel() {
	case $ACCEL in
	kvm | tcg)
		echo "$ACCEL (KERNELS_ACCEL)"
		return
		;;
	esac
	if [ ! -c /dev/kvm ] || ! (exec 3<>/dev/kvm) 2>/dev/null; then
		echo "tcg (no usable /dev/kvm)"
	elif ! grep -qw -e vmx -e svm /proc/cpuinfo; then
		echo "tcg (/dev/kvm is not hardware-assisted: no vmx/svm)"
	else
		echo "kvm"
	fi
}

accel_why=$(pick_accel)
accel=${accel_why%% *}
if [ "$accel" = kvm ]; then
	qemu_cpu=(-accel kvm -cpu host)
else
	qemu_cpu=(-accel tcg -cpu max)
fi

if ! read -r kver vmlinuz < <(bash tools/kernels/fetch.sh "$KDIR"); then
	echo "test-kernels: cannot get Debian's kernel (see above)" >&2
	kver=unknown
	vmlinuz=
fi
gdir=$KDIR/$kver/run
rm -rf "$gdir"
mkdir -p "$gdir"
con=$gdir/console.log
res=$gdir/results.log
echo "== kernel $kver (Debian 12) under qemu, $accel_why"
qrc=1
if [ -n "$vmlinuz" ]; then
	start=$SECONDS
	# No network at all (-nodefaults, -nic none). ttyS0: the console;
	# ttyS1: the suites' output alone (see tools/kernels/init). panic=-1
	# with -no-reboot turns a guest panic (init dying, say) into qemu's
	# exit instead of a hang until the timeout.
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${qemu_cpu[@]}" -m 2G -smp 2 \
		-nodefaults -nic none -display none -no-reboot \
		-kernel "$vmlinuz" -initrd "$KDIR/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 ${KERNELS_GUEST_ARGS:+RG_GUEST_ARGS=$KERNELS_GUEST_ARGS}" \
		-serial "file:$con" -serial "file:$res" </dev/null >"$gdir/qemu.log" 2>&1
	qrc=$?
	echo "  qemu: exit $qrc after $((SECONDS - start)) s; console: $con"
	[ "$qrc" = 124 ] && echo "  qemu: timed out after $TIMEOUT s (KERNELS_TIMEOUT)"
fi

# Split the guest's ttyS1 stream into SUITE.log / SUITE.rc as on the host.
if [ -s "$res" ]; then
	tr -d '\r' <"$res" | awk -v dir="$gdir" '
		/^@@rg begin / { cur = $3; printf "" > (dir "/" cur ".log"); next }
		/^@@rg end / {
			split($4, a, "="); print a[2] > (dir "/" $3 ".rc")
			split($5, b, "="); print b[2] > (dir "/" $3 ".secs")
			cur = ""; next
		}
		/^@@rg / { next }
		cur != "" { print > (dir "/" cur ".log") }'
fi
gline=$(tr -d '\r' <"$res" 2>/dev/null | grep -m1 '^@@rg kernel ')
# the package version, as the guest itself reports it in /proc/version
grun=$(sed -nE 's/.* Debian ([^ ]+) .*/\1/p' <<<"$gline")
if [ -z "$gline" ]; then
	echo "  the guest never reached /init; last console lines:"
	tail -n 30 "$con" 2>/dev/null | sed 's/^/    /'
	sed 's/^/    qemu: /' "$gdir/qemu.log" 2>/dev/null
elif ! tr -d '\r' <"$res" | grep -q '^@@rg done'; then
	echo "  the guest stopped before the end; last console lines:"
	tail -n 30 "$con" | sed 's/^/    /'
fi
account "${grun:-$kver} (Debian 12, qemu $accel)" "$gdir"

echo
printf '%s\n' "${summary[@]}"
echo "test-kernels: $passed passed, $failed failed"
[ "$failed" = 0 ]
