# SPDX-License-Identifier: GPL-2.0-only
#
# kernels.mk - `make test-kernels`: the BPF_PROG_TEST_RUN suites (test_prog,
# test_diff) on this machine's kernel and, under qemu, on Debian 12's kernels
# (linux-image-amd64, 6.1, and linux-image-6.12-amd64), side by side; in
# each guest also ringguard itself on a virtio_net NIC (virtio.sh). Root;
# see tools/kernels/run.sh.
#
# Everything the Criterion suites touch is built into both kernels (BPF
# syscall, XDP and sched_cls test runs, LPM trie, array of maps, BTF at
# /sys/kernel/btf/vmlinux). The virtio check loads what it needs (virtio_net
# and its dependencies, sch_ingress and cls_bpf for 6.1's clsact): fetch.sh
# packs each kernel's own into an archive that run.sh appends to the one
# shared image.
#
# Downloads and images go to $(OUTPUT)/kernels/. Knobs (environment or make
# variables): KERNELS_ACCEL=auto|kvm|tcg, KERNELS_TIMEOUT=seconds for each
# boot (default 2400), KERNELS_GUEST_ARGS=extra Criterion arguments in the
# guest (no blanks), e.g. --filter=prog/jumbo*, KERNELS_GUEST_ONLY=the one
# guest suite to run (test_prog, test_diff, virtio), KERNELS_IMAGES=the
# Debian metapackages to boot (default: linux-image-amd64
# linux-image-6.12-amd64).

KERNELS_DIR	:= $(OUTPUT)/kernels
KERNELS_BINS	:= $(OUTPUT)/tests/test_prog $(OUTPUT)/tests/test_diff $(OUTPUT)/ringguard
KERNELS_INITRD	:= $(KERNELS_DIR)/initramfs.cpio.gz

.PHONY: test-kernels kernels-deps kernels-fetch kernels-initramfs

kernels-deps:
	$(Q)bash tools/kernels/deps.sh

kernels-fetch: kernels-deps
	$(Q)bash tools/kernels/fetch.sh $(KERNELS_DIR) linux-image-amd64 >/dev/null
	$(Q)bash tools/kernels/fetch.sh $(KERNELS_DIR) linux-image-6.12-amd64 >/dev/null

$(KERNELS_DIR):
	$(Q)mkdir -p $@

# One image serves every kernel: it holds no modules (run.sh appends each
# kernel's own).
$(KERNELS_INITRD): $(KERNELS_BINS) tools/kernels/init tools/kernels/virtio.sh tools/kernels/initramfs.sh | $(KERNELS_DIR) kernels-deps
	$(call msg,INITRD,$@)
	$(Q)bash tools/kernels/initramfs.sh $@ $(KERNELS_BINS) tools/kernels/virtio.sh

kernels-initramfs: $(KERNELS_INITRD)

test-kernels: deps kernels-deps
	$(Q)$(MAKE) --no-print-directory $(KERNELS_BINS) $(KERNELS_INITRD)
	$(Q)bash tools/kernels/run.sh $(OUTPUT)
