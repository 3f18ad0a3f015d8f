#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh - install what `make test-kernels` needs beyond tools/deps.sh, from
# Debian's packages, and only what is missing: qemu to boot the kernel, and a
# static busybox, which is the guest's whole userland (shell, mount, poweroff)
# and, on the host, the cpio that packs the initramfs. Run as root.
set -eu

PKGS=(qemu-system-x86 busybox-static)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "kernels: missing ${missing[*]}: run as root to install them" >&2
		exit 1
	fi
	echo "kernels: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# no recommends: the GUI, ovmf and block plugins are of no use headless
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
