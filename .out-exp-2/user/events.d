.out-exp-2/user/events.o: user/events.c user/events.h user/state.h \
 include/ringguard.h user/plan.h
user/events.h:
user/state.h:
include/ringguard.h:
user/plan.h:
