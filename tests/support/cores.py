"""How many test workers this machine can really run at once."""

from __future__ import annotations

import os
from pathlib import Path

CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1 = (
    Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
    Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
)


def usable_cores() -> int:
    """The cores this process may run on, bounded by the container's CPU quota: a CI
    container often sees every core of its host but may use two, and a worker per host
    core then starves each test of time and trips every timeout."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = _quota()
    return max(1, min(cores or 1, quota) if quota else cores or 1)


def _quota() -> int | None:
    try:
        if CGROUP_V2.exists():
            limit, period = CGROUP_V2.read_text().split()[:2]
            if limit == "max":
                return None
            return max(1, int(limit) // int(period))
        quota_file, period_file = CGROUP_V1
        if quota_file.exists():
            limit_us = int(quota_file.read_text())
            if limit_us <= 0:
                return None
            return max(1, limit_us // int(period_file.read_text()))
    except (OSError, ValueError):
        return None
    return None
