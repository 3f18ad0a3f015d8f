.out-exp-1/floors.bpf.o: tools/bench/floors.bpf.c .out-exp-1/vmlinux.h \
  bpf/parse.h include/ringguard.h

.out-exp-1/vmlinux.h:

bpf/parse.h:

include/ringguard.h:
