#!/bin/sh
# conform/corpus: the corpus on the model and the live kernel.
#   corpus.sh UNEVICT FILE...
# Passes when every scenario agrees exactly.  A scenario conform refuses
# because the host's own processes kept disturbing it ("cannot run quietly":
# e.g. this kind of machine's pid 1, whose locked memory changes while it
# works, which moves the global unevictable counters) is not a difference:
# it is listed, and tolerated for at most a tenth of the corpus.  Any
# difference, any other refusal, or more noise than that fails.
unevict=$1
shift
if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ]; then
	echo 'skipped: unevict conform needs root on Linux'
	exit 77
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$unevict" conform -q "$@" >"$out" 2>&1
status=$?
cat "$out"
[ $status = 0 ] && exit 0
[ $status = 2 ] || exit $status
total=$#
noisy=$(grep -c ': the live side cannot run quietly:' "$out")
agree=$(sed -n 's/^conformance: \([0-9]*\) of \([0-9]*\) scenarios agree exactly$/\1/p' "$out" | tail -1)
if [ -z "$agree" ] || [ $((agree + noisy)) -ne "$total" ]; then
	echo "FAIL: $total scenarios, ${agree:-?} agree, $noisy could not run quietly: the rest differ or could not run"
	exit 1
fi
if [ $((noisy * 10)) -gt "$total" ]; then
	echo "FAIL: $noisy of $total scenarios could not run quietly: too noisy a machine to judge"
	exit 1
fi
echo "note: $noisy of $total scenarios could not run quietly on this machine (listed above): not judged, every other one agrees"
exit 0
