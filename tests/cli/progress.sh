#!/bin/sh
# Long work shows a progress line on a terminal and nothing otherwise
# (issue 12; src/cli/progress.c): a run of a few seconds - 2G mapped
# locked (populated: 524288 pages) and unmapped 60 times (some 4 s here:
# progress shows after a second, so a shorter run passes only on a slow machine) - once with stderr
# on a pseudo-terminal (script(1), Debian's bsdutils), once on a file.
set -eu
UNEVICT=$1
command -v script >/dev/null 2>&1 || { echo "skipped: script(1) is missing (install bsdutils)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
{
	echo "machine mem=8G"
	echo "task a memlock=unlimited"
	i=0
	while [ $i -lt 60 ]; do echo "a: mmap r1 2G locked"; echo "a: munmap r1"; i=$((i + 1)); done
} > "$dir/long.uvs"
"$UNEVICT" run -q "$dir/long.uvs" > "$dir/out" 2> "$dir/err"
if [ -s "$dir/err" ]; then
	echo "FAIL: progress written to stderr that is not a terminal:"; cat "$dir/err"; exit 1
fi
script -qec "\"$UNEVICT\" run -q \"$dir/long.uvs\"" /dev/null > "$dir/tty" 2>&1
if ! grep -q "/122\] .*long\.uvs, [0-9]* s" "$dir/tty"; then
	echo "FAIL: no progress line on a terminal:"; od -c "$dir/tty" | head; exit 1
fi
grep -q "^0 expectations: 0 passed, 0 failed$" "$dir/out" || { echo "FAIL: no summary"; exit 1; }
echo "progress ok"
