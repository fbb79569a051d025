"""TIES merging (Yadav et al., NeurIPS 2023) the way fusion_bench's utilities do it, as the anchor for Ham's merge:
state dicts flattened into one [K, P] matrix, top-k by magnitude per task vector via kthvalue, sign election by
the sign of the sum, disjoint mean, then unflattened. Our own code after the math of fusion_bench's
ties_merging_utils.py. K = 3 task vectors of ViT-B/16 image-tower size (86 M float32)."""

import sys
import time
from collections import OrderedDict

import torch

from common import emit, peak_resident_bytes, reset_peak, resident_bytes, set_threads
from vit_shapes import checkpoint, parameter_count


def flatten(state):
    # fusion_bench sorts keys and concatenates every parameter into one vector.
    return torch.cat([state[name].reshape(-1) for name in sorted(state)])


def unflatten(vector, reference):
    result, offset = OrderedDict(), 0
    for name in sorted(reference):
        count = reference[name].numel()
        result[name] = vector[offset:offset + count].view_as(reference[name]).clone()
        offset += count
    return result


def trim(task_vectors, density):
    # keep |τ_k| >= the (1 - density)·P-th smallest magnitude of each row
    P = task_vectors.shape[1]
    k = P - int(P * density)
    kth, _ = task_vectors.abs().kthvalue(k, dim=1, keepdim=True)
    return task_vectors * (task_vectors.abs() >= kth)


def elect_sign(trimmed):
    # γ = sign(Σ_k τ̂_k), zeros take the sign of the total
    sign = torch.sign(trimmed.sum(dim=0))
    sign[sign == 0] = torch.sign(sign.sum())
    return sign


def disjoint_mean(trimmed, sign):
    # τ_m = Σ_k τ̂_k·[sign(τ̂_k) = γ] / max(1, #agreeing)
    agrees = torch.where(sign.unsqueeze(0) > 0, trimmed > 0, trimmed < 0)
    selected = trimmed * agrees
    counts = (selected != 0).sum(dim=0).float()
    return selected.sum(dim=0) / counts.clamp(min=1)


def ties(pretrained, models, density, scale):
    flat_models = torch.vstack([flatten(state) for state in models])  # [K, P]
    flat_pretrained = flatten(pretrained)  # [P]
    task_vectors = flat_models - flat_pretrained

    trimmed = trim(task_vectors.clone(), density)
    sign = elect_sign(trimmed)
    merged = flat_pretrained + scale * disjoint_mean(trimmed, sign)

    return unflatten(merged, pretrained)


def main():
    threads = set_threads()
    K, density, scale = 3, 0.2, 1.0
    pretrained = checkpoint(0)
    models = [checkpoint(seed, base=pretrained, scale=0.001) for seed in range(1, K + 1)]
    input_bytes = (K + 1) * parameter_count() * 4
    baseline = resident_bytes()
    reset_peak()

    start, cpu = time.perf_counter(), time.process_time()
    merged = ties(pretrained, models, density, scale)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu

    peak = peak_resident_bytes()
    extra = dict(seconds=seconds, cpu_seconds=cpu_seconds, peak_bytes=peak, baseline_bytes=baseline, threads=threads,
                 parameters=parameter_count(), input_bytes=input_bytes, torch=torch.__version__)
    emit("merge", "TIES in memory, fusion_bench style (PyTorch)", seconds, "s", **extra)
    emit("merge", "TIES in memory, fusion_bench style (PyTorch) GB/s", input_bytes / seconds / 1e9, "GB/s", **extra)
    emit("merge", "TIES in memory, fusion_bench style (PyTorch) peak", peak / 1e9, "GB", **extra)
    emit("merge", "TIES in memory, fusion_bench style (PyTorch) peak above inputs", (peak - baseline) / 1e9,
         "GB", **extra)
    checksum = sum(float(t.double().sum()) for t in merged.values())
    print(f"checksum {checksum:.6f}", file=sys.stderr)


if __name__ == "__main__":
    main()
