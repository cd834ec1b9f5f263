#!/bin/sh
# conform leaves nothing behind after a normal exit (issue 13): a scenario
# with 64 tmpfs files (a mount point and a file each in the clean-up table)
# agrees live, and no /tmp/unevict-conform.PID.* directory of that run
# remains.  Root on Linux only (77 = skipped).
#   usage: conform_cleanup.sh UNEVICT SCENARIO
if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ]; then
  echo 'skipped: unevict conform needs root on Linux'
  exit 77
fi
"$1" conform -q "$2" &
pid=$!
wait $pid
status=$?
if [ $status != 0 ]; then
  echo "unevict conform $2: exit $status"
  exit 1
fi
for d in /tmp/unevict-conform.$pid.* /var/tmp/unevict-conform.$pid.*; do
  if [ -e "$d" ]; then
    echo "left behind: $d"
    exit 1
  fi
done
exit 0
