.out-exp-2/bench/bench.o: tools/bench/bench.c tests/frames.h \
 tools/bench/genplan.h user/install.h user/plan.h include/ringguard.h \
 user/state.h user/instance.h .out-exp-2/ringguard.skel.h \
 .out-exp-2/floors.skel.h
tests/frames.h:
tools/bench/genplan.h:
user/install.h:
user/plan.h:
include/ringguard.h:
user/state.h:
user/instance.h:
.out-exp-2/ringguard.skel.h:
.out-exp-2/floors.skel.h:
