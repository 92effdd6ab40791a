# Guest payload: the v3chkpt.ko that DKMS built (tests/install/dkms_build.sh)
# on Debian's stock kernel: insmod, version, a VM saved to and loaded from
# the memory store, the CLI's --json objects (printed as
# "# V3CHKPT-JSON TAG OBJ", with the text beside them as
# "# V3CHKPT-TEXT TAG LINE", for tests/userspace/cli_json_check.py on the
# host), rmmod.
. /guest-lib.sh
echo "TAP version 13"
grep -q '^lz4_compress ' /proc/modules
tap $? "lz4_compress is loaded (v3chkpt.ko depends on it)"
insmod /v3chkpt.ko
tap $? "insmod the v3chkpt.ko DKMS built"
/v3chkpt version > /tmp/version
rc=$?
sed 's/^/# /' /tmp/version
[ $rc = 0 ] && grep -q '^abi: [0-9]' /tmp/version
tap $? "v3chkpt version"

/v3chkpt vm create dk1 --mem 64M --vcpus 2 && /v3chkpt vm step dk1 20
tap $? "a VM created and stepped"
/v3chkpt save dk1 memory:dkck --no-progress
tap $? "the VM saved to the memory store"
/v3chkpt load dk2 memory:dkck --create --no-progress
tap $? "and loaded from it into a new VM (--create)"
a=$(/v3chkpt vm digest dk1) && b=$(/v3chkpt vm digest dk2) && [ -n "$a" ] && [ "$a" = "$b" ]
tap $? "identical digests ($a)"

# json TAG CMD...: one line of output, exit 0, printed for the host
json() {
	local tag=$1 out rc
	shift
	out=$(/v3chkpt "$@" 2>/tmp/json.err)
	rc=$?
	echo "# V3CHKPT-JSON $tag $out"
	[ $rc = 0 ] && [ "$(echo "$out" | wc -l)" = 1 ] && [ ! -s /tmp/json.err ]
	tap $? "v3chkpt $* prints one line, exit 0, nothing on stderr"
}
text() { # TAG CMD...: the text output, for the host to compare
	local tag=$1
	shift
	/v3chkpt "$@" | sed "s/^/# V3CHKPT-TEXT $tag /"
}
json version version --json
text version version
json list list --json
text list list
/v3chkpt vm pause dk1 2>/dev/null
json vmlist vm list --json
text vmlist vm list
json digest vm digest dk1 --json
text digest vm digest dk1
json digest2 vm digest --json dk2
text digest2 vm digest dk2
/v3chkpt save dk1 dir:/tmp/dkdir --skip mem --no-progress
tap $? "the VM saved to a dir: checkpoint (--skip mem)"
json inspectdir inspect /tmp/dkdir --json
text inspectdir inspect /tmp/dkdir
/v3chkpt list --json extra > /tmp/o 2>&1
[ $? = 2 ]
tap $? "list --json with an extra argument is a usage error (exit 2)"
/v3chkpt vm digest nosuch --json > /tmp/o 2>/tmp/e
rc=$?
[ $rc = 1 ] && [ ! -s /tmp/o ] && grep -q '^v3chkpt: vm digest nosuch: .*(E[A-Z]*)$' /tmp/e
tap $? "vm digest --json of no VM: exit 1, the usual message on stderr, nothing on stdout ($(cat /tmp/e))"

/v3chkpt vm destroy dk1 && /v3chkpt vm destroy dk2 && /v3chkpt delete memory:dkck
tap $? "VMs destroyed, checkpoint deleted"
rmmod v3chkpt
tap $? "rmmod v3chkpt"
check_dmesg
