# SPDX-License-Identifier: GPL-2.0-only
#
# drift.mk - `make bench-drift`: the daemon's drift watch at a router's
# scale (tools/bench/drift.c): a plan of DRIFT_N prefixes with a route each,
# a full pass, then bursts of DRIFT_N route changes. Root.

BENCH_DRIFT	:= $(OUTPUT)/rg-bench-drift
DRIFT_N		?= 10000

$(BENCH_DRIFT): $(OUTPUT)/bench/drift.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

.PHONY: bench-drift
bench-drift: deps
	$(Q)$(MAKE) --no-print-directory $(BENCH_DRIFT)
	$(Q)$(BENCH_DRIFT) $(DRIFT_N)
