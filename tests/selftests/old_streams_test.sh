# Checkpoints written by earlier releases still load (tests/data/).
# busybox sh in the kselftest guest, module loaded; TAP via tap().
. /guest-lib.sh
cli=/v3chkpt
want() { sed -n "s/^$1 //p" /vm-1.0.digests; }

$cli import /vm-1.0.v3c memory:old10 &&
	$cli load old10 memory:old10 --create &&
	[ "$($cli vm digest old10)" = "$(want at-save)" ]
tap $? "old streams: a format-1.0 VM checkpoint loads to the digest it was saved with"

$cli vm step old10 40 && [ "$($cli vm digest old10)" = "$(want after-40)" ]
tap $? "old streams: the restored 1.0 VM steps on as the original did"

$cli import /vm-1.0-skipmem.v3c memory:old10s &&
	$cli vm create old10t --mem 64M --vcpus 2 --workload ws=48,seed=7 &&
	$cli load old10t memory:old10s 2> /tmp/old10.err &&
	grep -q "memory" /tmp/old10.err &&
	[ "$($cli vm digest old10t | cut -d' ' -f3-4)" = "$(want after-40 | cut -d' ' -f3-4)" ]
tap $? "old streams: a format-1.0 --skip mem checkpoint loads its vCPUs and devices"

# Format 1.1 adds sections; a checkpoint without them is still written as
# 1.0, so a 1.0 reader is never refused what it could load.
$cli save old10 memory:new10 && $cli export memory:new10 /tmp/new10.v3c &&
	$cli inspect /tmp/new10.v3c | head -1 | grep -q "^stream: format 1\.0,"
tap $? "format: a VM checkpoint (no sections) is written as format 1.0"

# A 1.1 stream with live sections (tests/userspace/live_test.c): this
# loader has no live unit, so a mandatory section is refused and an
# optional one passed over (its records still checked).
$cli import /live-1.1.v3c memory:live11 &&
	! $cli get memory:live11 cpu/x > /dev/null 2> /tmp/live11.err &&
	grep -q EOPNOTSUPP /tmp/live11.err
tap $? "format 1.1: a mandatory section is refused (EOPNOTSUPP)"
$cli import /live-1.1-optional.v3c memory:live11o &&
	[ "$($cli get memory:live11o vm/config)" = abc ] &&
	! $cli get memory:live11o cpu/x > /dev/null 2> /tmp/live11o.err &&
	grep -q ENOENT /tmp/live11o.err
tap $? "format 1.1: optional sections are passed over, the contexts around them load"

$cli vm destroy old10 && $cli vm destroy old10t && $cli delete memory:old10 &&
	$cli delete memory:old10s && $cli delete memory:new10 &&
	$cli delete memory:live11 && $cli delete memory:live11o
tap $? "old streams: cleaned up"
