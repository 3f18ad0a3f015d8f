# SPDX-License-Identifier: GPL-2.0-only
#
# The sanitizer build (clang, ASan + UBSan) in $(OUTPUT)/san: the library
# objects, the Criterion suites and the libFuzzer targets of tests/fuzz/.
# libFuzzer and the sanitizer runtimes come with Debian's libclang-rt-14-dev
# (tools/deps.sh).
#
#   make fuzz [FUZZ_TIME=60] [FUZZ_TARGETS="plan frame"]   each target FUZZ_TIME s
#   make san-tests                     the Criterion suites under ASan + UBSan
#
# Library objects get coverage hooks for libFuzzer (fuzzer-no-link); in a
# Criterion suite the sanitizer runtime's empty hooks answer them.

SAN_OUT		:= $(OUTPUT)/san
SAN_CC		?= clang
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
SAN_CFLAGS	:= -O1 -g $(SAN_FLAGS) -fsanitize=fuzzer-no-link \
		   $(WARN) -Wno-unknown-warning-option -std=gnu11 -D_GNU_SOURCE \
		   -MMD -MP -Iinclude -Iuser -I$(OUTPUT) $(PKG_CFLAGS)
SAN_LIB_OBJS	:= $(patsubst user/%.c,$(SAN_OUT)/user/%.o,$(LIB_SRCS))
SAN_TEST_LIB	:= $(patsubst tests/%.c,$(SAN_OUT)/tests/%.o,$(TEST_LIB_SRCS))
SAN_TEST_BINS	:= $(patsubst tests/%.c,$(SAN_OUT)/tests/%,$(TEST_SRCS))

FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(SAN_OUT)/fuzz/%,$(FUZZ_SRCS))
FUZZ_TIME	?= 60
FUZZ_TARGETS	?=

.PHONY: fuzz fuzz-build san-tests
# objects named only in pattern rules would be deleted as intermediate
.SECONDARY: $(SAN_LIB_OBJS) $(SAN_TEST_LIB) $(SAN_TEST_BINS:=.o) \
	    $(patsubst %,%.o,$(FUZZ_BINS))

$(SAN_OUT)/tests $(SAN_OUT)/fuzz:
	$(Q)mkdir -p $@

$(SAN_OUT)/user/%.o: user/%.c $(SKEL)
	$(call msg,SAN-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -c $< -o $@

$(SAN_OUT)/tests/%.o: tests/%.c $(SKEL) | $(SAN_OUT)/tests
	$(call msg,SAN-CC,$@)
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -Itests -c $< -o $@

$(SAN_OUT)/tests/test_%: $(SAN_OUT)/tests/test_%.o $(SAN_TEST_LIB) $(SAN_LIB_OBJS)
	$(call msg,SAN-LINK,$@)
	$(Q)$(SAN_CC) $(SAN_FLAGS) $^ $(PKG_LIBS) -lcriterion -o $@

# bpf/ on the include path: fuzz_frame compiles bpf/parse.h as plain C.
# Alignment is not checked there: a BPF load has no alignment rule, and the
# frame inside VXLAN (70 bytes of outer headers) cannot be aligned in the
# same buffer as the frame around it.
$(SAN_OUT)/fuzz/fuzz_frame.o: SAN_CFLAGS += -fno-sanitize=alignment
$(SAN_OUT)/fuzz/%.o: tests/fuzz/%.c $(SKEL) | $(SAN_OUT)/fuzz
	$(call msg,SAN-CC,$@)
	$(Q)$(SAN_CC) $(SAN_CFLAGS) -Itests/fuzz -Ibpf -c $< -o $@

$(SAN_OUT)/fuzz/fuzz_%: $(SAN_OUT)/fuzz/fuzz_%.o $(SAN_LIB_OBJS)
	$(call msg,SAN-LINK,$@)
	$(Q)$(SAN_CC) $(SAN_FLAGS) -fsanitize=fuzzer $^ $(PKG_LIBS) -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh $(OUTPUT) $(FUZZ_TIME) $(FUZZ_TARGETS)

san-tests: $(SAN_TEST_BINS)

-include $(wildcard $(SAN_OUT)/*/*.d $(SAN_OUT)/user/*/*.d)
