#!/bin/bash
# make bench: run tests/bench/bench.c in QEMU on Debian's kernel with the
# module loaded; prints throughput as ratios against same-boot baselines.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bash scripts/setup.sh
. "${V3CHKPT_CACHE:-/var/cache/v3chkpt}/debian.env"
make -s build/bench
mkdir -p build/benchrun
rsync -a --delete --exclude build --exclude .git "$root/" build/benchrun/src/
make -s -C "$DEBIAN_KDIR" M="$root/build/benchrun/src" W=1 modules 2>&1 | grep -v BTF || true
cat > build/benchrun/payload.sh <<PAYLOAD
insmod /v3chkpt.ko && /bench ${V3CHKPT_BENCH_MIB:-128}
PAYLOAD
bash tests/qemu/mkinitramfs.sh build/benchrun/bench.cpio.gz build/benchrun/payload.sh \
	build/benchrun/src/v3chkpt.ko build/bench
bash tests/qemu/run-qemu.sh "$DEBIAN_VMLINUZ" build/benchrun/bench.cpio.gz build/benchrun/out 900 2G
sed -e '/V3CHKPT-GUEST/d' build/benchrun/out/results.log
