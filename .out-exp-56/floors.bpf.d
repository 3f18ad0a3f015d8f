.out-exp-56/floors.bpf.o: tools/bench/floors.bpf.c .out-exp-56/vmlinux.h \
  bpf/parse.h include/ringguard.h

.out-exp-56/vmlinux.h:

bpf/parse.h:

include/ringguard.h:
