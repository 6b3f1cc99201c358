"""Dask: the only module that imports it (`pip install 'archiver[cluster]'`).

`--executor dask` starts an embedded cluster on this machine (worker processes bound to
127.0.0.1, no dashboard, a scratch folder of its own) unless `--scheduler ADDRESS` names one that
is already running, such as one that dask-jobqueue started on a SLURM cluster. Every wait is
bounded. Dask runs a task at least once, not exactly once: a worker that dies has its tasks run
again on another.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence, TypeVar

from archiver.errors import InputError, OutputError

T = TypeVar("T")
R = TypeVar("R")
CONNECT_SECONDS = 30
START_SECONDS = 120  # a loaded machine starts a worker in seconds; a hung start fails here


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
    scratch: str | None = None
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
        # nothing on stderr but errors (their settings travel with Dask's config). The scratch
        # folder is the cluster's own, not the one every Dask process of this machine locks in
        # turn, and is removed with it (a killed worker's leftovers too).
        scratch = tempfile.mkdtemp(prefix="archiver-dask-")
        try:
            with dask.config.set({"logging": {"distributed": "error"},
                                  "temporary-directory": scratch}):
                cluster = distributed.LocalCluster(
                    n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, silence_logs=logging.ERROR,
                    death_timeout=START_SECONDS,
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0", "dashboard": False})
        except (RuntimeError, TimeoutError) as err:
            shutil.rmtree(scratch, ignore_errors=True)
            why = f"{err} ({err.__cause__})" if err.__cause__ else str(err)
            raise OutputError(f"cannot start a Dask cluster of {jobs} workers on this machine: "
                              f"{why}") from None
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        started = cls(None, cluster, scratch)
        try:
            started.client = distributed.Client(cluster, timeout=CONNECT_SECONDS)
        except BaseException:
            started.close()
            raise
        return started

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
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
