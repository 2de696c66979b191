"""The live preview: the publication's HTML in a browser, reloaded when a build finishes.

The page is the HTML of the last good build (the same templates as the PDF), with a small screen
stylesheet that shows each page-starting element as a white sheet, and a script that polls
``/__build`` and reloads when the build number changes. When the last build failed, the page
shows the error (file, line and fix, as the terminal does) above the last good version.

The server binds to 127.0.0.1 only and serves nothing but the preview itself, files inside the
project's content/, templates/ and assets/ (the rule ProjectFetcher applies to WeasyPrint), and
the built PDF.
"""

from __future__ import annotations

import html as html_escape
import json
import mimetypes
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from portrait.errors import BuildError
from portrait.project import Project
from portrait.render.fetcher import ProjectFetcher, RefusedResource
from portrait.render.incremental import INTERNAL_LINK

FILES = "/files/"
PDF_PATH = "/publication.pdf"
WEB_PATH = "/web/"  # the web edition, made after each build
PAGES_PATH = "/pages"  # the built PDF's real pages, in the district studio's page viewer
STATIC = "/static/"
POLL_MS = 400
PAGE_WIDTH_PX = 480

SCREEN_CSS = """
@media screen {
  html { background: #56606e; }
  body { padding: 28px 0 40px; }
  body > section, body > article {
    box-sizing: border-box; width: 8.5in; min-height: 11in; margin: 0 auto 28px;
    padding: 0.9in 0.8in 0.85in; background: #fff; position: relative; overflow: hidden;
    box-shadow: 0 3px 14px rgba(0, 0, 0, 0.4);
  }
  body > section.cover, body > section.back-cover { padding: 0; height: 11in; }
  body > .running-title, body > .running-edition { display: none; }
  a[data-page-number]::after { content: "\\00a0\\00a0" attr(data-page-number); float: right; }
  #portrait-preview-bar {
    position: fixed; top: 0; left: 0; right: 0; z-index: 10; font: 12px/24px sans-serif;
    background: #1d2733; color: #dfe6ee; padding: 0 12px;
  }
  #portrait-preview-bar a { color: #9fd3ff; }
  #portrait-preview-error {
    box-sizing: border-box; width: 8.5in; margin: 8px auto 28px; padding: 14px 18px;
    background: #fff0f0; border: 3px solid #c62828; color: #4a0d0d;
    font: 13px/1.45 monospace; white-space: pre-wrap;
  }
}
"""

RELOAD_SCRIPT = """
(function () {
  var seen = %(build)d;
  function poll() {
    fetch("/__build", {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (s) { if (s.build !== seen) { location.reload(); } })
      .catch(function () {})
      .finally(function () { setTimeout(poll, %(poll)d); });
  }
  setTimeout(poll, %(poll)d);
})();
"""


@dataclass(frozen=True)
class Snapshot:
    build: int  # goes up by one after every build, good or bad
    html: str | None  # the last good build's HTML
    error: str | None  # the last build's error, if it failed
    seconds: float = 0.0
    anchor_pages: Mapping[str, int] = field(default_factory=dict)  # id → PDF page number


class PreviewState:
    """What the watcher tells the preview server; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot = Snapshot(0, None, None)
        self._web: dict[str, bytes] = {}  # the last good web edition's files, served under /web/

    def web_built(self, files: dict[str, bytes]) -> None:
        with self._lock:
            self._web = dict(files)

    def web_file(self, name: str) -> bytes | None:
        with self._lock:
            return self._web.get(name)

    def succeeded(self, html: str, seconds: float, anchor_pages: Mapping[str, int] | None = None) -> None:
        with self._lock:
            build = self._snapshot.build + 1
            self._snapshot = Snapshot(build, html, None, seconds, dict(anchor_pages or {}))

    def failed(self, error: str, seconds: float) -> None:
        with self._lock:
            s = self._snapshot
            self._snapshot = Snapshot(s.build + 1, s.html, error, seconds, s.anchor_pages)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot


def preview_page(project: Project, snapshot: Snapshot) -> str:
    """The preview HTML for a browser: project file URLs served by us, the screen sheet, the
    reload script, and the error of the last build if it failed."""
    body_start = (
        f'<div id="portrait-preview-bar">build {snapshot.build} · '
        f"{'failed' if snapshot.error else f'{snapshot.seconds:.2f} s'} · "
        f'<a href="{PDF_PATH}">PDF</a> · <a href="{PAGES_PATH}">PDF pages</a></div><div style="height:24px"></div>'
    )
    if snapshot.error:
        kept = "the PDF and this page show the last good build" if snapshot.html else "there is no good build yet"
        body_start += (
            f'<pre id="portrait-preview-error">The last build failed; {kept}.\n\n'
            + html_escape.escape(snapshot.error)
            + "</pre>"
        )
    html = snapshot.html or ("<!DOCTYPE html><html><head><title>Portrait preview</title></head><body></body></html>")
    html = local_urls(project, html)
    # Browsers know no target-counter(): write the PDF's page numbers into internal links.
    html = number_links(html, snapshot.anchor_pages)
    script = RELOAD_SCRIPT % {"build": snapshot.build, "poll": POLL_MS}
    html = html.replace("</head>", f"<style>{SCREEN_CSS}</style>\n</head>", 1)
    html = html.replace("</body>", f"<script>{script}</script>\n</body>", 1)
    head, sep, rest = html.partition("<body")
    if sep:
        tag_end = rest.index(">") + 1
        html = head + sep + rest[:tag_end] + body_start + rest[tag_end:]
    return html


def number_links(html: str, anchor_pages: Mapping[str, int]) -> str:
    def numbered(match: re.Match[str]) -> str:
        page = anchor_pages.get(match.group(1))
        return match.group(0) if page is None else f'{match.group(0)} data-page-number="{page}"'

    return INTERNAL_LINK.sub(numbered, html)


def local_urls(project: Project, text: str) -> str:
    """``file:`` URLs of the project's files as URLs of this server."""
    return text.replace(project.root.as_uri() + "/", FILES)


# The preview's own page (static/watch.*) lives here; its page viewer is the district studio's
# (studio/static/pages.js, pages.css), served from there rather than copied.
DESIGNER_STATIC = Path(__file__).resolve().parent / "static"
STUDIO_STATIC = Path(__file__).resolve().parents[1] / "studio" / "static"


def _static_files() -> dict[str, Path]:
    """The files served under /static/: the studio's, then the designer's own."""
    return {p.name: p for folder in (STUDIO_STATIC, DESIGNER_STATIC) for p in folder.iterdir() if p.is_file()}


def page_images(pdf: Path, width: int) -> dict[str, object]:
    """``{"pages": n, "images": [{"page", "label", "width", "height", "src"}]}`` for every page of
    ``pdf``, each labelled with the first bookmark on it (else "Page N")."""
    import base64
    import io

    import pypdfium2 as pdfium

    from portrait.errors import InputError
    from portrait.raster import rasterise

    try:
        data = pdf.read_bytes()
        document = pdfium.PdfDocument(data)
    except (OSError, pdfium.PdfiumError):
        return {"pages": 0, "images": []}
    try:
        labels: dict[int, str] = {}
        for item in document.get_toc():
            dest = item.get_dest()
            index = dest.get_index() if dest is not None else None
            if index is not None:
                labels.setdefault(index, item.get_title())
        count = len(document)
    finally:
        document.close()
    images = []
    try:
        for index, image in rasterise(data, width=width):
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", compress_level=6)
            src = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
            label = labels.get(index, f"Page {index + 1}")
            images.append({"page": index + 1, "label": label, "width": image.width, "height": image.height, "src": src})
    except InputError:
        return {"pages": 0, "images": []}
    return {"pages": count, "images": images}


class PreviewServer:
    """A preview of ``project`` on http://127.0.0.1:port/ in a background thread."""

    def __init__(self, project: Project, state: PreviewState, pdf: Path, port: int = 0):
        self.project = project
        self.state = state
        self.pdf = pdf
        self.fetcher = ProjectFetcher(project.readable_roots)
        self._pages: dict[str, object] | None = None
        self._pages_lock = threading.Lock()  # pdfium is not thread-safe; and one render per build
        handler = type("Handler", (_Handler,), {"preview": self})
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError as exc:
            raise BuildError(
                f"cannot serve the preview on 127.0.0.1:{port}: {exc.strerror}; choose another port with --port N"
            ) from None
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> PreviewServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def pages(self) -> dict[str, object]:
        """Every page of the built PDF as a PNG, for the page view; made once per build."""
        with self._pages_lock:
            build = self.state.snapshot().build
            if self._pages is None or self._pages["build"] != build:
                self._pages = {"build": build, **page_images(self.pdf, PAGE_WIDTH_PX)}
            return self._pages

    def file(self, url_path: str) -> Path:
        """The project file a ``/files/…`` URL names; RefusedResource outside the project."""
        relative = unquote(url_path[len(FILES) :])
        return self.fetcher.resolve((self.project.root / relative).as_uri())


class _Handler(BaseHTTPRequestHandler):
    preview: PreviewServer
    server_version = "portrait-preview"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        path = urlsplit(self.path).path
        p = self.preview
        if path in ("/", "/index.html"):
            page = preview_page(p.project, p.state.snapshot())
            self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
        elif path == "/__build":
            s = p.state.snapshot()
            data = {"build": s.build, "ok": s.error is None, "error": s.error, "seconds": s.seconds}
            self._send(HTTPStatus.OK, json.dumps(data).encode(), "application/json")
        elif path == PDF_PATH:
            self._send_file(p.pdf, "application/pdf")
        elif path == PAGES_PATH:
            self._send_file(DESIGNER_STATIC / "watch.html", "text/html; charset=utf-8")
        elif path == WEB_PATH.rstrip("/") or path.startswith(WEB_PATH):
            # The web edition (portrait.formats.web) of the last good build, from memory.
            name = path[len(WEB_PATH) :] or "index.html"
            body = p.state.web_file(name)
            if body is None:
                self._send(HTTPStatus.NOT_FOUND, b"not built yet\n", "text/plain; charset=utf-8")
            else:
                self._send(HTTPStatus.OK, body, mimetypes.guess_type(name)[0] or "application/octet-stream")
        elif path == "/__pages":
            body = json.dumps(p.pages()).encode()
            self._send(HTTPStatus.OK, body, "application/json")
        elif path.startswith(STATIC) and path[len(STATIC) :] in _static_files():
            name = path[len(STATIC) :]
            self._send_file(_static_files()[name], mimetypes.guess_type(name)[0] or "application/octet-stream")
        elif path.startswith(FILES):
            try:
                file = p.file(path)
            except RefusedResource as exc:
                self._send(HTTPStatus.FORBIDDEN, f"{exc}\n".encode(), "text/plain; charset=utf-8")
                return
            mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self._send_file(file, mime)
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

    def _send_file(self, file: Path, mime: str) -> None:
        try:
            body = file.read_bytes()
        except OSError:
            self._send(HTTPStatus.NOT_FOUND, b"not built yet\n", "text/plain; charset=utf-8")
            return
        if mime == "text/css":
            body = local_urls(self.preview.project, body.decode("utf-8")).encode()
        self._send(HTTPStatus.OK, body, mime)

    def _send(self, status: HTTPStatus, body: bytes, mime: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the terminal is for builds, not for every request
