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

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, code: str, where: str, message: str, seed: str | None = None) -> None:
        if code not in PROBLEMS:
            raise ValueError(f"unregistered problem code {code!r}")
        self.problems.append(Problem(code, where, message, seed))

    def seed_ok(self, path: str) -> bool:
        return not any(problem.seed == path for problem in self.problems)

    def general_problems(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.seed is None]

    def to_json(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest, "ok": self.ok,
            "mode": "fast (structure only, no fixity check)" if self.fast else "full",
            "records_checked": self.records_checked, "bytes_checked": self.bytes_checked,
            "seeds": [{"path": path, "ok": self.seed_ok(path)} for path in self.seeds],
            "problems": [asdict(problem) for problem in self.problems],
        }
