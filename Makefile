# SPDX-License-Identifier: GPL-2.0-only
#
# ringguard - one entry point: build, test, bench, demo, install, deps.
# Output goes to $(OUTPUT) (default .output/); V=1 shows the commands.

OUTPUT		?= .output
PREFIX		?= /usr/local
DESTDIR		?=
CLANG		?= clang
BPFTOOL		?= bpftool
CC		?= cc
ARCH		:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS		:= libbpf libelf zlib json-c nettle libpcap libmicrohttpd libmnl
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lbpf -lelf -lz -ljson-c -lnettle -lpcap -lmicrohttpd -lmnl)
# the binary writes JSON itself (user/lib/json.c); json-c is for the tests that read it back
# libpcap and libmicrohttpd are opened at their first use (user/lib/lazylib.c):
# the binary does not link them, nor what they pull in
BIN_LIBS	:= $(filter-out -ljson-c -lpcap -lmicrohttpd,$(PKG_LIBS))
# the sonames to open, as the build finds them
so_of		= $(shell objdump -p "$$($(CC) -print-file-name=lib$(1).so)" 2>/dev/null | \
		    sed -n 's/^ *SONAME *//p')
PCAP_SO		:= $(call so_of,pcap)
MHD_SO		:= $(call so_of,microhttpd)
LAZY_CFLAGS	:= $(if $(PCAP_SO),-DRG_PCAP_SO='"$(PCAP_SO)"') $(if $(MHD_SO),-DRG_MHD_SO='"$(MHD_SO)"')

WARN		:= -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation -Wno-missing-field-initializers
HARDEN		:= -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE
CFLAGS		?= -O2 -g
USER_CFLAGS	:= $(CFLAGS) $(WARN) $(HARDEN) -std=gnu11 -D_GNU_SOURCE -MMD -MP \
		   -Iinclude -Iuser -I$(OUTPUT) $(PKG_CFLAGS)
LDFLAGS_HARD	:= -pie -Wl,-z,relro,-z,now
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		   -Iinclude -Ibpf -I$(OUTPUT) -MMD -MP

USER_SRCS	:= $(wildcard user/*/*.c)
LIB_SRCS	:= $(filter-out user/cmd/main.c,$(USER_SRCS))
LIB_OBJS	:= $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(LIB_SRCS))
MAIN_OBJ	:= $(OUTPUT)/user/cmd/main.o
BPF_OBJ		:= $(OUTPUT)/ringguard.bpf.o
SKEL		:= $(OUTPUT)/ringguard.skel.h
BIN		:= $(OUTPUT)/ringguard

TEST_SRCS	:= $(wildcard tests/test_*.c)
TEST_BINS	:= $(patsubst tests/%.c,$(OUTPUT)/tests/%,$(TEST_SRCS))
TEST_LIB_SRCS	:= tests/frames.c tests/model.c
TEST_LIB_OBJS	:= $(patsubst tests/%.c,$(OUTPUT)/tests/%.o,$(TEST_LIB_SRCS))
INJECT		:= $(OUTPUT)/rg-inject
TAPSEND		:= $(OUTPUT)/rg-tap
TCX		:= $(OUTPUT)/rg-tcx
TEST_BPF_OBJ	:= $(OUTPUT)/testprogs.bpf.o
# The CLI with its test hooks (user/lib/testhook.h): for the suites only.
HOOKED		:= $(OUTPUT)/ringguard-hooks
HOOKED_SRCS	:= user/kernel/install.c user/kernel/reconcile.c user/report/events.c	# the files that call rg_test_*()
HOOKED_OBJS	:= $(patsubst user/%.c,$(OUTPUT)/user/%-hooks.o,$(HOOKED_SRCS))
TEST_TOOLS	:= $(INJECT) $(TAPSEND) $(TCX) $(TEST_BPF_OBJ) $(HOOKED)

.DELETE_ON_ERROR:
.PHONY: all clean help test test-unit check check-layers demo deps install bench

all: $(BIN)

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/vmlinux.h: | $(OUTPUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

$(BPF_OBJ): bpf/ringguard.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BPF_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name ringguard_bpf > $@

$(OUTPUT)/user/%.o: user/%.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/user/lib/lazylib.o: USER_CFLAGS += $(LAZY_CFLAGS)

$(BIN): $(LIB_OBJS) $(MAIN_OBJ)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(BIN_LIBS) -o $@

$(OUTPUT)/user/%-hooks.o: user/%.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -DRG_TEST_HOOKS -c $< -o $@

$(HOOKED): $(filter-out $(HOOKED_OBJS:-hooks.o=.o),$(LIB_OBJS)) $(HOOKED_OBJS) \
	   $(MAIN_OBJ) $(OUTPUT)/tests/hooks.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

# Tests link the same objects as the binary (everything but main.o).
$(OUTPUT)/tests/%.o: tests/%.c $(SKEL) | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests -c $< -o $@

$(OUTPUT)/tests/test_%: $(OUTPUT)/tests/test_%.o $(TEST_LIB_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -lcriterion -o $@

$(INJECT): $(OUTPUT)/tests/inject.o $(OUTPUT)/tests/frames.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

$(TAPSEND): $(OUTPUT)/tests/tapsend.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ -o $@

$(TCX): $(OUTPUT)/tests/tcxload.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

$(TEST_BPF_OBJ): tests/bpf/testprogs.bpf.c $(OUTPUT)/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

deps:
	$(Q)tools/deps.sh

# the sanitizer build and the fuzz targets: tests/fuzz/fuzz.mk
test: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(TEST_BINS) $(TEST_TOOLS) $(SAN_TEST_BINS) \
		$(FUZZ_BINS)
	$(Q)tools/run-tests.sh $(OUTPUT)

# the Criterion suites alone (parser, importer, BPF_PROG_TEST_RUN, differential)
test-unit: deps
	$(Q)$(MAKE) --no-print-directory $(TEST_BINS)
	$(Q)rc=0; for t in $(TEST_BINS); do echo "== $$(basename $$t)"; $$t || rc=1; done; exit $$rc

# one shell suite: make test-netns, test-fleet, test-pve, ... (tests/SUITE.sh;
# T='name*' picks tests by name)
SHELL_SUITES	:= $(filter-out lib packaging systemd,$(basename $(notdir $(wildcard tests/*.sh))))
$(addprefix test-,$(SHELL_SUITES)): test-%: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(TEST_TOOLS)
	$(Q)bash tests/$*.sh $(OUTPUT) $(T)

# what needs no root: the suites that load no BPF, fuzz smoke runs, file checks
check:
	$(Q)$(MAKE) --no-print-directory $(BIN) $(TEST_BINS) $(SAN_TEST_BINS) $(FUZZ_BINS)
	$(Q)tools/run-tests.sh --check $(OUTPUT)

demo: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(INJECT)
	$(Q)tools/demo.sh $(OUTPUT)

# user/README.md: no include runs from a lower layer to a higher one
check-layers:
	$(Q)tools/check/layers.sh

install: $(BIN)
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX)/sbin/ringguard)
	$(Q)install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/ringguard

help:
	@echo 'ringguard: make TARGET  (output in $(OUTPUT)/, V=1 shows the commands)'
	@echo '  all (default)   the binary, $(BIN)'
	@echo '  demo            the lab demo (root)'
	@echo '  test            every suite, as CI runs it (root; tests/README.md)'
	@echo '  check           what needs no root: unit suites, fuzz smoke, file checks'
	@echo '  test-unit       the Criterion suites (root for the BPF ones)'
	@echo '  $(addprefix test-,$(SHELL_SUITES))' | fold -s -w 76 | sed '2,$$s/^/    /'
	@echo '                  one shell suite (T=NAME picks tests in it)'
	@echo '  test-packaging  the .deb, the image and the Ansible role'
	@echo '  test-systemd    the .deb under a real systemd (systemd-nspawn -b)'
	@echo '  test-kernels    the programs on Debian 12 6.1 and 6.12 under qemu and this kernel'
	@echo '  fuzz            each libFuzzer target FUZZ_TIME s (default 60)'
	@echo '  bench           benchmarks, printed as ratios (tools/doc/performance.md)'
	@echo '  check-layers    the include rule of user/ (user/README.md)'
	@echo '  deb, image      the Debian package, the container image'
	@echo '  install         binary, unit, man page, completion (PREFIX, DESTDIR)'
	@echo '  deps            install what is missing (Debian 12, root)'
	@echo '  clean           remove $(OUTPUT)/'

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

# Extra targets live beside their tools (tools/kernels/kernels.mk, ...).
include $(wildcard tools/*/*.mk tests/*/*.mk)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*.d)
