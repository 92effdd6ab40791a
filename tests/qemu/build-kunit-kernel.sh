#!/bin/bash
# Build (or reuse) the KUnit test kernel from Debian's linux-source-6.1.
# The build lives outside the repo, keyed by the config fragment and the
# source package version, so a change to the module never rebuilds it.
# Prints the build directory (usable as KDIR) on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${V3CHKPT_CACHE:-/var/cache/v3chkpt}
tarball=/usr/src/linux-source-6.1.tar.xz
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( (echo "$srcver"; cat "$here/kunit.config") | sha256sum | cut -c1-16)
src=$cache/linux-source-$srcver
out=$cache/kunit-$key

if [ -f "$out/.v3chkpt-done" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$cache"
if [ ! -f "$src/.v3chkpt-extracted" ]; then
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -xJf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.v3chkpt-extracted"
	mv "$src.tmp" "$src"
fi
rm -rf "$out"
mkdir -p "$out"
{
	make -C "$src" O="$out" allnoconfig
	KCONFIG_CONFIG="$out/.config" "$src/scripts/kconfig/merge_config.sh" \
		-m -O "$out" "$out/.config" "$here/kunit.config"
	make -C "$src" O="$out" olddefconfig
	# Every requested option must have survived dependency resolution.
	missing=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		grep -qx "$line" "$out/.config" || { echo "missing: $line"; missing=1; }
	done < "$here/kunit.config"
	[ "$missing" = 0 ] || exit 1
	make -C "$src" O="$out" -j"$(nproc)" bzImage modules
} >"$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "kunit kernel build failed; log: $out/build.log" >&2
	exit 1
}
touch "$out/.v3chkpt-done"
echo "$out"
