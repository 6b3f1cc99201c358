"""Dask: the only module that imports it (`pip install 'archiver[cluster]'`).

`--executor dask` starts an embedded cluster on this machine (worker processes bound to
127.0.0.1, no dashboard) unless `--scheduler ADDRESS` names one that is already running, such as
one that dask-jobqueue started on a SLURM cluster. Every wait is bounded. Dask runs a task at
least once, not exactly once: a worker that dies has its tasks run again on another.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence, TypeVar

from archiver.errors import InputError, OutputError

T = TypeVar("T")
R = TypeVar("R")
CONNECT_SECONDS = 30
START_SECONDS = 60


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError("--executor dask needs Dask: pip install 'archiver[cluster]'") from None
    return distributed


@dataclass
class DaskExecutor:
    client: Any
    cluster: Any = None
    name: str = "dask"
    token: str = field(default_factory=lambda: secrets.token_hex(4))

    @classmethod
    def start(cls, *, jobs: int, scheduler: str | None) -> "DaskExecutor":
        distributed = _distributed()
        if scheduler:
            try:
                client = distributed.Client(scheduler, timeout=CONNECT_SECONDS)
            except (OSError, TimeoutError) as err:
                raise InputError(f"{scheduler}: cannot reach the Dask scheduler: {err}") from None
            return cls(client)
        import dask

        # No dashboard; the scheduler's HTTP endpoints on a free loopback port; the workers say
        # nothing on stderr but errors (their logging settings travel with Dask's config).
        with dask.config.set({"logging": {"distributed": "error"}}):
            cluster = distributed.LocalCluster(
                n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, silence_logs=logging.ERROR, timeout=START_SECONDS,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0", "dashboard": False})
        return cls(distributed.Client(cluster, timeout=CONNECT_SECONDS), cluster)

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def map(self, task: Callable[[T], R], items: Sequence[T], *, label: str) -> list[R]:
        distributed = _distributed()
        keys = [f"archiver-{label}-{self.token}-{i}" for i in range(len(items))]
        futures = self.client.map(task, items, key=keys, pure=False, retries=0)
        try:
            return self.client.gather(futures)
        except distributed.KilledWorker as err:
            raise OutputError(f"{label}: a task killed every worker it ran on ({err}); "
                              "nothing half-written was published") from None
        finally:
            for future in futures:
                future.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
