"""Compare the members found in a WARC with the records the manifest promises."""

from __future__ import annotations

from archiver.verification.expected import Expected
from archiver.verification.report import Report
from archiver.warc.reader import Member


def compare_records(name: str, found: list[Member], expected: list[Expected],
                    report: Report) -> None:
    """Every member found against every record expected (a whole file, or a span of one that
    starts and ends at member boundaries), each difference a problem in `report`."""
    by_offset = {item.offset: item for item in expected}
    end = max((item.offset + item.length for item in expected), default=0)
    readable_to = found[-1].offset if found and not found[-1].whole else None
    by_id: dict[str, list[Member]] = {}
    for member in found:
        if member.problem:
            code = "warc-trailing" if member.offset >= end else "record-damaged"
            report.add(code, f"{name}@{member.offset}", member.problem,
                       _seed_at(by_offset, member.offset))
        record_id = member.header("WARC-Record-ID")
        if record_id:
            by_id.setdefault(record_id, []).append(member)
    expected_ids = {item.record.record_id: item for item in expected}
    for record_id, members in by_id.items():
        item = expected_ids.get(record_id)
        if item is None:
            for member in members:
                report.add("record-unexpected", f"{name}@{member.offset}",
                           f"record {record_id} is not in the manifest",
                           _seed_at(by_offset, member.offset))
        elif len(members) > 1:
            report.add("record-duplicate", name,
                       f"record {record_id} appears {len(members)} times", item.seed)
    for item in expected:
        members = by_id.get(item.record.record_id, [])
        if members:
            _check_found(name, members[0], item, report)
        elif readable_to is not None and item.offset > readable_to:
            report.add("record-damaged", f"{name}@{item.offset}",
                       f"not readable: the WARC cannot be read past offset {readable_to}",
                       item.seed)
        elif not any(m.offset == item.offset and m.problem for m in found):
            report.add("record-missing", f"{name}@{item.offset}",
                       f"{item.record.rec_type} record {item.record.record_id} is not in the WARC",
                       item.seed)
    if found and found[0].offset == 0 and found[0].header("WARC-Type") != "warcinfo":
        report.add("record-misplaced", f"{name}@0", "the first record is not the warcinfo record",
                   _seed_at(by_offset, 0))


def _check_found(name: str, member: Member, item: Expected, report: Report) -> None:
    if (member.offset, member.length) != (item.offset, item.length) and member.whole:
        report.add("record-misplaced", f"{name}@{member.offset}",
                   f"{item.record.rec_type} record found at offset {member.offset} "
                   f"(length {member.length}), manifest says {item.offset} "
                   f"(length {item.length})", item.seed)
    if not member.problem:
        _compare_record(name, member, item, report)
        if member.sha256 != item.sha256:
            report.add("record-member", f"{name}@{member.offset}",
                       f"{item.record.rec_type} record's gzip member has sha256 {member.sha256}, "
                       f"manifest says {item.sha256}", item.seed)


def _seed_at(by_offset: dict[int, Expected], offset: int) -> str | None:
    item = by_offset.get(offset)
    return item.seed if item else None


def _compare_record(name: str, member: Member, item: Expected, report: Report) -> None:
    where = f"{name}@{member.offset}"
    record = item.record
    actual = dict((key.lower(), value) for key, value in member.headers)
    for key, value in record.headers:
        if actual.get(key.lower()) != value:
            report.add("record-header", where,
                       f"{record.rec_type} record header {key}: expected {value!r}, found "
                       f"{actual.get(key.lower())!r}", item.seed)
    extra = set(actual) - {key.lower() for key, _ in record.headers} - {"content-length"}
    for key in sorted(extra):
        report.add("record-header", where, f"unexpected header {key}", item.seed)
    if len(actual) != len(member.headers):
        report.add("record-header", where, "a header appears twice", item.seed)
    if actual.get("content-length") != str(record.length):
        report.add("record-header", where,
                   f"Content-Length {actual.get('content-length')!r}, expected {record.length}",
                   item.seed)
    block = "sha256:" + member.block_sha256
    declared = actual.get("warc-block-digest")
    if declared != block:
        code = {"resource": "seed-digest", "metadata": "metadata-mismatch",
                "warcinfo": "warcinfo-mismatch"}.get(record.rec_type, "block-digest")
        report.add(code, where, f"{record.rec_type} block sha256 is {member.block_sha256}, "
                   f"its header says {declared}", item.seed)
    elif block != dict(record.headers).get("WARC-Block-Digest"):
        report.add("block-digest", where, f"{record.rec_type} block differs from the manifest",
                   item.seed)
