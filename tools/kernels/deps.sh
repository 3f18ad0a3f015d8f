#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh - install what `make test-kernels` needs beyond tools/deps.sh, from
# Debian's packages, and only what is missing: qemu to boot the kernel, and a
# static busybox, which is the guest's whole userland (shell, mount, poweroff)
# and, on the host, the cpio that packs the initramfs; ethtool, packed into the
# guest with iproute2's ip and jq for the virtio_net check (tools/kernels/
# virtio.sh), which reads the NIC's offloads before and after XDP. Run as root.
set -eu

# no recommends (tools/deps.sh never takes them): the GUI, ovmf and block
# plugins are of no use headless
exec bash "$(dirname "$0")/../deps.sh" qemu-system-x86 busybox-static ethtool
