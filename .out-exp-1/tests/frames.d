.out-exp-1/tests/frames.o: tests/frames.c tests/frames.h
tests/frames.h:
