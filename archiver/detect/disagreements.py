"""The warnings a seed's description gives: sources that disagree, and text only partly read.

Three sources name a seed's language (INDEX.md, the document itself, the detector) and two its
charset (INDEX.md or detection, and the document): where two of them disagree, neither is taken
to overrule the other, since people, documents and detectors all err; the warning names both
values and where each comes from. A detection below the threshold ("und") disagrees with
nothing.
"""

from __future__ import annotations

from archiver.detect.findings import Findings
from archiver.detect.language import same_language
from archiver.detect.subtags import tag_problem


def warnings_for(location: str, findings: Findings, *, declared_language: str,
                 where: str) -> list[str]:
    """Every warning about the seed at `location`; `where` names INDEX.md's row for it."""
    found, own = findings.language, findings.text.declared
    warnings = []
    problem = tag_problem(own.language) if own.language else None
    if problem:
        warnings.append(f"{location}: the document declares language {own.language!r}: "
                        f"{problem}")
    elif own.language and not same_language(declared_language, own.language):
        warnings.append(f"{location}: {where} declares language {declared_language!r}, "
                        f"the document itself {own.language!r}")
    if found is not None and found.determined:
        if not same_language(declared_language, found.tag):
            warnings.append(f"{location}: {where} declares language {declared_language!r}, "
                            f"{found.detector} detected {found.tag!r} "
                            f"(confidence {found.confidence}%)")
        elif own.language and not problem and not same_language(own.language, found.tag):
            warnings.append(f"{location}: the document declares language {own.language!r}, "
                            f"{found.detector} detected {found.tag!r} "
                            f"(confidence {found.confidence}%)")
    if findings.charset_disagrees:
        warnings.append(f"{location}: the document declares charset {own.charset!r}, its bytes "
                        f"read as {findings.encoding.encoding!r} ({findings.encoding.method})")
    if findings.text.problem:
        warnings.append(f"{location}: read in part only: {findings.text.problem}")
    return warnings
