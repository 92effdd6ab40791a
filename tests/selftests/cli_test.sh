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

# A format 1.1 stream with live sections and page batches
# (build/live_test --write-seed, copied in with the old streams).
$cli inspect /live-1.1.v3c > $w/insp &&
	grep -q '^@[0-9 ]*section 7 "ram" instance 0 version 1$' $w/insp &&
	grep -q 'section 3 "tmem pool" instance 2 version 4 (optional)' $w/insp &&
	grep -q 'part of section 7 "ram": [0-9]* bytes, xxh64 [0-9a-f]* ok; batch of 3 pages in 1 runs: 1 zero, 1 raw, 1 lz4' $w/insp &&
	grep -q 'section 3 "tmem pool" ended: 2 parts, 6 bytes' $w/insp &&
	grep -q '^live: 2 sections, 5 parts; batch pages: 3 zero, 1 raw, 5 lz4' $w/insp
tap $? "cli: inspect shows sections, their parts (sizes, hash ok) and page batches by encoding"

# A byte of the first part's raw page: its own hash catches it, at the
# part's end (byte 4489), long before the stream's at END.
cp /live-1.1.v3c $w/live.v3c
printf 'X' | dd of=$w/live.v3c bs=1 seek=4400 conv=notrunc 2>/dev/null
$cli inspect $w/live.v3c > $w/insp 2> $w/err; r=$?
[ $r = 1 ] && grep -q "REFUSED" $w/insp && grep -q "at byte 4489 (record SECTION_PART).*EBADMSG" $w/err
tap $? "cli: inspect refuses a section part whose data does not match its hash"

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

# VMs
$cli version | grep -q "^features:.* vm"
tap $? "cli: version lists the vm feature"

$cli vm create clivm --mem 64M --vcpus 1 --workload ws=256,write=50,pattern=hotcold,seed=5 \
	--devices all && $cli vm list > $w/vms &&
head -1 $w/vms | grep -q "^NAME  *STATE  *MEMORY  *VCPUS  *STEPS  *ERROR" &&
grep -Eq "^clivm +paused +64M +1 +0 +-$" $w/vms
tap $? "cli: vm create, vm list shows it paused with 64M, 1 vCPU, 0 steps"

$cli vm step clivm 100 && $cli vm list | grep -Eq "^clivm +paused +64M +1 +100 +-$"
tap $? "cli: vm step runs COUNT steps, then the VM is paused"

$cli vm digest clivm > $w/d1 && [ "$(wc -l < $w/d1)" = 1 ] &&
grep -Eq '^[0-9a-f]{16} mem=[0-9a-f]{16} vcpus=[0-9a-f]{16} devs=[0-9a-f]{16}$' $w/d1
tap $? "cli: vm digest prints one line: total, mem, vcpus, devs"

$cli save clivm memory:clivm && $cli load clivm2 memory:clivm --create &&
$cli vm list | grep -Eq "^clivm2 +paused +64M +1 " &&
$cli vm digest clivm2 > $w/d2 && cmp -s $w/d1 $w/d2
tap $? "cli: save, load --create: the digests are equal"

cp $w/d1 $w/d0
$cli vm step clivm 50 && $cli vm step clivm2 50 && $cli vm digest clivm > $w/d1 &&
$cli vm digest clivm2 > $w/d2 && cmp -s $w/d1 $w/d2 && ! cmp -s $w/d0 $w/d1
tap $? "cli: source and loaded copy stay equal as both step on"

# Any registered store: the third-party module's "ext" store.
$cli vm step clivm2 7 && $cli save clivm ext:vm && $cli load clivm2 ext:vm &&
$cli vm digest clivm2 | cmp -s - $w/d1
tap $? "cli: a VM saved to and loaded from a store of another module"

$cli vm run clivm && $cli vm list | grep -Eq "^clivm +running " &&
{ $cli vm run clivm 2> $w/err; [ $? = 1 ] && grep -q EBUSY $w/err; } &&
$cli vm pause clivm && $cli vm resume clivm && $cli vm pause clivm &&
$cli vm list | grep -Eq "^clivm +paused "
tap $? "cli: vm run, pause, resume (run of a running VM: EBUSY)"

$cli save clivm memory:clivm-part --skip mem,devs && $cli load clivm2 memory:clivm-part 2> $w/err &&
grep -q "saved with --skip mem,devs" $w/err
tap $? "cli: save --skip, and load says parts were skipped"

$cli vm create clivm3 --mem=128M --vcpus=1 --workload ws=256,write=50,pattern=hotcold,seed=5 &&
$cli vm digest clivm3 > $w/d3 &&
{ $cli load clivm3 memory:clivm 2> $w/err; [ $? = 1 ]; } &&
grep -q "load clivm3 from memory:clivm: ..*: Invalid argument (EINVAL)" $w/err &&
$cli vm digest clivm3 | cmp -s - $w/d3
tap $? "cli: a mismatched load exits 1 with the kernel's reason and EINVAL"

r=0
for args in "vm create x --mem 64M" "vm create x --vcpus 1" "vm create x --mem 64Q --vcpus 1" \
	"vm create x --mem 64M --vcpus one" "vm create x --mem 64M --vcpus 1 --frob 1" \
	"vm create x --mem 64M --vcpus 1 --workload ws" "vm create" "vm step clivm" \
	"vm step clivm 0" "vm step clivm many" "vm frob clivm" "vm list x" "vm digest" \
	"save clivm" "save clivm nocolon" "load clivm memory:x --force" \
	"vm dirty" "vm dirty novm --mode foo --count 1" "vm dirty novm --interval 0" \
	"vm dirty novm --interval 1e3" "vm dirty novm --interval x" \
	"vm dirty novm --count 0" "vm dirty novm --frob 1" "vm dirty novm --count"; do
	$cli $args 2> /dev/null
	rc=$?
	[ $rc = 2 ] || { echo "# '$args' exited $rc, not 2"; r=1; }
done
! $cli vm list | grep -q "^x "
[ $? = 0 ] && [ $r = 0 ]
tap $? "cli: vm, save and load usage errors exit 2"

$cli vm create x --mem 64M --vcpus 1 --workload ws=4,colour=red 2> $w/err
[ $? = 2 ] && grep -q "unknown key 'colour'" $w/err
tap $? "cli: an unknown workload key is a usage error that names it"
$cli vm create x --mem 64M --vcpus 1 --workload pattern=zigzag 2> $w/err
[ $? = 2 ] && grep -q "unknown pattern 'zigzag'" $w/err
tap $? "cli: an unknown workload pattern is a usage error that names it"
$cli vm create x --mem 64M --vcpus 1 --workload write=0 2> $w/err
[ $? = 2 ] && grep -q "write=0 is not a setting" $w/err
tap $? "cli: a zero workload value (which the ABI reads as the default) is refused"
$cli vm create x --mem 64M --vcpus 1 --devices pit,floppy 2> $w/err
[ $? = 2 ] && grep -q "unknown device 'floppy'" $w/err
tap $? "cli: an unknown device is a usage error that names it"
$cli save clivm memory:x --skip mem,disk 2> $w/err
[ $? = 2 ] && grep -q "disk" $w/err && ! $cli list | grep -q "^x "
tap $? "cli: an unknown --skip part is a usage error that names it"

r=0
for args in "vm digest novm" "vm run novm" "vm pause novm" "vm step novm 1" \
	"vm destroy novm" "save novm memory:novm" "load novm memory:clivm" \
	"vm dirty novm --count 1"; do
	$cli $args 2> $w/err
	rc=$?
	[ $rc = 1 ] && grep -q ENOENT $w/err || { echo "# '$args' exited $rc: $(cat $w/err)"; r=1; }
done
[ $r = 0 ]
tap $? "cli: a missing VM exits 1 with ENOENT"

$cli vm destroy clivm && $cli vm destroy clivm2 && $cli vm destroy clivm3 &&
! $cli vm list | grep -q "^clivm" && $cli delete memory:clivm && $cli delete memory:clivm-part
tap $? "cli: vm destroy"

# ---- vm dirty ----
# dirty_ok FILE N [zero]: N interval lines, pages > 0 in each (0 with
# zero), MB/s = pages * 4096 / 2^20 / SECS (2%), the summary's total.
dirty_ok() {
	awk -v n=$2 -v zero=${3:-0} '
	/^ *[0-9]+ / { k++; sum += $3; mb = $3 * 4096 / 1048576 / $2
		if ((zero && $3 != 0) || (!zero && $3 <= 0) || $2 <= 0) bad = "pages " $3
		if ($4 - mb > 0.06 + mb / 50 || mb - $4 > 0.06 + mb / 50) bad = "MB/s " $4 " for " mb }
	/^total / { tot = $2; sumline = $0 }
	END { if (bad || k != n || tot != sum || sumline == "") {
		print "# dirty_ok: " k " lines, total " tot " of " sum " " bad; exit 1 } }' "$1"
}
# wait_tracking PID: until PID holds a tracker fd (at most 10 s)
wait_tracking() {
	i=0
	while ! ls -l /proc/$1/fd 2> /dev/null | grep -q v3chkpt-dirty; do
		i=$((i + 1))
		[ $i -le 100 ] || return 1
		sleep 0.1
	done
}

$cli vm create dv --mem 64M --vcpus 2 && $cli vm run dv &&
$cli vm dirty dv --count 3 --interval 0.2 > $w/dirty && dirty_ok $w/dirty 3 &&
grep -q "^total [0-9]* pages in .* s (3 intervals): .* MB/s average$" $w/dirty &&
head -1 $w/dirty | grep -q "(pml) every 0.2 s"
tap $? "cli: vm dirty --count 3 --interval 0.2: 3 intervals with pages, then the total"
sed 's/^/# /' $w/dirty

r=0
for m in wp ad pml; do
	$cli vm dirty dv --mode $m --count 2 --interval 0.2 > $w/dirty 2> $w/err &&
	dirty_ok $w/dirty 2 && head -1 $w/dirty | grep -q "($m)" || r=1
	case $m in	# wp: a write-protect exit per page; ad: entries scanned
	wp) awk '/^ *[0-9]+ / && $6 == 0 { exit 1 }' $w/dirty || r=1 ;;
	ad) awk '/^ *[0-9]+ / && $7 == 0 { exit 1 }' $w/dirty || r=1 ;;
	esac
	[ $r = 0 ] || { echo "# mode $m:"; sed 's/^/# /' $w/dirty $w/err; break; }
done
[ $r = 0 ]
tap $? "cli: vm dirty --mode wp, ad and pml each see the running VM's writes"

$cli vm dirty dv --count 3 --interval 0.2 --json > $w/dirty.json &&
[ "$(wc -l < $w/dirty.json)" = 1 ] &&
grep -q '^{"vm":"dv","mode":"pml","interval_s":0.2,"intervals":\[{"secs":' $w/dirty.json &&
[ "$(grep -o '{"secs":[0-9.]*,"pages":[1-9][0-9]*,"mb_s":[0-9.]*,"harvest_us":[0-9.]*,"exits":[0-9]*,"scanned":[0-9]*}' $w/dirty.json | wc -l)" = 3 ] &&
grep -q '\],"total_pages":[1-9][0-9]*,"total_s":[0-9.]*,"avg_mb_s":[0-9.]*,"interrupted":false}$' $w/dirty.json
tap $? "cli: vm dirty --json prints one object with 3 intervals"
# parsed on the host (tests/run.sh)
echo "# V3CHKPT-JSON count=3 $(cat $w/dirty.json)"

$cli vm pause dv && $cli vm dirty dv --count 3 --interval 0.2 > $w/dirty &&
dirty_ok $w/dirty 3 zero && grep -q "^total 0 pages" $w/dirty
tap $? "cli: vm dirty of a paused VM: 0 pages in each interval"
$cli vm run dv

$cli vm dirty dv --mode foo --count 1 2> $w/err
[ $? = 2 ] && grep -q "unknown mode 'foo'" $w/err
tap $? "cli: an unknown vm dirty --mode is a usage error that names it"

$cli vm dirty dv --interval 0.2 > $w/bg 2> $w/bgerr &
bg=$!
wait_tracking $bg &&
{ $cli vm dirty dv --count 1 > /dev/null 2> $w/err; [ $? = 1 ]; } &&
grep -q "EBUSY" $w/err && grep -q "a tracker is already running on VM 'dv'" $w/err
tap $? "cli: a second vm dirty while one runs: EBUSY, exit 1"
sleep 0.5
kill -INT $bg; wait $bg; r=$?
[ $r = 0 ] && grep -q "^total [0-9]* pages in .* intervals, interrupted): " $w/bg &&
[ ! -s $w/bgerr ] && $cli vm dirty dv --count 1 --interval 0.2 > $w/dirty && dirty_ok $w/dirty 1
tap $? "cli: SIGINT stops vm dirty: exit 0 after the summary, the VM untracked"

$cli vm dirty dv --interval 0.2 --json > $w/bg.json &
bg=$!
wait_tracking $bg; t=$?
sleep 0.7
kill -TERM $bg; wait $bg; r=$?
[ $t = 0 ] && [ $r = 0 ] && [ "$(wc -l < $w/bg.json)" = 1 ] &&
grep -q '"interrupted":true}$' $w/bg.json && $cli vm dirty dv --count 1 > /dev/null
tap $? "cli: SIGTERM stops vm dirty --json: the object, marked interrupted"
echo "# V3CHKPT-JSON interrupted $(cat $w/bg.json)"

$cli vm dirty dv --interval 0.2 > $w/bg 2> $w/bgerr &
bg=$!
wait_tracking $bg; t=$?
$cli vm destroy dv; wait $bg; r=$?
[ $t = 0 ] && [ $r = 1 ] && grep -q "ENODEV" $w/bgerr && grep -q "VM 'dv' was destroyed" $w/bgerr &&
! $cli vm list | grep -q "^dv "
tap $? "cli: a VM destroyed under vm dirty: ENODEV, exit 1"

# ---- dir and net stores through the CLI ----
$cli vm create sv --mem 64M --vcpus 2 && $cli vm step sv 30 &&
	(cd $w && $cli save sv dir:ckdir --progress 2> $w/prog) &&
	[ -f $w/ckdir/MANIFEST ] && grep -q "save sv: 100% (64 of 64 MiB)" $w/prog
tap $? "cli: save to a relative dir: path (made absolute), --progress reaches 100%"

$cli inspect $w/ckdir > $w/insp && grep -q "^manifest: .* checksum ok" $w/insp &&
	grep -q '00000.ctx  "vm" instance 0' $w/insp && grep -q "verdict: OK" $w/insp
tap $? "cli: inspect DIR shows the manifest, the files and verifies the stream"

$cli load sv2 dir:$w/ckdir --create && [ "$($cli vm digest sv)" = "$($cli vm digest sv2)" ]
tap $? "cli: load --create from dir: gives the same digest"

cp -a $w/ckdir $w/ckbad
# invert one byte inside a memory chunk's zero bitmap (bytes 137..648 of
# its file): blob data, so the file's checksum is what catches it
b=$(dd if=$w/ckbad/00002.ctx bs=1 skip=300 count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
printf "\\$(printf %o $((255 - b)))" | dd of=$w/ckbad/00002.ctx bs=1 seek=300 conv=notrunc 2>/dev/null
$cli inspect $w/ckbad > $w/insp 2> $w/err; r=$?
[ $r = 1 ] && grep -q "00002.ctx: checksum mismatch" $w/err && grep -q REFUSED $w/insp
tap $? "cli: inspect DIR refuses a file whose checksum does not match"

d0=$($cli vm digest sv2)
$cli load sv2 dir:$w/ckbad 2> $w/err; r=$?
[ $r = 1 ] && grep -q EBADMSG $w/err && [ "$($cli vm digest sv2)" = "$d0" ]
tap $? "cli: load from a damaged dir: fails with EBADMSG, the VM unchanged"

$cli export dir:$w/ckdir $w/ck.v3c && $cli inspect $w/ck.v3c | grep -q "verdict: OK" &&
	! $cli import $w/ck.v3c dir:$w/ckimp 2> $w/err && grep -q EOPNOTSUPP $w/err &&
	[ ! -e $w/ckimp ]
tap $? "cli: export from dir: works; import into dir: is refused (EOPNOTSUPP)"

printf 'short' > $w/shortkey
$cli save sv memory:k --key-file $w/shortkey 2> $w/err; r1=$?
$cli save sv net:connect:127.0.0.1:7300 --key-file $w/shortkey 2> $w/err2; r2=$?
[ $r1 = 2 ] && grep -q "net: URLs only" $w/err && [ $r2 = 2 ] && grep -q "16 to 64 bytes" $w/err2
tap $? "cli: --key-file is for net: only, and a short key is a usage error"

printf 'cli-test-key-0123456789abcdef!!' > $w/key
$cli load sv3 net:listen:127.0.0.1:7301 --create --key-file $w/key --timeout 60 2> $w/lerr &
lp=$!
sr=1
for i in $(seq 100); do
	$cli save sv net:connect:127.0.0.1:7301 --key-file $w/key 2> $w/serr
	sr=$?
	[ $sr = 0 ] && break
	grep -q ECONNREFUSED $w/serr || break
	sleep 0.1
done
wait $lp; lr=$?
[ $sr = 0 ] && [ $lr = 0 ] && [ "$($cli vm digest sv)" = "$($cli vm digest sv3)" ] &&
	! grep -q "without a key" $w/lerr
tap $? "cli: save net:connect / load net:listen with a key file: same digest"

# A VM larger than the caller's memory cgroup allows: ENOMEM, and no OOM
# kill (the payload's kernel-log check fails on one).
mkdir -p /sys/fs/cgroup && { grep -q " /sys/fs/cgroup " /proc/mounts ||
	mount -t cgroup2 none /sys/fs/cgroup; } &&
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control &&
	mkdir -p /sys/fs/cgroup/clitest &&
	echo 96M > /sys/fs/cgroup/clitest/memory.max &&
	sh -c 'echo $$ > /sys/fs/cgroup/clitest/cgroup.procs &&
		exec '$cli' vm create cgvm --mem 256M --vcpus 1' 2> $w/err
r=$?
[ $r = 1 ] && grep -q ENOMEM $w/err && ! $cli vm list | grep -q "^cgvm"
tap $? "cli: a VM beyond the caller's memory cgroup is ENOMEM, not an OOM kill"
rmdir /sys/fs/cgroup/clitest 2>/dev/null

# (SIGTSTP during a net transfer: store_test, which can give the CLI a
# process group that is not orphaned, as a shell's job has.)
$cli load sv4 net:listen:127.0.0.1:7302 --create --timeout 1 2> $w/lerr
[ $? = 1 ] && grep -q ETIMEDOUT $w/lerr &&
	grep -q "warning: listening without a key" $w/lerr
tap $? "cli: listening without a key is warned about"

$cli vm destroy sv && $cli vm destroy sv2 && $cli vm destroy sv3
tap $? "cli: dir/net VMs destroyed"

# ---- migrate and receive, both ends in this guest over loopback ----
printf 'cli-migrate-key-0123456789abcdef' > $w/mkey
$cli version | grep -q "^features:.* migrate"
tap $? "cli: version lists the migrate feature"

# wait_listen PORT: until a socket listens on it (at most 10 s)
wait_listen() {
	wl_i=0
	while ! grep -q ":$(printf %04X $1) 00000000:0000 0A" /proc/net/tcp; do
		wl_i=$((wl_i + 1))
		[ $wl_i -le 100 ] || return 1
		sleep 0.1
	done
}
# mig_pair SRC DST PORT [MIGRATE OPTIONS]: receive DST listening in the
# background (--json to $w/rx.json; $rx_opt its options), migrate SRC
# connecting once it listens (retried while refused; stdout to
# $w/tx.out); $txr and $rxr: exit statuses
rx_opt=
mig_pair() {
	mp_src=$1 mp_dst=$2 mp_port=$3
	shift 3
	$cli receive $mp_dst net:listen:127.0.0.1:$mp_port --key-file $w/mkey --json \
		--timeout 20 $rx_opt > $w/rx.json 2> $w/rx.err &
	mp_rx=$!
	wait_listen $mp_port
	for i in $(seq 100); do
		$cli migrate $mp_src net:connect:127.0.0.1:$mp_port --key-file $w/mkey "$@" \
			> $w/tx.out 2> $w/tx.err
		txr=$?
		[ $txr = 0 ] && break
		grep -q ECONNREFUSED $w/tx.err || break
		sleep 0.1
	done
	wait $mp_rx
	rxr=$?
}

# received paused: its digest is the source's at the switchover
$cli vm create mv --mem 64M --vcpus 2 --workload ws=512,write=80,pattern=hotcold,pace_us=50 &&
	$cli vm run mv && rx_opt=--paused && mig_pair mv mv2 7601 --json &&
	[ $txr = 0 ] && [ $rxr = 0 ] && [ "$(wc -l < $w/tx.out)" = 1 ] &&
	grep -q '^{"ok":true,"command":"migrate","vm":"mv","target":"net:connect:127.0.0.1:7601","state":"DONE",' $w/tx.out &&
	grep -q '"rounds":[1-9][0-9]*,"bytes_sent":[1-9][0-9]*,"guest_bytes":67108864,' $w/tx.out &&
	grep -q '"downtime_ms":[0-9.]*,' $w/tx.out && ! grep -q '"downtime_ms":0.000,' $w/tx.out &&
	[ "$(wc -l < $w/rx.json)" = 1 ] &&
	grep -q '^{"ok":true,"command":"receive","vm":"mv2",.*"state":"DONE",.*"vm_state":"paused"}$' $w/rx.json &&
	$cli vm list > $w/vms && grep -Eq "^mv +migrated +64M +2 " $w/vms &&
	grep -Eq "^mv2 +paused +64M +2 " $w/vms &&
	$cli vm digest mv > $w/d1 && $cli vm digest mv2 > $w/d2 && cmp -s $w/d1 $w/d2 &&
	$cli vm run mv2 && $cli vm list | grep -Eq "^mv2 +running "
tap $? "cli: migrate --json / receive --paused --json over loopback: DONE, the source migrated, the copy paused with its digest"
rx_opt=
sed 's/^/# /' $w/tx.err $w/rx.err
# parsed on the host (tests/run.sh)
echo "# V3CHKPT-MIGJSON migrate $(cat $w/tx.out)"
echo "# V3CHKPT-MIGJSON receive $(cat $w/rx.json)"

$cli vm run mv 2> $w/err; r=$?
[ $r = 1 ] && $cli vm list | grep -Eq "^mv +migrated "
tap $? "cli: a migrated VM does not run again"
{ $cli migrate mv net:connect:127.0.0.1:7609 --key-file $w/mkey 2> $w/err; [ $? = 1 ]; } &&
	grep -q "EIO" $w/err && grep -q "migrated already" $w/err && $cli vm destroy mv
tap $? "cli: migrating a migrated VM again: EIO, exit 1; vm destroy frees it"

mig_pair mv2 mv3 7602 --compress lz4 --destroy-source &&
	[ $txr = 0 ] && [ $rxr = 0 ] &&
	grep -q "^migrated VM mv2 to net:connect:127.0.0.1:7602 in [0-9.]* s (source destroyed)$" $w/tx.out &&
	grep -q "^  downtime: *[0-9.]* ms (expected at the last round: [0-9.]* ms; the pause: [0-9.]* ms)$" $w/tx.out &&
	grep -q "^  rounds: *[1-9][0-9]*$" $w/tx.out &&
	grep -q "^  sent: *[0-9.]* MiB for 64.0 MiB of guest RAM ([0-9.]*x)$" $w/tx.out &&
	grep -q "^  compression: *[0-9.]*x" $w/tx.out && ! grep -q "^  compression: *1.00x" $w/tx.out &&
	! $cli vm list | grep -q "^mv2 " && $cli vm list | grep -Eq "^mv3 +running "
tap $? "cli: migrate --compress lz4 --destroy-source: the text report, the source gone"
echo "# txr=$txr rxr=$rxr"
sed 's/^/# /' $w/tx.out $w/tx.err $w/rx.json $w/rx.err

# ^C: the migration is cancelled, the source runs on, the receiver has no VM
$cli receive mv4 net:listen:127.0.0.1:7603 --key-file $w/mkey --json --timeout 20 \
	> $w/rx.json 2> $w/rx.err &
rxp=$!
wait_listen 7603
for i in $(seq 50); do
	$cli migrate mv3 net:connect:127.0.0.1:7603 --key-file $w/mkey --max-bandwidth 1M \
		--progress > $w/tx.out 2> $w/tx.err &
	txp=$!
	j=0
	while kill -0 $txp 2> /dev/null && ! grep -q "ROUNDS" $w/tx.err && [ $j -le 300 ]; do
		sleep 0.1
		j=$((j + 1))
	done
	grep -q "ROUNDS" $w/tx.err && break
	wait $txp
	grep -q ECONNREFUSED $w/tx.err || break
	sleep 0.1
done
kill -INT $txp; wait $txp; txr=$?
wait $rxp; rxr=$?
[ $txr = 1 ] && [ $rxr = 1 ] && grep -q "^migrate mv3: ROUNDS round [0-9]*, [0-9.]* MiB left, [0-9.]* MiB/s, expected downtime [0-9]* ms, throttle [0-9]*%$" $w/tx.err &&
	grep -q "cancelling" $w/tx.err && grep -q "ECANCELED" $w/tx.err &&
	grep -q "^migration of VM mv3 cancelled after [0-9.]* s in round [0-9]* (ECANCELED)$" $w/tx.out &&
	grep -q '"ok":false' $w/rx.json && $cli vm list | grep -Eq "^mv3 +running " &&
	! $cli vm list | grep -q "^mv4 " && $cli vm dirty mv3 --count 1 --interval 0.2 > /dev/null
tap $? "cli: ^C cancels migrate: exit 1, the source running untracked, no VM received"
sed 's/^/# /' $w/tx.out $w/tx.err $w/rx.err

# nobody listens: ECONNREFUSED, the source runs on and can migrate again
r=0
for i in 1 2; do
	$cli migrate mv3 net:connect:127.0.0.1:7605 --key-file $w/mkey > $w/tx.out 2> $w/tx.err
	[ $? = 1 ] && grep -q "ECONNREFUSED" $w/tx.err &&
		grep -q "^migration of VM mv3 failed after [0-9.]* s in round 0 (ECONNREFUSED)$" $w/tx.out ||
		{ r=1; sed 's/^/# /' $w/tx.out $w/tx.err; }
done
[ $r = 0 ] && $cli vm list | grep -Eq "^mv3 +running "
tap $? "cli: a refused migrate exits 1 with ECONNREFUSED; the VM runs on and can migrate again"

{ $cli migrate novm net:connect:127.0.0.1:7604 --key-file $w/mkey 2> $w/err; [ $? = 1 ]; } &&
	grep -q ENOENT $w/err &&
	{ $cli receive mv3 net:listen:127.0.0.1:7604 --key-file $w/mkey --timeout 5 2> $w/err; [ $? = 1 ]; } &&
	grep -q EEXIST $w/err
tap $? "cli: migrate of a missing VM (ENOENT), receive under a taken name (EEXIST): exit 1"

r=0
for args in "migrate" "migrate mv3" "migrate mv3 memory:x" "migrate mv3 dir:/tmp/x" \
	"migrate mv3 net:frob:127.0.0.1:1" "migrate mv3 net:connect:127.0.0.1:1 --frob 1" \
	"migrate mv3 net:connect:127.0.0.1:1 --downtime 0" \
	"migrate mv3 net:connect:127.0.0.1:1 --downtime x" \
	"migrate mv3 net:connect:127.0.0.1:1 --max-bandwidth 0" \
	"migrate mv3 net:connect:127.0.0.1:1 --max-bandwidth 5Q" \
	"migrate mv3 net:connect:127.0.0.1:1 --compress zstd" \
	"migrate mv3 net:connect:127.0.0.1:1 --on-stall maybe" \
	"migrate mv3 net:connect:127.0.0.1:1 --dirty-mode foo" \
	"migrate mv3 net:connect:127.0.0.1:1 --max-rounds 0" \
	"migrate mv3 net:connect:127.0.0.1:1 --max-time 0" \
	"migrate mv3 net:connect:127.0.0.1:1 --timeout 0" \
	"migrate mv3 net:connect:127.0.0.1:1 --json --progress" \
	"migrate mv3 net:connect:127.0.0.1:1 --downtime" \
	"receive" "receive x memory:y" "receive x net:listen:127.0.0.1:1 --downtime 5" \
	"receive x net:listen:127.0.0.1:1 --destroy-source" \
	"migrate mv3 net:connect:127.0.0.1:1 --paused"; do
	$cli $args > /dev/null 2>&1
	rc=$?
	[ $rc = 2 ] || { echo "# '$args' exited $rc, not 2"; r=1; }
done
$cli migrate mv3 memory:x 2> $w/err
[ $r = 0 ] && grep -q "not a net: target" $w/err && $cli vm list | grep -Eq "^mv3 +running "
tap $? "cli: migrate and receive usage errors exit 2 (a target not net: among them)"

$cli vm destroy mv3
tap $? "cli: migrated VMs destroyed"
