# Sourced by tests/run.sh, tests/qemu/demo.sh and tests/bench/run.sh from the
# repo root: the host-side steps they share.

# Install packages, unpack Debian's kernel, and load its paths (DEBIAN_*).
debian_env() {
	bash scripts/setup.sh &&
	. "${V3CHKPT_CACHE:-/var/cache/v3chkpt}/debian.env"
}

# build_module KDIR DEST: build v3chkpt.ko and the test store module from a
# copy of the tree in DEST/src, so builds for different kernels never mix.
# A warning is a failure; the log is DEST/build.log.
build_module() {
	mkdir -p "$2"
	rsync -a --delete --exclude build --exclude .git ./ "$2/src/"
	{
		make -C "$1" M="$2/src" W=1 modules &&
		make -C "$1" M="$2/src/tests/extstore" W=1 \
			KBUILD_EXTRA_SYMBOLS="$2/src/Module.symvers" modules
	} > "$2/build.log" 2>&1 || { tail -30 "$2/build.log" >&2; return 1; }
	! grep -E 'warning:|error:' "$2/build.log" >&2
}

# run_guest NAME KERNEL PAYLOAD TIMEOUT MEM OUTDIR FILES...: boot a guest
# whose /payload.sh output lands in OUTDIR/NAME/results.log.
# A guest whose kernel dies before the payload starts (none of our code
# has run) is booted once more, and says so; any later failure stands.
run_guest() {
	local name=$1 kernel=$2 payload=$3 tmo=$4 mem=$5 outdir=$6
	shift 6
	bash tests/qemu/mkinitramfs.sh "$outdir/$name.cpio.gz" "$payload" \
		tests/qemu/guest-lib.sh "$@" || return 1
	bash tests/qemu/run-qemu.sh "$kernel" "$outdir/$name.cpio.gz" "$outdir/$name" "$tmo" "$mem" &&
		return 0
	grep -q "V3CHKPT-GUEST-START" "$outdir/$name/results.log" 2>/dev/null && return 1
	echo "qemu: the $name guest's kernel died before its payload started; booting it again" >&2
	cp "$outdir/$name/console.log" "$outdir/$name/console.first-boot.log"
	bash tests/qemu/run-qemu.sh "$kernel" "$outdir/$name.cpio.gz" "$outdir/$name" "$tmo" "$mem"
}
