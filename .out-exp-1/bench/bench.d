.out-exp-1/bench/bench.o: tools/bench/bench.c tests/frames.h \
 tools/bench/genplan.h user/install.h user/plan.h include/ringguard.h \
 user/state.h user/instance.h .out-exp-1/ringguard.skel.h \
 .out-exp-1/floors.skel.h
tests/frames.h:
tools/bench/genplan.h:
user/install.h:
user/plan.h:
include/ringguard.h:
user/state.h:
user/instance.h:
.out-exp-1/ringguard.skel.h:
.out-exp-1/floors.skel.h:
