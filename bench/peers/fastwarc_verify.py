"""The minimal FastWARC verifier (a benchmark peer): the WARC's sha256 against the manifest, then
every record read with FastWARC and each resource payload's sha256 compared with the manifest's.
A sharded snapshot's root (archiver's default over 65,536 seeds) is verified shard by shard,
each shard's manifest and WARC so, one core throughout.

    python fastwarc_verify.py MANIFEST WARC     exit 0 intact, 1 not (WARC: unused for a root)
"""

import hashlib
import json
import os
import sys

from fastwarc.warc import ArchiveIterator


def verify(manifest, warc):
    with open(manifest, encoding="utf-8") as source:
        doc = json.load(source)
    if "shards" in doc:
        folder = os.path.dirname(manifest)
        return all(verify(os.path.join(folder, shard["manifest"]),
                          os.path.join(folder, shard["warc_file"])) for shard in doc["shards"])
    want = {s["records"][0]["id"]: s["sha256"] for s in doc["seeds"] if not s["duplicate_of"]}
    whole = hashlib.sha256()
    with open(warc, "rb") as stream:
        while block := stream.read(1 << 20):
            whole.update(block)
    bad = 0
    with open(warc, "rb") as stream:
        for record in ArchiveIterator(stream, parse_http=False):
            rid = record.headers.get("WARC-Record-ID")
            body = record.reader.read()
            if rid in want and hashlib.sha256(body).hexdigest() != want[rid]:
                bad += 1
    return bad == 0 and whole.hexdigest() == doc["warc_files"][0]["sha256"]


if __name__ == "__main__":
    sys.exit(0 if verify(sys.argv[1], sys.argv[2]) else 1)
