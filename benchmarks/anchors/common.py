"""Shared helpers of the PyTorch anchors: whole-process peak memory, load, one JSON line per figure."""

import json
import os
import sys
import time


def peak_resident_bytes() -> int:
    """VmHWM of this process: the peak resident set, native memory included."""
    return _status_field("VmHWM")


def resident_bytes() -> int:
    """VmRSS of this process."""
    return _status_field("VmRSS")


def reset_peak() -> bool:
    """Resets VmHWM to the current RSS (Linux >= 4.0); False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_field(name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {name} line")


def load_average() -> float:
    return os.getloadavg()[0]


def emit(group: str, name: str, value: float, unit: str, **extra) -> None:
    """Prints one figure as a JSON line prefixed with RESULT, the format the e2e runner reads."""
    record = {"group": group, "name": name, "value": value, "unit": unit, "load": load_average(),
              "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "anchor": True, **extra}
    print("RESULT " + json.dumps(record), flush=True)


def set_threads() -> int:
    """All cores unless HAM_BENCH_THREADS says otherwise; returns the count used."""
    import torch

    threads = int(os.environ.get("HAM_BENCH_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(threads)
    return threads


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
