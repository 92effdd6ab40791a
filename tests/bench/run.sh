#!/bin/bash
# make bench: run tests/bench/bench.c in QEMU on Debian's kernel with the
# module loaded; prints throughput as ratios against same-boot baselines.
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
run_guest out "$DEBIAN_VMLINUZ" build/benchrun/payload.sh 900 2G build/benchrun \
	build/debian/src/v3chkpt.ko build/bench
sed -e '/V3CHKPT-GUEST/d' build/benchrun/out/results.log
