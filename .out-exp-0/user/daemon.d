.out-exp-0/user/daemon.o: user/daemon.c user/attach.h user/plan.h \
 include/ringguard.h user/state.h user/daemon.h user/install.h \
 user/show.h
user/attach.h:
user/plan.h:
include/ringguard.h:
user/state.h:
user/daemon.h:
user/install.h:
user/show.h:
