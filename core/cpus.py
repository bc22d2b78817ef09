"""How many cores this process may use: the one answer for the parse pool and `explain`."""

from __future__ import annotations

import math
import os
from pathlib import Path


def available_cpus() -> int:
    """The cores this process may use: its CPU affinity, and a cgroup v2 quota when one is set
    (a container started with `--cpus=1` sees every core of the host in its affinity)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpus = cpus or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max" and int(period) > 0:
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota here
    return cpus
