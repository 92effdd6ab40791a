# make bench, migration pair, guest B (the source): raw TCP to A, then
# migrations of a 256 MiB 2-vCPU VM whose memory is all non-zero (half
# incompressible, half a repeated pattern: bench vm-fill), running the
# write-heavy hot/cold workload of make check's migration test
# (migrate-lib.sh).  Each
# report goes out as a line "MIGJSON LABEL {...}" for mig_report.py.
. /guest-lib.sh
cli=/v3chkpt
. /migrate-lib.sh
. /mig-common.sh
insmod /v3chkpt.ko && net_up b && wait_peer || exit 1
echo "TCP $(/bench $TCP_MIB tcp-send "$PEER_ADDR" $TCP_PORT $TCP_RUNS)"
port=$MIG_PORT0
# mig_start WORKLOAD-EXTRA: a filled VM mig runs for 3 s
mig_start() {
	mig_create mig "$1" && /bench 256 vm-fill mig && $cli vm run mig && sleep 3
}
# mig_go LABEL [MIGRATE OPTIONS]: migrate it to A on the next port
mig_go() {
	local label=$1
	shift
	mig_connect /tmp/m.json migrate mig "net:connect:$PEER_ADDR:$port" \
		--key-file /tmp/key --json --timeout 120 "$@" > /dev/null
	echo "MIGJSON $label $(head -1 /tmp/m.json)"
	$cli vm destroy mig 2> /dev/null
	rm -f /tmp/m.json
	port=$((port + 1))
}
i=0
while [ $i -lt $MIG_RUNS ]; do
	mig_start
	mig_go default
	i=$((i + 1))
done
i=0
while [ $i -lt $MIG_RUNS ]; do
	mig_start
	mig_go lz4 --compress lz4
	i=$((i + 1))
done
# The same guest at half the accesses (about 1 MiB/s dirtied): its dirty
# rate, measured just before, sets the cap at 4x (at least 1 MiB/s), below
# the ~10 MB/s migrations reach uncapped between TCG guests, so that the
# cap is the bandwidth.
i=0
while [ $i -lt $MIG_RUNS ]; do
	rm -f /tmp/d.json
	mig_start accesses=2 &&
		$cli vm dirty mig --interval 1 --count 4 --json > /tmp/d.json
	echo "MIGDIRTY $(head -1 /tmp/d.json)"
	cap=$(awk -v d="$(jget avg_mb_s /tmp/d.json)" \
		'BEGIN { c = int(d * 4 * 1024); print c < 1024 ? 1024 : c }')
	mig_go capped --max-bandwidth "${cap}K"
	i=$((i + 1))
done
