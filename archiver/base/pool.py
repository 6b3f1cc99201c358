"""The worker processes pack and verify share: how many by default, how they start, how they end
with their parent, and how work is fed to them in order with a bounded number of tasks in flight."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

IN_FLIGHT_PER_WORKER = 3  # enough to keep every worker busy, few enough to bound memory


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Looked up here, in the parent: a forked child must not dlopen (another thread of the parent may
# have held the loader's lock when it forked, and the child would wait for it forever).
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def default_jobs() -> int:
    """Every core this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def forks() -> bool:
    """Whether workers are forked, so they inherit what this process holds when they start.
    Nothing archiver runs in its own processes stops them forking: Siegfried, whose Go runtime
    a forked child would inherit without its threads, runs in a process of its own
    (`detect.pronom`)."""
    return "fork" in multiprocessing.get_all_start_methods()


def process_pool(jobs: int) -> ProcessPoolExecutor:
    # fork starts workers in milliseconds and shares what is already loaded; elsewhere, spawn:
    # each worker's parent is still this process, as end_with_parent needs.
    method = "fork" if forks() else "spawn"
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                               initializer=end_with_parent, initargs=(os.getpid(),))


def end_with_parent(parent: int) -> None:
    """In each worker, first: end when `parent` ends, however it ends. A forked worker whose
    parent was killed (kill -9 included) would otherwise wait forever on the task queue, whose
    write end it holds itself. The kernel sends SIGKILL when the parent goes (Linux); a parent
    gone before that was asked for is seen by the parent id having changed."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's cleanup (`cli.terminal`)
    if os.getppid() != parent:
        os._exit(1)


def in_order(pool: Executor, task: Callable[[Item], Result], items: Iterable[Item], *,
             jobs: int, abandon: Callable[[Result], None] | None = None) -> Iterator[Result]:
    """`task(item)` for every item on `pool`, yielded in the items' order, with at most
    IN_FLIGHT_PER_WORKER × `jobs` tasks submitted and not yet taken.

    When the caller stops early (an error, or it has seen enough), the tasks already submitted
    (at most that window) are waited for, and `abandon` is given the result of each (to delete
    what it made). They are not cancelled: on Python 3.11.2 a future cancelled as the pool's
    manager thread took it left that thread waiting forever at shutdown (CPython issue 94440's
    pattern), and a verify that stopped at damage hung one time in seven."""
    pending: deque[Future[Result]] = deque()
    window = IN_FLIGHT_PER_WORKER * jobs
    try:
        for item in items:
            pending.append(pool.submit(task, item))
            while len(pending) >= window or pending and pending[0].done():
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            if future.exception() is None and abandon is not None:
                abandon(future.result())
