"""Plain data types that flow through packing: stdlib only, no behaviour beyond small helpers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from archiver.base.dates import Capture
from archiver.base.digests import Digest

if TYPE_CHECKING:  # an annotation only: reading a seed table needs no detector
    from archiver.detect.findings import Findings


@dataclass(frozen=True)
class Batch:
    """The batch fields at the top of INDEX.md (all optional for the person writing it)."""

    batch_id: str
    title: str
    description: str = ""
    creators: tuple[str, ...] = ()
    license: str = ""
    date: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)  # slots: one is held per seed for the whole pack
class Row:
    """One row of the INDEX.md table, as a person declared it."""

    path: str
    line: int
    title: str
    source: str
    language: str
    captured: Capture
    notes: str = ""
    charset: str = ""
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Index:
    """INDEX.md, parsed."""

    batch: Batch
    rows: tuple[Row, ...]
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SeedFile:
    """A regular file or good link found in the seeds folder: its name relative to the folder, as on disk.

    `location` is where the OS finds it, as text (a str costs a fraction of a Path and prints the
    same), made from the folder every seed shares: one is held per seed for the whole pack.
    """

    path: str
    folder: str
    size: int
    link: str | None = None  # a symbolic link's target, as stored (its size is the target's)

    @property
    def location(self) -> str:
        return os.path.join(self.folder, self.path)


@dataclass
class Seed:
    """A seed ready to be wrapped into records: its file, its row, and what was found reading it."""

    file: SeedFile
    row: Row
    digest: Digest
    findings: Findings
    link: str | None = None  # the target, for a symbolic link
