#!/bin/bash
# live.sh - record a real program with strace, replay the trace on the
# model, and compare (issue 12).
#
#   live.sh UNEVICT OUTDIR NAME PACKAGE[:BINARY] STOP_CALL STOP_NR KILL_AFTER -- PROGRAM ARGS...
#
# The program runs under strace -f -tt -y -e trace=memory,ipc,process, and
# strace holds the first STOP_CALL (x86_64 number STOP_NR) at its entry for
# a few seconds (-e inject=STOP_CALL:delay_enter): the program's state then
# is that of every call before it, which the test reads from /proc
# (status, smaps) while it waits.  KILL_AFTER > 0: a daemon, sent SIGTERM
# after that many seconds (STOP_CALL is then exit_group).  Then:
#  - unevict replay of the trace up to that line must agree on every
#    recorded result (exit 0);
#  - over the program's own regions (the trace's; not its exec image, stack
#    or vdso, which the kernel made before the trace began), the live and
#    the model's smaps must give the same VmLck (Size of locked VMAs), Rss
#    of the locked anonymous and file mappings, and (unless EXACT_LOCKED=0,
#    for a program whose forked processes share pages) smaps Locked of the
#    anonymous ones;
#  - the scenario --emit-uvs wrote must run with every expectation held.
# Exit 77 (skipped) when strace or the program is missing, or not root.
set -u
unevict=$1 outdir=$2 name=$3 package=$4 stop=$5 stop_nr=$6 kill_after=$7
shift 7
[ "$1" = "--" ] && shift
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "skipped: recording $name needs root (ptrace, mlock limits)"; exit 77
fi
if ! command -v strace > /dev/null; then
	echo "skipped: strace is not installed (apt-get install strace)"; exit 77
fi
# PACKAGE may name the program it must provide: memcached:/usr/bin/memcached
needs=${package#*:}
[ "$needs" = "$package" ] && needs=$1
package=${package%%:*}
if ! command -v "$needs" > /dev/null; then
	echo "skipped: $needs is not installed (apt-get install $package)"; exit 77
fi

mkdir -p "$outdir"
trace=$outdir/$name.trace
rm -f "$trace" "$outdir/$name".*
strace -f -tt -y -e trace=memory,ipc,process \
	-e inject="$stop":delay_enter=5000000:when=1 -o "$trace" "$@" \
	> "$outdir/$name.stdout" 2>&1 &
spid=$!

if [ "$kill_after" != 0 ]; then
	sleep "$kill_after"
	main=$(pgrep -P "$spid" | head -1)
	[ -n "$main" ] && kill -TERM "$main"
fi

# the tracee (any thread) held at the entry of $stop
observed=
for _ in $(seq 300); do
	for st in /proc/[0-9]*/status; do
		d=${st%/status}
		grep -qs "^TracerPid:[[:space:]]*$spid\$" "$st" || continue
		for tsys in "$d"/task/*/syscall; do
			read -r nr _ < "$tsys" 2> /dev/null || continue
			if [ "$nr" = "$stop_nr" ]; then
				tid=${tsys%/syscall}; tid=${tid##*/}
				cp "$d/status" "$outdir/$name.live-status" &&
				cp "$d/smaps" "$outdir/$name.live-smaps" &&
				observed=${d#/proc/}
				break 3
			fi
		done
	done
	sleep 0.05
done
wait "$spid"
if [ -z "$observed" ]; then
	echo "FAIL: $name never reached $stop (see $trace)"; exit 1
fi

line=$(awk -v pid="$tid" -v call="$stop" \
	'$1 == pid && index($3, call "(") == 1 { print NR; exit }' "$trace")
if [ -z "$line" ]; then
	echo "FAIL: no $stop line of pid $tid in $trace"; exit 1
fi
"$unevict" replay --until-line "$line" --regions --smaps-out "$outdir/$name.model-smaps" \
	--emit-uvs "$outdir/$name.uvs" "$trace" > "$outdir/$name.replay"
rc=$?
cat "$outdir/$name.replay" | grep -v '^  region '
if [ $rc != 0 ]; then
	echo "FAIL: the replay of $name does not agree with the trace (exit $rc)"; exit 1
fi

# the observed process's regions (trace addresses), from --regions
awk -v pid="$observed" '
	/^process / { n = split($4, ps, ","); mine = 0
		sub(/^\(pids /, "", $3)
		for (i = 1; i <= n; i++) { gsub(/[^0-9]/, "", ps[i]); if (ps[i] == pid) mine = 1 }
		next }
	/^  region / && mine { split($2, a, "-"); print a[1], a[2] }' \
	"$outdir/$name.replay" > "$outdir/$name.regions"
live=$(awk -v regions="$outdir/$name.regions" -f "$here/smaps_sum.awk" "$outdir/$name.live-smaps")
model=$(awk -v pid="$observed" -f "$here/smaps_sum.awk" "$outdir/$name.model-smaps")
echo "live  pid $observed at $stop (line $line), its own regions: $live"
echo "model process of pid $observed:                 $model"
status=0
# Locked (a Pss) of anonymous memory is exact only when no other process
# shares its pages: EXACT_LOCKED=0 for a program that forks
keys="vmlck anon_rss_locked file_rss_locked"
[ "${EXACT_LOCKED:-1}" = 1 ] && keys="$keys anon_locked"
for key in $keys; do
	l=$(echo "$live" | tr ' ' '\n' | sed -n "s/^$key=//p")
	m=$(echo "$model" | tr ' ' '\n' | sed -n "s/^$key=//p")
	if [ "$l" != "$m" ]; then
		echo "FAIL: $key: live $l kB, model $m kB"; status=1
	fi
done
if ! "$unevict" run -q "$outdir/$name.uvs" > "$outdir/$name.uvs-run"; then
	tail -5 "$outdir/$name.uvs-run"
	echo "FAIL: the emitted scenario does not give the replay's results"; status=1
fi
[ $status = 0 ] && echo "$name: every recorded result reproduced; VmLck and Locked as live"
exit $status
