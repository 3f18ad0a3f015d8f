.out-exp-0/user/state.o: user/state.c user/state.h include/ringguard.h
user/state.h:
include/ringguard.h:
