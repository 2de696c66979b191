"""The web edition in Debian's chromium (one browser for every check): axe-core 4 finds no
violation (wcag2a, wcag2aa, wcag21aa, wcag22aa) on any page at 320 and 1280 px; no page scrolls
sideways at 320 px, also with WCAG 1.4.12's text spacing; nothing is requested from another
host and the CSP blocks nothing; and each kind of page looks like its reference in
tests/golden/web/ (ΔE, as the PDF's visual tests).

After an intended change of the look, look at the new screenshots (written to the test's
temporary folder), then accept them with

    PORTRAIT_UPDATE_WEB_GOLDEN=1 .venv/bin/python -m pytest tests/formats/test_web_browser.py
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from _browser import AXE, CHROMIUM, TAGS, browser, check_site, served
from _project import REPO
from _reflowed import web
from PIL import Image

from portrait.designer.proof import GOLDEN_MAX_CHANGED, changed_mask

GOLDEN = REPO / "tests" / "golden" / "web"
# One page of each kind: the cover and contents, a chapter, the attributes, the worksheet, a
# district's foreword, the back cover.
KINDS = ["index", "introduction", "attributes", "reflection", "foreword", "back-cover"]
EDITIONS = [None, "example-cedar-ridge"]
TEXT_SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed for this test: apt-get install chromium (make test installs it)")
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make test` (npm ci in tests/js/)")
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str | None, Path]:
    out = {}
    for slug in EDITIONS:
        folder = tmp_path_factory.mktemp(slug or "portrait")
        zipfile.ZipFile(io.BytesIO(web(slug))).extractall(folder)
        out[slug] = folder
    return out


@pytest.fixture(scope="module")
def reports(chromium, sites, tmp_path_factory):
    shots = tmp_path_factory.mktemp("shots")
    return {slug: check_site(chromium, folder, shots / (slug or "portrait")) for slug, folder in sites.items()}, shots


@pytest.mark.parametrize("slug", EDITIONS)
def test_axe_finds_no_violations(reports, slug):
    found = [(r.page, r.width, v) for r in reports[0][slug] for v in r.violations]
    assert found == []
    assert {r.width for r in reports[0][slug]} == {320, 1280}
    assert TAGS == ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


@pytest.mark.parametrize("slug", EDITIONS)
def test_no_sideways_scroll_no_other_host_no_csp_error(reports, slug):
    for r in reports[0][slug]:
        assert r.overflow <= 0, (r.page, r.width)
        assert r.foreign == [], r.page
        assert r.console == [], r.page


def test_text_spacing_and_zoom_keep_everything_in_view(chromium, sites):
    """WCAG 1.4.12 text spacing at 320 px, and 200 % zoom of a 1280 px window (a 640 px
    viewport): no page scrolls sideways."""
    folder = sites["example-cedar-ridge"]
    with served(folder) as base:
        for width, spacing in ((320, True), (640, False)):
            context = chromium.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
            page = context.new_page()
            for html in sorted(p.name for p in folder.glob("*.html")):
                page.goto(base + html, wait_until="load")
                if spacing:
                    page.add_style_tag(content=TEXT_SPACING)
                overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                assert overflow <= 0, (html, width)
            context.close()


def test_worksheet_answers_stay_in_the_browser(chromium, sites):
    folder = sites[None]
    with served(folder) as base:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.method))
        page.goto(base + "reflection.html", wait_until="load")
        page.locator("input[type=radio]").nth(1).check()
        page.locator("textarea").first.fill("Listen more")
        page.reload(wait_until="load")
        assert page.locator("input[type=radio]").nth(1).is_checked()
        assert page.locator("textarea").first.input_value() == "Listen more"
        assert page.get_by_role("button", name="Save my answers as a file").is_visible()
        assert set(requests) == {"GET"}
        context.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("kind", KINDS)
def test_looks_like_golden(reports, kind, width, tmp_path):
    slug = "example-cedar-ridge" if kind == "foreword" else None
    shot = reports[1] / (slug or "portrait") / f"{width}-{kind}.png"
    actual = Image.open(shot).convert("RGB")
    actual = actual.crop((0, 0, actual.width, min(actual.height, 1400)))
    actual = actual.resize((actual.width // 2, actual.height // 2), Image.Resampling.LANCZOS)  # small references
    golden = GOLDEN / f"{width}-{kind}.png"
    if os.environ.get("PORTRAIT_UPDATE_WEB_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        actual.save(golden, optimize=True)
    assert golden.is_file(), f"no reference {golden.name}: run with PORTRAIT_UPDATE_WEB_GOLDEN=1"
    reference = Image.open(golden).convert("RGB")
    mask = changed_mask(reference, actual)
    changed = mask.histogram()[255] / (mask.width * mask.height)
    if changed > GOLDEN_MAX_CHANGED:
        actual.save(tmp_path / f"{width}-{kind}.png")
        mask.save(tmp_path / f"{width}-{kind}-diff.png")
    assert changed <= GOLDEN_MAX_CHANGED, f"{changed:.2%} of the pixels changed; see {tmp_path}"
