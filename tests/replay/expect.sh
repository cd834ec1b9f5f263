#!/bin/sh
# expect.sh - a replay of a fixture trace must print exactly what the
# .expected file holds (its last line: the exit status), and the scenario
# it emits must run on the model with every expectation held.
#
#   expect.sh UNEVICT FIXTURES NAME.expected [REPLAY OPTIONS...] TRACE
set -u
unevict=$1 dir=$2 expected=$3
shift 3
out=$(mktemp) uvs=$(mktemp --suffix=.uvs)
trap 'rm -f "$out" "$uvs"' EXIT
cd "$dir" || exit 1
"$unevict" replay --emit-uvs "$uvs" "$@" > "$out" 2>&1
echo "exit $?" >> "$out"
if ! diff -u "$expected" "$out"; then
	echo "FAIL: the replay's output differs from $expected"; exit 1
fi
if [ "$(tail -1 "$out")" != "exit 2" ] && ! "$unevict" run -q "$uvs"; then
	echo "FAIL: the emitted scenario does not give the replay's results"; exit 1
fi
exit 0
