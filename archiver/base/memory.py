"""The cyclic garbage collector and the large acyclic data archiver holds.

A manifest of 100,000 seeds parses into about a million objects; a plan holds 100,000 rows and
seed files. None of it can form a cycle, yet the collector would rescan all of it every few
hundred allocations (a third of parsing time at that size), and forked workers that inherit it
would copy every page a collection writes to. So the collector is paused while such data is
built, and frozen (moved out of its sight, `gc.freeze`) while worker processes run.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (reference counting still frees everything)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def held_data_frozen() -> Iterator[None]:
    """Everything allocated so far out of the collector's sight inside the block: no collection
    rescans it, here or in workers forked inside the block."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
