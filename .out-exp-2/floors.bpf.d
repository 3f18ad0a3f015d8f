.out-exp-2/floors.bpf.o: tools/bench/floors.bpf.c .out-exp-2/vmlinux.h \
  bpf/parse.h include/ringguard.h

.out-exp-2/vmlinux.h:

bpf/parse.h:

include/ringguard.h:
