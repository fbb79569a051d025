#!/usr/bin/env bash
# Runs the ham tool from source after the machine set-up: ./ham.sh demo, ./ham.sh dg --help, ...
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
bash "$root/scripts/setup.sh"
dotnet build "$root/src/Ham.Cli" -c Release -v quiet -nologo '-clp:NoSummary;ErrorsOnly' >&2
exec dotnet "$root/src/Ham.Cli/bin/Release/net10.0/ham.dll" "$@"
