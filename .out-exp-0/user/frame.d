.out-exp-0/user/frame.o: user/frame.c user/frame.h
user/frame.h:
