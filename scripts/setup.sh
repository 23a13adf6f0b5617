#!/usr/bin/env bash
# Restores the local dotnet tools (Paket) and the NuGet packages pinned in paket.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet paket restore
