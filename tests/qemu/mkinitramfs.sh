#!/bin/bash
# mkinitramfs.sh OUT.cpio.gz PAYLOAD_SCRIPT [FILE...]
# A busybox initramfs: /init mounts the basics, runs /payload.sh with its
# output on the second serial port (ttyS1), then reboots (QEMU exits with
# -no-reboot).  FILEs are copied to / in the image.
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
	 setsid env cut sort uname basename dirname md5sum ip;
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
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
