.out-exp-1/user/frame.o: user/frame.c user/frame.h
user/frame.h:
