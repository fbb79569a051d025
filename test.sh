#!/usr/bin/env bash
# The test command: machine set-up (idempotent), then the whole suite.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
# Tests that read the shared data and reference fixtures find them as tests/Shared/SharedData.cs does.
if [ -n "${HAM_SHARED:-}" ] && [ -d "$HAM_SHARED" ]; then
  echo "test.sh: shared data and fixtures from HAM_SHARED=$HAM_SHARED" >&2
elif [ -d ../shared ]; then
  echo "test.sh: shared data and fixtures from $(cd ../shared && pwd)" >&2
else
  echo "test.sh: no ../shared beside this clone and no HAM_SHARED: the tests that need PACS or the reference" \
       "fixtures are reported as skipped" >&2
fi
dotnet test Ham.sln -c Release "$@"
