"""The physical limit: memory copy rate of a 1 GiB float32 tensor (bytes copied per second, as memcpy counts)."""

import time

import torch

from common import emit, set_threads

set_threads()
source = torch.ones(256 * 1024 * 1024, dtype=torch.float32)  # 1 GiB
target = source.clone()
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    target.copy_(source)
    best = min(best, time.perf_counter() - start)
gib = source.numel() * 4 / 2**30
emit("memory", "copy 1 GiB (torch copy_)", gib * 1.073741824 / best, "GB/s", seconds=best)
