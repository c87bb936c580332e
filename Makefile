# iou: io_uring file copy/sync tools. Plain GNU make; see README.md.
# Every folder tools/NAME becomes build/bin/NAME; every tests/unit/test_*.c a
# cmocka test program; libcommon/*.c the shared library all of them link.

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
BUILD	?= build
CC	?= cc
PKG_CONFIG ?= pkg-config
SHELL	:= /bin/bash

CFLAGS	?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	    -Wno-unused-parameter
# CI (and anyone who sets WERROR=1) treats every warning as an error.
ifneq ($(CI)$(WERROR),)
WARNINGS += -Werror
endif
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags liburing libattr 2>/dev/null)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs liburing libattr 2>/dev/null)
override CFLAGS += -std=c11 $(WARNINGS) -MMD -MP $(DEPS_CFLAGS) $(SANITIZE)
override CPPFLAGS += -Iinclude -D_GNU_SOURCE
override LDFLAGS += $(SANITIZE)
LDLIBS	+= $(DEPS_LIBS) -lpthread

TOOLS	:= $(notdir $(wildcard tools/*))
BINS	:= $(TOOLS:%=$(BUILD)/bin/%)
LIB_SRC	:= $(wildcard libcommon/*.c)
LIB_OBJ	:= $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB	:= $(BUILD)/lib/libcommon.a
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
# Each fuzz target is a unit test too (replay_fuzz_NAME), see below.
UNIT_BINS += $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
MANPAGES := $(wildcard man/*.[1-8])

# Objects are kept between builds, not deleted as intermediates.
.SECONDARY:
.PHONY: all deps check check-unit check-e2e check-slow check-man lint format demo bench asan valgrind fuzz install clean
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# A tool is every .c in its folder; its private headers live beside them.
# (Pattern-rule prerequisites replace a bare %, so the objects come from a call.)
tool_all_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/$(1)/*.c))
.SECONDEXPANSION:
$(BUILD)/bin/%: $$(call tool_all_objs,$$*) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A unit test links the library and, when its name is test_TOOL_*.c, the
# modules of tools/TOOL except main.c, so engines are tested without a process.
tool_of = $(firstword $(filter $(TOOLS),$(subst _, ,$(1))))
tool_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %/main.c,$(wildcard tools/$(call tool_of,$(1))/*.c)))
$(BUILD)/tests/%: tests/unit/%.c $$(call tool_objs,$$*) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null) \
		-Itools -o $@ $(filter %.c %.o,$^) $(LIB) $(LDFLAGS) $(LDLIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# A fuzz target built with CC and no libFuzzer, tests/fuzz/replay.c calling
# it on every committed seed and crasher: an input that once crashed it fails
# make check-unit (and make asan) for good, no clang needed. It links what
# a unit test of its name would: fuzz_TOOL_*.c links tools/TOOL's modules.
$(BUILD)/tests/replay_%: tests/fuzz/replay.c tests/fuzz/%.c $$(call tool_objs,$$*) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null) \
		-Itools -DFUZZ_DIR='"$(abspath tests/fuzz)"' -DFUZZ_TARGET='"$*"' \
		-o $@ $(filter %.c %.o,$^) $(LIB) $(LDFLAGS) $(LDLIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# Test helpers that are programs of their own: tests/tools/NAME.c, no library.
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(wildcard tests/tools/*.c))
$(TEST_TOOLS): $(BUILD)/tests/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

deps:
	@scripts/deps

# The plain unit and e2e tests, then the unit tests and E2E_ASAN_CHECK under
# ASan and UBSan (make asan alone runs every suite), then the
# tools under valgrind, each logged apart; the last line counts every test
# run of all three: "N passed, N failed, N skipped". A suite that fails does
# not stop the ones after it (-k), so the count stays whole.
CHECK_LOGS := $(abspath $(BUILD)/check.log $(BUILD)/check-asan.log $(BUILD)/check-valgrind.log)
check: deps
	@mkdir -p $(BUILD)
	@rm -f $(CHECK_LOGS)
	@status=0; \
	$(MAKE) -k --no-print-directory check-unit check-e2e check-man lint \
		CHECK_LOG=$(word 1,$(CHECK_LOGS)) || status=1; \
	$(MAKE) --no-print-directory asan E2E="$(E2E_ASAN_CHECK)" \
		CHECK_LOG=$(word 2,$(CHECK_LOGS)) || status=1; \
	$(MAKE) --no-print-directory valgrind CHECK_LOG=$(word 3,$(CHECK_LOGS)) || status=1; \
	scripts/check-summary $(CHECK_LOGS); exit $$status

CHECK_LOG ?= /dev/null
# The e2e suites to run (bats files or folders).
E2E ?= tests/e2e
# What make check runs under ASan, within CI's 15 minutes (every suite took
# 13 minutes of make check alone on 2 shared cores). These reach every
# stream parser, every operation of iouput, every fault and every tool. Left
# out: resources.bats (its memory bounds cannot hold under ASan's
# quarantine), iouwalk.bats (walks of /usr and of big trees; the walker runs
# in the others, its input parser in the fuzz replays) and shards.bats (a
# minute of GNU parallel; its manifest parser is unit-tested under ASan).
E2E_ASAN_CHECK := tests/e2e/hostile.bats tests/e2e/put_ops.bats tests/e2e/copy.bats \
	tests/e2e/no_uring.bats tests/e2e/stream.bats tests/e2e/faults.bats \
	tests/e2e/sync.bats
# Every program runs, so the log counts every test; a failing one fails the
# target (pipefail: tee's status alone would hide it).
check-unit: $(UNIT_BINS)
	@set -o pipefail; status=0; for t in $(UNIT_BINS); do echo "== $$t"; \
		$$t 2>&1 | tee -a $(CHECK_LOG) || status=1; done; exit $$status

check-e2e: $(BINS) $(TEST_TOOLS)
	@set -o pipefail; IOU_BIN=$(abspath $(BUILD)/bin) IOU_TEST_TOOLS=$(abspath $(BUILD)/tests) \
		bats $(E2E) | tee -a $(CHECK_LOG)

# Slow tests, not part of make check: SIGKILL at random moments of a sync
# (tests/slow/kill.bats; KILL_SEED and KILL_ROUNDS pick the run), and
# 200,000 files under a small descriptor limit (tests/slow/resources.bats).
check-slow: all
	IOU_BIN=$(abspath $(BUILD)/bin) bats tests/slow

check-man:
	@set -e; for m in $(MANPAGES); do \
		out=$$(LC_ALL=C.UTF-8 MANWIDTH=80 groff -ww -man -Tutf8 -z $$m 2>&1); \
		if [ -n "$$out" ]; then echo "$$m: $$out"; exit 1; fi; \
		mandoc -T lint -W warning $$m; done; echo "man pages: clean"

# Shell code: -S error catches what silently breaks a test (a bare "! cmd"
# in bats asserts nothing) without rewriting every quoting style.
SHELL_SOURCES = $(wildcard tests/e2e/*.bats tests/e2e/*.bash tests/slow/*.bats scripts/*) \
	$(filter-out %.c,$(wildcard bench/*)) .ci/run

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -D_GNU_SOURCE -Iinclude libcommon tools tests/tools
	@echo "cppcheck: clean"
	shellcheck -S error $(SHELL_SOURCES)
	@echo "shellcheck (errors): clean"

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

demo: deps all
	@scripts/demo

bench: deps all $(BUILD)/bench/ptcopy
	@bench/walk
	@bench/copy
	@bench/tunables
	@bench/scaling
	@bench/plan-memory

# The plain-threads baseline the copy benches time next to iou: one file, no
# io_uring, no libcommon, built as a user would build a tuned tool.
$(BUILD)/bench/ptcopy: bench/ptcopy.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 -g -pthread $(WARNINGS) -D_GNU_SOURCE -o $@ $<

# Every tool under valgrind's memcheck on a small tree, with and without
# io_uring (see scripts/valgrind-check): no error, no definite or indirect leak.
valgrind: deps all
	@set -o pipefail; scripts/valgrind-check $(BUILD)/bin 2>&1 | tee -a $(CHECK_LOG)

# AddressSanitizer and UBSan over the unit and e2e tests, in a tree of its own.
# A sanitizer's report exits 86, never the 1 a test may expect of a tool.
asan: deps
	@ASAN_OPTIONS=exitcode=86 UBSAN_OPTIONS=exitcode=86:print_stacktrace=1 \
	$(MAKE) -k --no-print-directory BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		check-unit check-e2e

# libFuzzer targets (clang): tests/fuzz/fuzz_NAME.c, linked with the library
# sources and, as a unit test is, fuzz_TOOL_*.c with tools/TOOL's modules
# but main.c; each run FUZZ_SECONDS from its committed seeds and crashers by
# scripts/fuzz-run; new inputs go to build-fuzz/corpus/NAME, crashes to
# build-fuzz/. A target that fails fails make fuzz, naming the
# input it saved: copy it to tests/fuzz/crashers/, and check-unit replays it.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_BINS := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
tool_src = $(filter-out %/main.c,$(wildcard tools/$(call tool_of,$(1))/*.c))
build-fuzz/%: tests/fuzz/%.c $(LIB_SRC) $$(call tool_src,$$*)
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(CPPFLAGS) -Itools $(DEPS_CFLAGS) -o $@ $(filter %.c,$^) $(DEPS_LIBS) -lpthread

fuzz: deps
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 2; }
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@scripts/fuzz-run $(FUZZ_SECONDS) $(FUZZ_BINS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
