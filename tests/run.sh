#!/bin/bash
# make check: every test, ending with one line "N passed, N failed".
#   1. userspace unit tests of the shared codec (host, ASan/UBSan), and
#      30 s of libFuzzer on its reader
#   2. kselftests, the 32-bit compat test, a third-party store module and
#      the CLI tests in QEMU on Debian's stock 6.1 kernel; then the net
#      store between two such guests on one virtual network
#   3. KUnit suites in QEMU on a KUnit/KASAN/lockdep kernel built from
#      linux-source-6.1 (cached outside the repo, keyed by its config)
# A stage that cannot run, a guest that crashes and any kernel warning are
# failures.  V3CHKPT_SKIP_KUNIT=1 leaves stage 3 out (and says so).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build/results
mkdir -p "$out"
rm -f "$out"/*.tap
passed=0 failed=0 skipped=0

log() { echo "== $*" >&2; }

# count FILE: add a TAP file's "ok"/"not ok" lines (any indent for the
# kselftest harness; KUnit case lines are picked out by the caller).
count() {
	local p f s
	p=$(grep -cE '^ *ok [0-9]+' "$1" | head -1)
	s=$(grep -cE '^ *ok [0-9]+.*# SKIP' "$1" | head -1)
	f=$(grep -cE '^ *not ok [0-9]+' "$1" | head -1)
	passed=$((passed + p - s)) skipped=$((skipped + s)) failed=$((failed + f))
	log "$(basename "$1"): $((p - s)) passed, $f failed, $s skipped"
	grep -E '^ *not ok' "$1" >&2 || true
}

stage_fail() { # NAME: a stage that could not run counts as one failure
	failed=$((failed + 1))
	log "FAILED: $1"
}

. tests/qemu/lib.sh
debian_env || { stage_fail "setup"; echo "$passed passed, $failed failed"; exit 1; }

# build: userspace, and the module for Debian's kernel (warnings fail)
if make -s tests > "$out/userspace-build.log" 2>&1; then
	log "userspace built"
else
	cat "$out/userspace-build.log" >&2
	stage_fail "userspace build"
fi
if build_module "$DEBIAN_KDIR" "$root/build/debian"; then
	echo "ok 1 module builds warning-free with W=1 (Debian $DEBIAN_ABI)" > "$out/build.tap"
else
	echo "not ok 1 module builds warning-free with W=1 (Debian $DEBIAN_ABI)" > "$out/build.tap"
fi
count "$out/build.tap"

# 1. userspace codec tests
if [ -x build/codec_test ]; then
	# A non-zero exit is a failure even if every line said ok (e.g. a
	# sanitizer report after the last test).
	build/codec_test > "$out/codec.tap" 2>&1 ||
		echo "not ok 999 codec_test exited with status $?" >> "$out/codec.tap"
	count "$out/codec.tap"
fi

# 1. and the codec's live data: sections and page batches (format 1.1)
if [ -x build/live_test ]; then
	build/live_test > "$out/live.tap" 2>&1 ||
		echo "not ok 999 live_test exited with status $?" >> "$out/live.tap"
	count "$out/live.tap"
fi

# 1a. the CLI's whole-file reader (ASan/LeakSanitizer)
if [ -x build/slurp_test ]; then
	build/slurp_test > "$out/slurp.tap" 2>&1 ||
		echo "not ok 999 slurp_test exited with status $?" >> "$out/slurp.tap"
	count "$out/slurp.tap"
fi

# 1a. and the hostile-checkpoint generator (its guest stage is
# tests/qemu/kstage-hostile.sh): unmutated streams re-encode byte for byte,
# every case decodes with its checksums recomputed and reproduces
if [ -x build/vm_mutate ]; then
	build/vm_mutate --self-test > "$out/vm_mutate.tap" 2>&1 ||
		echo "not ok 999 vm_mutate --self-test exited with status $?" >> "$out/vm_mutate.tap"
	count "$out/vm_mutate.tap"
fi

# 1b. 30 s of libFuzzer on the reader (codec built with V3C_FUZZING)
if [ -x build/fuzz_reader ]; then
	mkdir -p build/fuzz/seed build/fuzz/work
	build/codec_test --write-seed build/fuzz/seed/stream.v3c
	build/live_test --write-seed build/fuzz/seed/live.v3c
	if build/fuzz_reader -max_total_time=${V3CHKPT_FUZZ_SECONDS:-30} -max_len=8192 \
		-rss_limit_mb=1024 -timeout=10 build/fuzz/work build/fuzz/seed \
		> "$out/fuzz.log" 2>&1; then
		echo "ok 1 fuzz: stream reader, $(grep -o 'Done [0-9]* runs' "$out/fuzz.log")" > "$out/fuzz.tap"
	else
		tail -40 "$out/fuzz.log" >&2
		echo "not ok 1 fuzz: stream reader crashed or leaked (see $out/fuzz.log)" > "$out/fuzz.tap"
	fi
	count "$out/fuzz.tap"
fi

# 1c. installing: make install/uninstall into a DESTDIR, the bash
# completion, the man page (host); DKMS builds the module for Debian's
# kernel, and that module is booted in QEMU (payload-dkms.sh)
if [ -f build/debian/src/v3chkpt.ko ]; then
	bash tests/install/install_test.sh build/debian/src/v3chkpt.ko > "$out/install.tap" 2>&1
	count "$out/install.tap"
fi
bash tests/install/completion_test.sh > "$out/completion.tap" 2>&1
count "$out/completion.tap"
bash tests/install/man_test.sh > "$out/man.tap" 2>&1
count "$out/man.tap"
# inspect --json against the text, on streams of earlier releases and
# damaged copies of one (the dir: form is checked in the DKMS guest)
if [ -x build/v3chkpt ] && [ -f build/data/vm-1.0.v3c ]; then
	python3 tests/userspace/inspect_json_check.py build/v3chkpt build/data/vm-1.0.v3c \
		build/data/vm-1.0-skipmem.v3c build/data/live-1.1.v3c build/data/live-1.1-optional.v3c \
		> "$out/inspect-json.tap" 2>&1 ||
		echo "not ok 999 inspect_json_check.py exited with status $?" >> "$out/inspect-json.tap"
	count "$out/inspect-json.tap"
fi
mkdir -p build/dkms
bash tests/install/dkms_build.sh "$DEBIAN_ABI" "$DEBIAN_KDIR" build/dkms/v3chkpt.ko \
	> "$out/dkms-build.tap"
count "$out/dkms-build.tap"
if [ -s build/dkms/v3chkpt.ko ] && [ -x build/v3chkpt ]; then
	log "the DKMS-built module in QEMU (Debian $DEBIAN_ABI, TCG)"
	if run_guest dkms "$DEBIAN_VMLINUZ" tests/qemu/payload-dkms.sh 600 1G "$out" \
		build/dkms/v3chkpt.ko build/v3chkpt; then
		sed -n '/V3CHKPT-GUEST-START/,/V3CHKPT-GUEST-END/p' \
			"$out/dkms/results.log" > "$out/dkms.tap"
		count "$out/dkms.tap"
		# the CLI's --json output, parsed here (the guest has no parser)
		python3 tests/userspace/cli_json_check.py "$out/dkms/results.log" \
			> "$out/dkms-json.tap" 2>&1 ||
			echo "not ok 999 cli_json_check.py exited with status $?" >> "$out/dkms-json.tap"
		count "$out/dkms-json.tap"
	else
		stage_fail "DKMS guest did not complete"
	fi
else
	stage_fail "DKMS module or CLI missing"
fi

# 2. kselftests on Debian's kernel
if [ -f build/debian/src/v3chkpt.ko ] && [ -x build/v3chkpt_test ] && [ -x build/vm_test ]; then
	log "kselftests in QEMU (Debian $DEBIAN_ABI, TCG)"
	if run_guest kselftest "$DEBIAN_VMLINUZ" tests/qemu/payload-kselftest.sh 1500 3G "$out" \
		build/debian/src/v3chkpt.ko build/debian/src/tests/extstore/v3chkpt_extstore.ko \
		build/v3chkpt build/v3chkpt_test build/vm_test build/store_test build/vm_stream_test \
		build/dirty_test build/migrate_test \
		build/compat32_test tests/selftests/cli_test.sh \
		tests/selftests/old_streams_test.sh build/data/*.v3c tests/data/vm-1.0.digests; then
		sed -n '/V3CHKPT-GUEST-START/,/V3CHKPT-GUEST-END/p' \
			"$out/kselftest/results.log" > "$out/kselftest.tap"
		count "$out/kselftest.tap"
		# the CLI's vm dirty --json output, parsed here: the guest has
		# no JSON parser
		python3 tests/userspace/dirty_json_check.py "$out/kselftest/results.log" \
			> "$out/cli-json.tap" 2>&1 ||
			echo "not ok 999 dirty_json_check.py exited with status $?" >> "$out/cli-json.tap"
		count "$out/cli-json.tap"
		python3 tests/userspace/mig_json_check.py "$out/kselftest/results.log" \
			> "$out/cli-migjson.tap" 2>&1 ||
			echo "not ok 999 mig_json_check.py exited with status $?" >> "$out/cli-migjson.tap"
		count "$out/cli-migjson.tap"
	else
		stage_fail "kselftest guest did not complete"
	fi
else
	stage_fail "kselftest prerequisites missing"
fi

# 2b. the net store and live migration between two QEMU guests on one
# virtual network (one boot of the pair)
if [ -f build/debian/src/v3chkpt.ko ] && [ -x build/v3chkpt ]; then
	log "net store and live migration between two QEMU guests (Debian $DEBIAN_ABI, TCG)"
	bash tests/qemu/pair-net.sh "$out" build/debian/src/v3chkpt.ko build/v3chkpt \
		> "$out/net-pair.tap"
	count "$out/net-pair.tap"
else
	stage_fail "net pair prerequisites missing"
fi

# 3. KUnit
if [ "${V3CHKPT_SKIP_KUNIT:-0}" = 1 ]; then
	log "KUnit skipped (V3CHKPT_SKIP_KUNIT=1)"
	skipped=$((skipped + 1))
else
	log "KUnit kernel (cached when its config is unchanged)"
	if kdir=$(bash tests/qemu/build-kunit-kernel.sh) &&
	   build_module "$kdir" "$root/build/kunit"; then
		# The suites are v3chkpt_kunit.ko's alone: the product built
		# for a KUnit kernel carries none.
		if objdump -h build/kunit/src/v3chkpt_kunit.ko | grep -q kunit_test_suites &&
		   objdump -h build/kunit/src/v3chkpt.ko > "$out/kunit-sections.txt" &&
		   ! grep -q kunit_test_suites "$out/kunit-sections.txt"; then
			echo "ok 1 v3chkpt.ko carries no KUnit suite (they are in v3chkpt_kunit.ko)"
		else
			echo "not ok 1 v3chkpt.ko carries no KUnit suite (they are in v3chkpt_kunit.ko)"
		fi > "$out/kunit-build.tap"
		count "$out/kunit-build.tap"
		log "KUnit in QEMU (TCG, KASAN + lockdep)"
		# Files the userspace stages (tests/qemu/kstage-*.sh) need.
		kstage_files=(build/v3chkpt build/race_test build/hostile_run build/failnth_test
			build/dirty_test build/migrate_test)
		for f in tests/qemu/kstage-*.sh; do
			[ -f "$f" ] && kstage_files+=("$f")
		done
		if run_guest kunit "$kdir/arch/x86/boot/bzImage" tests/qemu/payload-kunit.sh \
			2400 2G "$out" build/kunit/src/v3chkpt.ko build/kunit/src/v3chkpt_kunit.ko \
			"${kstage_files[@]}"; then
			r=$out/kunit/results.log
			# Test cases are the 4-space-indented lines inside a suite;
			# the rest (insmod, kmemleak, dmesg) are top-level lines.
			# A suite's own "not ok" counts when it has no case lines:
			# its suite_init failed, and no case ran.
			{ awk '/KUNIT-SUITE-BEGIN/ { in_s = 1; n = 0; next }
			       /KUNIT-SUITE-END/ { in_s = 0; next }
			       in_s && /^    (not )?ok [0-9]+/ { n++; print; next }
			       in_s && /^not ok [0-9]+/ && !n' "$r"
			  sed '/KUNIT-SUITE-BEGIN/,/KUNIT-SUITE-END/d' "$r" |
				grep -E '^(not )?ok [0-9]+'; } > "$out/kunit.tap"
			grep -q '^    ok' "$out/kunit.tap" || stage_fail "no KUnit results found"
			count "$out/kunit.tap"
		else
			stage_fail "KUnit guest did not complete"
		fi
	else
		stage_fail "KUnit kernel or module build"
	fi
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
