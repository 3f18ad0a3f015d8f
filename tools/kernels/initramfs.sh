#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# initramfs.sh OUT.cpio.gz FILE... - pack the guest of `make test-kernels`:
# a static busybox, tools/kernels/init as /init, the test binaries (test_*)
# and scripts (*.sh) among FILE in /tests, any other FILE (ringguard) and
# the host's ip, ethtool and jq in /usr/local/bin (virtio.sh puts it first
# in PATH: busybox has an ip of its own, without netns), and every shared
# library they load (ldd's list, the dynamic loader included), at the paths
# ldd found them, so the binaries run unchanged. It holds no module: each
# kernel's own (tools/kernels/fetch.sh) are appended at boot (run.sh).
set -eu
OUT=${1:?usage: initramfs.sh OUT.cpio.gz FILE...}
TOOLS=(ip ethtool jq)
shift
HERE=$(cd "$(dirname "$0")" && pwd)
BUSYBOX=/bin/busybox

# The guest has no other userland: a dynamic busybox would be one more thing
# to get right, and Debian's busybox (not -static) is dynamic.
if ! ldd "$BUSYBOX" 2>&1 | grep -q 'not a dynamic executable'; then
	echo "kernels: $BUSYBOX is not static: install busybox-static" >&2
	exit 1
fi

root=$(mktemp -d "${OUT%/*}/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,proc,sys,dev,tmp,run,tests}
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$HERE/init" "$root/init"
chmod 0755 "$root/init"

bins=()
for f in "$@"; do
	case ${f##*/} in
	test_* | *.sh) cp "$f" "$root/tests/" ;;
	*) cp "$f" "$root/usr/local/bin/" ;;
	esac
	bins+=("$f")
done
for tool in "${TOOLS[@]}"; do
	path=$(command -v "$tool") || {
		echo "kernels: $tool is missing: run 'make kernels-deps'" >&2
		exit 1
	}
	cp "$path" "$root/usr/local/bin/"
	bins+=("$path")
done

for t in "${bins[@]}"; do
	if ldd "$t" 2>/dev/null | grep -q 'not found'; then
		echo "kernels: $t needs a library this machine lacks:" >&2
		ldd "$t" | grep 'not found' >&2
		exit 1
	fi
	# "libx.so => /path (addr)" and "/lib64/ld-linux-x86-64.so.2 (addr)";
	# linux-vdso has no file, and a static binary or a script lists none
	ldd "$t" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u | while read -r lib; do
	# -L: Debian's lib/ entries are symlinks (libbpf.so.1 -> libbpf.so.1.1.0,
	# and /lib itself -> usr/lib); the guest gets the files at the names
	# the loader asks for
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
