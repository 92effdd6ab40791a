#!/bin/bash
# Kernel coding style over every C file and header in the repo, with the
# checkpatch.pl of Debian's linux-source-6.1.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(ls -d "${V3CHKPT_CACHE:-/var/cache/v3chkpt}"/linux-source-*/ 2>/dev/null | head -1)
if [ -z "$src" ]; then
	src=$(mktemp -d)
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$src" --strip-components=1 \
		linux-source-6.1/scripts/checkpatch.pl linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
fi
files=$(git ls-files '*.c' '*.h')
# .checkpatch.conf in the repo root is read by checkpatch.pl itself.
"$src/scripts/checkpatch.pl" --no-tree --quiet --show-types -f $files
echo "checkpatch: clean ($(echo $files | wc -w) files)"
