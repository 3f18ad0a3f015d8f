.out-exp-2/user/attach.o: user/attach.c user/attach.h user/plan.h \
 include/ringguard.h user/state.h user/install.h \
 .out-exp-2/ringguard.skel.h
user/attach.h:
user/plan.h:
include/ringguard.h:
user/state.h:
user/install.h:
.out-exp-2/ringguard.skel.h:
