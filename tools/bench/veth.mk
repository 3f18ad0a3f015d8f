# SPDX-License-Identifier: GPL-2.0-only
#
# veth.mk - `make bench-veth`: ringguard against the nftables ruleset a user
# would write for the same plan, end to end through a veth pair in network
# namespaces (tools/bench/veth.sh). Prints numbers; fails only when a
# filter's verdicts or counters disagree with the plan.
#   rg-veth-gen   the ruleset, flows, probes, traffic generator and counters
#                 (tools/bench/veth-gen.c)
# Root. VETH_PLAN=FILE or gen:CLUSTERS (default maps/sol.plan); RESULTS=FILE
# appends the table there; PKTS, RUNS, ... as tools/bench/veth.sh says.

VETH_GEN	:= $(OUTPUT)/rg-veth-gen
VETH_PLAN	?= maps/sol.plan

$(OUTPUT)/bench/veth-gen.o: tools/bench/veth-gen.c $(SKEL)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests -c $< -o $@

$(VETH_GEN): $(OUTPUT)/bench/veth-gen.o $(OUTPUT)/tests/frames.o $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS_HARD) $^ $(PKG_LIBS) -o $@

.PHONY: bench-veth
bench-veth: deps
	$(Q)tools/deps.sh nftables tcpdump jq iproute2 util-linux
	$(Q)$(MAKE) --no-print-directory $(BIN) $(VETH_GEN)
	$(Q)OUT=$(OUTPUT) tools/bench/veth.sh $(VETH_PLAN)
