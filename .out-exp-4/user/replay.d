.out-exp-4/user/replay.o: user/replay.c user/events.h user/state.h \
 include/ringguard.h user/frame.h user/install.h user/plan.h \
 user/instance.h user/replay.h
user/events.h:
user/state.h:
include/ringguard.h:
user/frame.h:
user/install.h:
user/plan.h:
user/instance.h:
user/replay.h:
