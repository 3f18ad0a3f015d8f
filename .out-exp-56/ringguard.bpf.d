.out-exp-56/ringguard.bpf.o: bpf/ringguard.bpf.c .out-exp-56/vmlinux.h \
  bpf/classify.h include/ringguard.h bpf/parse.h bpf/maps.h

.out-exp-56/vmlinux.h:

bpf/classify.h:

include/ringguard.h:

bpf/parse.h:

bpf/maps.h:
