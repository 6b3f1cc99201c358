"""Worker processes: how many by default, and how they start."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor


def default_jobs() -> int:
    """Every core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def forks() -> bool:
    """Whether workers are forked, so they inherit what this process holds when they start."""
    return "fork" in multiprocessing.get_all_start_methods()


def process_pool(jobs: int) -> ProcessPoolExecutor:
    # fork starts workers in milliseconds and shares what is already loaded; elsewhere, spawn.
    method = "fork" if forks() else "spawn"
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method))
