#!/usr/bin/env bash
# Makes FuncCnn's NuGet packages: the libraries FuncCnn.Core, FuncCnn.Api and FuncCnn.Reports
# (XML docs, README, MIT licence expression, dependencies fixed by Paket from paket.lock, and a
# .snupkg of symbols beside each) and the command line as the .NET tool FuncCnn.Cli (`funccnn`).
#
#   bash scripts/pack.sh [--out DIR] [--version X.Y.Z] [--configuration Release] [--no-build]
#
# --out defaults to artifacts/packages. --no-build packs what the last build of that configuration
# left (the packaging test uses it so that it never rebuilds under a running test suite).
# Then, e.g.:
#   dotnet add package FuncCnn.Api --source artifacts/packages
#   dotnet tool install --global FuncCnn.Cli --add-source artifacts/packages && funccnn --help
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/packages
configuration=Release
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --version) extra+=("-p:Version=$2"); shift 2 ;;
    --configuration|-c) configuration="$2"; shift 2 ;;
    --no-build) extra+=("--no-build"); shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "pack.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [[ " ${extra[*]-} " != *" --no-build "* ]]; then
  bash scripts/setup.sh
  # Build once with CI paths (deterministic, /_/ source paths in the PDBs), then pack without rebuilding.
  extra+=("-p:ContinuousIntegrationBuild=true")
fi

for project in src/FuncCnn.Core/FuncCnn.Core.fsproj src/FuncCnn.Api/FuncCnn.Api.csproj \
               src/FuncCnn.Reports/FuncCnn.Reports.csproj src/FuncCnn.Cli/FuncCnn.Cli.csproj; do
  dotnet pack "$project" -c "$configuration" -o "$out" -nologo -v quiet "${extra[@]}"
done
echo "packages in $out:"
ls -1 "$out"
