#!/bin/sh
# unevict --help names every command and every benchmark, and each command
# answers --help with its own usage on stdout and exit 0.
set -eu
UNEVICT=$1
out=$("$UNEVICT" --help)
for word in "run " "conform " "demo " "plot " "replay " "fuzz " "kernels " "bench " "mlock " "scan " \
	"exit-storm" "replay [--calls" "--timeline"; do
	case $out in
	*"$word"*) ;;
	*) echo "unevict --help does not name '$word'"; exit 1 ;;
	esac
done
for cmd in run demo conform plot replay fuzz bench "bench mlock" "bench scan" "bench exit-storm" "bench replay" "kernels"; do
	# shellcheck disable=SC2086
	h=$("$UNEVICT" $cmd --help) || { echo "unevict $cmd --help failed"; exit 1; }
	case $h in
	usage:*) ;;
	*) echo "unevict $cmd --help: no usage line"; exit 1 ;;
	esac
done
echo "help ok"
