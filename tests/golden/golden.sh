#!/bin/sh
# The behaviour check of issue 9: `unevict run --json` of every corpus
# scenario (tests/scenarios, tests/model) compared byte for byte with the
# golden files under tests/golden/ (and the messages of tests/bad/*.uvs), and `unevict run -v` (every LRU event)
# compared by its SHA-256 (tests/golden/verbose.sha256: the text is 4 MB).
# A refactor must leave them unchanged; a model fix that changes results
# regenerates them on purpose:
#   tests/golden/golden.sh regen build/unevict
# and the diff of tests/golden/ goes into the same commit, for review.
#   usage: golden.sh check|regen UNEVICT [SOURCE_DIR]
set -u
mode=$1
unevict=$2
src=${3:-$(dirname "$0")/../..}
cd "$src" || exit 2
out=tests/golden
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
status=0
# keep NEW GOLDEN WHAT: regen copies the new output over the golden file;
# check compares them and shows the first lines that differ.
keep() {
  if [ "$mode" = regen ]; then
    cp "$1" "$2"
  elif ! cmp -s "$1" "$2"; then
    echo "changed: $3; diff $2 <new>:"
    diff "$2" "$1" | head -20
    status=1
  fi
}
: >"$tmp/sums"
for f in tests/scenarios/*/*.uvs tests/model/*/*.uvs; do
  name=$(printf '%s' "${f#tests/}" | sed 's|/|__|g; s|\.uvs$||')
  "$unevict" run --json "$f" >"$tmp/out" 2>&1
  echo "exit $?" >>"$tmp/out"
  "$unevict" run -v "$f" >"$tmp/v" 2>&1
  echo "exit $?" >>"$tmp/v"
  echo "$(sha256sum <"$tmp/v" | cut -d' ' -f1)  $f" >>"$tmp/sums"
  keep "$tmp/out" "$out/$name.json" "unevict run --json $f"
done
# the malformed scenarios: their FILE:LINE messages, all in one file
for f in tests/bad/*.uvs; do
  echo "== $f"
  "$unevict" run "$f" 2>&1
  echo "exit $?"
done >"$tmp/bad"
keep "$tmp/bad" "$out/bad.txt" "unevict run tests/bad/*.uvs"
keep "$tmp/sums" "$out/verbose.sha256" "unevict run -v (SHA-256 per scenario)"
if [ "$mode" = regen ]; then
  for g in "$out"/*.json; do       # goldens of scenarios gone from the corpus
    name=$(basename "$g" .json | sed 's|__|/|g')
    [ -f "tests/$name.uvs" ] || rm -f "$g"
  done
fi
exit $status
