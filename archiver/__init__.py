"""archiver: pack seed documents into a verifiable, citable WARC 1.1 snapshot."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from archiver._version import __version__
from archiver.errors import ArchiverError, DamageError, InputError
from archiver.verification.checker import verify
from archiver.verification.problems import PROBLEMS
from archiver.verification.report import Problem, Report

if TYPE_CHECKING:
    from archiver.extraction.restore import Restored, extract
    from archiver.packing.packer import PackResult, pack
    from archiver.seeds.additions import Added
    from archiver.seeds.additions import add_rows as add

# Loaded when first used: `archiver verify` (which imports this package first) then never loads
# the packer's detectors, a third of a second of imports.
_LAZY = {
    "Restored": ("archiver.extraction.restore", "Restored"),
    "extract": ("archiver.extraction.restore", "extract"),
    "PackResult": ("archiver.packing.packer", "PackResult"),
    "pack": ("archiver.packing.packer", "pack"),
    "Added": ("archiver.seeds.additions", "Added"),
    "add": ("archiver.seeds.additions", "add_rows"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'archiver' has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value
    return value


__all__ = [
    "PROBLEMS", "Added", "ArchiverError", "DamageError", "InputError", "PackResult", "Problem",
    "Report", "Restored", "__version__", "add", "extract", "pack", "verify",
]
