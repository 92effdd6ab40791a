#!/bin/bash
# Install every Debian package the build, the demo and the tests need, and
# unpack Debian's stock kernel (linux-image-amd64) into the cache for QEMU,
# never into /boot.  Idempotent and quick when everything is already there.
# Prints nothing but progress on stderr; writes $CACHE/debian.env.
set -euo pipefail
cache=${V3CHKPT_CACHE:-/var/cache/v3chkpt}
pkgs=(build-essential linux-headers-amd64 linux-source-6.1 qemu-system-x86
      busybox-static cpio bc flex bison libelf-dev libssl-dev kmod python3
      libxxhash-dev liblz4-dev xz-utils rsync clang libclang-rt-14-dev
      gcc-multilib libc6-dev-i386 dkms mandoc man-db)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}" >&2
	[ "$(id -u)" = 0 ] || { echo "setup: run as root to install packages" >&2; exit 1; }
	for try in 1 2 3; do	# a mirror hiccup should not sink a CI run
		apt-get update >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			"${missing[@]}" >&2 && break
		[ "$try" = 3 ] && { echo "setup: apt-get failed" >&2; exit 1; }
		sleep 10
	done
fi

# The kernel ABI the headers meta-package points at, e.g. 6.1.0-56-amd64.
abi=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 |
      sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p')
[ -n "$abi" ] || { echo "setup: cannot tell the Debian kernel ABI" >&2; exit 1; }
kdir=/usr/src/linux-headers-$abi
dest=$cache/debian-$abi
if [ ! -f "$dest/vmlinuz" ]; then
	echo "setup: unpacking linux-image-$abi for QEMU" >&2
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && { apt-get download "linux-image-$abi" >&2 ||
		{ apt-get update >&2 && apt-get download "linux-image-$abi" >&2; }; })
	dpkg-deb -x "$tmp"/linux-image-"$abi"_*.deb "$tmp/root"
	mkdir -p "$dest.tmp"
	cp "$tmp/root/boot/vmlinuz-$abi" "$dest.tmp/vmlinuz"
	cp -a "$tmp/root/lib/modules/$abi" "$dest.tmp/modules"
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
fi
cat > "$cache/debian.env" <<ENV
DEBIAN_ABI=$abi
DEBIAN_KDIR=$kdir
DEBIAN_VMLINUZ=$dest/vmlinuz
DEBIAN_MODULES=$dest/modules
ENV
