.out-exp-0/floors.bpf.o: tools/bench/floors.bpf.c .out-exp-0/vmlinux.h \
  bpf/parse.h include/ringguard.h

.out-exp-0/vmlinux.h:

bpf/parse.h:

include/ringguard.h:
