#!/bin/bash
# make install / make uninstall into a DESTDIR, on the host: exactly the
# listed files, with their modes, and nothing left after uninstall.
# Usage: install_test.sh KO (a built v3chkpt.ko); TAP on stdout.
set -uo pipefail
ko=$1
n=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
kver=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)

make -s install DESTDIR="$d/root" KO="$ko" > "$d/install.log" 2>&1
tap $? "make install DESTDIR=... succeeds"
grep -q "depmod skipped" "$d/install.log"
tap $? "make install with DESTDIR skips depmod and says so"
(cd "$d/root" && find . \( -type f -o -type l \) -printf '%m %p\n' | sort) > "$d/got"
sort > "$d/want" <<LIST
644 ./lib/modules/$kver/updates/v3chkpt.ko
644 ./lib/udev/rules.d/60-v3chkpt.rules
644 ./usr/local/share/bash-completion/completions/v3chkpt
644 ./usr/local/share/man/man8/v3chkpt.8
755 ./usr/local/sbin/v3chkpt
LIST
diff -u "$d/want" "$d/got" >&2
tap $? "make install lays out exactly the module, CLI, man page, completion and udev rule"
cmp -s "$ko" "$d/root/lib/modules/$kver/updates/v3chkpt.ko"
tap $? "the installed module is the one built ($kver)"

make -s install DESTDIR="$d/p" PREFIX=/usr KO="$ko" > "$d/install2.log" 2>&1 &&
	test -x "$d/p/usr/sbin/v3chkpt" && test -f "$d/p/usr/share/man/man8/v3chkpt.8" &&
	test -f "$d/p/lib/udev/rules.d/60-v3chkpt.rules"
tap $? "PREFIX=/usr places the CLI and man page under /usr, the udev rule in /lib/udev"

make -s install-tools DESTDIR="$d/tools" > "$d/install3.log" 2>&1 &&
	[ "$(cd "$d/tools" && find . -type f | sort | tr '\n' ' ')" = \
	  "./lib/udev/rules.d/60-v3chkpt.rules ./usr/local/sbin/v3chkpt ./usr/local/share/bash-completion/completions/v3chkpt ./usr/local/share/man/man8/v3chkpt.8 " ]
tap $? "make install-tools installs all but the module (DKMS installs it)"

make -s uninstall DESTDIR="$d/root" KO="$ko" > "$d/uninstall.log" 2>&1
tap $? "make uninstall DESTDIR=... succeeds"
left=$(find "$d/root" \( -type f -o -type l \) | wc -l)
[ "$left" = 0 ]
tap $? "make uninstall removes every installed file ($left left)"

grep -q 'KERNEL=="v3chkpt".*MODE="0600"' scripts/install/60-v3chkpt.rules &&
	grep -q 'OWNER="root"' scripts/install/60-v3chkpt.rules
tap $? "the udev rule makes /dev/v3chkpt 0600 root"

v=$(sed -n 's/^MODULE_VERSION("\(.*\)");/\1/p' kmod/main.c)
grep -q "^PACKAGE_VERSION=\"$v\"$" dkms.conf
tap $? "dkms.conf's PACKAGE_VERSION is the module's version ($v)"
