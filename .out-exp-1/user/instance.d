.out-exp-1/user/instance.o: user/instance.c user/attach.h user/plan.h \
 include/ringguard.h user/state.h user/instance.h \
 .out-exp-1/ringguard.skel.h
user/attach.h:
user/plan.h:
include/ringguard.h:
user/state.h:
user/instance.h:
.out-exp-1/ringguard.skel.h:
