# SPDX-License-Identifier: LGPL-2.1-or-later
# nixbox: build, install and test.
# `make` builds build/nixbox (with the init-shim embedded), build/nixbox-netsetup
# and the unit tests; `make check` installs the Debian packages the tests need,
# builds and runs every test; `make install` honours PREFIX and DESTDIR.

PREFIX  ?= /usr/local
DESTDIR ?=
# The Python client (python/README.md), where Debian's python3 looks: /usr/lib/python3/
# dist-packages for PREFIX=/usr, else PREFIX/lib/python3.X/dist-packages.
PYTHON3 ?= /usr/bin/python3
PYTHONDIR ?= $(PREFIX)/lib/$(if $(filter /usr,$(PREFIX)),python3,$(shell $(PYTHON3) -c 'import sys; print("python%d.%d" % sys.version_info[:2])'))/dist-packages
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
DOCDIR  ?= $(DATADIR)/doc/nixbox
# /etc for PREFIX=/usr, else below PREFIX; the OpenRC script goes to its init.d.
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
OPENRCDIR ?= $(SYSCONFDIR)/init.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
BUILD   ?= build

CC      ?= cc
PKGS    := libcap libseccomp libmnl inih
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcap, libseccomp and inih are linked statically (their .a files come with
# Debian's -dev packages): every container start execs nixbox, and the dynamic
# loader's work for three more libraries costs start-up time (docs/architecture.md,
# "Linking"). libmnl stays dynamic: Debian ships no libmnl.a. STATIC_LIBS=0
# links all four dynamically.
STATIC_LIBS ?= 1
STATIC_PKGS := libcap libseccomp inih
ifeq ($(STATIC_LIBS),1)
PKG_LIBS   := -Wl,-Bstatic $(shell pkg-config --static --libs $(STATIC_PKGS) 2>/dev/null) -Wl,-Bdynamic \
              $(shell pkg-config --libs libmnl 2>/dev/null)
else
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif

CFLAGS  ?= -O2 -g
# Every source folder is on the include path: `#include "x.h"` names a header
# by its basename wherever it lives (the tree is explained in docs/architecture.md).
SRC_DIRS := runtime runtime/base runtime/settings runtime/net runtime/machine runtime/image netsetup
INCLUDES := $(SRC_DIRS:%=-I%)
WARN_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
           -Wshadow -Wvla -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes \
           -fno-strict-aliasing -D_GNU_SOURCE $(INCLUDES)
CFLAGS  += $(WARN_CFLAGS) $(PKG_CFLAGS)
# SANITIZE=1 builds everything (but the static init-shim) with ASan+UBSan.
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
BUILD   := build/san
endif

# Symbols are bound at start-up (-z now), and the GOT is then read-only (full
# RELRO), as Debian's hardening flags do for the package: nixbox forks several
# times per start (guard, outer child, PID 1, /proc helper), and with lazy binding
# each child resolved its first calls again and copied the GOT's pages on write.
LDFLAGS += -Wl,-z,relro -Wl,-z,now

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
CFLAGS  += -DNIXBOX_VERSION=\"$(VERSION)\"

RUNTIME_SRC  := $(filter-out runtime/main.c,$(wildcard runtime/*.c runtime/*/*.c))
RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
NETSETUP_SRC := $(filter-out netsetup/nixbox-netsetup.c,$(wildcard netsetup/*.c))
NETSETUP_OBJ := $(NETSETUP_SRC:%.c=$(BUILD)/%.o)
SHIM_SRC     := $(wildcard init-shim/*.c)
UNIT_SRC     := $(wildcard tests/unit/test-*.c)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz-*.c)

HELPER_SRC   := $(wildcard tests/helpers/*.c)
HELPER_BIN   := $(HELPER_SRC:tests/helpers/%.c=$(BUILD)/tests/helpers/%)

all: $(BUILD)/nixbox $(BUILD)/nixbox-netsetup $(BUILD)/nixbox-oci $(UNIT_BIN) $(HELPER_BIN)

# Small static programs that tests copy into fixture trees.
$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -O2 -D_GNU_SOURCE -static -o $@ $<

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The init-shim is a static binary embedded into nixbox (runtime/embedded-shim.S)
# so that the rootfs never needs to contain it and the container cannot replace it.
# musl (Debian's musl-tools) makes it ~30 KB instead of ~800 KB with glibc:
# it is copied into a memfd and exec'd on every start.
SHIM_CC ?= $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
$(BUILD)/init-shim: $(SHIM_SRC) runtime/sync-protocol.h runtime/base/error.h
	@mkdir -p $(dir $@)
	$(SHIM_CC) -std=gnu11 -Wall -Wextra -Werror -Os -D_GNU_SOURCE -Iruntime/base -static -o $@ $(SHIM_SRC)

$(BUILD)/embedded-shim.o: runtime/embedded-shim.S $(BUILD)/init-shim
	$(CC) -c -DSHIM_PATH=\"$(BUILD)/init-shim\" -o $@ runtime/embedded-shim.S

$(BUILD)/libnixbox.a: $(RUNTIME_OBJ) $(NETSETUP_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/nixbox: $(BUILD)/runtime/main.o $(BUILD)/embedded-shim.o $(BUILD)/libnixbox.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/nixbox-netsetup: $(BUILD)/netsetup/nixbox-netsetup.o $(BUILD)/libnixbox.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The OCI runtime front end (docs/oci.md): its own folder and main, the only
# user of json-c, linked against the same libnixbox.a.
OCI_SRC := $(wildcard oci/*.c)
OCI_OBJ := $(OCI_SRC:%.c=$(BUILD)/%.o)
$(OCI_OBJ): CFLAGS += -Ioci $(shell pkg-config --cflags json-c 2>/dev/null)
$(BUILD)/nixbox-oci: $(OCI_OBJ) $(BUILD)/libnixbox.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs json-c 2>/dev/null)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/embedded-shim.o $(BUILD)/libnixbox.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Compile-only check against musl (Debian's musl-tools): every C source, as
# `make check` runs it. musl-gcc sees only musl's headers, so a scratch
# directory offers it, after musl's own, just the kernel's and the Debian
# headers of libcap, libseccomp, libmnl and inih. Linking is out of reach: Debian
# ships no musl builds of those libraries.
MUSL_CC   ?= musl-gcc
MUSL_DIR  := $(BUILD)/musl
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
MUSL_SRC  := $(wildcard runtime/*.c runtime/*/*.c netsetup/*.c init-shim/*.c tests/unit/*.c tests/helpers/*.c tests/fuzz/*.c)
MUSL_OBJ  := $(MUSL_SRC:%.c=$(MUSL_DIR)/%.o)

check-musl: $(MUSL_OBJ)
	@echo "check-musl: $(words $(MUSL_SRC)) sources compile with $(MUSL_CC)"

$(MUSL_DIR)/include/.stamp:
	@rm -rf $(dir $@) && mkdir -p $(dir $@)sys
	ln -s /usr/include/linux /usr/include/asm-generic /usr/include/seccomp.h \
		/usr/include/seccomp-syscalls.h /usr/include/libmnl /usr/include/ini.h $(dir $@)
	ln -s /usr/include/$(MULTIARCH)/asm $(dir $@)asm
	ln -s /usr/include/sys/capability.h $(dir $@)sys/
	@touch $@

$(MUSL_DIR)/%.o: %.c $(MUSL_DIR)/include/.stamp
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(WARN_CFLAGS) -O2 -DNIXBOX_VERSION=\"$(VERSION)\" -idirafter $(MUSL_DIR)/include -MMD -MP -c -o $@ $<

# Formatting of the C lines changed since .clang-format was last changed
# (committed or not; see CODING_STYLE.md). Needs clang-format and git history.
check-format:
	tests/check-format.sh

# Installs the Debian packages that building and testing need (idempotent).
deps:
	tests/install-deps.sh

check: deps
	$(MAKE) all
	$(MAKE) SANITIZE=1 all
	tests/run.sh

# The README's first command: build, then boot the NixOS-shaped demo tree.
demo: deps
	$(MAKE) all
	tests/demo.sh

# `make bench SCALE=10,50,100,200`: only the scale section, with these counts.
bench: all
	bench/run.sh $(if $(SCALE),--sections scale --scale "$(SCALE)")

# The VM lane: pure cgroup v2 and an older kernel under QEMU (tests/vm/).
check-vm: deps
	$(MAKE) all
	tests/vm/run.sh

# Service files get the installed binary's path (@BINDIR@); runit's and s6's
# service directories are templates to copy (docs/services.md).
install_sub = sed 's|@BINDIR@|$(BINDIR)|g' $(1) >$(2).tmp && chmod $(3) $(2).tmp && mv $(2).tmp $(2)

install: $(BUILD)/nixbox $(BUILD)/nixbox-netsetup $(BUILD)/nixbox-oci
	install -D -m 0755 $(BUILD)/nixbox $(DESTDIR)$(BINDIR)/nixbox
	install -D -m 0755 $(BUILD)/nixbox-netsetup $(DESTDIR)$(BINDIR)/nixbox-netsetup
	install -D -m 0755 $(BUILD)/nixbox-oci $(DESTDIR)$(BINDIR)/nixbox-oci
	install -D -m 0644 docs/nixbox.1 $(DESTDIR)$(MANDIR)/man1/nixbox.1
	install -D -m 0644 docs/nixbox-netsetup.1 $(DESTDIR)$(MANDIR)/man1/nixbox-netsetup.1
	install -D -m 0644 docs/nixbox-oci.1 $(DESTDIR)$(MANDIR)/man1/nixbox-oci.1
	install -D -m 0644 docs/nixbox.nspawn.5 $(DESTDIR)$(MANDIR)/man5/nixbox.nspawn.5
	install -D -m 0644 docs/nixbox.conf.5 $(DESTDIR)$(MANDIR)/man5/nixbox.conf.5
	install -d $(DESTDIR)$(OPENRCDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(DATADIR)/nixbox/runit/nixbox $(DESTDIR)$(DATADIR)/nixbox/s6/nixbox
	$(call install_sub,services/openrc/nixbox,$(DESTDIR)$(OPENRCDIR)/nixbox,0755)
	$(call install_sub,services/systemd/nixbox@.service,$(DESTDIR)$(SYSTEMDUNITDIR)/nixbox@.service,0644)
	for f in run finish check; do \
		$(call install_sub,services/runit/nixbox/$$f,$(DESTDIR)$(DATADIR)/nixbox/runit/nixbox/$$f,0755) || exit 1; done
	for f in run finish; do \
		$(call install_sub,services/s6/nixbox/$$f,$(DESTDIR)$(DATADIR)/nixbox/s6/nixbox/$$f,0755) || exit 1; done
	install -m 0644 services/s6/nixbox/notification-fd services/s6/nixbox/timeout-kill $(DESTDIR)$(DATADIR)/nixbox/s6/nixbox/
	install -D -m 0644 completions/nixbox.bash $(DESTDIR)$(BASHCOMPDIR)/nixbox
	install -D -m 0644 completions/_nixbox $(DESTDIR)$(ZSHCOMPDIR)/_nixbox
	install -D -m 0644 completions/nixbox.fish $(DESTDIR)$(FISHCOMPDIR)/nixbox.fish
	install -D -m 0644 examples/example.nspawn $(DESTDIR)$(DOCDIR)/examples/example.nspawn
	install -D -m 0644 examples/machines/example.conf $(DESTDIR)$(DOCDIR)/examples/machines/example.conf
	install -D -m 0644 -t $(DESTDIR)$(PYTHONDIR) python/nixbox.py python/nixbox_pytest.py

clean:
	rm -rf build

.PHONY: all deps check check-format check-musl check-vm demo bench install clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
