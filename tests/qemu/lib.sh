# Sourced by tests/run.sh, tests/qemu/demo.sh and tests/bench/run.sh from the
# repo root: the host-side steps they share.

# Install packages, unpack Debian's kernel, and load its paths (DEBIAN_*).
debian_env() {
	bash scripts/setup.sh &&
	. "${V3CHKPT_CACHE:-/var/cache/v3chkpt}/debian.env"
}

# build_module KDIR DEST: build v3chkpt.ko (and, where KDIR has KUnit, its
# suites' module v3chkpt_kunit.ko) and the test store module from a copy
# of the tree in DEST/src, so builds for different kernels never mix.
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
	# Debian's kernel has lib/lz4's compressor as a module v3chkpt needs
	local tree=${V3CHKPT_KMOD_TREE:-} kmods=${V3CHKPT_KMODS:-}
	if [ -z "$tree" ] && [ "$kernel" = "${DEBIAN_VMLINUZ:-}" ]; then
		tree=${DEBIAN_MODULES:-} kmods="lz4_compress $kmods"
	fi
	V3CHKPT_KMOD_TREE=$tree V3CHKPT_KMODS=${tree:+$kmods} \
		bash tests/qemu/mkinitramfs.sh "$outdir/$name.cpio.gz" "$payload" \
		tests/qemu/guest-lib.sh "$@" || return 1
	bash tests/qemu/run-qemu.sh "$kernel" "$outdir/$name.cpio.gz" "$outdir/$name" "$tmo" "$mem" &&
		return 0
	grep -q "V3CHKPT-GUEST-START" "$outdir/$name/results.log" 2>/dev/null && return 1
	echo "qemu: the $name guest's kernel died before its payload started; booting it again" >&2
	cp "$outdir/$name/console.log" "$outdir/$name/console.first-boot.log"
	bash tests/qemu/run-qemu.sh "$kernel" "$outdir/$name.cpio.gz" "$outdir/$name" "$tmo" "$mem"
}

# run_guest_pair NAME KERNEL PAYLOAD_A PAYLOAD_B TIMEOUT MEM OUTDIR FILES...:
# boot two guests at once (1 vCPU, MEM each), A running PAYLOAD_A and B
# PAYLOAD_B (FILES in both images), joined by one virtual network: a QEMU
# socket netdev on host loopback only (A listens on 127.0.0.1:PORT, a free
# port, and B connects to it), a virtio-net NIC each.  The guest's role is
# v3chkpt_role=a|b on its kernel command line (guest_role, net_up and
# wait_peer in guest-lib.sh).  Results land in OUTDIR/NAME-a/results.log
# and OUTDIR/NAME-b/results.log (console.log beside each).  Fails if either
# guest fails, times out or crashes, with its console tail; once one has
# failed the other gets V3CHKPT_PAIR_GRACE seconds (60) to finish, then is
# stopped.  If either guest's kernel died before its payload started, the
# pair is booted once more, visibly.  An interrupt stops both QEMUs.
# For Debian's kernel the images carry virtio_pci and virtio_net from
# DEBIAN_MODULES; V3CHKPT_KMOD_TREE names another kernel's module tree.
run_guest_pair() (
	name=$1 kernel=$2 pay_a=$3 pay_b=$4 tmo=$5 mem=$6 outdir=$7
	shift 7
	tree=${V3CHKPT_KMOD_TREE:-}
	if [ -z "$tree" ] && [ "$kernel" = "${DEBIAN_VMLINUZ:-}" ]; then
		tree=${DEBIAN_MODULES:-}
	fi
	mkdir -p "$outdir"
	V3CHKPT_KMOD_TREE=$tree V3CHKPT_KMODS=${tree:+lz4_compress virtio_pci virtio_net} \
		bash tests/qemu/mkinitramfs.sh "$outdir/$name-a.cpio.gz" "$pay_a" \
		tests/qemu/guest-lib.sh "$@" || exit 1
	V3CHKPT_KMOD_TREE=$tree V3CHKPT_KMODS=${tree:+lz4_compress virtio_pci virtio_net} \
		bash tests/qemu/mkinitramfs.sh "$outdir/$name-b.cpio.gz" "$pay_b" \
		tests/qemu/guest-lib.sh "$@" || exit 1
	pid_a='' pid_b=''
	stop() {	# stop the guests still running
		local p
		for p in $pid_a $pid_b; do kill -TERM "$p" 2>/dev/null || true; done
		for p in $pid_a $pid_b; do wait "$p" 2>/dev/null || true; done
		pid_a='' pid_b=''
	}
	trap stop EXIT
	trap 'echo "qemu: $name pair interrupted" >&2; exit 130' INT
	trap 'echo "qemu: $name pair stopped" >&2; exit 143' TERM HUP
	# listening PORT: is a socket on 127.0.0.1:PORT listening?
	listening() {
		awk -v a="$(printf '0100007F:%04X' "$1")" \
			'$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp
	}
	# free_port: a port nothing on the host uses, below the ephemeral range
	free_port() {
		local p
		for p in $(shuf -i 10000-29999 -n 100); do
			grep -q "$(printf ':%04X ' "$p")" /proc/net/tcp /proc/net/tcp6 \
				2>/dev/null || { echo "$p"; return 0; }
		done
		return 1
	}
	# guest ROLE PORT listen|connect MAC: start one guest in the background;
	# its run-qemu.sh messages go to OUTDIR/NAME-ROLE.qemu.log
	guest() {
		mkdir -p "$outdir/$name-$1"
		V3CHKPT_QEMU_SMP=1 V3CHKPT_CMDLINE="${V3CHKPT_CMDLINE:-} v3chkpt_role=$1" \
		V3CHKPT_QEMU_NET="-netdev socket,id=n0,$3=127.0.0.1:$2 -device virtio-net-pci,netdev=n0,mac=$4,romfile=" \
			bash tests/qemu/run-qemu.sh "$kernel" "$outdir/$name-$1.cpio.gz" \
			"$outdir/$name-$1" "$tmo" "$mem" > "$outdir/$name-$1.qemu.log" 2>&1 &
	}
	started() { grep -q V3CHKPT-GUEST-START "$outdir/$name-$1/results.log" 2>/dev/null; }
	# boot: one run of the pair; sets rc_a and rc_b (0: the guest
	# finished) and cut_a, cut_b (1: stopped here, after the other failed).
	# Returns 1 if A's QEMU never listened (B is not started).
	boot() {
		local port try n grace=${V3CHKPT_PAIR_GRACE:-60} left=-1
		rc_a=1 rc_b=1 cut_a=0 cut_b=0
		rm -f "$outdir/$name-"{a,b}/{results,console}.log "$outdir/$name-"{a,b}.qemu.log
		# A listens first: B's QEMU gives up at once if nothing does.  A
		# port taken between the probe and QEMU's bind: try another.
		for try in 1 2 3; do
			port=$(free_port) || { echo "qemu: no free port on 127.0.0.1" >&2; return 1; }
			guest a "$port" listen 52:54:00:12:34:0a
			pid_a=$!
			n=0
			while kill -0 "$pid_a" 2>/dev/null && ! listening "$port" && [ $n -lt 300 ]; do
				sleep 0.1
				n=$((n + 1))
			done
			listening "$port" && kill -0 "$pid_a" 2>/dev/null && break
			stop
			echo "qemu: the $name-a guest's QEMU did not listen on 127.0.0.1:$port:" >&2
			cat "$outdir/$name-a.qemu.log" >&2
			grep -q 'in use' "$outdir/$name-a.qemu.log" && [ $try -lt 3 ] || return 1
		done
		guest b "$port" connect 52:54:00:12:34:0b
		pid_b=$!
		# Wait for both; once one has failed, the other has $grace s
		# (none if the failed one never reached its payload).
		while [ -n "$pid_a$pid_b" ]; do
			if [ -n "$pid_a" ] && ! kill -0 "$pid_a" 2>/dev/null; then
				wait "$pid_a" && rc_a=0 || rc_a=$?
				pid_a=
				[ $rc_a = 0 ] || { started a && left=$grace || left=0; }
			fi
			if [ -n "$pid_b" ] && ! kill -0 "$pid_b" 2>/dev/null; then
				wait "$pid_b" && rc_b=0 || rc_b=$?
				pid_b=
				[ $rc_b = 0 ] || { started b && left=$grace || left=0; }
			fi
			[ -n "$pid_a$pid_b" ] || break
			if [ $left = 0 ]; then
				[ -z "$pid_a" ] || cut_a=1
				[ -z "$pid_b" ] || cut_b=1
				echo "qemu: a $name guest failed; stopping the other" >&2
				stop
				break
			fi
			[ $left -lt 0 ] || left=$((left - 1))
			sleep 1
		done
	}
	report() {	# report ROLE RC: a failed guest's messages, console and results tails
		[ "$2" = 0 ] && return 0
		echo "qemu: the $name-$1 guest failed:" >&2
		cat "$outdir/$name-$1.qemu.log" >&2
		grep -q 'console tail' "$outdir/$name-$1.qemu.log" ||
			tail -30 "$outdir/$name-$1/console.log" >&2 2>/dev/null
		if [ -s "$outdir/$name-$1/results.log" ]; then
			echo "qemu: $name-$1 results tail:" >&2
			tail -15 "$outdir/$name-$1/results.log" | tr -d '\r' >&2
		fi
		return 0
	}
	# died_early ROLE: did the guest end by itself before its payload ran?
	died_early() {
		if [ "$1" = a ]; then set -- a "$rc_a" "$cut_a"; else set -- b "$rc_b" "$cut_b"; fi
		[ "$2" != 0 ] && [ "$3" = 0 ] && ! started "$1"
	}
	boot || exit 1
	if died_early a || died_early b; then
		report a $rc_a
		report b $rc_b
		for r in a b; do
			! died_early $r ||
				echo "qemu: the $name-$r guest's kernel died before its payload started" >&2
			cp "$outdir/$name-$r/console.log" "$outdir/$name-$r/console.first-boot.log" 2>/dev/null || true
		done
		echo "qemu: booting the $name pair again" >&2
		boot || exit 1
	fi
	report a $rc_a
	report b $rc_b
	[ $rc_a$rc_b = 00 ]
)
