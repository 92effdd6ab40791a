#!/bin/bash
# make bench: run tests/bench/bench.c in QEMU on Debian's kernel with the
# module loaded; prints throughput as ratios against same-boot baselines,
# then the dirty-page tracking figures (tests/bench/dirty.c).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/qemu/lib.sh
debian_env
make -s build/bench
build_module "$DEBIAN_KDIR" "$PWD/build/debian"
mkdir -p build/benchrun
cat > build/benchrun/payload.sh <<PAYLOAD
ip link set lo up && insmod /v3chkpt.ko && /bench ${V3CHKPT_BENCH_MIB:-128}
PAYLOAD
# 6 GiB: the dirty-tracking figures need a 4 GiB VM (its memory is the
# guest's) next to the 128 MiB ones.
run_guest out "$DEBIAN_VMLINUZ" build/benchrun/payload.sh 1800 6G build/benchrun \
	build/debian/src/v3chkpt.ko build/bench
sed -e '/V3CHKPT-GUEST/d' build/benchrun/out/results.log
