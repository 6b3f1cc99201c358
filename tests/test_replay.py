"""Our WACZ in a real browser: Debian's Chromium running ReplayWeb.page, as a reader opens it.

What a person would check, read from the rendered page: the stylesheet applied (computed
style), the image decoded (its natural size), the link to the second seed followed, a GB18030
Chinese text shown as its characters, the collection and page titles listed and the text
found by search, and a later batch's revisit shown from the earlier batch's WARC.
See replaylib.py for where the browser and ReplayWeb.page come from; without them these fail.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import sync_playwright

import archiver
from archiver.share.alias import alias_url
from archiver.share.export import export
from conftest import REPO, make_seeds
from replaylib import (
    WAIT_MS,
    Missing,
    ReplayServer,
    app_frame,
    chromium,
    replay_frame,
    wait_for_text,
)

FIRST_TRY_MS = 40_000  # a first load shows its frame in a few seconds; past this, reload once

PACKAGED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
ZH = REPO / "tests" / "fixtures" / "encodings" / "zh-Hans.gb18030.txt"
PNG_SIZE = (37, 23)
INK = "rgb(12, 34, 56)"
FIELDS = ("- batch: replay-one\n- title: Replay test batch\n"
          "- description: A page with a stylesheet, an image and links, and a Chinese text.\n")


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\x00" + b"\xc8\x1e\x1e" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


SITE = {
    "index.html": ('<!doctype html><html><head><meta charset="utf-8"><title>Replay front page'
                   '</title><link rel="stylesheet" href="css/style.css"></head><body>'
                   '<h1>Front page</h1><p><img id="dot" src="img/dot.png" alt="a red dot"></p>'
                   '<p><a id="next" href="second.html">The second page</a> and '
                   '<a id="other" href="more/第二 页.html">another</a></p></body></html>\n').encode(),
    "second.html": ('<!doctype html><html><head><meta charset="utf-8"><title>Second page</title>'
                    '</head><body><p>Quokkas reached the second page.</p></body></html>\n').encode(),
    "more/第二 页.html": ('<!doctype html><html><head><meta charset="utf-8"><title>第二页</title>'
                          '</head><body><p>Numbats found the page with a space.</p></body>'
                          '</html>\n').encode(),
    "css/style.css": b"h1 { color: rgb(12, 34, 56); letter-spacing: 3px; }\n",
    "img/dot.png": png(*PNG_SIZE),
}


def rows(files: dict[str, bytes], date: str) -> list[tuple[str, ...]]:
    languages = {".html": "en", ".txt": "zh-Hans"}
    return [(name, "", f"https://example.org/{i}", languages.get(Path(name).suffix, "zxx"), date,
             "") for i, name in enumerate(sorted(files))]


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two batches' WACZ: the site and a Chinese text; then the same site again, a week on.
    Packed and exported through the library (the CLI's export is tested in test_share.py)."""
    root = tmp_path_factory.mktemp("replay")
    files = {**SITE, "zh.txt": ZH.read_bytes()}
    first = archiver.pack(make_seeds(root / "one", files, rows=rows(files, "2024-04-01"),
                                     fields=FIELDS), out_dir=root / "out", packaged=PACKAGED)
    later = {**SITE, "second.html": SITE["second.html"].replace(b"Quokkas", b"Wombats")}
    second = archiver.pack(make_seeds(root / "two", later, rows=rows(later, "2024-04-08"),
                                      fields="- batch: replay-two\n- title: Replay, later\n"),
                           out_dir=root / "out", packaged=PACKAGED,
                           previous=first.manifest_path)
    assert second.tally.revisits == len(SITE) - 1  # all but the changed second page
    waczs = {}
    for batch, packed in (("replay-one", first), ("replay-two", second)):
        waczs[batch] = root / f"{batch}.wacz"
        export(packed.manifest_path, wacz=waczs[batch])
    return waczs


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium()))
        yield launched
        launched.close()


@dataclass
class Tab:
    """A browser tab and the server that serves ReplayWeb.page and the WACZ files to it."""

    page: Any
    server: ReplayServer

    def open_seed(self, batch: str, path: str) -> Any:
        """Open seed `path` of `batch` at its replay address; its frame, once loaded."""
        url = alias_url(batch, path)
        embed = self.server.embed(f"{batch}.wacz", url=url)
        self.page.goto(embed)
        try:
            return replay_frame(self.page, url, wait_ms=FIRST_TRY_MS)
        except Missing:
            # ReplayWeb.page's service worker now and then never loads the archive on a page's
            # first load (1 run in 5 on a quiet machine, whatever the WACZ); a user reloads. A
            # second miss is a failure.
            self.page.goto(embed)
            return replay_frame(self.page, url)

    def open_app(self, embed: str, present: list[str]) -> Any:
        """ReplayWeb.page's own interface at `embed`, once it shows every string of `present`;
        reloaded once, as `open_seed` is (a frame the service worker did not take shows the
        test server's listing of /replay/ instead: 1 CI run in 3 or so)."""
        self.page.goto(embed)
        try:
            app = app_frame(self.page)
            wait_for_text(app, present, wait_ms=FIRST_TRY_MS)
        except Missing:
            self.page.goto(embed)
            app = app_frame(self.page)
            wait_for_text(app, present)
        return app

    def after_click(self, frame: Any, link: str, batch: str, path: str) -> Any:
        frame.click(link)
        return replay_frame(self.page, alias_url(batch, path))


@pytest.fixture
def tab(browser: Any, snapshots: dict[str, Path], tmp_path: Path) -> Iterator[Tab]:
    with ReplayServer(tmp_path / "site", list(snapshots.values())) as server:
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        context.set_default_timeout(WAIT_MS)
        yield Tab(context.new_page(), server)
        context.close()


def style_and_image(frame: Any) -> tuple[str, list[int]]:
    """The heading's colour and letter spacing from the stylesheet, and the image's size."""
    frame.wait_for_function("document.getElementById('dot').complete", timeout=WAIT_MS)
    style = frame.evaluate("(s => s.color + ' ' + s.letterSpacing)"
                           "(getComputedStyle(document.querySelector('h1')))")
    return style, frame.evaluate("[dot.naturalWidth, dot.naturalHeight]")


def test_html_seed_loads_its_stylesheet_image_and_linked_seeds(tab: Tab) -> None:
    frame = tab.open_seed("replay-one", "index.html")
    assert style_and_image(frame) == (f"{INK} 3px", list(PNG_SIZE))
    second = tab.after_click(frame, "#next", "replay-one", "second.html")
    assert "Quokkas reached the second page." in second.inner_text("body")
    frame = tab.open_seed("replay-one", "index.html")
    # a name with a space and CJK characters, which the browser percent-encodes
    other = tab.after_click(frame, "#other", "replay-one", "more/第二 页.html")
    assert "Numbats found the page with a space." in other.inner_text("body")


def test_chinese_text_seed_shows_its_characters(tab: Tab) -> None:
    shown = tab.open_seed("replay-one", "zh.txt").inner_text("body")
    expected = ZH.read_bytes().decode("gb18030")
    assert " ".join(expected.split()) in " ".join(shown.split())


def test_collection_lists_titled_pages_and_finds_their_text(tab: Tab) -> None:
    app = tab.open_app(tab.server.embed("replay-one.wacz", view="pages"), [
        "Replay test batch",  # the collection's title and description
        "A page with a stylesheet, an image and links, and a Chinese text.",
        "Replay front page", "Second page", "第二页"])  # the HTML <title>s
    app.locator("input[placeholder*='Search']").fill("Quokkas")
    wait_for_text(app, ["Quokkas reached the second page."], absent=["Replay front page"])


def test_later_batch_replays_its_revisits_from_the_earlier_warc(tab: Tab) -> None:
    """index.html, the stylesheet and the image are the first batch's bytes: revisits."""
    frame = tab.open_seed("replay-two", "index.html")
    assert style_and_image(frame) == (f"{INK} 3px", list(PNG_SIZE))
    second = tab.after_click(frame, "#next", "replay-two", "second.html")
    assert "Wombats reached the second page." in second.inner_text("body")
