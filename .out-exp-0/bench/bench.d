.out-exp-0/bench/bench.o: tools/bench/bench.c tests/frames.h \
 tools/bench/genplan.h user/install.h user/plan.h include/ringguard.h \
 user/state.h user/instance.h .out-exp-0/ringguard.skel.h \
 .out-exp-0/floors.skel.h
tests/frames.h:
tools/bench/genplan.h:
user/install.h:
user/plan.h:
include/ringguard.h:
user/state.h:
user/instance.h:
.out-exp-0/ringguard.skel.h:
.out-exp-0/floors.skel.h:
