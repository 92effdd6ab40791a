#!/bin/bash
# DKMS, on the host: make dkms-source's tree, dkms add and dkms build for
# Debian's kernel (KVER, headers in KDIR; not the running kernel), in
# private DKMS trees so the host's registrations are untouched and a second
# run starts clean.  The module built is copied to OUT for the QEMU guest
# (tests/qemu/payload-dkms.sh).  TAP on stdout.
# Usage: dkms_build.sh KVER KDIR OUT
set -uo pipefail
kver=$1 kdir=$2 out=$3
n=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
d=$(mktemp -d)
mkdir -p "$d/src" "$d/dkms"
dk=(-m v3chkpt -v "$ver" --sourcetree "$d/src" --dkmstree "$d/dkms")
cleanup() {
	dkms remove "${dk[@]}" --all > /dev/null 2>&1
	rm -rf "$d"
}
trap cleanup EXIT
rm -f "$out"

make -s dkms-source DKMS_SRCDIR="$d/src/v3chkpt-$ver" &&
	dkms add "${dk[@]}" > "$d/add.log" 2>&1
rc=$?
[ $rc = 0 ] || cat "$d/add.log" >&2
tap $rc "dkms add v3chkpt/$ver (make dkms-source's tree)"

dkms build "${dk[@]}" -k "$kver" --kernelsourcedir "$kdir" > "$d/build.log" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$d/build.log" >&2; cat "$d"/dkms/v3chkpt/"$ver"/build/make.log >&2 2>/dev/null; }
tap $rc "dkms build v3chkpt/$ver for Debian's kernel $kver"

ko=$(find "$d/dkms/v3chkpt/$ver/$kver" -name 'v3chkpt.ko*' 2>/dev/null | head -1)
case $ko in
*.ko.xz) xz -dc "$ko" > "$out" ;;
*.ko.zst) zstd -qdc "$ko" > "$out" ;;
*.ko) cp "$ko" "$out" ;;
esac
[ -s "$out" ] && [ "$(modinfo -F vermagic "$out" | cut -d' ' -f1)" = "$kver" ]
tap $? "dkms built v3chkpt.ko for $kver (vermagic)"
grep -q "DEST_MODULE_LOCATION\[0\]=\"/updates\"" dkms.conf &&
	dkms status "${dk[@]}" 2>/dev/null | grep -q "v3chkpt/$ver, $kver, .*: built"
tap $? "dkms status: v3chkpt/$ver built for $kver"
dkms remove "${dk[@]}" --all > "$d/remove.log" 2>&1 &&
	! dkms status "${dk[@]}" 2>/dev/null | grep -q v3chkpt
tap $? "dkms remove --all leaves no registration"
