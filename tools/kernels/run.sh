#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh OUTPUT_DIR - the BPF_PROG_TEST_RUN suites (test_prog, test_diff) on
# this machine's kernel, then on Debian 12's kernels (6.1, the default
# image, and 6.12) booted under qemu with the initramfs of
# tools/kernels/initramfs.sh and each kernel's modules, where the guest also
# runs tools/kernels/virtio.sh: ringguard on a virtio_net NIC at MTU 9000.
# Prints one line per kernel and a closing line with the totals; exits
# non-zero unless every suite passed on every kernel. `make test-kernels`
# builds what it needs first.
#
# Environment: KERNELS_ACCEL=auto|kvm|tcg, KERNELS_TIMEOUT (seconds per boot,
# default 2400: a hang guard; 6.1 under TCG on a busy machine took 1100),
# KERNELS_GUEST_ARGS (extra Criterion arguments in the guest, no blanks: the
# kernel command line carries them), KERNELS_GUEST_ONLY (the
# one guest suite to run: test_prog, test_diff or virtio), KERNELS_IMAGES
# (the Debian metapackages to boot, default "linux-image-amd64
# linux-image-6.12-amd64").
set -u
OUT=${1:-.output}
cd "$(dirname "$0")/../.." || exit 1
KDIR=$OUT/kernels
SUITES=(test_prog test_diff)
# the guest runs one more, on its virtio NICs
GUEST_SUITES=(test_prog test_diff virtio)
[ -n "${KERNELS_GUEST_ONLY:-}" ] && GUEST_SUITES=("$KERNELS_GUEST_ONLY")
read -r -a IMAGES <<<"${KERNELS_IMAGES:-linux-image-amd64 linux-image-6.12-amd64}"
TIMEOUT=${KERNELS_TIMEOUT:-2400}
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
# crashed test as failed, or a shell suite's closing "NAME: P passed, F
# failed". No such line (the suite died, or never ran), no test run, or a
# non-zero exit with nothing failing counts as one failure, so a broken run
# can never read as green.
suite_result() {
	local log=$1 rc=$2 line t p f
	line=$(grep 'Synthesis' "$log" 2>/dev/null | tail -1)
	t=$(sed -nE 's/.*Tested: ([0-9]+).*/\1/p' <<<"$line")
	p=$(sed -nE 's/.*Passing: ([0-9]+).*/\1/p' <<<"$line")
	if [ -z "$line" ]; then
		line=$(grep -E '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed$' "$log" 2>/dev/null | tail -1)
		p=$(sed -nE 's/.*: ([0-9]+) passed.*/\1/p' <<<"$line")
		f=$(sed -nE 's/.* ([0-9]+) failed$/\1/p' <<<"$line")
		[ -n "$p" ] && t=$((p + f))
	fi
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
# it is there without -v); virtio's INFO lines (the hook auto chose, what
# --xdp native did, the offloads) and closing line.
show_suite() {
	local log=$1
	grep -E '^INFO |^virtio: |Synthesis|FAIL|Assert|CRASH|[Cc]rash|Timed out|cannot load|libbpf:' "$log" |
		grep -v 'PROG LOAD LOG' | head -40 | sed 's/^/    /'
	if grep -q 'BEGIN PROG LOAD LOG' "$log"; then
		echo "    verifier log (last 60 lines):"
		sed -n '/BEGIN PROG LOAD LOG/,/END PROG LOAD LOG/p' "$log" | tail -60 | sed 's/^/      /'
	fi
}

# account NAME LOGDIR SUITE...: fold one kernel's suites into the totals and
# its summary line. LOGDIR holds SUITE.log and SUITE.rc.
account() {
	local name=$1 dir=$2 t p f rc joined parts=()
	shift 2
	for t in "$@"; do
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
account "$host (this machine)" "$hdir" "${SUITES[@]}"

# --- Debian 12's kernels under qemu ---------------------------------------
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

# The guest's two virtio-net NICs, at MTU 9000 as the K8s nodes' (host_mtu:
# the device offers it, the driver takes it), wired to each other by a qemu
# hub and to nothing else: no host network, no socket, no tap. virtio.sh
# finds them by these MACs.
# shellcheck disable=SC2054 # qemu's option lists, commas and all
qemu_nics=(
	-netdev hubport,id=rgnode,hubid=0
	-device virtio-net-pci,netdev=rgnode,mac=52:54:00:72:67:01,host_mtu=9000
	-netdev hubport,id=rgpeer,hubid=0
	-device virtio-net-pci,netdev=rgpeer,mac=52:54:00:72:67:02,host_mtu=9000
)

# boot_kernel METAPACKAGE: fetch that kernel, boot it with the initramfs and
# its modules, run the guest's suites, fold them into the totals.
boot_kernel() {
	local meta=$1 kver vmlinuz modules gdir con res qrc start gline grun
	if ! read -r kver vmlinuz modules < <(bash tools/kernels/fetch.sh "$KDIR" "$meta"); then
		echo "test-kernels: cannot get Debian's $meta (see above)" >&2
		kver="unknown-$meta"
		vmlinuz=
	fi
	gdir=$KDIR/$kver/run
	rm -rf "$gdir"
	mkdir -p "$gdir"
	con=$gdir/console.log
	res=$gdir/results.log
	echo "== kernel $kver (Debian 12, $meta) under qemu, $accel_why"
	qrc=1
	if [ -n "$vmlinuz" ]; then
		# the kernel unpacks concatenated archives: the shared image, then
		# this kernel's modules in /lib/modules/RELEASE
		cat "$KDIR/initramfs.cpio.gz" "$modules" >"$gdir/initrd.cpio.gz"
		start=$SECONDS
		# -nodefaults: no default NIC, display or drive; the only
		# network is qemu_nics. ttyS0: the console; ttyS1: the suites'
		# output alone (see tools/kernels/init). panic=-1 with
		# -no-reboot turns a guest panic (init dying, say) into qemu's
		# exit instead of a hang until the timeout.
		timeout -k 10 "$TIMEOUT" qemu-system-x86_64 "${qemu_cpu[@]}" -m 2G -smp 2 \
			-nodefaults -display none -no-reboot "${qemu_nics[@]}" \
			-kernel "$vmlinuz" -initrd "$gdir/initrd.cpio.gz" \
			-append "console=ttyS0 quiet panic=-1${KERNELS_GUEST_ARGS:+ RG_GUEST_ARGS=$KERNELS_GUEST_ARGS}${KERNELS_GUEST_ONLY:+ RG_GUEST_ONLY=$KERNELS_GUEST_ONLY}" \
			-serial "file:$con" -serial "file:$res" </dev/null >"$gdir/qemu.log" 2>&1
		qrc=$?
		rm -f "$gdir/initrd.cpio.gz"
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
	account "${grun:-$kver} (Debian 12, qemu $accel)" "$gdir" "${GUEST_SUITES[@]}"
}

for meta in "${IMAGES[@]}"; do
	boot_kernel "$meta"
done

echo
printf '%s\n' "${summary[@]}"
echo "test-kernels: $passed passed, $failed failed"
[ "$failed" = 0 ]
