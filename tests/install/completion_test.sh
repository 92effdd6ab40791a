#!/bin/bash
# The bash completion (scripts/install/v3chkpt.bash), on the host: sourced
# in a bash without bash-completion's helpers, with a stub v3chkpt on PATH
# that lists two VMs and a memory-store checkpoint.  TAP on stdout.
set -uo pipefail
n=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cat > "$d/v3chkpt" <<'STUB'
#!/bin/sh
case "$*" in
"vm list") printf '%-31s %-8s\n' NAME STATE web running db.1 paused ;;
"list") printf '%-32s %14s\n' NAME BYTES ck1 4096 ;;
*) exit 1 ;;
esac
STUB
chmod +x "$d/v3chkpt"
mkdir -p "$d/cwd/vmsdir" "$d/cwd/other"
export PATH="$d:$PATH"
. scripts/install/v3chkpt.bash
cd "$d/cwd" || exit 1

# comp LINE: complete at the end of LINE; prints COMPREPLY sorted, one line
comp() {
	COMP_LINE=$1 COMP_POINT=${#1}
	read -ra COMP_WORDS <<< "$1"
	[[ $1 =~ [[:space:]]$ ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_v3chkpt v3chkpt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
# check LINE WANT
check() {
	local got
	got=$(comp "$1")
	[ "$got" = "$2" ] || echo "# '$1': got '$got', want '$2'"
	tap $([ "$got" = "$2" ]; echo $?) "completion of '$1' is '$2'"
}

check "v3chkpt " "--help delete export get help import inspect list load migrate put receive save version vm"
check "v3chkpt ve" "version"
check "v3chkpt m" "migrate"
check "v3chkpt vm " "create destroy digest dirty list pause resume run step"
check "v3chkpt vm digest " "db.1 web"
check "v3chkpt vm run w" "web"
check "v3chkpt vm dirty web --" "--count --interval --json --mode"
check "v3chkpt vm dirty web --mode " "ad pml wp"
check "v3chkpt vm list --" "--json"
check "v3chkpt version --" "--json"
check "v3chkpt save " "db.1 web"
check "v3chkpt save web " "dir: memory: net:connect: net:listen:"
# bash splits at ':', so a reply carries only what follows the last ':'
check "v3chkpt save web net:" "connect: listen:"
check "v3chkpt load web memory:" "ck1"
check "v3chkpt save web dir:vm" "vmsdir"
check "v3chkpt save web memory:k1 --" "--key-file --no-progress --progress --skip --timeout"
check "v3chkpt save web memory:k1 --skip " "archdep cores devs mem"
check "v3chkpt load web memory:k1 --c" "--create"
check "v3chkpt migrate web --key-file k " "net:connect: net:listen:"
check "v3chkpt migrate web net:connect:h:1 --on-stall " "abort throttle"
check "v3chkpt receive web net:listen:0.0.0.0:7000 --p" "--paused --progress"
check "v3chkpt get " "dir: memory: net:connect: net:listen:"
check "v3chkpt import f.v3c " "dir: memory: net:connect: net:listen:"
