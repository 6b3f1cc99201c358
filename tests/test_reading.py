"""Reading real documents for their text: HTML, XML, PDF, and what is not prose.

Real files nobody here wrote (/usr/share/doc: HTML manuals, PDFs, stylesheets, scripts, JSON),
and PDFs written with reportlab where a property (encryption, a damaged file) is needed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import DATE, make_seeds, run
from reportlab.pdfgen import canvas

from archiver.detect.described import MAX_TEXT
from archiver.detect.findings import detect
from archiver.detect.html import read_html
from archiver.detect.pdf import MAX_PAGES, pages_to_read, read_pdf
from archiver.detect.xml import read_xml

DOC = Path("/usr/share/doc")


def real(pattern: str, least: int) -> list[Path]:
    found = sorted(p for p in DOC.glob(pattern) if p.is_file() and p.stat().st_size > 200)
    assert len(found) >= least, f"{DOC}: fewer than {least} files {pattern} to test with"
    return found


def test_html_visible_text_leaves_out_scripts_styles_and_navigation():
    page = real("**/*.html", 20)[0].read_text("utf-8", "replace")
    boiler = ("<nav>Home About Contact Search</nav><script>var tracker = 1;</script>"
              "<style>body { color: red }</style><footer>Copyright Imprint</footer>")
    read = read_html(page.replace("<body>", "<body>" + boiler, 1))
    for word in ("Home About", "tracker", "color: red", "Imprint"):
        assert word not in read.text
    assert read.text and read.declared.title


def test_html_declarations_are_read_as_written():
    read = read_html('<html lang="pt-BR"><head><meta http-equiv="Content-Type" '
                     'content="text/html; charset=ISO-8859-1"><title>Uma\n página</title></head>'
                     "<body><main>Texto principal.</main><aside>Veja também</aside></body></html>")
    assert (read.declared.language, read.declared.charset, read.declared.title) == (
        "pt-BR", "ISO-8859-1", "Uma página")
    assert read.text == "Texto principal."


def test_xml_text_nodes_root_language_and_declared_encoding():
    read = read_xml('<?xml version="1.0" encoding="windows-1252"?><doc xml:lang="fr">'
                    '<p>Bonjour</p><q xml:lang="en">hello</q><script>x()</script></doc>',
                    complete=True)
    assert (read.text, read.declared.language, read.declared.charset) == (
        "Bonjour hello", "fr", "windows-1252")


def test_malformed_xml_is_read_up_to_the_error():
    read = read_xml("<doc><p>Ein Satz.</p><p>Noch</q></doc>", complete=True)
    assert read.text == "Ein Satz. Noch" and "malformed XML at line 1" in read.problem


def test_an_entity_bomb_is_cut_short_and_named():
    entities = "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                       for i in range(9))
    bomb = f'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">{entities}]><l>&j;</l>'
    read = read_xml(bomb, complete=True)
    assert len(read.text) <= MAX_TEXT and "amplification" in read.problem


def test_a_real_pdf_gives_its_text_and_title():
    pdf = real("**/*.pdf", 1)[0]
    read = read_pdf(str(pdf))
    assert len(read.text) > 1000 and not read.problem
    assert read.text == read_pdf(pdf.read_bytes()).text  # a path or the bytes alike
    assert detect(pdf.name, pdf.read_bytes()[:65536], location=str(pdf)).language.tag == "en"


def test_pages_read_are_bounded_and_spread():
    assert pages_to_read(3) == [0, 1, 2]
    many = pages_to_read(500)
    assert len(many) == MAX_PAGES and many[:2] == [0, 1] and many[-1] > 400


def write_pdf(path: Path, lines: list[str], **options) -> Path:
    document = canvas.Canvas(str(path), invariant=1, **options)
    document.setTitle("Ein Handbuch")
    for number, line in enumerate(lines):
        document.drawString(40, 800 - 14 * (number % 50), line)
        if number % 50 == 49:
            document.showPage()
    document.save()
    return path


GERMAN = ("Die Einträge werden alphabetisch sortiert, falls weder eine Sortierung noch ein "
          "anderes Kriterium angegeben wurde, und jede Datei wird in einer eigenen Zeile gezeigt.")


def test_encrypted_and_damaged_pdfs_are_packed_with_a_warning(tmp_path):
    plain = write_pdf(tmp_path / "plain.pdf", [GERMAN] * 120)
    locked = write_pdf(tmp_path / "locked.pdf", [GERMAN] * 20, encrypt="geheim")
    damaged = plain.read_bytes()[:2000]
    assert read_pdf(str(plain)).declared.title == "Ein Handbuch"
    assert "encrypted" in read_pdf(str(locked)).problem
    assert "not a readable PDF" in read_pdf(damaged).problem
    seeds = make_seeds(tmp_path / "seeds", {"plain.pdf": plain.read_bytes(),
                                            "locked.pdf": locked.read_bytes(),
                                            "damaged.pdf": damaged})
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", DATE, "--json")
    assert result.returncode == 0, result.stderr
    assert "locked.pdf: read in part only: encrypted" in result.stderr
    assert "damaged.pdf: read in part only: not a readable PDF" in result.stderr
    manifest = json.loads(next((tmp_path / "out").glob("*.manifest.json")).read_text())
    by_path = {seed["path"]: seed for seed in manifest["seeds"]}
    assert by_path["plain.pdf"]["language"]["detected"]["tag"] == "de"
    assert by_path["locked.pdf"]["language"]["detected"] is None
    assert by_path["plain.pdf"]["encoding"]["method"] == "binary"


NOT_PROSE = [("**/*.css", 5), ("**/*.js", 5), ("**/*.json", 2)]


@pytest.mark.parametrize(("pattern", "least"), [*NOT_PROSE, ("**/*.py", 3)])
def test_stylesheets_data_and_code_get_no_natural_language(pattern, least):
    for path in real(pattern, least):
        language = detect(path.name, path.read_bytes()[:65536]).language
        assert language is not None and language.tag == "zxx", path


@pytest.mark.parametrize(("pattern", "least"), NOT_PROSE)
def test_nameless_stylesheets_and_data_get_no_language_above_the_threshold(pattern, least):
    for path in real(pattern, least):
        language = detect("untitled", path.read_bytes()[:65536]).language
        assert language is not None and not language.determined, (path, language)


def test_scripts_are_code_by_their_first_line():
    scripts = [p for p in sorted(Path("/usr/bin").iterdir())
               if p.is_file() and p.read_bytes()[:2] == b"#!"][:20]
    assert len(scripts) == 20
    for path in scripts:
        assert detect(path.name, path.read_bytes()[:65536]).text_kind == "code", path


def test_text_is_bounded():
    huge = ("<p>" + GERMAN + "</p>") * 5000
    assert len(read_html(huge).text) == MAX_TEXT


def manifest_of(out: Path) -> dict:
    return json.loads(next(out.glob("*.manifest.json")).read_text())


FRENCH = ("<p>Les entrées sont triées par ordre alphabétique si aucun autre critère de tri "
          "n'est indiqué, et chaque fichier est affiché sur une ligne distincte.</p>")


def test_what_a_document_says_of_itself_is_recorded_beside_declared_and_detected(tmp_path):
    page = ('<html lang="fr"><head><meta charset="iso-8859-1"><title>Manuel de ls</title>'
            f"</head><body>{FRENCH * 3}</body></html>").encode()
    pdf = write_pdf(tmp_path / "manual.pdf", [GERMAN] * 20)
    seeds = make_seeds(tmp_path / "seeds", {"ls.html": page, "manual.pdf": pdf.read_bytes()},
                       rows=[("ls.html", "", "https://example.org/ls", "de", "2021", ""),
                             ("manual.pdf", "Handbuch", "https://example.org/m", "de", "2021", "")])
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", DATE)
    assert result.returncode == 0, result.stderr
    assert "ls.html: INDEX.md line 7 declares language 'de', the document itself 'fr'" in (
        result.stderr)
    assert "ls.html: the document declares charset 'iso-8859-1', its bytes read as 'utf-8'" in (
        result.stderr)
    seeds_found = {seed["path"]: seed for seed in manifest_of(tmp_path / "out")["seeds"]}
    html, manual = seeds_found["ls.html"], seeds_found["manual.pdf"]
    assert html["document"] == {"language": "fr", "charset": "iso-8859-1", "title": "Manuel de ls"}
    assert (html["title"], html["title_source"]) == ("Manuel de ls", "document")
    assert html["language"]["detected"]["tag"] == "fr"
    assert html["language"]["detected"]["text"] == {"source": "html", "kind": "prose"}
    assert manual["document"]["title"] == "Ein Handbuch" and manual["title"] == "Handbuch"
    assert "title_source" not in manual and manual["document"]["created"].startswith("D:2000")
    assert manual["format"]["pronom"].startswith("fmt/") and manual["format"]["tool"] == "siegfried"
    assert html["format"]["pronom"] == "fmt/96"  # PRONOM's HTML (no version)
    assert run("verify", next((tmp_path / "out").glob("*.manifest.json"))).returncode == 0


def test_the_metadata_record_names_each_source(tmp_path):
    page = f'<html lang="fr"><head><title>Manuel</title></head><body>{FRENCH}</body></html>'
    seeds = make_seeds(tmp_path / "seeds", {"a.html": page.encode()},
                       rows=[("a.html", "", "https://example.org/a", "fr", "2021", "")])
    result = run("pack", seeds, "--out", tmp_path / "out", "--date", DATE, "--quiet")
    assert result.returncode == 0, result.stderr
    from warcio.archiveiterator import ArchiveIterator

    with next((tmp_path / "out").glob("*.warc.gz")).open("rb") as stream:
        bodies = [record.content_stream().read().decode() for record in ArchiveIterator(stream)
                  if record.rec_type == "metadata"]
    fields = dict(line.split(": ", 1) for line in bodies[0].splitlines() if ": " in line)
    assert (fields["language"], fields["language-document"], fields["language-detected"]) == (
        "fr", "fr", "fr")
    assert (fields["title"], fields["title-document"], fields["title-source"]) == (
        "Manuel", "Manuel", "document")
    assert fields["format-pronom"] == "fmt/96" and fields["text-source"] == "html"
    assert fields["format-identifier"].startswith("siegfried ")


def test_add_writes_a_language_only_from_the_document_or_a_sure_detection(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "declared.html").write_text('<html lang="pt-br"><body>Olá</body></html>')
    (seeds / "sure.txt").write_text(GERMAN)
    (seeds / "guess.txt").write_text("Tokyo Paris Berlin Madrid Roma Lisboa Warszawa")
    (seeds / "style.css").write_text("body { color: red; }\np { margin: 0; }\n")
    assert run("add", seeds).returncode == 0
    rows = {line.split(" | ")[0].lstrip("| ").strip("`"): line
            for line in (seeds / "INDEX.md").read_text().splitlines() if line.startswith("| ")}
    assert "| pt-BR |" in rows["declared.html"] and "declared by the document" in rows[
        "declared.html"]
    assert "| de |" in rows["sure.txt"] and "language detected (" in rows["sure.txt"]
    assert "| und |" in rows["guess.txt"] and "best guess" in rows["guess.txt"]
    assert "| zxx |" in rows["style.css"] and "not prose (stylesheet)" in rows["style.css"]


def test_a_1_0_manifest_may_not_carry_the_1_1_document_fields(tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "snapshot-1.0"
    shutil.copytree(fixture, tmp_path / "s")
    manifest = tmp_path / "s" / "cac-voice-social-2021.manifest.json"
    assert run("verify", manifest, "--fast").returncode == 0
    document = json.loads(manifest.read_text())
    document["seeds"][0]["language"]["detected"]["threshold"] = "50"
    manifest.write_text(json.dumps(document, indent=2))
    result = run("verify", manifest, "--fast")
    assert result.returncode != 0 and "manifest-schema" in result.stdout + result.stderr
