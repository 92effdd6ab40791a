#!/bin/bash
# The man page v3chkpt(8), on the host: lint-clean for mandoc and groff,
# rendered by man -l, and covering every command and option the CLI's
# --help lists (build/v3chkpt).  TAP on stdout.
set -uo pipefail
page=docs/v3chkpt.8
n=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; fi; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

mandoc -T lint -W all "$page" > "$d/mandoc" 2>&1
rc=$?
cat "$d/mandoc"
[ $rc = 0 ] && [ ! -s "$d/mandoc" ]
tap $? "mandoc -T lint -W all reports nothing"
groff -ww -z -man "$page" > "$d/groff" 2>&1
rc=$?
cat "$d/groff"
[ $rc = 0 ] && [ ! -s "$d/groff" ]
tap $? "groff -ww -z -man reports nothing"
MANWIDTH=80 man -l "$page" > "$d/man" 2> "$d/man.err"
rc=$?
cat "$d/man.err"
[ $rc = 0 ] && [ ! -s "$d/man.err" ] &&
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS STORE:URL "JSON OUTPUT" "EXIT STATUS" ERRORS EXAMPLES; do
		grep -q "^$s" "$d/man" || { echo "# no section $s"; false; } || break
	done
tap $? "man -l renders it, with every section"

build/v3chkpt --help > "$d/help" && [ "$(grep -c '^  [a-z]' "$d/help")" -gt 10 ]
tap $? "build/v3chkpt --help lists the commands"
missing=""
for c in $(sed -n 's/^  vm \([a-z|]*\) .*/\1/p; t; s/^  \([a-z][a-z|]*\) .*/\1/p' "$d/help" |
	   tr '|' ' '); do
	grep -qw -- "$c" "$d/man" || missing="$missing $c"
done
for o in $(grep -o -- '--[a-z][a-z-]*' "$d/help" | sort -u); do
	grep -q -- "$o" "$d/man" || missing="$missing $o"
done
[ -z "$missing" ]
tap $? "every command and option of --help is in the man page${missing:+ (missing:$missing)}"
