.out-exp-56/user/show.o: user/show.c user/attach.h user/plan.h \
 include/ringguard.h user/state.h user/install.h user/show.h
user/attach.h:
user/plan.h:
include/ringguard.h:
user/state.h:
user/install.h:
user/show.h:
