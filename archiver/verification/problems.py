"""Every problem verification can report: its stable code and what it means, in one registry.

`Report.add` refuses a code that is not here; `archiver verify --help` and the README's table
are drawn from (and tested against) this list, so the three cannot drift apart.
"""

from __future__ import annotations

PROBLEMS: dict[str, str] = {
    "manifest-unreadable": "the manifest is not a UTF-8 JSON object, or holds a number that is "
                           "not an integer",
    "manifest-schema": "the manifest breaks its JSON Schema",
    "manifest-inconsistent": "manifest fields disagree with each other (offsets that do not tile "
                             "the WARC, record counts, ids, target or source URIs that do not "
                             "follow from the entry, dependencies, a name listed twice, a charset "
                             "that is no character encoding)",
    "snapshot-id": "the snapshot id is not the digest of the manifest's content",
    "sidecar-missing": "no .sha256 sidecar beside the manifest",
    "sidecar-mismatch": "the sidecar is unreadable, does not list the manifest, or records "
                        "another sha256",
    "chain-broken": "an earlier manifest of the chain is missing, changed, unusable, named by "
                    "another snapshot id, loops or is too long to follow",
    "warc-missing": "a WARC file the manifest lists cannot be opened",
    "warc-size": "a WARC file's size differs from the manifest's",
    "warc-sha256": "a WARC file's sha256 differs from the manifest's",
    "warc-trailing": "bytes after the last record that are no valid record",
    "record-damaged": "a record's gzip member or WARC headers cannot be read",
    "record-member": "a gzip member's bytes differ from the sha256 the manifest records",
    "record-missing": "a record the manifest lists is not in the WARC",
    "record-misplaced": "a record is not at the offset and length the manifest records",
    "record-duplicate": "a record appears more than once",
    "record-unexpected": "the WARC holds a record the manifest does not list",
    "record-header": "a WARC header differs from what the manifest implies",
    "block-digest": "a record's block does not match its WARC-Block-Digest",
    "seed-digest": "a seed's bytes differ from the sha256 the manifest records",
    "metadata-mismatch": "a metadata record's fields differ from the seed's manifest entry",
    "warcinfo-mismatch": "the warcinfo record differs from the manifest's batch fields",
    "revisit-unresolved": "a revisit names no earlier seed with the same bytes, or one that is "
                          "damaged",
    "link-target": "a symbolic link's target is not the bytes its entry records, or leads "
                   "outside the snapshot's folder or loops (--seeds: the link in the folder has "
                   "another target, or is no link)",
    "seeds-missing": "--seeds: a seed the manifest lists is not in the folder",
    "seeds-differs": "--seeds: a seed file's bytes differ from the manifest's sha256",
    "seeds-unexpected": "--seeds: a file in the folder that the manifest does not list",
    "seeds-unreadable": "--seeds: the folder or a seed file cannot be read",
    "shard-missing": "a shard manifest the root lists cannot be read",
    "shard-manifest": "a shard manifest's bytes are not the ones the root records",
    "shard-mismatch": "a shard manifest disagrees with the root's entry for it (batch, plan, "
                      "WARC, counts, snapshot id)",
    "shard-software": "a shard was made by other software than the root names",
    "plan-mismatch": "the shard plan file is missing or not the one the root records",
    "index-bucket": "a digest-index bucket is missing, changed, unsorted or holds a foreign line",
    "index-mismatch": "a digest-index bucket does not list exactly the payloads the shards "
                      "stored first",
    "signature-invalid": "--signature: the signature does not verify for the allowed signers",
    "events-malformed": "the events log beside the manifest has a line that is no event, or "
                        "its last line was cut short, or it cannot be read",
    "events-chain": "an events log line does not carry the sha256 of the line before it, or its "
                    "seq does not follow: a line was changed, removed, inserted or moved",
    "events-manifest": "an events log line is about another manifest than this one",
}


def help_text() -> str:
    """The codes and their meanings, one line each, for `--help` and the README."""
    return "\n".join(f"{code}: {text}" for code, text in PROBLEMS.items())
