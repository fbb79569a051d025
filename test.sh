#!/usr/bin/env bash
# The test command: machine set-up (idempotent), then the whole suite.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
dotnet test Ham.sln -c Release "$@"
