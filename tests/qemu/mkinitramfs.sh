#!/bin/bash
# mkinitramfs.sh OUT.cpio.gz PAYLOAD_SCRIPT [FILE...]
# A busybox initramfs: /init mounts the basics, runs /payload.sh with its
# output on the second serial port (ttyS1), then reboots (QEMU exits with
# -no-reboot).  FILEs are copied to / in the image.
# Kernel modules, only when asked: V3CHKPT_KMODS="virtio_pci virtio_net"
# (module names) and V3CHKPT_KMOD_TREE=/lib/modules/ABI-style tree of the
# guest's kernel.  The modules and their dependencies (from modules.dep, or
# from each module's own depends= when the tree has no modules.dep) are
# copied uncompressed to /kmods, and /kmods/load.order lists them in the
# order insmod needs (dependencies first).  A module built into the kernel
# (listed in modules.builtin) is left out.
set -euo pipefail
out=$1 payload=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,mnt,root}
chmod 1777 "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for a in sh mount umount insmod rmmod lsmod dmesg grep cat echo sleep \
	 reboot mkdir ls cmp dd head tail sed wc od hexdump sync rm cp \
	 printf tr timeout seq true false test awk stat chmod kill id su \
	 setsid env cut sort uname basename dirname md5sum \
	 ip ifconfig nc ping ping6 route mkfifo;
do
	ln -sf busybox "$root/bin/$a"
done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
export PATH=/bin:/sbin:/
# modules the image carries, dependencies first (v3chkpt.ko needs lz4)
if [ -f /kmods/load.order ]; then
	while read -r m; do insmod "/kmods/$m"; done < /kmods/load.order
fi
echo "V3CHKPT-GUEST-START" > /dev/ttyS1
sh /payload.sh > /dev/ttyS1 2>&1
echo "V3CHKPT-GUEST-END rc=$?" > /dev/ttyS1
sync
reboot -f
INIT
chmod +x "$root/init"
cp "$payload" "$root/payload.sh"
for f in "$@"; do
	cp "$f" "$root/"
done

# kmod_file NAME: the path (relative to the tree) of module NAME, - and _
# alike, whatever its compression.
kmod_file() {
	local want=${1//-/_} f b
	for f in "${kmod_index[@]}"; do
		b=${f##*/}
		b=${b%%.ko*}
		[ "${b//-/_}" = "$want" ] && { echo "$f"; return 0; }
	done
	echo "mkinitramfs: module $1 not found in $tree" >&2
	return 1
}
# kmod_deps FILE: the files FILE needs loaded first.
kmod_deps() {
	local d
	if [ -f "$tree/modules.dep" ]; then
		awk -v f="$1:" '$1 == f { for (i = 2; i <= NF; i++) print $i }' \
			"$tree/modules.dep"
	else
		d=$(modinfo -F depends "$tree/$1") || return 1
		for d in ${d//,/ }; do
			kmod_file "$d" || return 1
		done
	fi
}
# kmod_add FILE: copy FILE's dependencies, then FILE, once each.
kmod_add() {
	local d deps base
	[ -z "${kmod_done[$1]-}" ] || return 0
	kmod_done[$1]=1
	deps=$(kmod_deps "$1") || return 1
	for d in $deps; do
		kmod_add "$d" || return 1
	done
	base=${1##*/}
	base=${base%%.ko*}.ko
	case $1 in
	*.ko) cp "$tree/$1" "$root/kmods/$base" ;;
	*.ko.xz) xz -dc "$tree/$1" > "$root/kmods/$base" ;;
	*.ko.zst) zstd -qdc "$tree/$1" > "$root/kmods/$base" ;;
	*.ko.gz) gzip -dc "$tree/$1" > "$root/kmods/$base" ;;
	*) false ;;
	esac || { echo "mkinitramfs: cannot copy $tree/$1" >&2; return 1; }
	echo "$base" >> "$root/kmods/load.order"
}
if [ -n "${V3CHKPT_KMODS:-}" ]; then
	tree=${V3CHKPT_KMOD_TREE:?V3CHKPT_KMODS needs V3CHKPT_KMOD_TREE}
	mkdir -p "$root/kmods"
	: > "$root/kmods/load.order"
	mapfile -t kmod_index < <(cd "$tree" && find . -name '*.ko' -o -name '*.ko.xz' \
		-o -name '*.ko.zst' -o -name '*.ko.gz' | sed 's|^\./||')
	declare -A kmod_done=()
	for m in $V3CHKPT_KMODS; do
		# built into the kernel: nothing to load
		! grep -qE "/${m//[-_]/[-_]}\.ko\$" "$tree/modules.builtin" 2>/dev/null || continue
		f=$(kmod_file "$m")
		kmod_add "$f" || exit 1
	done
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
