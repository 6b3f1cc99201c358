"""What verification found: problems, each with a stable code and the seed it concerns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from archiver.verification.problems import PROBLEMS


@dataclass(frozen=True)
class Problem:
    code: str
    where: str
    message: str
    seed: str | None = None


@dataclass
class Report:
    manifest: str
    fast: bool
    seeds: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    records_checked: int = 0
    bytes_checked: int = 0
    # A sharded snapshot: one line a shard, and its seed count (`seeds` then lists only the seeds
    # with a problem, so the report stays small whatever the number of seeds).
    shards: list[dict[str, Any]] = field(default_factory=list)
    seed_total: int | None = None
    # --signature: its path, whether it checked out, and the principal who signed (or None).
    signature: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, code: str, where: str, message: str, seed: str | None = None) -> None:
        if code not in PROBLEMS:
            raise ValueError(f"unregistered problem code {code!r}")
        self.problems.append(Problem(code, where, message, seed))

    def by_seed(self) -> dict[str, list[Problem]]:
        """Each seed with a problem, and its problems in order, in one pass over the problems
        (asking per seed would take seeds × problems on a damaged snapshot)."""
        found: dict[str, list[Problem]] = {}
        for problem in self.problems:
            if problem.seed is not None:
                found.setdefault(problem.seed, []).append(problem)
        return found

    def general_problems(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.seed is None]

    def to_json(self) -> dict[str, Any]:
        failed = self.by_seed()
        return {
            "manifest": self.manifest, "ok": self.ok,
            "mode": "fast (structure only, no fixity check)" if self.fast else "full",
            "records_checked": self.records_checked, "bytes_checked": self.bytes_checked,
            "seeds": [{"path": path, "ok": path not in failed} for path in self.seeds],
            "problems": [asdict(problem) for problem in self.problems],
            **({"shards": self.shards, "seed_total": self.seed_total} if self.shards else {}),
            **({"signature": self.signature} if self.signature is not None else {}),
        }
