.out-exp-4/user/plandiff.o: user/plandiff.c user/plan.h \
 include/ringguard.h user/addr128.h user/plandiff.h
user/plan.h:
include/ringguard.h:
user/addr128.h:
user/plandiff.h:
