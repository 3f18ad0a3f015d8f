# SPDX-License-Identifier: GPL-2.0-only
#
# kernels.mk - `make test-kernels`: the BPF_PROG_TEST_RUN suites (test_prog,
# test_diff) on this machine's kernel and, under qemu, on Debian 12's own
# kernel (linux-image-amd64, 6.1), side by side. Root; see tools/kernels/run.sh.
#
# Everything the suites touch in 6.1 is built in (BPF syscall, XDP and
# sched_cls test runs, LPM trie, array of maps, BTF at /sys/kernel/btf/vmlinux),
# so the guest loads no module. cls_bpf and sch_ingress are modules there,
# but only attaching a clsact filter needs them, and these suites attach
# nothing.
#
# Downloads and images go to $(OUTPUT)/kernels/. Knobs (environment or make
# variables): KERNELS_ACCEL=auto|kvm|tcg, KERNELS_TIMEOUT=seconds for each
# boot (default 1200), KERNELS_GUEST_ARGS=extra Criterion arguments in the
# guest (no blanks), e.g. --filter=prog/jumbo*.

KERNELS_DIR	:= $(OUTPUT)/kernels
KERNELS_BINS	:= $(OUTPUT)/tests/test_prog $(OUTPUT)/tests/test_diff
KERNELS_INITRD	:= $(KERNELS_DIR)/initramfs.cpio.gz

.PHONY: test-kernels kernels-deps kernels-fetch kernels-initramfs

kernels-deps:
	$(Q)bash tools/kernels/deps.sh

kernels-fetch: kernels-deps
	$(Q)bash tools/kernels/fetch.sh $(KERNELS_DIR) >/dev/null

$(KERNELS_DIR):
	$(Q)mkdir -p $@

# One image serves every kernel: it holds no modules.
$(KERNELS_INITRD): $(KERNELS_BINS) tools/kernels/init tools/kernels/initramfs.sh | $(KERNELS_DIR) kernels-deps
	$(call msg,INITRD,$@)
	$(Q)bash tools/kernels/initramfs.sh $@ $(KERNELS_BINS)

kernels-initramfs: $(KERNELS_INITRD)

test-kernels: deps kernels-deps
	$(Q)$(MAKE) --no-print-directory $(KERNELS_BINS) $(KERNELS_INITRD)
	$(Q)bash tools/kernels/run.sh $(OUTPUT)
