.out-exp-2/user/frame.o: user/frame.c user/frame.h
user/frame.h:
