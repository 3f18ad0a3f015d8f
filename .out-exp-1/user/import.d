.out-exp-1/user/import.o: user/import.c user/import.h user/plan.h \
 include/ringguard.h user/addr128.h
user/import.h:
user/plan.h:
include/ringguard.h:
user/addr128.h:
