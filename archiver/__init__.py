"""archiver: pack seed documents into a verifiable, citable WARC 1.1 snapshot."""

from ._version import __version__
from .errors import ArchiverError, DamageError, InputError
from .extract import extract
from .pack import pack
from .verify import Problem, Report, verify

__all__ = [
    "ArchiverError", "DamageError", "InputError", "Problem", "Report", "__version__", "extract",
    "pack", "verify",
]
