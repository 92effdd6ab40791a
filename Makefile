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

.PHONY: all module tools tests setup demo check bench checkpatch clean

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

$(BUILD)/failnth_test: tests/selftests/failnth_test.c tests/selftests/helpers.h \
		tests/selftests/vm_helpers.h include/uapi/linux/v3chkpt.h
	@mkdir -p $(BUILD)
	$(CC) $(UCFLAGS) -Wno-format-truncation -static -o $@ tests/selftests/failnth_test.c -lpthread

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
