"""archiver: pack seed documents into a verifiable, citable WARC 1.1 snapshot."""

from archiver._version import __version__
from archiver.errors import ArchiverError, DamageError, InputError
from archiver.extraction.restore import Restored, extract
from archiver.packing.packer import PackResult, pack
from archiver.seeds.additions import Added
from archiver.seeds.additions import add_rows as add
from archiver.verification.checker import verify
from archiver.verification.problems import PROBLEMS
from archiver.verification.report import Problem, Report

__all__ = [
    "PROBLEMS", "Added", "ArchiverError", "DamageError", "InputError", "PackResult", "Problem",
    "Report", "Restored", "__version__", "add", "extract", "pack", "verify",
]
