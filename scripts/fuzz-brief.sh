#!/usr/bin/env bash
# Runs every fuzzer of the module briefly (issue 12.13): 2 seconds of new inputs each
# (16 fuzzers: about 80 s with the builds cached). `make test` runs it after the tests,
# which have already run every fuzzer's seeds and testdata/fuzz corpus as plain tests.
# The fuzzers are found, not listed: a new `func FuzzX(f *testing.F)` in any _test.go
# file is run with no change here. A crash leaves its input in the package's
# testdata/fuzz/FuzzX/ and fails the run.
#
#   FUZZTIME=10m scripts/fuzz-brief.sh           one long run of each (as in docs/SECURITY.md)
#   scripts/fuzz-brief.sh ./service/legacy/      only the fuzzers of one package
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-2s}

failed=0
n=0
start=$SECONDS
while IFS= read -r file; do
  dir=./$(dirname "$file")/
  if [ $# -gt 0 ] && [ "$dir" != "$1" ]; then
    continue
  fi
  for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' "$file"); do
    n=$((n + 1))
    out=$($GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$dir" 2>&1) && ok=1 || ok=0
    # Go's fuzzer reports "context deadline exceeded" when -fuzztime ends while it is
    # still minimising a new interesting input (seen on a fresh CI machine): that is its
    # timer, not a finding. A finding always writes its input ("Failing input written").
    if [ $ok = 0 ] && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
      ok=1
    fi
    if [ $ok = 0 ]; then
      echo "$out"
      echo "FAIL fuzz $dir $name"
      failed=$((failed + 1))
    else
      echo "ok   fuzz $dir $name ($(echo "$out" | grep -o 'execs: [0-9]*' | tail -1))"
    fi
  done
done < <(grep -rl --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' . | sed 's|^\./||' | sort)

echo "fuzz: $n fuzzers, $failed failed, $((SECONDS - start)) s"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
