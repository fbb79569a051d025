#!/usr/bin/env bash
# Runs the ham tool from source after the machine set-up: ./ham.sh demo, ./ham.sh dg --help, ...
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
bash "$root/scripts/setup.sh"
# The build's own output is shown only when it fails.
if ! build_log="$(dotnet build "$root/src/Ham.Cli" -c Release -v quiet -nologo 2>&1)"; then
  printf '%s\n' "$build_log" >&2
  exit 1
fi
exec dotnet "$root/src/Ham.Cli/bin/Release/net10.0/ham.dll" "$@"
