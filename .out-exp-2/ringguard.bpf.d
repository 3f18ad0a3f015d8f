.out-exp-2/ringguard.bpf.o: bpf/ringguard.bpf.c .out-exp-2/vmlinux.h \
  bpf/classify.h include/ringguard.h bpf/parse.h bpf/maps.h

.out-exp-2/vmlinux.h:

bpf/classify.h:

include/ringguard.h:

bpf/parse.h:

bpf/maps.h:
