.out-exp-2/user/install.o: user/install.c user/install.h user/plan.h \
 include/ringguard.h user/state.h
user/install.h:
user/plan.h:
include/ringguard.h:
user/state.h:
