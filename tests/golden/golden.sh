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
: >"$tmp/sums"
for f in tests/scenarios/*/*.uvs tests/model/*/*.uvs; do
  name=$(printf '%s' "${f#tests/}" | sed 's|/|__|g; s|\.uvs$||')
  "$unevict" run --json "$f" >"$tmp/out" 2>&1
  echo "exit $?" >>"$tmp/out"
  "$unevict" run -v "$f" >"$tmp/v" 2>&1
  echo "exit $?" >>"$tmp/v"
  echo "$(sha256sum <"$tmp/v" | cut -d' ' -f1)  $f" >>"$tmp/sums"
  if [ "$mode" = regen ]; then
    cp "$tmp/out" "$out/$name.json"
  elif ! cmp -s "$tmp/out" "$out/$name.json"; then
    echo "changed: unevict run --json $f; diff $out/$name.json <new>:"
    diff "$out/$name.json" "$tmp/out" | head -20
    status=1
  fi
done
# the malformed scenarios: their FILE:LINE messages, all in one file
for f in tests/bad/*.uvs; do
  echo "== $f"
  "$unevict" run "$f" 2>&1
  echo "exit $?"
done >"$tmp/bad"
if [ "$mode" = regen ]; then
  cp "$tmp/bad" "$out/bad.txt"
elif ! cmp -s "$tmp/bad" "$out/bad.txt"; then
  echo "changed: unevict run tests/bad/*.uvs; diff $out/bad.txt <new>:"
  diff "$out/bad.txt" "$tmp/bad" | head -20
  status=1
fi
if [ "$mode" = regen ]; then
  cp "$tmp/sums" "$out/verbose.sha256"
  for g in "$out"/*.json; do       # goldens of scenarios gone from the corpus
    name=$(basename "$g" .json | sed 's|__|/|g')
    [ -f "tests/$name.uvs" ] || rm -f "$g"
  done
elif ! diff "$out/verbose.sha256" "$tmp/sums" >"$tmp/d"; then
  echo "changed: unevict run -v of:"
  grep '^>' "$tmp/d" | sed 's/^> [0-9a-f]*  /  /'
  status=1
fi
exit $status
