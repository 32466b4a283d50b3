# Stafeta - SMS and USSD gateway.  Plain GNU make.
#
#   make                      build build/stafetad and build/stafeta
#   make check                unit tests, corpus replays, end-to-end tests
#   make check SANITIZE=address,undefined
#   make e2e-pg               the end-to-end tests on the PostgreSQL store
#   make ci                   what .ci/run and the README test command run:
#                             check, e2e-pg, then check again under
#                             ASan+UBSan
#   make run                  install Debian packages if missing, then start
#                             stafetad in the foreground on a dummy modem
#   make install PREFIX=/usr DESTDIR=...
#   .ci/package               build the Debian package, lintian, install it
#   make fuzz                 build libFuzzer targets (clang) into build/fuzz
#   make analyze              clang static analyser (scan-build)

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
# systemd units (the Debian package sets /lib/systemd/system on bookworm)
# and man pages.
UNITDIR  ?= $(PREFIX)/lib/systemd/system
MANDIR   ?= $(PREFIX)/share/man
SANITIZE ?=

PKGS     = gammu libevent sqlite3 libpq libpcre2-8 libsystemd xlsxwriter \
           libsodium openssl libevent_openssl
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
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

ifeq ($(SANITIZE),)
BUILD    = build
OPT      = $(HARDEN) -D_FORTIFY_SOURCE=3 -g
else
BUILD    = build-san
OPT      = -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) \
           -fno-sanitize-recover=all -fPIE
LDHARDEN = -pie -fsanitize=$(SANITIZE)
endif

# The layers, lowest first.  Each folder is compiled with the include
# paths of its own layer and those below it only, so an upward #include
# fails to compile; tests/layers.sh (run by make check) also fails on an
# upward call between the per-layer archives.  See README "What is in the
# tree".
SERVICES     = $(patsubst %/,%,$(sort $(dir $(wildcard flows/*/*.c))))
INC_base     = -Ilib
INC_config   = $(INC_base) -Iconfig
INC_modem    = $(INC_config) -Imodem
INC_store    = $(INC_base) -Istore
INC_engine   = $(INC_base) -Iconfig -Istore -Iflows
INC_services = $(INC_engine) $(SERVICES:%=-I%)
INC_gateway  = $(INC_services) -Imodem -Igateway
INCS         = $(INC_gateway)

ALL_CFLAGS  = $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) \
              -DSTAFETA_DATADIR='"$(PREFIX)/share/stafeta"' \
              -DSTAFETA_SRCDIR='"$(CURDIR)"' $(CFLAGS)
ALL_LDFLAGS = $(LDHARDEN) $(LDFLAGS)

# Program entry points; everything else goes into the layer archives, so
# tests link exactly the code the daemon runs.
MAINS    = gateway/stafetad_main.c gateway/stafeta_main.c
SRC_base     = $(wildcard lib/*.c)
SRC_config   = $(wildcard config/*.c)
SRC_modem    = $(wildcard modem/*.c)
SRC_store    = $(wildcard store/*.c)
SRC_engine   = $(wildcard flows/*.c)
SRC_services = $(wildcard flows/*/*.c)
SRC_gateway  = $(filter-out $(MAINS), $(wildcard gateway/*.c))
LAYERS   = gateway services engine store modem config base
# Link order: highest first, so each archive resolves against those below.
LIBS     = $(LAYERS:%=$(BUILD)/lib%.a)
LIB_SRC  = $(foreach l,$(LAYERS),$(SRC_$(l)))

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

all: $(BUILD)/stafetad $(BUILD)/stafeta $(TOOL_BIN)

# V=1 shows the full command lines.
Q = $(if $(V),,@)

# Per-layer include paths (pattern-specific: the longest stem wins).
$(BUILD)/obj/lib/%.o: LAYER_INC = $(INC_base)
$(BUILD)/obj/config/%.o: LAYER_INC = $(INC_config)
$(BUILD)/obj/modem/%.o: LAYER_INC = $(INC_modem)
$(BUILD)/obj/store/%.o: LAYER_INC = $(INC_store)
$(BUILD)/obj/flows/%.o: LAYER_INC = $(INC_services)
$(BUILD)/obj/gateway/%.o: LAYER_INC = $(INC_gateway)
$(foreach f,$(SRC_engine),$(eval $(BUILD)/obj/$(f:.c=.o): LAYER_INC = $(INC_engine)))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(LAYER_INC) -MMD -MP -c $< -o $@

# The data directory is compiled into config.c: rebuild it when PREFIX
# changes, so "make install PREFIX=/usr" after a plain "make" installs a
# binary that looks in /usr/share/stafeta.
$(BUILD)/prefix.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@
$(BUILD)/obj/config/config.o: $(BUILD)/prefix.stamp

$(BUILD)/lib%.a:
	@rm -f $@
	$(Q)ar rcs $@ $^

$(foreach l,$(LAYERS),$(eval $(BUILD)/lib$(l).a: $(SRC_$(l):%.c=$(BUILD)/obj/%.o)))

$(BUILD)/stafetad: $(BUILD)/obj/gateway/stafetad_main.o $(LIBS)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/stafeta: $(BUILD)/obj/gateway/stafeta_main.o $(LIBS)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(INCS) $(ALL_LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(INCS) $(ALL_LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS)

# Fuzz corpora are replayed by a plain driver (tests/fuzz/replay.c) linked
# with each target, so make check needs no clang.
FUZZ_SRC = $(wildcard tests/fuzz/*_fuzzer.c)
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/%_fuzzer.c=$(BUILD)/replay/%)

$(BUILD)/replay/%: tests/fuzz/%_fuzzer.c tests/fuzz/replay.c $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(INCS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBS) $(PKG_LIBS)

fuzz: $(LIBS)
	@mkdir -p build/fuzz
	for f in $(FUZZ_SRC); do n=$$(basename $$f _fuzzer.c); \
	  clang $(CSTD) $(INCS) $(PKG_CFLAGS) -g -O1 \
	    -fsanitize=fuzzer,address,undefined $$f $(LIB_SRC) \
	    -o build/fuzz/$$n $(PKG_LIBS) || exit 1; done

# clang's static analyser over the daemon and the CLI (not part of make ci).
analyze:
	scan-build --status-bugs -o build/scan $(MAKE) -j2 BUILD=build-scan CC=clang \
	  build-scan/stafetad build-scan/stafeta

# No folder includes or calls a layer above its own.
layers: $(LIBS)
	@BUILD=$(BUILD) tests/layers.sh

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

replay: $(FUZZ_REPLAY)
	@set -e; for r in $(FUZZ_REPLAY); do n=$$(basename $$r); \
	  echo "== corpus $$n"; $$r tests/fuzz/corpus/$$n; done

e2e: all
	@BUILD=$(BUILD) tests/e2e/run-all.sh

# The same suite on the PostgreSQL store (a throwaway cluster per test).
e2e-pg: all
	@E2E_STORE=postgresql BUILD=$(BUILD) tests/e2e/run-all.sh

# Sequential on purpose: the end-to-end tests time real daemons, and
# interleaved output from parallel suites is unreadable.
check:
	$(MAKE) layers
	$(MAKE) unit
	$(MAKE) replay
	$(MAKE) e2e

ci:
	$(MAKE) check
	$(MAKE) e2e-pg
	$(MAKE) check SANITIZE=address,undefined

run: deps all
	@tests/tools/run-demo.sh $(BUILD)

deps:
	@.ci/deps

install: $(BUILD)/stafetad $(BUILD)/stafeta
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	  $(DESTDIR)$(PREFIX)/share/stafeta/flows $(DESTDIR)/etc/stafeta \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BUILD)/stafetad $(DESTDIR)$(PREFIX)/sbin/stafetad
	install -m 755 $(BUILD)/stafeta $(DESTDIR)$(PREFIX)/bin/stafeta
	install -m 644 flows/*.flow $(DESTDIR)$(PREFIX)/share/stafeta/flows/
	for s in $(SERVICES); do install -d $(DESTDIR)$(PREFIX)/share/stafeta/$$s && \
	  install -m 644 $$(ls $$s/*.flow $$s/*.csv 2>/dev/null) $(DESTDIR)$(PREFIX)/share/stafeta/$$s/ || exit 1; done
	install -d $(DESTDIR)$(PREFIX)/share/stafeta/flows/poll/polls && install -m 644 flows/poll/polls/*.poll $(DESTDIR)$(PREFIX)/share/stafeta/flows/poll/polls/
	install -m 644 config/stafeta.conf.example $(DESTDIR)$(PREFIX)/share/stafeta/
	test -e $(DESTDIR)/etc/stafeta/stafeta.conf || \
	  install -m 640 config/stafeta.conf.example $(DESTDIR)/etc/stafeta/stafeta.conf
	@# The file holds the HTTP secret and SIM PINs: readable by the
	@# stafeta group only (created by systemd-sysusers).
	@chgrp stafeta $(DESTDIR)/etc/stafeta/stafeta.conf 2>/dev/null || \
	  echo "note: after 'systemd-sysusers', run: chgrp stafeta /etc/stafeta/stafeta.conf"
	@# Every unit and timer in systemd/ (stafetad.service, the backup
	@# timer and its service when present), with the paths filled in.
	for u in $(wildcard systemd/*.service systemd/*.timer); do \
	  sed -e 's,@SBINDIR@,$(PREFIX)/sbin,g' -e 's,@BINDIR@,$(PREFIX)/bin,g' \
	    $$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; done
	install -m 644 systemd/stafeta.sysusers \
	  $(DESTDIR)$(PREFIX)/lib/sysusers.d/stafeta.conf
	install -m 644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 docs/man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 docs/man/*.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf build build-san build-scan

.PHONY: FORCE layers all check ci unit replay e2e e2e-pg run deps install clean fuzz analyze
.PRECIOUS: $(BUILD)/obj/%.o

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
