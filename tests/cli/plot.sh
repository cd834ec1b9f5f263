#!/bin/sh
# unevict plot: the demo's timeline drawn as SVG and PNG by gnuplot, and a
# malformed CSV refused with FILE:LINE and exit 2.  Skipped without gnuplot.
set -eu
UNEVICT=$1
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "skipped: gnuplot not found (Debian: apt-get install gnuplot-nox)"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$UNEVICT" demo -q --timeline "$dir/demo.csv" >/dev/null
"$UNEVICT" plot "$dir/demo.csv" -o "$dir/demo.svg"
"$UNEVICT" plot "$dir/demo.csv" -o "$dir/demo.png" --title demo
grep -q '<svg' "$dir/demo.svg"
# a panel per node and the series names as gnuplot wrote them
grep -q 'node0' "$dir/demo.svg"
grep -q 'unevictable_pgs_culled' "$dir/demo.svg"
[ "$(head -c 8 "$dir/demo.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
printf 'line,text,a\n1,x,2\n2,"y\n' > "$dir/bad.csv"
set +e
"$UNEVICT" plot "$dir/bad.csv" -o "$dir/bad.svg" 2> "$dir/err"
st=$?
set -e
[ "$st" = 2 ] || { echo "bad CSV: exit $st, want 2"; exit 1; }
grep -q "bad.csv:3:" "$dir/err" || { cat "$dir/err"; exit 1; }
echo "plot ok"
