.out-exp-4/user/frame.o: user/frame.c user/frame.h
user/frame.h:
