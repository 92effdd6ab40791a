# Sourced by the live-migration pair payloads (payload-migrate-a.sh,
# payload-migrate-b.sh; busybox sh, after guest-lib.sh, with $cli set).
#
# The migrated VM: 256 MiB, 2 vCPUs, a write-heavy hot/cold workload that
# dirties evenly (about 100 steps a second per vCPU, 4 accesses a step, 90%
# writes, 90% of them to a tenth of a 32 MiB working set per vCPU: some
# 2-3 MiB/s), so that the engine's expected downtime can be held to.
MIG_WL=ws=8192,write=90,pattern=hotcold,accesses=4,pace_us=10000
mig_create() {	# mig_create NAME [WORKLOAD-EXTRA]
	$cli vm create "$1" --mem 256M --vcpus 2 --workload "$MIG_WL${2:+,$2}" > /dev/null
}
# vm_field NAME COLUMN: a column of NAME's line in vm list (2 state, 5 steps)
vm_field() {
	$cli vm list | awk -v n="$1" -v c="$2" '$1 == n { print $c }'
}
# jget KEY FILE: KEY's value in the one-line JSON object in FILE (a string
# without its quotes, a number, true or false)
jget() {
	sed -nE 's/.*"'"$1"'" *: *("[^"]*"|[^,}]*).*/\1/p' "$2" | tr -d '"' | head -1
}
# mig_connect OUT ARGS...: run the CLI with ARGS (stdout to OUT, stderr to
# OUT.err) again while the connection is refused (the peer may not listen
# yet), for at most 120 s; shows both as TAP comments; returns its status
mig_connect() {
	local out=$1 rc end=$(( $(cut -d. -f1 /proc/uptime) + 120 ))
	shift
	while :; do
		$cli "$@" > "$out" 2> "$out.err"
		rc=$?
		[ $rc != 0 ] && grep -q ECONNREFUSED "$out" "$out.err" &&
			[ "$(cut -d. -f1 /proc/uptime)" -lt $end ] || break
		sleep 0.5
	done
	sed 's/^/# /' "$out" "$out.err"
	return $rc
}
