.out-exp-1/user/plan.o: user/plan.c user/plan.h include/ringguard.h
user/plan.h:
include/ringguard.h:
