# SPDX-License-Identifier: GPL-2.0-only
#
# bench.mk - `make bench`: benchmarks print numbers, never pass or fail.
#   rg-bench-quick  per-packet cost of both programs on the users' plan,
#                   per traffic class (tools/bench/quick.c)
#   rg-bench        the XDP program against floors F0, F1 and N on the users'
#                   plan and generated ~1k and ~10k plans (tools/bench/bench.c)
# Root.

BENCH_QUICK	:= $(OUTPUT)/rg-bench-quick
BENCH		:= $(OUTPUT)/rg-bench
GENPLAN		:= $(OUTPUT)/rg-genplan
FLOORS_OBJ	:= $(OUTPUT)/floors.bpf.o
FLOORS_SKEL	:= $(OUTPUT)/floors.skel.h

$(FLOORS_OBJ): tools/bench/floors.bpf.c bpf/parse.h include/ringguard.h $(OUTPUT)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(FLOORS_SKEL): $(FLOORS_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floors_bpf > $@

$(OUTPUT)/bench/%.o: tools/bench/%.c tools/bench/genplan.h $(SKEL) $(FLOORS_SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests -c $< -o $@

$(BENCH_QUICK): $(OUTPUT)/bench/quick.o $(OUTPUT)/tests/frames.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

$(BENCH): $(OUTPUT)/bench/bench.o $(OUTPUT)/tests/frames.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

$(GENPLAN): $(OUTPUT)/bench/genplan.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ -o $@

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BENCH_QUICK) $(BENCH) $(GENPLAN)
	$(Q)echo "machine: $$(nproc) CPUs, kernel $$(uname -r), $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	$(Q)$(BENCH_QUICK) maps/sol.plan
	$(Q)echo
	$(Q)$(BENCH) maps/sol.plan
