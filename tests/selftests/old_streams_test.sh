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

$cli vm destroy old10 && $cli vm destroy old10t && $cli delete memory:old10 &&
	$cli delete memory:old10s
tap $? "old streams: cleaned up"
