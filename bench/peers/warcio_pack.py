"""The minimal warcio packer a user might write instead of archiver (a benchmark peer).

Per file, sorted: a `resource` record with sha256 block and payload digests (hashed in one read
and handed to warcio, so it does not hash again) and a `metadata` record with the INDEX.md row's
fields; then a JSON manifest of path, size, sha256, record id, offset and length. One core,
warcio's own gzip (zlib level 9), one gzip member per record.

    python warcio_pack.py SEEDS_DIR OUT.warc.gz OUT.manifest.json
"""

import hashlib
import io
import json
import os
import sys

from warcio.warcwriter import WARCWriter

WHOLE = 8 << 20


def index_rows(seeds):
    rows, header = {}, None
    with open(os.path.join(seeds, "INDEX.md"), encoding="utf-8") as index:
        for line in index:
            if not line.startswith("|"):
                continue
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            elif not set(cells[0]) <= set("-: "):
                row = dict(zip(header, cells))
                rows[row["file"]] = row
    return rows


def files(seeds):
    for folder, dirs, names in os.walk(seeds):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, seeds)
            if relative != "INDEX.md":
                yield relative, path


def digest(path, size):
    if size <= WHOLE:
        with open(path, "rb") as source:
            data = source.read()
        return hashlib.sha256(data).hexdigest(), lambda: io.BytesIO(data)
    sha = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(1 << 20):
            sha.update(block)
    return sha.hexdigest(), lambda: open(path, "rb")


def pack(seeds, warc_path, manifest_path):
    rows, entries = index_rows(seeds), []
    with open(warc_path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        for relative, path in files(seeds):
            size = os.path.getsize(path)
            sha, opener = digest(path, size)
            row = rows.get(relative, {})
            uri = "urn:x-peer:" + relative
            date = (row.get("captured") or "2024-01-01")[:10] + "T00:00:00Z"
            headers = {"WARC-Date": date, "WARC-Block-Digest": "sha256:" + sha,
                       "WARC-Payload-Digest": "sha256:" + sha}
            offset = out.tell()
            with opener() as payload:
                record = writer.create_warc_record(uri, "resource", payload=payload, length=size,
                                                   warc_content_type="application/octet-stream",
                                                   warc_headers_dict=headers)
                writer.write_record(record)
            rid = record.rec_headers.get_header("WARC-Record-ID")
            fields = "".join(f"{key}: {value}\r\n" for key, value in row.items() if key != "file")
            body = fields.encode("utf-8")
            meta = writer.create_warc_record(
                uri, "metadata", payload=io.BytesIO(body), length=len(body),
                warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": rid})
            writer.write_record(meta)
            entries.append({"path": relative, "size": size, "sha256": sha, "record": rid,
                            "offset": offset, "length": out.tell() - offset})
    with open(manifest_path, "w", encoding="utf-8") as manifest:
        json.dump({"warc": os.path.basename(warc_path), "files": entries}, manifest, indent=1)


if __name__ == "__main__":
    pack(*sys.argv[1:4])
