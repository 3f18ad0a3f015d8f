.out-exp-2/user/verify.o: user/verify.c user/verify.h user/plan.h \
 include/ringguard.h
user/verify.h:
user/plan.h:
include/ringguard.h:
