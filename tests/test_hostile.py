"""Hostile and odd inputs: each packs correctly or gets exit 2 (1 for a damaged archive) and one
line on stderr; never a traceback, a hang, or a write outside where it belongs."""

from __future__ import annotations

import ctypes
import gzip
import os
import socket
import time
import tracemalloc
import unicodedata
import zlib
from pathlib import Path

import pytest
from craftlib import repack
from faultlib import (
    Snapshot,
    assert_one_line_error,
    index_text,
    make_seeds,
    pack_snapshot,
    run_cli,
    small_snapshot,
)

from archiver.base.digests import sha256_hex
from archiver.formats.canonical_json import pretty
from archiver.manifest.files import sidecar_text

ODD_NAMES = [
    "-leading-dash.txt", "--help", " leading space.txt", "trailing space.txt ", "with space.txt",
    "..double-dot", "a..b.txt", ".hidden", "%2e%2e", "%2e%2e%2fescape", "back\\slash.txt",
    "pipe|name.txt", "שלום.txt", "evil\u202etxt.exe", "📦 box.txt", "中文/文件.txt",
    "sub dir/deeper/x.txt", "café-nfc.txt", "quote'\"s.txt", "#hash.txt", "*star?.txt",
    "INDEX.md.txt", "x" * 200,
]
REFUSED_NAMES = ["line\nfeed.txt", "carriage\rreturn.txt", "esc\x1b[31m.txt", "del\x7f.txt",
                 "tab\t.txt", "nel\x85.txt", "sep\u2028.txt", "bell\x07.txt"]


def escaped_index(names: list[str]) -> str:
    return index_text([name.replace("|", "\\|") for name in names])


def test_odd_names_round_trip_exactly(tmp_path: Path):
    files = {name: name.encode() + b"\n" for name in ODD_NAMES}
    seeds = make_seeds(tmp_path / "seeds", files, index=escaped_index(sorted(files)))
    result = run_cli("pack", seeds, "--out", tmp_path / "out", "--date", "2024-01-01T00:00:00Z",
                     "-q")
    assert result.returncode == 0, result.stderr
    manifest_path = tmp_path / "out" / "fault-batch.manifest.json"
    assert run_cli("verify", manifest_path, "--seeds", seeds).returncode == 0
    result = run_cli("extract", manifest_path, "--to", tmp_path / "restored", "-q")
    assert result.returncode == 0, result.stderr
    for name, data in files.items():
        assert (tmp_path / "restored" / name).read_bytes() == data
    folder = tmp_path / "restored"
    restored = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert restored == set(files)
    one = run_cli("extract", manifest_path, "--to", tmp_path / "one", "--", "--help")
    assert one.returncode == 0 and (tmp_path / "one" / "--help").read_bytes() == b"--help\n"


@pytest.mark.parametrize("pair", [("café.txt", "nfd"), ("Readme.txt", "README.txt")])
def test_names_equal_under_normalization_or_case_are_both_kept(tmp_path: Path, pair):
    first, second = pair[0], (unicodedata.normalize("NFD", pair[0]) if pair[1] == "nfd"
                              else pair[1])
    assert first != second
    seeds = make_seeds(tmp_path / "seeds", {first: b"one", second: b"two"})
    result = run_cli("pack", seeds, "--out", tmp_path / "out", "-q")
    assert result.returncode == 0
    assert result.stderr.count("archiver: warning:") == 1 and "both are kept" in result.stderr
    extracted = run_cli("extract", tmp_path / "out" / "fault-batch.manifest.json", "--to",
                        tmp_path / "restored", "-q")
    assert extracted.returncode == 0
    assert (tmp_path / "restored" / first).read_bytes() == b"one"
    assert (tmp_path / "restored" / second).read_bytes() == b"two"


def assert_refused(result, tmp_path: Path, *words: str) -> None:
    line = assert_one_line_error(result, 2)
    for word in words:
        assert word in line, line
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


def pack_cli(tmp_path: Path, seeds: Path, timeout: float = 30):
    return run_cli("pack", seeds, "--out", tmp_path / "out", "-q", timeout=timeout)


@pytest.mark.parametrize("name", REFUSED_NAMES, ids=[repr(n) for n in REFUSED_NAMES])
def test_control_characters_in_names_are_refused(tmp_path: Path, name: str):
    seeds = make_seeds(tmp_path / "seeds", {"ok.txt": b"ok"})
    (seeds / name).write_bytes(b"x")
    assert_refused(pack_cli(tmp_path, seeds), tmp_path, "control character")


def test_name_that_is_not_utf8_is_refused(tmp_path: Path):
    seeds = make_seeds(tmp_path / "seeds", {"ok.txt": b"ok"})
    Path(os.fsdecode(bytes(seeds) + b"/bad\xff.txt")).write_bytes(b"x")
    assert_refused(pack_cli(tmp_path, seeds), tmp_path, "not valid UTF-8")


SYMLINKS = {
    "to a file outside": lambda seeds, outside: os.symlink(outside / "secret.txt",
                                                           seeds / "link.txt"),
    "to a folder outside": lambda seeds, outside: os.symlink(outside, seeds / "linkdir"),
    "dangling": lambda seeds, outside: os.symlink(outside / "nothing", seeds / "link.txt"),
    "INDEX.md itself": lambda seeds, outside: (
        (outside / "INDEX.md").write_text(index_text(["ok.txt"]), "utf-8"),
        (seeds / "INDEX.md").unlink(), os.symlink(outside / "INDEX.md", seeds / "INDEX.md")),
}


@pytest.mark.parametrize("kind", sorted(SYMLINKS))
def test_symlinks_are_refused_and_never_followed(tmp_path: Path, kind: str):
    """Links that leave the folder or dangle (a link inside is archived as a link:
    tests/test_links.py)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"SECRET-OUTSIDE")
    seeds = make_seeds(tmp_path / "seeds", {"ok.txt": b"ok"})
    SYMLINKS[kind](seeds, outside)
    assert_refused(pack_cli(tmp_path, seeds), tmp_path, "symbolic link")


def test_seeds_folder_that_is_a_symlink_is_refused(tmp_path: Path):
    real = make_seeds(tmp_path / "real", {"ok.txt": b"ok"})
    os.symlink(real, tmp_path / "seeds")
    assert_refused(pack_cli(tmp_path, tmp_path / "seeds"), tmp_path, "not a directory")


def bound_socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))  # the socket file stays after the socket is closed


SPECIAL = {
    "FIFO seed": lambda seeds: os.mkfifo(seeds / "pipe.txt"),
    "FIFO INDEX.md": lambda seeds: ((seeds / "INDEX.md").unlink(), os.mkfifo(seeds / "INDEX.md")),
    "socket seed": lambda seeds: bound_socket(seeds / "sock.txt"),
    "folder named like a seed": lambda seeds: (
        (seeds / "ok.txt").unlink(), (seeds / "ok.txt").mkdir(), (seeds / "ok.txt" / "x").touch()),
    "folder named INDEX.md": lambda seeds: ((seeds / "INDEX.md").unlink(),
                                            (seeds / "INDEX.md").mkdir()),
    "row naming a path outside": lambda seeds: (seeds / "INDEX.md").write_text(
        index_text(["ok.txt", "../outside.txt"]), "utf-8"),
    "row naming an absolute path": lambda seeds: (seeds / "INDEX.md").write_text(
        index_text(["ok.txt", "/etc/hostname"]), "utf-8"),
}


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_special_files_are_refused_without_hanging(tmp_path: Path, kind: str):
    seeds = make_seeds(tmp_path / "seeds", {"ok.txt": b"ok"})
    (tmp_path / "outside.txt").write_bytes(b"outside")
    SPECIAL[kind](seeds)
    started = time.monotonic()
    assert_refused(pack_cli(tmp_path, seeds, timeout=20), tmp_path)
    assert time.monotonic() - started < 20


def without_dac_override() -> None:
    """In the child: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the bounding set, so root
    obeys file modes after exec (chmod 000 alone does not stop root)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("what", ["seed file", "subfolder", "INDEX.md"])
def test_unreadable_inputs_are_refused(tmp_path: Path, what: str):
    seeds = make_seeds(tmp_path / "seeds", {"ok.txt": b"ok", "sub/inner.txt": b"inner"})
    target = {"seed file": seeds / "ok.txt", "subfolder": seeds / "sub",
              "INDEX.md": seeds / "INDEX.md"}[what]
    target.chmod(0)
    try:
        result = run_cli("pack", seeds, "--out", tmp_path / "out", "-q",
                         preexec_fn=without_dac_override)
    finally:
        target.chmod(0o755)
    assert_refused(result, tmp_path, "ermission denied")


def test_unreadable_snapshot_files(tmp_path: Path):
    snap = small_snapshot(tmp_path)
    snap.warc.chmod(0)
    result = run_cli("verify", snap.manifest, preexec_fn=without_dac_override)
    assert result.returncode == 1 and "warc-missing" in result.stdout
    snap.warc.chmod(0o644)
    snap.manifest.chmod(0)
    result = run_cli("verify", snap.manifest, preexec_fn=without_dac_override)
    assert "ermission denied" in assert_one_line_error(result, 2)


INJECTIONS = {
    "CRLF in a title cell": {"title": "t\r\nWARC-Type: resource"},
    "CR in a source cell": {"source": "s\rWARC-Target-URI: http://evil/"},
    "LF-free header text": {"title": "WARC-Type: resource"},
    "percent-encoded CRLF in a URL": {"source": "https://example.org/%0d%0aWARC-Type:%20x"},
    "ESC in a title": {"title": "t\x1b]0;owned\x07"},
}


@pytest.mark.parametrize("kind", sorted(INJECTIONS))
def test_index_cells_cannot_inject_warc_headers(tmp_path: Path, kind: str):
    cells = INJECTIONS[kind]
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"a"},
                       index=index_text(["a.txt"], cells=cells))
    result = pack_cli(tmp_path, seeds)
    if any(ord(c) < 32 for value in cells.values() for c in value):
        assert_refused(result, tmp_path)  # "control character", or a row cut short by its LF
        return
    assert result.returncode == 0, result.stderr
    warc = gzip.decompress((tmp_path / "out" / "fault-batch.warc.gz").read_bytes())
    for kind in (b"warcinfo", b"resource", b"metadata"):  # each once, in a header line
        assert warc.count(b"\r\nWARC-Type: " + kind + b"\r\n") == 1
    assert warc.count(b"\r\nWARC-Type:") == 3 and b"\r\nWARC-Target-URI: http" not in warc
    assert run_cli("verify", tmp_path / "out" / "fault-batch.manifest.json").returncode == 0


@pytest.mark.parametrize("field", ["title", "description", "creators", "keywords", "license"])
def test_index_batch_fields_cannot_inject(tmp_path: Path, field: str):
    index = index_text(["a.txt"]).replace("- batch:", f"- {field}: x\x1b[2Jy\r\n- batch:")
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"a"}, index=index)
    assert_refused(pack_cli(tmp_path, seeds), tmp_path, "control character")


def test_crlf_index_is_read_like_lf(tmp_path: Path):
    text = index_text(["a.txt"]).replace("\n", "\r\n")
    seeds = make_seeds(tmp_path / "seeds", {"a.txt": b"a"}, index=text)
    snap = pack_snapshot(seeds, tmp_path / "out")
    assert snap.document["seeds"][0]["captured"]["value"] == "2021-03-18"


# -- huge claims and gzip bombs ------------------------------------------------------------------

def bomb(claimed: int, inflated: int) -> bytes:
    """A gzip member whose record claims `claimed` bytes and inflates to `inflated` zeros."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    parts = [compressor.compress(f"WARC/1.1\r\nContent-Length: {claimed}\r\n\r\n".encode())]
    block = bytes(1 << 20)
    parts += [compressor.compress(block) for _ in range(inflated >> 20)]
    return b"".join(parts) + compressor.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"claims 8 GB": bomb(8 << 30, 1 << 30),
            "no header end": gzip.compress(bytes(64 << 20), compresslevel=1, mtime=0)}


BOMB_STOPS = {"claims 8 GB": "more than expected", "no header end": "record header longer"}


@pytest.mark.parametrize("where", ["in place of a record", "appended"])
@pytest.mark.parametrize("kind", sorted(BOMB_STOPS))
def test_gzip_bomb_stays_in_bounded_time_and_memory(tmp_path: Path, bombs, where: str,
                                                    kind: str):
    snap = small_snapshot(tmp_path)
    data = snap.warc.read_bytes()
    offset, length, _ = snap.placements()[3]
    if where == "appended":
        snap.warc.write_bytes(data + bombs[kind])
    else:
        snap.warc.write_bytes(data[:offset] + bombs[kind] + data[offset + length:])
    tracemalloc.start()
    started = time.monotonic()
    try:
        report = snap.verify()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert any(BOMB_STOPS[kind] in problem.message for problem in report.problems)
    assert time.monotonic() - started < 5
    assert peak < 32 << 20, peak
    result = run_cli("extract", snap.manifest, "--to", tmp_path / "restored", "b.bin",
                     timeout=20)
    if where == "in place of a record":
        assert_one_line_error(result, 1)
    else:
        assert result.returncode == 0


HUGE = {
    "seed bytes": lambda d: d["seeds"][1].__setitem__("bytes", 10 ** 15),
    "record length": lambda d: d["seeds"][1]["records"][0].__setitem__("length", 10 ** 15),
    "record offset": lambda d: d["seeds"][1]["records"][0].__setitem__("offset", 10 ** 15),
    "warc bytes": lambda d: d["warc_files"][0].__setitem__("bytes", 10 ** 15),
    "warc records": lambda d: d["warc_files"][0].__setitem__("records", 10 ** 15),
}


@pytest.mark.parametrize("kind", sorted(HUGE))
def test_manifest_claiming_huge_sizes(tmp_path: Path, kind: str):
    snap = small_snapshot(tmp_path)
    document = snap.document
    HUGE[kind](document)
    resign(snap, document)
    started = time.monotonic()
    result = run_cli("verify", snap.manifest)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    result = run_cli("extract", snap.manifest, "--to", tmp_path / "restored", "b.bin")
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    if kind in ("seed bytes", "record offset"):
        assert_one_line_error(result, 1)
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("text", ["[" * 100_000, "{}", "null", "\xff", "", '{"seeds": 1}'],
                         ids=["deep", "empty-object", "null", "not-utf8", "empty", "wrong-type"])
def test_garbage_manifests(tmp_path: Path, text: str):
    path = tmp_path / "x.manifest.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape") if text != "\xff" else b"\xff")
    result = run_cli("verify", path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for command in (("extract", path, "--to", tmp_path / "r"), ("show", path)):
        assert_one_line_error(run_cli(*command), 1)
    assert not (tmp_path / "r").exists()


def test_manifest_and_warc_that_are_special_files(tmp_path: Path):
    snap = small_snapshot(tmp_path)
    snap.warc.unlink()
    os.mkfifo(snap.warc)
    result = run_cli("verify", snap.manifest, timeout=20)
    assert result.returncode == 1 and "not a regular file" in result.stdout
    fifo = tmp_path / "fifo.manifest.json"
    os.mkfifo(fifo)
    assert "not a regular file" in assert_one_line_error(run_cli("verify", fifo, timeout=20), 2)
    assert "directory" in assert_one_line_error(run_cli("verify", tmp_path, timeout=20), 2)


# -- extract of crafted archives -----------------------------------------------------------------

def resign(snap: Snapshot, document: dict) -> None:
    data = pretty(document)
    snap.manifest.write_bytes(data)
    snap.sidecar.write_text(sidecar_text(snap.manifest.name, sha256_hex(data)))


def recraft(snap: Snapshot, document: dict) -> None:
    """`resign`, with the WARC rebuilt and ids derived so that the loader finds the manifest
    consistent, where a record can hold what `document` says."""
    try:
        repack(snap, lambda original: original.update(document))
    except ValueError:
        resign(snap, document)


CRAFTED = ["../escape.txt", "/tmp/absolute-escape.txt", "a/../../escape.txt", "./b.bin",
           "a//b", "sub/", "..", "line\nfeed"]


@pytest.mark.parametrize("path", CRAFTED, ids=[repr(p) for p in CRAFTED])
def test_extract_refuses_names_that_leave_the_target(tmp_path: Path, path: str):
    snap = small_snapshot(tmp_path)
    document = snap.document
    document["seeds"][1]["path"] = path
    recraft(snap, document)
    target = tmp_path / "deep" / "target"
    result = run_cli("extract", snap.manifest, "--to", target)
    assert_one_line_error(result, 1 if "\n" in path else 2)  # LF: the loader refuses the entry
    assert not (tmp_path / "deep" / "escape.txt").exists()
    assert not Path("/tmp/absolute-escape.txt").exists()
    assert not target.exists() or not any(target.rglob("*"))


def test_extract_writes_percent_encoded_dots_literally(tmp_path: Path):
    snap = small_snapshot(tmp_path)
    document = snap.document
    document["seeds"][1]["path"] = "%2e%2e/%2E%2E%2fescape.txt"
    recraft(snap, document)
    result = run_cli("extract", snap.manifest, "--to", tmp_path / "target", "-q")
    assert result.returncode == 0, result.stderr
    restored = tmp_path / "target" / "%2e%2e" / "%2E%2E%2fescape.txt"
    assert restored.read_bytes() == bytes(range(256)) * 2


@pytest.mark.parametrize("planted", ["folder symlink", "file symlink", "dangling symlink",
                                     "fifo"])
def test_extract_refuses_what_is_planted_in_the_target(tmp_path: Path, planted: str):
    snap = small_snapshot(tmp_path, {"sub/b.bin": b"bytes", "a.txt": b"a"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.bin").write_bytes(b"precious")
    target = tmp_path / "target"
    (target / "sub").mkdir(parents=True) if planted != "folder symlink" else target.mkdir()
    if planted == "folder symlink":
        os.symlink(outside, target / "sub")
    elif planted == "file symlink":
        os.symlink(outside / "b.bin", target / "sub" / "b.bin")
    elif planted == "dangling symlink":
        os.symlink(outside / "new.bin", target / "sub" / "b.bin")
    else:
        os.mkfifo(target / "sub" / "b.bin")
    for force in ([], ["--force"]):
        result = run_cli("extract", snap.manifest, "--to", target, *force, timeout=20)
        assert_one_line_error(result, 2)
    assert (outside / "b.bin").read_bytes() == b"precious"
    assert sorted(p.name for p in outside.iterdir()) == ["b.bin"]
    assert not [p for p in target.rglob(".*partial")]
