#!/usr/bin/env bash
# Builds the benchmarks outside the source tree and runs the end-to-end figures (one child process per case),
# then the PyTorch anchors. Arguments go to the runner: --only merge-memory:ties,ham-merge:ties --no-anchors ...
# Kernels instead: benchmarks/run.sh kernels --filter '*MergeKernels*'
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts="${HAM_BENCH_ARTIFACTS:-/tmp/ham-bench}"
dotnet build benchmarks/Ham.Benchmarks -c Release --artifacts-path "$artifacts" -v quiet -nologo >/dev/null
mode="${1:-e2e}"
[ $# -gt 0 ] && shift
exec "$artifacts/bin/Ham.Benchmarks/release/Ham.Benchmarks" "$mode" "$@"
