# CLI tests (busybox sh in the guest, module loaded).  TAP lines via tap().
. /guest-lib.sh
cli=/v3chkpt
w=/tmp/cli
mkdir -p $w
printf 'register file\n' > $w/regs
dd if=/dev/urandom of=$w/mem bs=4096 count=64 2>/dev/null

$cli --help > $w/help.txt; r=$?
grep -q "put STORE:URL" $w/help.txt && [ $r = 0 ]
tap $? "cli: --help exits 0 and shows usage"

$cli frobnicate 2> $w/err; [ $? = 2 ] && grep -q "unknown command" $w/err
tap $? "cli: unknown command exits 2"

$cli put memory 2> $w/err; [ $? = 2 ]
tap $? "cli: missing arguments are a usage error"

$cli put memory:cli "cpu#1@2/regs=$w/regs" "cpu#1@2/mem=$w/mem" "pic/state=$w/regs" &&
$cli get memory:cli "cpu#1/mem" $w/mem.out && cmp $w/mem $w/mem.out &&
$cli get memory:cli "pic/state" > $w/state.out && cmp $w/regs $w/state.out
tap $? "cli: put/get round trip is byte exact"

$cli get memory:cli "cpu#1/nosuch" $w/x 2> $w/err; r=$?
[ $r = 1 ] && grep -q ENOENT $w/err && [ ! -e $w/x ]
tap $? "cli: missing tag names ENOENT and writes nothing"

$cli get memory:cli "cpu#1@1/regs" 2> $w/err; r=$?
[ $r = 1 ] && grep -q EPROTONOSUPPORT $w/err
tap $? "cli: too-new context version names EPROTONOSUPPORT"

$cli put memory:cli2 "a/x=$w/regs" "b/x=$w/regs" "a/y=$w/regs" 2> $w/err; r=$?
[ $r = 1 ] && grep -q EEXIST $w/err && ! $cli list | grep -q "^cli2 "
tap $? "cli: reopening a context fails with EEXIST and saves nothing"

$cli export memory:cli $w/s.v3c && $cli inspect $w/s.v3c > $w/insp &&
grep -q 'context "cpu" instance 1 version 2' $w/insp &&
grep -q 'blob "mem" 262144 bytes' $w/insp && grep -q "verdict: OK" $w/insp
tap $? "cli: export and inspect show contexts, tags and sizes"

cp $w/s.v3c $w/bad.v3c
printf '\377' | dd of=$w/bad.v3c bs=1 seek=300 conv=notrunc 2>/dev/null
$cli inspect $w/bad.v3c > $w/insp 2> $w/err; r=$?
[ $r = 1 ] && grep -q "REFUSED" $w/insp && grep -q EBADMSG $w/err
tap $? "cli: inspect refuses a corrupted stream"

if [ -e /tmp/duptag.v3c ]; then
	$cli inspect /tmp/duptag.v3c > $w/insp 2> $w/err; r=$?
	[ $r = 1 ] && grep -q "appears twice" $w/err && grep -q REFUSED $w/insp
	tap $? "cli: inspect refuses a repeated tag, as the kernel does"
fi

$cli import $w/bad.v3c memory:bad && ! $cli get memory:bad "cpu#1/regs" > /dev/null 2> $w/err &&
grep -q EBADMSG $w/err
tap $? "cli: loading a corrupted checkpoint fails with EBADMSG"

$cli list > $w/list && grep -q "^cli " $w/list && $cli delete memory:cli &&
! $cli list | grep -q "^cli " && ! $cli delete memory:cli 2> $w/err && grep -q ENOENT $w/err
tap $? "cli: list and delete"

$cli get nocolon x/y 2> /dev/null; [ $? = 2 ]
tap $? "cli: malformed STORE:URL is a usage error"
$cli delete memory:bad
