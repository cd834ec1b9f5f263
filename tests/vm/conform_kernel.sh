#!/bin/sh
# conform_kernel.sh UNEVICT KERNEL SRCDIR FILE... - the corpus under
# `unevict conform --kernel KERNEL` in a VM (docs/VM.md).  Skipped (77) when
# the image is not cached or qemu is missing.  Every scenario must agree
# exactly, except those tests/vm/known-KERNEL.txt lists (one path relative
# to the source tree a line, then the reason): a listed one that now
# agrees is reported, an unlisted one that does not is a failure.
unevict=$1 kernel=$2 src=$3
shift 3
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
  echo "skipped: qemu-system-x86_64 is not installed (Debian: apt-get install qemu-system-x86)"
  exit 77
fi
if ! "$unevict" kernels list | awk '{print $1}' | grep -q "^$kernel[.]"; then
  echo "skipped: kernel $kernel is not cached: run \`unevict kernels fetch $kernel\`"
  exit 77
fi
out=$(mktemp)
"$unevict" conform -q --kernel "$kernel" "$@" >"$out" 2>&1
status=$?
cat "$out"
known="$src/tests/vm/known-$kernel.txt"
fail=0
for f in "$@"; do
  rel=${f#"$src"/}
  if grep -q -- "$rel: agrees exactly" "$out"; then
    if [ -f "$known" ] && grep -q "^$rel " "$known"; then
      echo "note: $rel now agrees on $kernel: drop it from $known"
    fi
    continue
  fi
  # model-only designs are reported, not compared
  grep -q -- "$rel: model only" "$out" && continue
  if [ -f "$known" ] && grep -q "^$rel " "$known"; then
    continue
  fi
  echo "FAIL: $rel does not agree on kernel $kernel (not in $known)"
  fail=1
done
rm -f "$out"
echo "conform --kernel $kernel exit status $status"
exit $fail
