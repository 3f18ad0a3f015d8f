#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch.sh DIR [METAPACKAGE] - download one of Debian 12's kernels, extract its
# vmlinuz and pack the modules the guest loads for the virtio_net check.
#
# METAPACKAGE (default linux-image-amd64, 6.1) only points to the image: the
# package it depends on (linux-image-6.1.0-N-amd64, or for
# linux-image-6.12-amd64 linux-image-6.12.N+deb12-amd64), whose name changes
# with each ABI bump or upload, so it is resolved from apt's lists every time.
# The .deb is kept in DIR/METAPACKAGE/ and reused while it is still the
# candidate. Prints one line: VERSION VMLINUZ MODULES, e.g.
# "6.1.192-2 DIR/6.1.192-2/vmlinuz DIR/6.1.192-2/modules.cpio.gz".
#
# MODULES is a cpio archive to append to the initramfs (the kernel unpacks
# concatenated archives): /lib/modules/RELEASE/*.ko, uncompressed (busybox's
# insmod reads no .ko.xz), and /lib/modules/RELEASE/order, the file names in
# load order (each after what its .modinfo "depends=" names). The guest needs
# the virtio NIC's driver and tc's clsact qdisc and cls_bpf (6.1 has no tcx);
# a module the kernel has built in (modules.builtin) is left out.
set -eu
DIR=${1:?usage: fetch.sh DIR [METAPACKAGE]}
META=${2:-linux-image-amd64}
MODULES=(virtio_pci virtio_net sch_ingress cls_bpf)
mkdir -p "$DIR/$META"

image_pkg() {
	apt-cache depends "$META" 2>/dev/null |
		sed -nE 's/^ *Depends: (linux-image-[^ <>]+)$/\1/p' | head -1
}

pkg=$(image_pkg)
if [ -z "$pkg" ]; then
	# a fresh machine has empty lists
	apt-get -o DPkg::Lock::Timeout=900 update -qq
	pkg=$(image_pkg)
fi
if [ -z "$pkg" ]; then
	echo "kernels: apt knows no $META: is this Debian 12 with its mirror reachable?" >&2
	exit 1
fi
ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
deb="$DIR/$META/${pkg}_${ver//:/%3a}_amd64.deb"
if [ ! -s "$deb" ]; then
	echo "kernels: downloading $pkg $ver" >&2
	# as root apt would drop to _apt, which cannot write into the build tree
	(cd "$DIR/$META" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver") >&2
	# an older image (a previous ABI or revision) is 70-110 MB nobody will boot
	for old in "$DIR/$META"/linux-image-*.deb; do
		[ "$old" = "$deb" ] || rm -f "$old"
	done
fi

# pack_modules TREE OUT: the cpio of MODULES and what they depend on
pack_modules() {
	local tree=$1 out=$2 rel root
	rel=$(basename "$tree"/lib/modules/*)
	root=$(mktemp -d "$out.XXXXXX")
	mkdir -p "$root/lib/modules/$rel"
	# add NAME: NAME's dependencies first, then NAME (each once)
	add() {
		local name=$1 file dep
		[ -e "$root/lib/modules/$rel/$name.ko" ] && return 0
		file=$(find "$tree/lib/modules/$rel/kernel" -name "$name.ko*" | head -1)
		if [ -z "$file" ]; then
			# modules.builtin names kernel/drivers/virtio/virtio_pci.ko
			grep -q "/$name\.ko\$" "$tree/lib/modules/$rel/modules.builtin" && return 0
			echo "kernels: $rel has no module $name, built in or not" >&2
			return 1
		fi
		case $file in
		*.ko.xz) xz -dc "$file" >"$root/lib/modules/$rel/$name.ko.tmp" ;;
		*.ko.zst) zstd -qdc "$file" >"$root/lib/modules/$rel/$name.ko.tmp" ;;
		*.ko) cp "$file" "$root/lib/modules/$rel/$name.ko.tmp" ;;
		*)
			echo "kernels: $file: a module compression this script does not know" >&2
			return 1
			;;
		esac
		# .modinfo holds NUL-separated key=value strings; depends= lists
		# module names with '-' or '_' as the file names have them
		for dep in $(tr '\0' '\n' <"$root/lib/modules/$rel/$name.ko.tmp" |
			sed -n 's/^depends=//p' | head -1 | tr ',' ' '); do
			add "$dep" || return 1
		done
		mv "$root/lib/modules/$rel/$name.ko.tmp" "$root/lib/modules/$rel/$name.ko"
		echo "$name.ko" >>"$root/lib/modules/$rel/order"
	}
	for m in "${MODULES[@]}"; do
		add "$m" || { rm -rf "$root"; return 1; }
	done
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$root"
}

out="$DIR/$ver"
if [ ! -s "$out/vmlinuz" ] || [ ! -s "$out/modules.cpio.gz" ]; then
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	# /boot, and of the modules the trees MODULES and their dependencies
	# (virtio, virtio_ring, failover, net_failover) live in; a pattern that
	# matches nothing would be an error, and these are in every image
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out.tmp" --wildcards ./boot \
		'./lib/modules/*/modules.builtin' './lib/modules/*/kernel/drivers/*' \
		'./lib/modules/*/kernel/net/*'
	rm -rf "$out"
	mkdir -p "$out"
	pack_modules "$out.tmp" "$out/modules.cpio.gz"
	mv "$out.tmp"/boot/vmlinuz-* "$out/vmlinuz"
	mv "$out.tmp"/boot/config-* "$out/config"
	rm -rf "$out.tmp"
fi
echo "$ver $out/vmlinuz $out/modules.cpio.gz"
