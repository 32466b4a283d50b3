# Stafeta - SMS and USSD gateway.  Plain GNU make.
#
#   make                      build build/stafetad and build/stafeta
#   make check                unit tests, corpus replays, end-to-end tests
#   make check SANITIZE=address,undefined
#   make ci                   what .ci/run and the README test command run:
#                             check, then check again under ASan+UBSan
#   make run                  install Debian packages if missing, then start
#                             stafetad in the foreground on a dummy modem
#   make install PREFIX=/usr DESTDIR=...
#   make fuzz                 build libFuzzer targets (clang) into build/fuzz
#   make analyze              clang static analyser (scan-build)

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
SANITIZE ?=

PKGS     = gammu libevent sqlite3 libpcre2-8 libsystemd
CSTD     = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN     = -Wall -Wextra -Wpedantic -Wshadow -Wpointer-arith -Wcast-align \
           -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
           -Wold-style-definition -Wredundant-decls -Wnested-externs \
           -Wwrite-strings -Wformat=2 -Wundef -Wvla \
           -Werror=implicit-function-declaration -Werror
HARDEN   = -O2 -fstack-protector-strong -fstack-clash-protection -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now,-z,noexecstack
# libgammu's headers are not -Wpedantic clean; treat them as system headers.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null | sed 's/-I/-isystem /g')
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -levent_pthreads -lpthread
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

ifeq ($(SANITIZE),)
BUILD    = build
OPT      = $(HARDEN) -D_FORTIFY_SOURCE=2 -g
else
BUILD    = build-san
OPT      = -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) \
           -fno-sanitize-recover=all -fPIE
LDHARDEN = -pie -fsanitize=$(SANITIZE)
endif

INCS     = -I. -Igateway -Imodem -Iflows -Istore -Iconfig
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(INCS) $(PKG_CFLAGS) \
           -DSTAFETA_DATADIR='"$(PREFIX)/share/stafeta"'
LDFLAGS += $(LDHARDEN)

# Everything but the program entry points goes into one static library, so
# tests link exactly the code the daemon runs.
MAINS    = gateway/stafetad_main.c gateway/stafeta_main.c
LIB_SRC  = $(filter-out $(MAINS), $(wildcard gateway/*.c modem/*.c flows/*.c store/*.c config/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB      = $(BUILD)/libstafeta.a

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

all: $(BUILD)/stafetad $(BUILD)/stafeta $(TOOL_BIN)

# V=1 shows the full command lines.
Q = $(if $(V),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/stafetad: $(BUILD)/obj/gateway/stafetad_main.o $(LIB)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/stafeta: $(BUILD)/obj/gateway/stafeta_main.o $(LIB)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

# Fuzz corpora are replayed by a plain driver (tests/fuzz/replay.c) linked
# with each target, so make check needs no clang.
FUZZ_SRC = $(wildcard tests/fuzz/*_fuzzer.c)
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/%_fuzzer.c=$(BUILD)/replay/%)

$(BUILD)/replay/%: tests/fuzz/%_fuzzer.c tests/fuzz/replay.c $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB) $(PKG_LIBS)

fuzz: $(LIB)
	@mkdir -p build/fuzz
	for f in $(FUZZ_SRC); do n=$$(basename $$f _fuzzer.c); \
	  clang $(CSTD) $(INCS) $(PKG_CFLAGS) -g -O1 \
	    -fsanitize=fuzzer,address,undefined $$f $(LIB_SRC) \
	    -o build/fuzz/$$n $(PKG_LIBS) || exit 1; done

# clang's static analyser over the daemon and the CLI (not part of make ci).
analyze:
	scan-build --status-bugs -o build/scan $(MAKE) -j2 BUILD=build-scan CC=clang \
	  build-scan/stafetad build-scan/stafeta

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

replay: $(FUZZ_REPLAY)
	@set -e; for r in $(FUZZ_REPLAY); do n=$$(basename $$r); \
	  echo "== corpus $$n"; $$r tests/fuzz/corpus/$$n; done

e2e: all
	@BUILD=$(BUILD) tests/e2e/run-all.sh

# Sequential on purpose: the end-to-end tests time real daemons, and
# interleaved output from parallel suites is unreadable.
check:
	$(MAKE) unit
	$(MAKE) replay
	$(MAKE) e2e

ci:
	$(MAKE) check
	$(MAKE) check SANITIZE=address,undefined

run: deps all
	@tests/tools/run-demo.sh $(BUILD)

deps:
	@.ci/deps

install: $(BUILD)/stafetad $(BUILD)/stafeta
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/stafeta/flows $(DESTDIR)/etc/stafeta \
	  $(DESTDIR)$(PREFIX)/lib/systemd/system $(DESTDIR)$(PREFIX)/lib/sysusers.d
	install -m 755 $(BUILD)/stafetad $(DESTDIR)$(PREFIX)/sbin/stafetad
	install -m 755 $(BUILD)/stafeta $(DESTDIR)$(PREFIX)/bin/stafeta
	install -m 644 flows/*.flow flows/*.csv $(DESTDIR)$(PREFIX)/share/stafeta/flows/
	install -m 644 config/stafeta.conf.example $(DESTDIR)$(PREFIX)/share/stafeta/
	test -e $(DESTDIR)/etc/stafeta/stafeta.conf || \
	  install -m 640 config/stafeta.conf.example $(DESTDIR)/etc/stafeta/stafeta.conf
	@# The file holds the HTTP secret and SIM PINs: readable by the
	@# stafeta group only (created by systemd-sysusers).
	@chgrp stafeta $(DESTDIR)/etc/stafeta/stafeta.conf 2>/dev/null || \
	  echo "note: after 'systemd-sysusers', run: chgrp stafeta /etc/stafeta/stafeta.conf"
	sed 's,@SBINDIR@,$(PREFIX)/sbin,g' systemd/stafetad.service > \
	  $(DESTDIR)$(PREFIX)/lib/systemd/system/stafetad.service
	install -m 644 systemd/stafeta.sysusers \
	  $(DESTDIR)$(PREFIX)/lib/sysusers.d/stafeta.conf

clean:
	rm -rf build build-san build-scan

.PHONY: all check ci unit replay e2e run deps install clean fuzz analyze
.PRECIOUS: $(BUILD)/obj/%.o

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
