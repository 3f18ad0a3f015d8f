# SPDX-License-Identifier: GPL-2.0-only
#
# bench.mk - `make bench`: benchmarks print numbers, never pass or fail.
# For now: the per-packet cost of both programs on the users' plan
# (tools/bench/quick.c). Root.

BENCH_QUICK	:= $(OUTPUT)/rg-bench-quick

$(OUTPUT)/bench/%.o: tools/bench/%.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests -c $< -o $@

$(BENCH_QUICK): $(OUTPUT)/bench/quick.o $(OUTPUT)/tests/frames.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

bench: deps
	$(Q)$(MAKE) --no-print-directory $(BENCH_QUICK)
	$(Q)echo "machine: $$(nproc) CPUs, kernel $$(uname -r), $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	$(Q)$(BENCH_QUICK) maps/sol.plan
