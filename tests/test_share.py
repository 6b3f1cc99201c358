"""cite, sign, export: the commands a reader uses to cite, check and reuse a snapshot."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import bibtexparser
import pytest
import yaml

from archiver.share.alias import alias_url
from conftest import REPO, make_seeds, pack, run
from test_cite import validate

MANIFEST = "cac-voice-social-2021.manifest.json"
PRINCIPAL = "alice@example.org"


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """The committed snapshot, copied: no test touches the real manifests/."""
    shutil.copytree(REPO / "manifests", tmp_path / "manifests")
    return tmp_path / "manifests" / MANIFEST


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """A snapshot with a revisit, a binary seed and awkward names."""
    seeds = make_seeds(tmp_path / "seeds", {
        "a/copy-1.txt": b"identical bytes\n", "b/copy-2.txt": b"identical bytes\n",
        "caf\u00e9 100%.txt": "Un caf\u00e9, s'il vous pla\u00eet.\n".encode(),
        "blob.bin": bytes(range(256)),
    })
    return pack(seeds, tmp_path / "out")


# --- cite ------------------------------------------------------------------------------------


def test_cite_cff_is_valid_and_names_the_manifest_digest(repo_copy: Path) -> None:
    result = run("cite", repo_copy, "--format", "cff")
    assert result.returncode == 0, result.stderr
    cff = yaml.safe_load(result.stdout)
    validate(cff, "citation-cff-1.2.0.schema.json")
    digest = (repo_copy.parent / (MANIFEST + ".sha256")).read_text().split()[0]
    values = [identifier["value"] for identifier in cff["identifiers"]]
    snapshot_id = json.loads(repo_copy.read_text())["snapshot_id"]
    assert values == [snapshot_id, f"sha256:{digest}"]
    assert cff["date-released"] == "2026-11-21" and cff["type"] == "dataset"


def test_cite_csl_and_datacite_are_valid_and_bibtex_parses(repo_copy: Path) -> None:
    csl = json.loads(run("cite", repo_copy, "--format", "csl-json").stdout)
    validate(csl, "csl-data.schema.json")
    validate(json.loads(run("cite", repo_copy, "-f", "datacite").stdout), "datacite-v4.5.schema.json")
    library = bibtexparser.parse_string(run("cite", repo_copy, "-f", "bibtex").stdout)
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.key == "cac-voice-social-2021" and entry["year"] == "2026"


def test_cite_out_writes_the_same_text(repo_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "CITATION.cff"
    assert run("cite", repo_copy, "--out", out).returncode == 0
    assert out.read_text() == run("cite", repo_copy).stdout


def test_cite_without_creators_or_with_unknown_format_is_bad_input(tmp_path: Path) -> None:
    manifest = pack(make_seeds(tmp_path / "seeds", {"a.txt": b"a\n"}), tmp_path / "out")
    result = run("cite", manifest)
    assert result.returncode == 2 and "creator" in result.stderr
    assert run("cite", manifest, "--format", "ris").returncode == 2


# --- sign ------------------------------------------------------------------------------------


def keygen(folder: Path, name: str) -> tuple[Path, Path]:
    """A fresh Ed25519 key and an allowed_signers file that trusts it for PRINCIPAL."""
    assert shutil.which("ssh-keygen"), "ssh-keygen is needed: install openssh-client"
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", key], check=True)
    public = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    signers = folder / f"{name}.allowed_signers"
    signers.write_text(f"{PRINCIPAL} {public}\n")
    return key, signers


def ssh_keygen_verify(manifest: Path, signature: Path, signers: Path) -> int:
    with open(manifest, "rb") as stdin:
        return subprocess.run(["ssh-keygen", "-Y", "verify", "-f", signers, "-I", PRINCIPAL,
                               "-n", "archiver", "-s", signature], stdin=stdin,
                              capture_output=True).returncode


def verify_signed(manifest: Path, signature: Path, signers: Path, *extra: str):
    return run("verify", manifest, "--signature", signature, "--allowed-signers", signers,
               "--identity", PRINCIPAL, *extra)


def test_sign_then_verify_with_archiver_and_ssh_keygen(repo_copy: Path, tmp_path: Path) -> None:
    key, signers = keygen(tmp_path, "id")
    result = run("sign", repo_copy, "--key", key)
    assert result.returncode == 0, result.stderr
    signature = repo_copy.with_name(MANIFEST + ".sig")
    checked = verify_signed(repo_copy, signature, signers)
    assert checked.returncode == 0, checked.stdout
    assert f"good signature by {PRINCIPAL}" in checked.stdout
    assert ssh_keygen_verify(repo_copy, signature, signers) == 0


def test_tampered_manifest_fails_both(repo_copy: Path, tmp_path: Path) -> None:
    key, signers = keygen(tmp_path, "id")
    signature = tmp_path / "m.sig"
    assert run("sign", repo_copy, "--key", key, "--out", signature).returncode == 0
    repo_copy.write_bytes(repo_copy.read_bytes().replace(b'"archiver contributors"', b'"Mallory"'))
    result = verify_signed(repo_copy, signature, signers, "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert "signature-invalid" in {p["code"] for p in report["problems"]}
    assert report["signature"] == {"path": str(signature), "ok": False, "signer": None}
    assert ssh_keygen_verify(repo_copy, signature, signers) != 0


def test_wrong_key_fails_both(repo_copy: Path, tmp_path: Path) -> None:
    key, _ = keygen(tmp_path, "mallory")
    _, signers = keygen(tmp_path, "alice")
    signature = tmp_path / "m.sig"
    assert run("sign", repo_copy, "--key", key, "--out", signature).returncode == 0
    result = verify_signed(repo_copy, signature, signers)
    assert result.returncode == 1 and "signature-invalid" in result.stdout
    assert ssh_keygen_verify(repo_copy, signature, signers) != 0


def test_unreadable_signature_or_signers_is_bad_input(repo_copy: Path, tmp_path: Path) -> None:
    key, signers = keygen(tmp_path, "id")
    assert run("sign", repo_copy, "--key", key).returncode == 0
    signature = repo_copy.with_name(MANIFEST + ".sig")
    assert verify_signed(repo_copy, tmp_path / "absent.sig", signers).returncode == 2
    assert verify_signed(repo_copy, signature, tmp_path / "absent").returncode == 2
    assert run("verify", repo_copy, "--signature", signature).returncode == 2
    assert run("sign", repo_copy, "--key", tmp_path / "absent").returncode == 2


# --- export ----------------------------------------------------------------------------------


def export_all(manifest: Path, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"wacz": out / "s.wacz", "cdxj": out / "s.cdxj", "jsonl": out / "s.jsonl"}
    result = run("export", manifest, *(f"--{kind}={path}" for kind, path in paths.items()))
    assert result.returncode == 0, result.stderr
    return paths


def test_export_is_byte_reproducible(mixed: Path, tmp_path: Path) -> None:
    first = export_all(mixed, tmp_path / "one")
    second = export_all(mixed, tmp_path / "two")
    for kind in first:
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind


def test_wacz_layout_stored_entries_and_digests(mixed: Path, tmp_path: Path) -> None:
    wacz = export_all(mixed, tmp_path / "x")["wacz"]
    with zipfile.ZipFile(wacz) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == [
            "archive/test-batch.warc.gz", "archive/test-batch.aliases.warc", "indexes/index.cdx",
            "pages/pages.jsonl", "datapackage.json", "datapackage-digest.json"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        assert {i.date_time for i in infos} == {(2024, 5, 1, 12, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        package_bytes = archive.read("datapackage.json")
        package = json.loads(package_bytes)
        for resource in package["resources"]:
            data = archive.read(resource["path"])
            assert resource["hash"] == "sha256:" + __import__("hashlib").sha256(data).hexdigest()
            assert resource["bytes"] == len(data)
        digest = json.loads(archive.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + __import__("hashlib").sha256(package_bytes).hexdigest()
        assert archive.read("archive/test-batch.warc.gz") == mixed.with_name("test-batch.warc.gz").read_bytes()
        pages = [json.loads(line) for line in archive.read("pages/pages.jsonl").splitlines()]
    assert pages[0] == {"format": "json-pages-1.0", "id": "pages", "title": "All Pages",
                        "hasText": True}
    document = json.loads(mixed.read_text())
    assert [p["url"] for p in pages[1:]] == [alias_url("test-batch", seed["path"])
                                             for seed in document["seeds"]]
    assert all(p["ts"] == "2021-03-18T00:00:00Z" and p["title"] for p in pages[1:])
    assert package["created"] == document["packaged"] and package["title"]
    assert package["metadata"] == {"title": document["batch"]["title"] or "test-batch"}


def wacz_member(wacz: Path, name: str) -> bytes:
    with zipfile.ZipFile(wacz) as archive:
        return archive.read(name)


def test_wacz_aliases_every_seed_at_an_https_address(mixed: Path, tmp_path: Path) -> None:
    """Each seed has a revisit record at https://archiver.invalid/BATCH/PATH naming the record
    that holds its bytes (a duplicate's names the first copy), all in the index."""
    from warcio.archiveiterator import ArchiveIterator

    wacz = export_all(mixed, tmp_path)["wacz"]
    records = list(ArchiveIterator(io.BytesIO(wacz_member(wacz, "archive/test-batch.aliases.warc"))))
    assert records[0].rec_type == "warcinfo"
    document = json.loads(mixed.read_text())
    by_path = {seed["path"]: seed for seed in document["seeds"]}
    for seed, record in zip(document["seeds"], records[1:], strict=True):
        headers = record.rec_headers
        holder = by_path[seed["duplicate_of"]["path"]] if seed["duplicate_of"] else seed
        assert record.rec_type == "revisit"
        assert headers["WARC-Target-URI"] == alias_url("test-batch", seed["path"])
        assert headers["WARC-Refers-To"] == holder["records"][0]["id"]
        assert headers["WARC-Refers-To-Target-URI"] == holder["id"]
        assert headers["WARC-Payload-Digest"] == "sha256:" + seed["sha256"]
    assert alias_url("test-batch", "caf\u00e9 100%.txt") == \
        "https://archiver.invalid/test-batch/caf%C3%A9%20100%25.txt"
    index = wacz_member(wacz, "indexes/index.cdx").decode()
    assert index.count('"mime": "warc/revisit"') == len(document["seeds"]) + 1  # and b/copy-2
    assert index.count("invalid,archiver)/test-batch/") == len(document["seeds"])


def test_wacz_pages_carry_html_titles_and_bounded_text(tmp_path: Path) -> None:
    big = ("Wombat " * 30_000).encode()  # 210,000 characters: more than a page keeps
    seeds = make_seeds(tmp_path / "seeds", {
        "page.html": ("<html><head><title>A &amp; B: the &#x201C;page&#x201D;</title>"
                      "<style>p { color: red }</style><script>var hidden = 1;</script></head>"
                      "<body><p>Visible   words\n here.</p></body></html>").encode(),
        "zh.txt": (REPO / "tests" / "fixtures" / "encodings" / "zh-Hans.gb18030.txt").read_bytes(),
        "big.txt": big, "style.css": b"p { color: red }\n", "blob.bin": bytes(range(256)),
    }, rows=[(name, "", "https://example.org/", "en", "2021-03-18", "")
             for name in ("big.txt", "blob.bin", "page.html", "style.css", "zh.txt")])
    manifest = pack(seeds, tmp_path / "out")
    wacz = export_all(manifest, tmp_path)["wacz"]
    pages = {p["url"].rsplit("/", 1)[1]: p for p in map(
        json.loads, wacz_member(wacz, "pages/pages.jsonl").decode().splitlines()[1:])}
    assert pages["page.html"]["title"] == "A & B: the \u201cpage\u201d"
    assert pages["page.html"]["text"] == "Visible words here."
    chinese = (REPO / "tests" / "fixtures" / "encodings" / "zh-Hans.gb18030.txt").read_bytes()
    assert pages["zh.txt"]["text"] == " ".join(chinese.decode("gb18030").split())
    assert pages["big.txt"]["text"] == ("Wombat " * 30_000)[:100_000]
    assert "text" not in pages["style.css"] and "text" not in pages["blob.bin"]
    assert pages["blob.bin"]["title"] == "blob.bin"


def test_jsonl_has_decoded_text_and_provenance(mixed: Path, tmp_path: Path) -> None:
    lines = [json.loads(line) for line in export_all(mixed, tmp_path)["jsonl"].read_text().split("\n")[:-1]]
    by_path = {line["path"]: line for line in lines}
    document = json.loads(mixed.read_text())
    assert list(by_path) == [seed["path"] for seed in document["seeds"]]
    assert by_path["caf\u00e9 100%.txt"]["text"] == "Un caf\u00e9, s'il vous pla\u00eet.\n"
    assert by_path["b/copy-2.txt"]["text"] == "identical bytes\n"  # a revisit, read from the original
    assert by_path["blob.bin"]["text"] is None
    assert set(lines[0]) == {"id", "path", "title", "text", "language", "encoding", "source",
                             "captured", "sha256", "snapshot_id"}
    assert {line["snapshot_id"] for line in lines} == {document["snapshot_id"]}


@pytest.mark.parametrize(("fixture", "charset", "method"), [
    ("en.utf-16le-bom.txt", "utf-16le", "bom"), ("fr.utf-8-bom.txt", "utf-8", "bom"),
    ("de.utf-16be.txt", "utf-16be", "detected"), ("es.utf-8.txt", "utf-8", "utf-8"),
])
def test_text_is_decoded_with_the_recorded_charset(fixture: str, charset: str, method: str) -> None:
    from archiver.share.jsonl import decode

    data = (REPO / "tests" / "fixtures" / "encodings" / fixture).read_bytes()
    text = decode(data, {"charset": charset, "method": method})
    assert text == data.decode(charset).removeprefix("\ufeff") and "\ufffd" not in text
    assert decode(data, {"charset": "", "method": "binary"}) is None


def test_cdxj_skips_metadata_and_lists_revisits(mixed: Path, tmp_path: Path) -> None:
    lines = export_all(mixed, tmp_path)["cdxj"].read_text().splitlines()
    assert lines == sorted(lines) and len(lines) == 4
    fields = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert sum(f["mime"] == "warc/revisit" for f in fields) == 1
    assert "urn:x-archiver:test-batch:caf%c3%a9%20100%25.txt" in {line.split()[0] for line in lines}


def test_damaged_warc_is_not_exported(mixed: Path, tmp_path: Path) -> None:
    warc = mixed.with_name("test-batch.warc.gz")
    data = bytearray(warc.read_bytes())
    data[-40] ^= 0xFF
    warc.write_bytes(bytes(data))
    out = tmp_path / "x"
    out.mkdir()
    for option in ("--wacz", "--cdxj", "--jsonl"):
        result = run("export", mixed, option, out / "file")
        assert result.returncode == 1, (option, result.stderr)
    assert list(out.iterdir()) == []


def test_export_needs_an_output(repo_copy: Path) -> None:
    assert run("export", repo_copy).returncode == 2
