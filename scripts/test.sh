#!/usr/bin/env bash
# Builds and runs every test project and ends with one line: "N passed, N failed".
#  - the F# suite (tests/FuncCnn.Core.Tests) is an Expecto executable, run with --junit-summary;
#  - the C# suites (tests/*/*.csproj) run under `dotnet test` (xunit), each writing a TRX file.
# Exits non-zero when a test fails, a runner crashes (counted as one failure), or nothing ran.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
dotnet build FuncCnn.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; echo "build failed" >&2; exit 1; }

passed=0; failed=0

# A runner that wrote no result file, or exited non-zero without reporting a failed test, crashed
# (or ran nothing): count that as one failure.
count_crash() { # name exit-status failures-reported result-file
  if [ ! -f "$4" ]; then
    echo "$1: the runner wrote no results ($4), exit status $2" >&2
    failed=$((failed + 1))
  elif [ "$2" -ne 0 ] && [ "$3" -eq 0 ]; then
    echo "$1: the runner exited with status $2 without reporting a failed test" >&2
    failed=$((failed + 1))
  fi
}

# ---- F#: Expecto
junit="$results/core.junit.xml"
dotnet run --project tests/FuncCnn.Core.Tests -c Release --no-build -- --summary --no-spinner --junit-summary "$junit"
status=$?
if [ -f "$junit" ]; then
  cases=$(grep -o '<testcase ' "$junit" | wc -l)
  bad=$(grep -o -E '<(failure|error)[ >/]' "$junit" | wc -l)
  skipped=$(grep -o -E '<skipped[ >/]' "$junit" | wc -l)
  passed=$((passed + cases - bad - skipped)); failed=$((failed + bad))
else
  bad=0
fi
count_crash "FuncCnn.Core.Tests (Expecto)" "$status" "$bad" "$junit"

# ---- C#: xunit through dotnet test
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  dotnet test "$proj" -c Release --no-build -nologo --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=900000
  status=$?
  trx="$results/$name.trx"
  f=0
  if [ -f "$trx" ]; then
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    p=$(echo "$counters" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
    f=$(echo "$counters" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
    f=${f:-0}
    passed=$((passed + ${p:-0})); failed=$((failed + f))
  fi
  count_crash "$name (dotnet test)" "$status" "$f" "$trx"
done

echo "${passed} passed, ${failed} failed"
if [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
