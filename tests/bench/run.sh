#!/bin/bash
# make bench: run tests/bench/bench.c in QEMU on Debian's kernel with the
# module loaded; prints throughput as ratios against same-boot baselines,
# then the dirty-page tracking figures (tests/bench/dirty.c), then live
# migration between two guests (tests/bench/mig_report.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh
debian_env
make -s build/bench build/v3chkpt
build_module "$DEBIAN_KDIR" "$PWD/build/debian"
mkdir -p build/benchrun
# V3CHKPT_BENCH_MIG_ONLY=1: the migration pair alone
if [ "${V3CHKPT_BENCH_MIG_ONLY:-0}" != 1 ]; then
cat > build/benchrun/payload.sh <<PAYLOAD
ip link set lo up && insmod /v3chkpt.ko && /bench ${V3CHKPT_BENCH_MIB:-128}
PAYLOAD
# 6 GiB: the dirty-tracking figures need a 4 GiB VM (its memory is the
# guest's) next to the 128 MiB ones.
run_guest out "$DEBIAN_VMLINUZ" build/benchrun/payload.sh 1800 6G build/benchrun \
	build/debian/src/v3chkpt.ko build/bench
sed -e '/V3CHKPT-GUEST/d' build/benchrun/out/results.log
fi
# Live migration (issue 12 section 8) between two guests, as make check's
# pair runs them: raw TCP, then migrations B -> A (payload-mig-[ab].sh).
rm -rf build/benchrun/mig-a build/benchrun/mig-b
run_guest_pair mig "$DEBIAN_VMLINUZ" tests/bench/payload-mig-a.sh \
	tests/bench/payload-mig-b.sh 1200 2G build/benchrun \
	build/debian/src/v3chkpt.ko build/v3chkpt build/bench \
	tests/qemu/migrate-lib.sh tests/bench/mig-common.sh ||
	echo "bench: the migration pair failed (build/benchrun/mig-[ab]/)"
tr -d '\r' < build/benchrun/mig-b/results.log > build/benchrun/mig-b.log || true
python3 tests/bench/mig_report.py build/benchrun/mig-b.log
