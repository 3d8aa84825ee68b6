# lyra: one non-recursive GNU Makefile.
#   make            liblyra.a and every program in cmd/ into bin/
#   make check      deps, then the whole suite plain and under ASan+UBSan
#   make demo       deps, then the main job on bundled data in a temporary store
#   make bench      benchmarks (ratios against named baselines, one run)
#   make SANITIZE=address,undefined   sanitizer build into build/san/

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR_I  = $(DESTDIR)$(PREFIX)/bin
MANDIR_I  = $(DESTDIR)$(PREFIX)/share/man
BASHCOMP  = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHCOMP   = $(DESTDIR)$(PREFIX)/share/zsh/site-functions

VERSION  := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CC       ?= cc
PKGS      = libcurl jansson sqlite3 libcrypto libarchive
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN      = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
HARDEN    = -fstack-protector-strong -D_FORTIFY_SOURCE=2
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) $(PKG_CFLAGS) \
             -Ilib -DLYRA_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS    = $(PKG_LIBS) -lm -lpthread

ifdef SANITIZE
  B        = build/san
  BIN      = build/san/bin
  ALL_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=2,$(ALL_CFLAGS)) -O1 -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
                -DLYRA_SANITIZER_BUILD
  LDFLAGS  += -fsanitize=$(SANITIZE)
else
  B        = build/plain
  BIN      = bin
endif

LIB_SRC   = $(sort $(wildcard lib/*.c))
CMD_SRC   = $(sort $(wildcard cmd/*.c))
UNIT_SRC  = $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC  = $(sort $(wildcard tests/tools/*.c))
BENCH_SRC = $(sort $(wildcard bench/*.c))
FUZZ_SRC  = $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJ   = $(LIB_SRC:%.c=$(B)/%.o)
LIBLYRA   = $(B)/liblyra.a
PROGS     = $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNITS     = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOLS     = $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)
BENCHES   = $(BENCH_SRC:bench/%.c=$(B)/bench/%)
FUZZERS   = $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FUZZ_SECONDS ?= 60

.PHONY: all check test unit demo bench lint install uninstall clean deps completions fuzz
all: $(LIBLYRA) $(PROGS) $(UNITS) $(TOOLS) $(FUZZERS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBLYRA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/%: $(B)/cmd/%.o $(LIBLYRA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLYRA) $(LDLIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(LIBLYRA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLYRA) $(LDLIBS)

$(B)/tools/%: $(B)/tests/tools/%.o $(LIBLYRA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLYRA) $(LDLIBS)

$(B)/tests/fuzz/%.o: ALL_CFLAGS += -include tests/fuzz/fuzz.h -Itests/fuzz

$(B)/fuzz/%: $(B)/tests/fuzz/%.o $(B)/tests/fuzz/driver.o $(LIBLYRA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(B)/tests/fuzz/driver.o $(LIBLYRA) $(LDLIBS)

# Open-ended coverage-guided fuzzing with clang's libFuzzer: FUZZ_SECONDS per harness.
fuzz: all
	@mkdir -p build/libfuzzer
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	  clang -std=c17 -D_GNU_SOURCE -DLYRA_VERSION='"$(VERSION)"' -Ilib -Itests/fuzz -include tests/fuzz/fuzz.h -g -O1 \
	    -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) $$f $(LIB_SRC) $(LDLIBS) -o build/libfuzzer/$$n \
	  && mkdir -p build/libfuzzer/corpus-$$n && cp -n tests/fuzz/corpus/$${n#fuzz_}/* build/libfuzzer/corpus-$$n/ 2>/dev/null; \
	  build/libfuzzer/$$n -max_total_time=$(FUZZ_SECONDS) build/libfuzzer/corpus-$$n || exit 1; done

$(B)/bench/%: $(B)/bench/%.o $(LIBLYRA)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBLYRA) $(LDLIBS)

deps:
	@sh tests/deps.sh

# The suite: plain build, then the same suite under ASan+UBSan. One summary line at the end.
check: deps
	@echo "check: building (plain and ASan+UBSan)"
	@$(MAKE) -s --no-print-directory -j$$(nproc) all
	@$(MAKE) -s --no-print-directory -j$$(nproc) all SANITIZE=address,undefined
	@sh tests/lint.sh && echo "check: lint clean"
	@bash tests/run bin build/plain build/san/bin build/san

test: all
	@bash tests/run bin build/plain

unit: all
	@for t in $(UNITS); do $$t || exit 1; done

demo: deps
	$(MAKE) all
	@bash examples/demo.sh

bench:
	@sh tests/deps.sh bench
	$(MAKE) all $(BENCHES)
	@bash bench/run $(B)

lint: all
	@sh tests/lint.sh

completions: all
	@bash completions/gen.sh bin

install: all
	install -d $(BINDIR_I) $(MANDIR_I)/man1 $(MANDIR_I)/man5 $(MANDIR_I)/man7 $(BASHCOMP) $(ZSHCOMP)
	for p in $(PROGS); do install -m 0755 $$p $(BINDIR_I)/; done
	for m in man/*.1; do [ -e "$$m" ] && install -m 0644 $$m $(MANDIR_I)/man1/ || true; done
	for m in man/*.5; do [ -e "$$m" ] && install -m 0644 $$m $(MANDIR_I)/man5/ || true; done
	for m in man/*.7; do [ -e "$$m" ] && install -m 0644 $$m $(MANDIR_I)/man7/ || true; done
	install -m 0644 completions/lyra.bash $(BASHCOMP)/lyra
	for p in $(PROGS); do ln -sf lyra $(BASHCOMP)/$$(basename $$p); done
	install -m 0644 completions/_lyra $(ZSHCOMP)/_lyra

uninstall:
	for p in $(PROGS); do rm -f $(BINDIR_I)/$$(basename $$p) $(BASHCOMP)/$$(basename $$p); done
	for m in man/*.[157]; do rm -f $(MANDIR_I)/man$${m##*.}/$$(basename $$m); done
	rm -f $(BASHCOMP)/lyra $(ZSHCOMP)/_lyra

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
