"""Where independent tasks run: this machine's bounded process pool, or a Dask cluster.

A task is a module-level function and one argument; its result is small (a summary). Both
executors give the results in the order of the arguments, and both may run a task more than once
(a Dask worker that dies has its tasks run again elsewhere), so every task must be safe to repeat:
the packing tasks publish their files by the commit protocol of `packing/commit.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence, TypeVar

from archiver.base.pool import default_jobs, in_order, process_pool
from archiver.errors import InputError

T = TypeVar("T")
R = TypeVar("R")
EXECUTORS = ("local", "dask")


class Executor(Protocol):
    """Runs `task(item)` for every item; returns the results in order, or raises the first
    task's error."""

    name: str
    workers: int

    def map(self, task: Callable[[T], R], items: Sequence[T], *, label: str) -> list[R]: ...

    def close(self) -> None: ...


@dataclass
class LocalExecutor:
    """`jobs` worker processes of this machine (one task in this process when there is one)."""

    jobs: int
    name: str = "local"

    @property
    def workers(self) -> int:
        return self.jobs

    def map(self, task: Callable[[T], R], items: Sequence[T], *, label: str) -> list[R]:
        if self.jobs <= 1 or len(items) <= 1:
            return [task(item) for item in items]
        jobs = min(self.jobs, len(items))
        with process_pool(jobs) as pool:
            return list(in_order(pool, task, items, jobs=jobs))

    def close(self) -> None:
        pass


@dataclass
class Deferred:
    """The executor called `name`, started only when a task first needs it (a one-file snapshot
    never starts a cluster): `local` (jobs: every core by default) or `dask` (an embedded cluster
    of `jobs` worker processes, or the running scheduler at `scheduler`)."""

    name: str = "local"
    jobs: int | None = None
    scheduler: str | None = None
    _started: Any = None

    def __post_init__(self) -> None:
        if self.name not in EXECUTORS:
            raise InputError(f"unknown executor {self.name!r}: use {' or '.join(EXECUTORS)}")
        if self.scheduler and self.name != "dask":
            raise InputError("--scheduler needs --executor dask")

    @property
    def workers(self) -> int:
        return self._executor().workers

    def map(self, task: Callable[[T], R], items: Sequence[T], *, label: str) -> list[R]:
        return self._executor().map(task, items, label=label) if items else []

    def _executor(self) -> Executor:
        if self._started is None:
            if self.name == "local":
                self._started = LocalExecutor(self.jobs or default_jobs())
            else:
                from archiver.base.cluster import DaskExecutor

                self._started = DaskExecutor.start(jobs=self.jobs or default_jobs(),
                                                   scheduler=self.scheduler)
        return self._started

    def close(self) -> None:
        if self._started is not None:
            self._started.close()
            self._started = None

    def __enter__(self) -> "Deferred":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

