.out-exp-1/user/state.o: user/state.c user/state.h include/ringguard.h
user/state.h:
include/ringguard.h:
