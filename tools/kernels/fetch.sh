#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch.sh DIR - download Debian 12's own kernel and extract its vmlinuz.
#
# linux-image-amd64 is only a metapackage; the image is the package it depends
# on (linux-image-6.1.0-N-amd64), whose name changes with each ABI bump, so it
# is resolved from apt's lists every time. The .deb is kept in DIR and reused
# while it is still the candidate. Prints one line: VERSION VMLINUZ, e.g.
# "6.1.192-2 DIR/6.1.192-2/vmlinuz".
set -eu
DIR=${1:?usage: fetch.sh DIR}
mkdir -p "$DIR"

image_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -nE 's/^ *Depends: (linux-image-[^ <>]+)$/\1/p' | head -1
}

pkg=$(image_pkg)
if [ -z "$pkg" ]; then
	# a fresh machine has empty lists
	apt-get -o DPkg::Lock::Timeout=900 update -qq
	pkg=$(image_pkg)
fi
if [ -z "$pkg" ]; then
	echo "kernels: apt knows no linux-image-amd64: is this Debian 12 with its mirror reachable?" >&2
	exit 1
fi
ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
deb="$DIR/${pkg}_${ver//:/%3a}_amd64.deb"
if [ ! -s "$deb" ]; then
	echo "kernels: downloading $pkg $ver" >&2
	# as root apt would drop to _apt, which cannot write into the build tree
	(cd "$DIR" && apt-get download -qq -o APT::Sandbox::User=root "$pkg=$ver") >&2
	# an older image (a previous ABI or revision) is 70 MB nobody will boot
	for old in "$DIR"/linux-image-*.deb; do
		[ "$old" = "$deb" ] || rm -f "$old"
	done
fi

out="$DIR/$ver"
if [ ! -s "$out/vmlinuz" ]; then
	rm -rf "$out.tmp"
	mkdir -p "$out.tmp"
	# only /boot: every feature the suites need is built in (see kernels.mk)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out.tmp" ./boot
	rm -rf "$out"
	mkdir -p "$out"
	mv "$out.tmp"/boot/vmlinuz-* "$out/vmlinuz"
	mv "$out.tmp"/boot/config-* "$out/config"
	rm -rf "$out.tmp"
fi
echo "$ver $out/vmlinuz"
