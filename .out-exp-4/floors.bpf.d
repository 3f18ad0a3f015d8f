.out-exp-4/floors.bpf.o: tools/bench/floors.bpf.c .out-exp-4/vmlinux.h \
  bpf/parse.h include/ringguard.h

.out-exp-4/vmlinux.h:

bpf/parse.h:

include/ringguard.h:
