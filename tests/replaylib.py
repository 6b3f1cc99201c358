"""A real browser replaying our WACZ: Debian's Chromium, playwright, ReplayWeb.page from npm.

Nothing here is faked. Chromium is Debian's (`apt-get install chromium`; playwright's own browser
download cannot work here), driven by playwright from PyPI (the test extra). ReplayWeb.page is
the npm package's built files (`npm pack replaywebpage@VERSION`, checked against the registry's
sha512; a plain `npm install` fails on a missing dependency), unpacked into the git-ignored
`.replaywebpage/` folder by `.ci/run`, or by the tests themselves the first time. A missing
piece fails the tests with the command that brings it: they never skip.

ReplayWeb.page needs a service worker, which a browser runs only for pages served over http(s)
from localhost or https: `ReplayServer` serves a page embedding `<replay-web-page>`, its `ui.js`
and `replay/sw.js`, and the WACZ files, on 127.0.0.1 with a port the kernel picks, with HTTP
Range support (ReplayWeb.page reads a WACZ's parts by range when it can), and stops when the
`with` block ends.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import http.server
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
VERSION = "2.5.3"
# `npm view replaywebpage@2.5.3 dist.integrity`
INTEGRITY = "sha512-nCj2PSON3BxeSJKE8AsYPyULv0XPZKJWfy4l9PyQre9SqwLZ+WKZVs/sfLqPOQ4GrH+0YkjbwOhr8cSTH08gsQ=="
FOLDER = REPO / ".replaywebpage" / VERSION
CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 120_000 # a bound on what must happen, never an ordering: a loaded CI machine is slow
class Missing(AssertionError):
    """A piece of the real-browser setup cannot be had: the tests fail (never skip) with it."""


SETUP = ("apt-get install -y chromium && pip install -e '.[test]' "
         f"(and npm on PATH, for `npm pack replaywebpage@{VERSION}`); .ci/run does this")


def _fail(message: str) -> NoReturn:
    raise Missing(message)


def chromium() -> Path:
    if not CHROMIUM.exists():
        _fail(f"{CHROMIUM} is missing: the replay tests need Debian's Chromium: {SETUP}")
    return CHROMIUM


def replaywebpage() -> Path:
    """The folder holding ReplayWeb.page's `ui.js` and `sw.js`, unpacked from npm if missing."""
    if not all((FOLDER / name).is_file() for name in ("ui.js", "sw.js")):
        _unpack(_npm_pack())
    return FOLDER


def _npm_pack() -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        _fail(f"npm is not on PATH: the replay tests need ReplayWeb.page from npm: {SETUP}")
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([npm, "pack", f"replaywebpage@{VERSION}", "--silent"], cwd=folder,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            _fail(f"npm pack replaywebpage@{VERSION} failed: {done.stderr.strip()[-300:]}")
        data = (Path(folder) / f"replaywebpage-{VERSION}.tgz").read_bytes()
    found = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if found != INTEGRITY:
        _fail(f"replaywebpage-{VERSION}.tgz has integrity {found}, not {INTEGRITY}")
    return data


def _unpack(tarball: bytes) -> None:
    """Only the two built files the replay needs, written under a temporary name, then renamed."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for name in ("ui.js", "sw.js"):
            member = archive.getmember(f"package/{name}")
            source = archive.extractfile(member)
            assert source is not None and member.isfile()
            temp = FOLDER / f".{name}.{os.getpid()}.partial"
            temp.write_bytes(source.read())
            os.replace(temp, FOLDER / name)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with single-range requests (`Range: bytes=A-B`), as web servers answer them."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "application/javascript", ".wacz": "application/zip"}
    _RANGE = re.compile(r"bytes=(\d*)-(\d*)")

    def log_message(self, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        match = self._RANGE.fullmatch(self.headers.get("Range", "").strip())
        if not match or not os.path.isfile(path) or not (match[1] or match[2]):
            self._left = None
            return super().send_head()
        size = os.path.getsize(path)
        start = int(match[1]) if match[1] else max(0, size - int(match[2]))
        end = min(int(match[2]), size - 1) if match[1] and match[2] else size - 1
        if start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        stream = open(path, "rb")
        stream.seek(start)
        self._left = end - start + 1
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(self._left))
        self.end_headers()
        return stream

    def copyfile(self, source: Any, outputfile: Any) -> None:
        if self._left is None:
            return super().copyfile(source, outputfile)
        while self._left > 0 and (block := source.read(min(1 << 16, self._left))):
            outputfile.write(block)
            self._left -= len(block)


class ReplayServer:
    """Serves ReplayWeb.page and the given WACZ files from a fresh folder on 127.0.0.1."""

    def __init__(self, root: Path, waczs: list[Path]) -> None:
        self.root = root
        files = replaywebpage()
        (root / "replay").mkdir(parents=True)
        shutil.copy(files / "ui.js", root / "ui.js")
        shutil.copy(files / "ui.js", root / "replay" / "ui.js")  # the service worker's own page
        shutil.copy(files / "sw.js", root / "replay" / "sw.js")
        for wacz in waczs:
            shutil.copy(wacz, root / wacz.name)
        handler = functools.partial(_Handler, directory=str(root))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def embed(self, wacz: str, *, url: str = "", view: str = "") -> str:
        """A page embedding ReplayWeb.page at `url` (or at `view`, such as `pages`); its address."""
        attributes = f'source="{html.escape(wacz)}" replayBase="replay/"'
        if url:
            attributes += f' url="{html.escape(url)}" embed="replayonly"'
        if view:
            attributes += f' view="{html.escape(view)}"'
        name = f"embed-{len(list(self.root.glob('embed-*.html')))}.html"
        (self.root / name).write_text(
            '<!doctype html><html><head><meta charset="utf-8"><script src="ui.js"></script>'
            '<style>html, body { margin: 0; height: 100%; }</style></head>'
            f"<body><replay-web-page {attributes}></replay-web-page></body></html>\n",
            encoding="utf-8")
        return f"{self.origin}/{quote(name)}"

    def __enter__(self) -> "ReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def replay_frame(page: Any, url: str, *, wait_ms: int = WAIT_MS) -> Any:
    """The frame in which ReplayWeb.page shows the archived `url`, once it has loaded."""
    deadline = time.monotonic() + wait_ms / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "mp_/" in frame.url and frame.url.endswith("mp_/" + url):
                frame.wait_for_load_state("load", timeout=WAIT_MS)
                return frame
        page.wait_for_timeout(100)  # playwright's own wait: it delivers the browser's events
    _fail(f"ReplayWeb.page showed no frame for {url} in {wait_ms} ms; frames: "
                f"{[frame.url for frame in page.frames]}")


def app_frame(page: Any) -> Any:
    """The frame of ReplayWeb.page's own interface (page list, search box)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/replay/?" in frame.url:
                return frame
        page.wait_for_timeout(100)
    _fail(f"ReplayWeb.page did not start in {WAIT_MS} ms: {[f.url for f in page.frames]}")


# The text a person sees, through every open shadow root (ReplayWeb.page is made of web
# components, and playwright's text selectors do not reach all of their text).
SHOWN_TEXT = """() => {
  const out = [];
  const walk = (root) => {
    const nodes = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node = nodes.nextNode(); node; node = nodes.nextNode()) {
      if (node.nodeType === Node.TEXT_NODE) {
        const parent = node.parentElement;
        if (!parent || !["STYLE", "SCRIPT"].includes(parent.tagName)) out.push(node.data);
      } else if (node.shadowRoot) {
        walk(node.shadowRoot);
      }
    }
  };
  walk(document);
  return out.join(" ").replace(/\\s+/g, " ");
}"""


def wait_for_text(frame: Any, present: list[str], absent: list[str] = (), *,
                  wait_ms: int = WAIT_MS) -> str:
    """Wait (bounded) until the frame shows every string of `present` and none of `absent`."""
    deadline = time.monotonic() + wait_ms / 1000
    while True:
        shown = frame.evaluate(SHOWN_TEXT)
        missing = [text for text in present if text not in shown]
        extra = [text for text in absent if text in shown]
        if not missing and not extra:
            return shown
        if time.monotonic() > deadline:
            _fail(f"after {wait_ms} ms the page does not show {missing} or still shows "
                        f"{extra}; it shows: {shown[:2000]}")
        frame.page.wait_for_timeout(200)


if __name__ == "__main__":  # .ci/run: `python3 tests/replaylib.py` fetches ReplayWeb.page
    print(replaywebpage())
