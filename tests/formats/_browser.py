"""The web edition in Debian's chromium (Playwright, never `playwright install`): axe-core on
every page at phone and desktop widths, horizontal overflow, requests to other hosts, CSP
violations, and screenshots. Used by tests/formats/test_web.py and to make docs/web-*.png."""

from __future__ import annotations

import functools
import http.server
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from _project import REPO

AXE = REPO / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"
BROWSERS = (Path("/usr/bin/chromium"), Path("/usr/bin/chromium-browser"), Path("/usr/bin/google-chrome"))
CHROMIUM = next((path for path in BROWSERS if path.exists()), BROWSERS[0])
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
WIDTHS = {"phone": 320, "desktop": 1280}


@dataclass
class PageReport:
    page: str
    width: int
    violations: list[dict] = field(default_factory=list)
    overflow: int = 0  # px of horizontal scroll
    foreign: list[str] = field(default_factory=list)  # requests to any other host
    console: list[str] = field(default_factory=list)  # CSP violations and script errors


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}/"
        finally:
            httpd.shutdown()


@contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def check_site(chromium: object, folder: Path, shots: Path | None = None) -> list[PageReport]:
    """axe-core and the other checks on every page of the web edition in ``folder``, at each
    width of WIDTHS; full-page screenshots into ``shots`` (``<width>-<page>.png``) if given."""
    reports = []
    axe = AXE.read_text(encoding="utf-8")
    pages = sorted(p.name for p in folder.glob("*.html"))
    with served(folder) as base:
        for name, width in WIDTHS.items():
            context = chromium.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
            page = context.new_page()
            current: list[PageReport] = []

            def request(r: object, current: list[PageReport] = current) -> None:
                if not r.url.startswith(base):  # type: ignore[attr-defined]
                    current[-1].foreign.append(r.url)  # type: ignore[attr-defined]

            def console(m: object, current: list[PageReport] = current) -> None:
                if m.type in ("error", "warning"):  # type: ignore[attr-defined]
                    current[-1].console.append(m.text)  # type: ignore[attr-defined]

            page.on("request", request)
            page.on("console", console)
            for html in pages:
                report = PageReport(html, width)
                current.append(report)
                page.goto(base + html, wait_until="load")
                page.evaluate("document.fonts.ready")
                report.overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                page.evaluate(axe + "\n;0")  # through the debugger protocol: the page's CSP allows no inline script
                result = page.evaluate(
                    "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
                    TAGS,
                )
                report.violations = [
                    {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
                    for v in result["violations"]
                ]
                if shots is not None:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f"{name}-{html[:-5]}.png"), full_page=True)
                reports.append(report)
            context.close()
    return reports
