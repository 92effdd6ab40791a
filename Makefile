# SPDX-License-Identifier: GPL-2.0
# v3chkpt: module (out of tree, against KDIR), userspace tools and tests.
#
#   make             module (+ v3chkpt_kunit.ko if KDIR has KUnit) + the
#                    v3chkpt CLI (build/v3chkpt)
#   make tests       test binaries (needs the packages make setup installs)
#   make setup       install Debian packages, unpack Debian's kernel for QEMU
#   make demo        short demo in QEMU on Debian's kernel
#   make check       every test (userspace, kselftest, KUnit) in QEMU
#   make bench       throughput, as ratios to same-boot baselines, in QEMU
#   make checkpatch  kernel coding style over every C file
#   make install     module, CLI, man page, completion, udev rule (DESTDIR,
#                    PREFIX); make uninstall removes them; install-tools
#                    all but the module (which DKMS installs)
#   make dkms-install  the module's source under DKMS (dkms add + install)

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(wildcard /usr/src/linux-headers-*-amd64))
BUILD ?= build
CC ?= gcc
UCFLAGS := -O2 -g -Wall -Wextra -Werror -Iinclude -Iinclude/uapi -D_GNU_SOURCE
ULDLIBS := -lxxhash -llz4
# Built for the kernel and for userspace alike (kmod/format/).
CODEC := kmod/format/codec.c kmod/format/batch.c
DIRFMT := kmod/format/dir_manifest.c

CLI_SRCS := userspace/v3chkpt.c userspace/msg.c userspace/target.c userspace/inspect.c userspace/inspect_dir.c \
	userspace/vm_cli.c userspace/vm_dirty.c userspace/migrate.c userspace/slurp.c $(CODEC) $(DIRFMT)
# Checkpoints of earlier releases (tests/data), unpacked for the guests.
OLD_STREAMS := $(patsubst tests/data/%.xz,$(BUILD)/data/%,$(wildcard tests/data/*.v3c.xz))
# Format 1.1 streams with sections, for the kernel's loader (old_streams_test.sh).
LIVE_STREAMS := $(BUILD)/data/live-1.1.v3c $(BUILD)/data/live-1.1-optional.v3c
KSFT_HDRS := $(BUILD)/ksft/kselftest_harness.h $(BUILD)/ksft/kselftest.h
# --json output (a line of its own: other branches edit CLI_SRCS)
CLI_SRCS += userspace/json.c

.PHONY: all module tools tests setup demo check bench checkpatch clean \
	install install-module install-tools uninstall dkms-source dkms-install dkms-uninstall

all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

tools: $(BUILD)/v3chkpt

tests: tools $(BUILD)/codec_test $(BUILD)/live_test $(BUILD)/slurp_test $(BUILD)/v3chkpt_test $(BUILD)/vm_test $(BUILD)/store_test $(BUILD)/vm_stream_test \
	$(BUILD)/fuzz_reader $(BUILD)/compat32_test $(OLD_STREAMS) $(LIVE_STREAMS) \
	$(BUILD)/race_test $(BUILD)/vm_mutate $(BUILD)/hostile_run $(BUILD)/failnth_test \
	$(BUILD)/dirty_test $(BUILD)/migrate_test

# Static, so they run in the busybox initramfs as they are.
$(BUILD)/v3chkpt: $(CLI_SRCS) userspace/cli.h include/v3chkpt/*.h include/uapi/linux/v3chkpt.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -static -o $@ $(CLI_SRCS) $(ULDLIBS)

$(BUILD)/codec_test: tests/userspace/codec_test.c tests/userspace/codec_helpers.h $(CODEC) $(DIRFMT) include/v3chkpt/*.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -fsanitize=address,undefined -o $@ tests/userspace/codec_test.c $(CODEC) \
		$(DIRFMT) $(ULDLIBS)

$(BUILD)/live_test: tests/userspace/live_test.c tests/userspace/codec_helpers.h $(CODEC) include/v3chkpt/*.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -fsanitize=address,undefined -o $@ tests/userspace/live_test.c $(CODEC) \
		$(ULDLIBS)

$(BUILD)/slurp_test: tests/userspace/slurp_test.c userspace/slurp.c userspace/cli.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -fsanitize=address,undefined -o $@ tests/userspace/slurp_test.c \
		userspace/slurp.c

# Hostile checkpoints: the generator (tested on the host) and the guest
# driver that loads every case (tests/qemu/kstage-hostile.sh).
HOSTILE := tests/hostile/mutate.c tests/hostile/mutate.h
$(BUILD)/vm_mutate: tests/hostile/vm_mutate.c $(HOSTILE) $(CODEC) include/v3chkpt/*.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -fsanitize=address,undefined -o $@ tests/hostile/vm_mutate.c \
		tests/hostile/mutate.c $(CODEC) $(ULDLIBS)

$(BUILD)/hostile_run: tests/hostile/hostile_run.c $(HOSTILE) $(CODEC) include/v3chkpt/*.h \
		tests/selftests/helpers.h tests/selftests/vm_helpers.h include/uapi/linux/v3chkpt.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -Wno-format-truncation -static -o $@ tests/hostile/hostile_run.c \
		tests/hostile/mutate.c $(CODEC) $(ULDLIBS)

# Codec built with V3C_FUZZING: checksums pass, so the parsers get fuzzed.
$(BUILD)/fuzz_reader: tests/fuzz/fuzz_reader.c $(CODEC) include/v3chkpt/*.h
	@mkdir -p $(BUILD)
	clang -g -O1 -Iinclude -DV3C_FUZZING -fsanitize=fuzzer,address,undefined \
		-o $@ tests/fuzz/fuzz_reader.c $(CODEC) $(ULDLIBS)

# kselftest_harness.h comes from Debian's linux-source-6.1.
$(KSFT_HDRS):
	@mkdir -p $(BUILD)/ksft
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C $(BUILD)/ksft --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h
	@touch $(KSFT_HDRS)

$(BUILD)/v3chkpt_test: tests/selftests/v3chkpt_test.c tests/selftests/helpers.h $(KSFT_HDRS) \
		$(CODEC) include/uapi/linux/v3chkpt.h
	$(CC) $(UCFLAGS) -Wno-sign-compare -Wno-unused-parameter -I$(BUILD)/ksft -static -o $@ \
		tests/selftests/v3chkpt_test.c $(CODEC) $(ULDLIBS)

$(BUILD)/vm_test: tests/selftests/vm_test.c tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h $(KSFT_HDRS) $(CODEC) include/uapi/linux/v3chkpt.h
	$(CC) $(UCFLAGS) -Wno-sign-compare -Wno-unused-parameter -Wno-format-truncation \
		-I$(BUILD)/ksft -static -o $@ tests/selftests/vm_test.c $(CODEC) \
		$(ULDLIBS) -lpthread

$(BUILD)/vm_stream_test: tests/selftests/vm_stream_test.c tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h $(KSFT_HDRS) $(CODEC) include/uapi/linux/v3chkpt.h
	$(CC) $(UCFLAGS) -Wno-sign-compare -Wno-unused-parameter -Wno-format-truncation \
		-I$(BUILD)/ksft -static -o $@ tests/selftests/vm_stream_test.c $(CODEC) $(ULDLIBS)

$(BUILD)/dirty_test: tests/selftests/dirty_test.c tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h $(KSFT_HDRS) include/uapi/linux/v3chkpt.h
	$(CC) $(UCFLAGS) -Wno-sign-compare -Wno-unused-parameter -Wno-format-truncation \
		-I$(BUILD)/ksft -static -o $@ tests/selftests/dirty_test.c -lpthread

$(BUILD)/migrate_test: tests/selftests/migrate_test.c tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h $(KSFT_HDRS) include/uapi/linux/v3chkpt.h
	$(CC) $(UCFLAGS) -Wno-sign-compare -Wno-unused-parameter -Wno-format-truncation \
		-I$(BUILD)/ksft -static -o $@ tests/selftests/migrate_test.c

$(BUILD)/store_test: tests/selftests/store_test.c tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h $(KSFT_HDRS) include/uapi/linux/v3chkpt.h
	$(CC) $(UCFLAGS) -Wno-sign-compare -Wno-unused-parameter -Wno-format-truncation \
		-I$(BUILD)/ksft -static -o $@ tests/selftests/store_test.c -lpthread

$(BUILD)/failnth_test: tests/selftests/failnth_test.c tests/selftests/failnth_mig.c \
		tests/selftests/failnth.h tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h include/uapi/linux/v3chkpt.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -Wno-format-truncation -static -o $@ tests/selftests/failnth_test.c \
		tests/selftests/failnth_mig.c -lpthread

$(BUILD)/race_test: tests/selftests/race_test.c tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h include/uapi/linux/v3chkpt.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -Wno-format-truncation -static -o $@ tests/selftests/race_test.c

$(BUILD)/bench: tests/bench/bench.c tests/bench/dirty.c tests/bench/dirty.h \
		tests/bench/tcp_pair.c tests/bench/tcp_pair.h \
		include/uapi/linux/v3chkpt.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -static -o $@ tests/bench/bench.c tests/bench/dirty.c \
		tests/bench/tcp_pair.c $(ULDLIBS)

# 32-bit, to exercise compat_ioctl on the 64-bit kernel.
$(BUILD)/compat32_test: tests/selftests/compat32_test.c include/uapi/linux/v3chkpt.h
	@mkdir -p $(BUILD)
	$(CC) -m32 $(UCFLAGS) -static -o $@ tests/selftests/compat32_test.c

$(BUILD)/data/%: tests/data/%.xz
	@mkdir -p $(BUILD)/data
	xz -dc $< > $@.tmp && mv $@.tmp $@

$(BUILD)/data/live-1.1.v3c: $(BUILD)/live_test
	@mkdir -p $(BUILD)/data
	$(BUILD)/live_test --write-seed $@

$(BUILD)/data/live-1.1-optional.v3c: $(BUILD)/live_test
	@mkdir -p $(BUILD)/data
	$(BUILD)/live_test --write-optional $@

# Install.  DESTDIR stages the files; PREFIX places the CLI, the man page
# and the completion.  The module goes to /lib/modules/KVER/updates and the
# udev rule to UDEVDIR, where modprobe and udev look whatever the PREFIX.
# KVER is the kernel the module was built for (its vermagic).
PREFIX ?= /usr/local
DESTDIR ?=
KO ?= v3chkpt.ko
KVER ?= $(or $(shell modinfo -F vermagic $(KO) 2>/dev/null | cut -d' ' -f1),$(shell uname -r))
UDEVDIR ?= /lib/udev/rules.d
INST_KO = $(DESTDIR)/lib/modules/$(KVER)/updates/v3chkpt.ko
INST_CLI = $(DESTDIR)$(PREFIX)/sbin/v3chkpt
INST_MAN = $(DESTDIR)$(PREFIX)/share/man/man8/v3chkpt.8
INST_COMP = $(DESTDIR)$(PREFIX)/share/bash-completion/completions/v3chkpt
INST_UDEV = $(DESTDIR)$(UDEVDIR)/60-v3chkpt.rules

install: install-module install-tools

# The module alone (with DKMS, dkms-install does this instead)
install-module:
	@test -f $(KO) || { echo "install: no $(KO): run make first" >&2; exit 1; }
	install -D -m 0644 $(KO) $(INST_KO)
	@if [ -n "$(DESTDIR)" ]; then \
		echo "install: DESTDIR set: depmod skipped (run 'depmod -a $(KVER)' on the target)"; \
	else \
		depmod -a $(KVER); \
	fi

# The CLI, the man page, the completion and the udev rule
install-tools: $(BUILD)/v3chkpt
	install -D -m 0755 $(BUILD)/v3chkpt $(INST_CLI)
	install -D -m 0644 docs/v3chkpt.8 $(INST_MAN)
	install -D -m 0644 scripts/install/v3chkpt.bash $(INST_COMP)
	install -D -m 0644 scripts/install/60-v3chkpt.rules $(INST_UDEV)
	@if [ -z "$(DESTDIR)" ] && command -v udevadm > /dev/null; then \
		udevadm control --reload-rules; \
	fi

uninstall:
	rm -f $(INST_KO) $(INST_CLI) $(INST_MAN) $(INST_COMP) $(INST_UDEV)
	@if [ -n "$(DESTDIR)" ]; then \
		echo "uninstall: DESTDIR set: depmod skipped"; \
	else \
		depmod -a $(KVER); \
	fi

# DKMS (dkms.conf): the module's sources in /usr/src/v3chkpt-VERSION, then
# dkms add + install (for the running kernel; later kernels get it from
# DKMS's autoinstall).  dkms-source alone copies them (DKMS_SRCDIR).
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRCDIR ?= $(DESTDIR)/usr/src/v3chkpt-$(DKMS_VERSION)

dkms-source:
	rm -rf $(DKMS_SRCDIR)
	mkdir -p $(DKMS_SRCDIR)
	cp --parents Kbuild dkms.conf $$(find include kmod stores tests/kunit -name '*.[ch]') \
		$(DKMS_SRCDIR)/

dkms-install: dkms-source
	dkms add -m v3chkpt -v $(DKMS_VERSION)
	dkms install -m v3chkpt -v $(DKMS_VERSION)

dkms-uninstall:
	dkms remove -m v3chkpt -v $(DKMS_VERSION) --all
	rm -rf $(DKMS_SRCDIR)

setup:
	bash scripts/setup.sh

bench:
	bash tests/bench/run.sh

demo:
	bash tests/qemu/demo.sh

check:
	bash tests/run.sh

checkpatch:
	bash scripts/checkpatch.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
