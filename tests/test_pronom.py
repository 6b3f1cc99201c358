"""PRONOM identification through Siegfried's own process gives Siegfried's own answers.

The reference is pygfried run directly on each file's path, in a separate process (this one
must never start Go's runtime: a pool forked after it would deadlock). The files are real ones
nobody here wrote (/usr/share/doc: text, gzip, HTML, PDF, PNG, …) and containers Siegfried
tells apart by their members (OOXML, OpenDocument, EPUB, a plain ZIP), which it can only name
by reading the whole archive's directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import make_seeds, pack

import archiver
from archiver.detect import pronom
from archiver.detect.pronom import BATCH, identify, identify_each

DOC = Path("/usr/share/doc")
SAMPLE = 400  # files of /usr/share/doc, spread through it

REFERENCE = """
import json, sys
import pygfried
scanner = pygfried.Scanner()
print(json.dumps([scanner.identify(path) or "UNKNOWN" for path in sys.argv[1:]]))
"""

_CONTAINERS = {
    "report.docx": {"[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"><Override PartName="/word/'
                    'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                    'wordprocessingml.document.main+xml"/></Types>',
                    "_rels/.rels": "<Relationships/>",
                    "word/document.xml": "<w:document/>"},
    "sheet.xlsx": {"[Content_Types].xml": "<Types/>", "_rels/.rels": "<Relationships/>",
                   "xl/workbook.xml": "<workbook/>"},
    "text.odt": {"mimetype": "application/vnd.oasis.opendocument.text",
                 "content.xml": "<office:document-content/>",
                 "META-INF/manifest.xml": "<manifest:manifest/>"},
    "book.epub": {"mimetype": "application/epub+zip",
                  "META-INF/container.xml": "<container/>"},
    "plain.zip": {"notes.txt": "Some notes in a plain archive.\n"},
}


def _containers(folder: Path) -> list[Path]:
    made = []
    for name, members in _CONTAINERS.items():
        path = folder / name
        with zipfile.ZipFile(path, "w") as archive:
            for member, text in members.items():  # "mimetype" first and stored, as ODF wants
                archive.writestr(member, text, compress_type=zipfile.ZIP_STORED
                                 if member == "mimetype" else zipfile.ZIP_DEFLATED)
        made.append(path)
    return made


def _real_files() -> list[Path]:
    found = sorted(p for p in DOC.rglob("*") if p.is_file() and not p.is_symlink())
    assert len(found) >= SAMPLE, f"{DOC}: fewer than {SAMPLE} files to test with"
    step = len(found) / SAMPLE
    return [found[int(i * step)] for i in range(SAMPLE)]


def _reference(paths: list[Path]) -> list[str]:
    done = subprocess.run([sys.executable, "-I", "-c", REFERENCE, *map(str, paths)],
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def test_identifiers_are_siegfrieds_own_on_real_files_and_containers(tmp_path: Path):
    paths = _real_files() + _containers(tmp_path)
    expected = _reference(paths)
    found = [identify(str(path)).pronom for path in paths]
    wrong = [(str(p), e, f) for p, e, f in zip(paths, expected, found) if e != f]
    assert not wrong, wrong[:10]
    assert len(set(found)) >= 10  # the sample is varied: text, gzip, HTML, PDF, containers, …
    # told apart by their members: OOXML Word, EPUB, and a plain ZIP
    assert {"fmt/412", "fmt/483", "x-fmt/263"} <= set(found[-len(_CONTAINERS):])


def test_identifications_asked_ahead_in_batches_are_each_files_own(tmp_path: Path):
    """`identify_each`, as a pack asks (batches sent ahead of the answers taken, a file with
    nothing to read among them answered None), gives each file Siegfried's own answer, in the
    files' order, the same as asking for one file at a time."""
    paths = _real_files() + _containers(tmp_path)
    expected = _reference(paths)
    gaps = set(range(3, len(paths), BATCH + 5))  # files that are no file any more, when opened
    files = [(str(path), (lambda: None) if n in gaps else
              (lambda path=path: os.open(path, os.O_RDONLY)))
             for n, path in enumerate(paths)]
    found = list(identify_each(files))
    assert len(found) == len(paths) and len(paths) > 5 * BATCH
    assert [n for n, one in enumerate(found) if one is None] == sorted(gaps)
    wrong = [(str(p), e, f.pronom) for n, (p, e, f) in enumerate(zip(paths, expected, found))
             if n not in gaps and e != f.pronom]
    assert not wrong, wrong[:10]
    assert found[0] == identify(str(paths[0]))  # the same tool, version and signatures
    # the caller stops early (an error in the seed before): no answer is left to confuse the
    # next request on this process's own connection
    partial = identify_each(files)
    assert next(partial) is not None
    partial.close()
    assert identify(str(paths[-1])).pronom == expected[-1]


PACK_AND_LOOK = """
import sys
from datetime import datetime, timezone
from pathlib import Path

import archiver

if __name__ == "__main__":
    archiver.pack(Path(sys.argv[1]), out_dir=Path(sys.argv[2]), jobs=2,
                  packaged=datetime(2026, 12, 2, tzinfo=timezone.utc))
    maps = Path("/proc/self/maps").read_text()
    print("pygfried" in sys.modules or "pygfried" in maps)
"""


def test_a_pack_never_loads_go_in_its_own_process(tmp_path: Path):
    """Siegfried answers from its own process: the packing process never maps pygfried, and
    every seed still has its identifier."""
    files = {f"note-{n}.txt": f"Note {n}: a plain English sentence or two.\n".encode()
             for n in range(6)}
    files["README.gz"] = (Path("/usr/share/doc/bash") / "README.gz").read_bytes()
    seeds = make_seeds(tmp_path / "seeds", files)
    script = tmp_path / "pack_and_look.py"
    script.write_text(PACK_AND_LOOK)
    done = subprocess.run([sys.executable, script, seeds, tmp_path / "out"], check=False,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]
    manifest = json.loads(next((tmp_path / "out").glob("*.manifest.json")).read_text())
    formats = {seed["path"]: seed["format"]["pronom"] for seed in manifest["seeds"]}
    assert formats["README.gz"] == "x-fmt/266" and formats["note-0.txt"] == "x-fmt/111"


THREADS_ASK = """
import sys, threading
sys.path.insert(0, sys.argv[1])
import psutil
from archiver.detect import pronom
files = sys.argv[2:]
start = threading.Barrier(len(files))
found = {}
def ask(path):
    start.wait(timeout=60)
    found[path] = pronom.identify(path).pronom
threads = [threading.Thread(target=ask, args=(path,)) for path in files]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=120)
started = [child for child in psutil.Process().children()
           if any(part.endswith("siegfried.py") for part in child.cmdline())]
print(len(started), *(found.get(path, "none") for path in files))
"""


def test_threads_asking_at_once_start_one_siegfried_and_each_gets_its_answer(tmp_path: Path):
    """The threads of a Dask worker pack shards side by side: the first to ask starts Siegfried,
    the others wait for that one to be ready, and none waits on the ready line another read."""
    files = [tmp_path / f"note-{n}.txt" for n in range(4)]
    for n, path in enumerate(files):
        path.write_text(f"Note {n}: a plain English sentence or two.\n")
    files.append(Path("/usr/share/doc/bash/README.gz"))
    script = tmp_path / "threads_ask.py"
    script.write_text(THREADS_ASK)
    done = subprocess.run([sys.executable, script, Path(__file__).parent.parent, *files],
                          check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", *["x-fmt/111"] * 4, "x-fmt/266"]


_REAL = ["bzip2/manual.html", "bash/README.gz", "libtasn1-doc/libtasn1.pdf",
         "libpng-dev/examples/pngtest.png", "base-passwd/users-and-groups.html"]
_DESCRIPTION = ("media_type", "content_type", "encoding", "language", "format", "document",
                "title_source")


def _described(manifest: Path) -> dict[str, dict]:
    entries = json.loads(manifest.read_text())["seeds"]
    return {entry["path"]: {field: entry.get(field) for field in _DESCRIPTION}
            for entry in entries}


def test_repeated_payloads_are_described_as_each_one_alone(tmp_path: Path):
    """A payload repeated under the same name is detected once per worker, and described
    exactly as its first copy (and as a pack of it alone); the same bytes under another name,
    which Siegfried and the media type weigh, are described afresh. Real files, copied into
    more folders than one of Siegfried's batches holds."""
    sources = [DOC / name for name in _REAL if (DOC / name).is_file()]
    sources += sorted(DOC.glob("*/copyright"))[:40]
    assert len(sources) >= 40, "/usr/share/doc: too few files to test with"
    alone = {f"one/{n}/{path.name}": path.read_bytes() for n, path in enumerate(sources)}
    alone |= {f"one/{n}/renamed.txt": path.read_bytes() for n, path in enumerate(sources[:5])}
    copies = {f"copy{k}/{n}/{path.name}": path.read_bytes()
              for k in range(4) for n, path in enumerate(sources)}
    copies |= {name.replace("one/", "copy9/"): data for name, data in alone.items()}
    reference = pack(make_seeds(tmp_path / "alone", alone), tmp_path / "out-alone")
    expected = {name.removeprefix("one/"): found
                for name, found in _described(reference).items()}
    assert len({json.dumps(found["format"]) for found in expected.values()}) >= 4
    for jobs in ("1", "2"):
        manifest = pack(make_seeds(tmp_path / f"copies-{jobs}", copies),
                        tmp_path / f"out-{jobs}", "--jobs", jobs)
        found = _described(manifest)
        assert len(found) == len(copies)
        wrong = [name for name, one in found.items()
                 if one != expected[name.partition("/")[2]]]
        assert not wrong, (jobs, wrong[:5])


def test_siegfried_ending_mid_pack_fails_it_cleanly_and_a_later_pack_starts_anew(tmp_path: Path):
    """Siegfried's process killed while a pack's workers ask it: the pack fails with one
    internal error naming Siegfried, leaves nothing in the output folder, and the next pack in
    the same process starts a new Siegfried, identifies every seed, and removes the folder the
    killed one could not."""
    files = {f"d{n // 500}/note-{n}.txt": f"Note {n}: a plain English sentence.\n".encode()
             for n in range(3_000)}  # a dozen chunks: most are sent after the kill
    seeds = make_seeds(tmp_path / "seeds", files)
    when = datetime(2026, 12, 3, tzinfo=UTC)
    killed: list[int] = []
    folders: list[Path] = []

    def kill_once(_size: int) -> None:
        if not killed:
            server = pronom.shared()
            folders.append(Path(server.address).parent)
            server.process.kill()
            killed.append(server.process.wait(timeout=30))

    with pytest.raises(archiver.ArchiverError, match="Siegfried's process"):
        archiver.pack(seeds, out_dir=tmp_path / "out", jobs=2, packaged=when,
                      on_progress=kill_once)
    assert killed and not list((tmp_path / "out").iterdir())
    result = archiver.pack(seeds, out_dir=tmp_path / "out", jobs=2, packaged=when)
    formats = {seed["format"]["pronom"] for seed in
               json.loads(result.manifest_path.read_text())["seeds"]}
    assert formats == {"x-fmt/111"}
    assert not folders[0].exists()  # the killed one's socket and links are gone
