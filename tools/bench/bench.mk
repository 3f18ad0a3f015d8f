# SPDX-License-Identifier: GPL-2.0-only
#
# bench.mk - `make bench`: benchmarks print numbers, never pass or fail.
#   rg-bench-quick  per-packet cost of both programs on the users' plan,
#                   per traffic class (tools/bench/quick.c)
#   rg-bench        both programs against floors F0, F1 and N on the users'
#                   plan and generated 1k, 10k and 100k plans, three traffic
#                   mixes, warm (10^6 repeats) and cold (distinct frames, one
#                   run each) side by side; in-process sync times and map
#                   memory (tools/bench/bench.c)
#   control.sh      attach, sync, one-prefix sync, stats -j through the CLI,
#                   and a one-prefix change through the daemon: from the
#                   plan file's rename to the new plan in force
#                   (rg-bench-swap, tools/bench/swap.c)
#   control-ab.sh   by hand: attach and syncs of this build against another
#                   git revision's, taking turns in one sitting, wall and CPU
#                   ms (tools/bench/control-ab.sh .output REV)
#   rg-bench-drift  the daemon's drift watch at 10k prefixes and routes
#                   (tools/bench/drift.mk; `make bench-drift` alone)
#   veth.sh         against nftables, end to end through a veth pair
#                   (tools/bench/veth.mk; `make bench-veth` alone)
#   throughput.sh   iperf3 TCP over veth at MTU 9000 and 1500 both ways, and
#                   a guest's GSO frames into a tap, with nothing attached
#                   and under each --xdp (`make bench-throughput` alone;
#                   PERF=1 adds where the cost goes)
# Root. About 20 minutes.

BENCH_QUICK	:= $(OUTPUT)/rg-bench-quick
BENCH		:= $(OUTPUT)/rg-bench
GENPLAN		:= $(OUTPUT)/rg-genplan
BENCH_SWAP	:= $(OUTPUT)/rg-bench-swap
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

$(BENCH_SWAP): $(OUTPUT)/bench/swap.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

$(GENPLAN): $(OUTPUT)/bench/genplan.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ -o $@

BENCH_RESULTS	:= $(OUTPUT)/bench-results.txt

# The results go to $(BENCH_RESULTS) as well (tools/doc/performance.md quotes a run).
bench: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(BENCH_QUICK) $(BENCH) $(GENPLAN) $(BENCH_SWAP) $(VETH_GEN) \
		$(BENCH_DRIFT) $(TAPSEND)
	$(Q){ echo "machine: $$(nproc) CPUs, kernel $$(uname -r), $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $$(date -u +%F)"; \
	  echo; $(BENCH_QUICK) maps/sol.plan; \
	  echo; $(BENCH) maps/sol.plan; \
	  echo; echo "Control plane through the CLI (ms, median of 3) and kernel memory"; \
	  tools/bench/control.sh $(OUTPUT); \
	  echo; echo "Against nftables, end to end through veth (CPU ns per frame)"; \
	  OUT=$(OUTPUT) tools/bench/veth.sh maps/sol.plan; \
	  echo; echo "Throughput by ingress hook: iperf3 over veth, GSO frames into a tap"; \
	  OUT=$(OUTPUT) tools/bench/throughput.sh maps/sol.plan; \
	  echo; $(BENCH_DRIFT) $(DRIFT_N); \
	} 2>&1 | tee $(BENCH_RESULTS)
	$(Q)echo "results: $(BENCH_RESULTS)"

# The hooks alone: tools/bench/throughput.sh (RUNS, SECS, MTUS, PERF=1).
.PHONY: bench-throughput
bench-throughput: deps
	$(Q)$(MAKE) --no-print-directory $(BIN) $(TAPSEND)
	$(Q)OUT=$(OUTPUT) tools/bench/throughput.sh maps/sol.plan
