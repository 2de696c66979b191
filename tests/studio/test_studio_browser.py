"""The district studio in a real browser: Debian's chromium driven by Playwright.

The real server (``build.py studio``) on 127.0.0.1 and a free port, on a copy of the project. The
test fills the form as a district would, waits for the preview's page images to change, downloads
the PDF and reads it back. Set STUDIO_SCREENSHOT=path.png to keep a screenshot of the page.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from _project import REPO
from PIL import Image, ImageDraw
from pypdf import PdfReader

# Debian's chromium here and in CI on this machine; GitHub's Ubuntu runners ship Google Chrome.
BROWSERS = (Path("/usr/bin/chromium"), Path("/usr/bin/chromium-browser"), Path("/usr/bin/google-chrome"))
CHROMIUM = next((path for path in BROWSERS if path.exists()), BROWSERS[0])
NAME = "Distrito Escolar de Peña & Valle"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is needed for this test: apt-get install chromium (make test installs it)")
    root = tmp_path_factory.mktemp("studio-browser") / "project"
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    port = _free_port()
    log = (root / "studio.log").open("w")
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "--root", str(root), "studio", "--port", str(port), "--workers", "1"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("the studio did not start:\n" + (root / "studio.log").read_text())
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _png_logo(path: Path) -> Path:
    image = Image.new("RGB", (320, 320), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 20, 300, 300), fill="#0b7a75")
    draw.rectangle((110, 90, 210, 230), fill="#f6c445")
    image.save(path)
    return path


def test_a_district_makes_its_edition(server, browser, tmp_path):
    from portrait.inputs.colors import palette

    context = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(server + "/")

    # Every input can be named by a screen reader.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, textarea, button')].filter(el =>
            !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim()
          ).map(el => el.id || el.outerHTML)"""
    )
    assert unlabelled == []

    page.get_by_label("District name").fill(NAME)
    assert page.get_by_label("Folder name").input_value() == "distrito-escolar-de-pena-valle"
    page.get_by_label("Logo file").set_input_files(str(_png_logo(tmp_path / "logo.png")))
    page.wait_for_selector("#pages img", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('#pages img').length === 3")
    first = page.eval_on_selector("#pages", "el => [el.dataset.version, el.querySelector('img').src.length]")
    assert "Preview up to date" in page.locator("#preview-status").inner_text()

    # A colour that is in no palette: a light gold, too light for text on white.
    page.get_by_label("Primary colour", exact=True).fill("#f6c445")
    expected = palette("#f6c445").text
    assert page.locator("#f-primary-contrast .shade").get_attribute("data-shade") == expected
    assert f"darker shade {expected}" in page.locator("#f-primary-contrast").inner_text()
    # The page's contrast arithmetic is the build's, colour for colour.
    for color in ("#3fa9f5", "#e8177d", "#ffffff", "#777777", "#12ab34", "#fedcba"):
        shown = page.evaluate(f"window.portraitColors.darkenUntil('{color}', '#ffffff', 4.5)")
        assert shown == palette(color).text, color

    page.wait_for_function(
        "v => document.querySelector('#pages').dataset.version !== v"
        " && document.querySelectorAll('#pages img').length === 3",
        arg=first[0],
        timeout=60_000,
    )
    cover_src = page.eval_on_selector("#pages img", "img => img.src")
    assert cover_src.startswith("data:image/png;base64,") and len(cover_src) != first[1]

    # A foreword with a signer added.
    page.get_by_label("Title").fill("Un mensaje de la superintendente")
    page.get_by_label("Text", exact=True).fill("Nuestros líderes *crecen* juntos.")
    page.get_by_label("Name of signer 1").fill("María José Núñez")
    page.get_by_label("Role of signer 1").fill("Superintendente")
    page.get_by_role("button", name="Add a signer").click()
    assert page.evaluate("document.activeElement.id") == "f-signer-1-name"
    page.get_by_role("button", name="Remove signer 2").click()
    page.wait_for_function("() => document.querySelectorAll('#pages img').length === 4", timeout=60_000)

    # A bad field: the problem is shown next to it and tied to it for screen readers.
    page.get_by_label("E-mail").fill("not an address")
    page.wait_for_selector("#f-email[aria-invalid=true]", timeout=60_000)
    described = page.get_attribute("#f-email", "aria-describedby").split()
    messages = [page.locator(f"#{i}").inner_text() for i in described if "problem" in i]
    assert any("not an e-mail address" in m for m in messages)
    page.get_by_label("E-mail").fill("")
    page.wait_for_function("() => !document.querySelector('#f-email').hasAttribute('aria-invalid')", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('#pages img').length === 4", timeout=60_000)

    if os.environ.get("STUDIO_SCREENSHOT"):
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=os.environ["STUDIO_SCREENSHOT"])

    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="PDF for screens").click()
    download = info.value
    assert download.suggested_filename == "portrait-of-a-leader-distrito-escolar-de-pena-valle.pdf"
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    assert len(reader.pages) == 17
    assert NAME in reader.pages[0].extract_text().replace("\n", " ")
    assert "María José Núñez" in reader.pages[1].extract_text()
    # The cover's ring and band are the chosen gold.
    cover = Image.open(io.BytesIO(_page_png(Path(download.path())))).convert("RGB")
    assert (
        sum(
            1
            for px in cover.get_flattened_data()
            if all(abs(a - b) < 10 for a, b in zip(px, (246, 196, 69), strict=True))
        )
        > 300
    )

    # The district folder, opened again, fills the form.
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name="District folder (.zip)").click()
    folder = Path(info.value.path())
    page.reload()
    page.get_by_label("Open a district folder").set_input_files(
        {"name": "distrito.zip", "mimeType": "application/zip", "buffer": folder.read_bytes()}
    )
    page.wait_for_function("name => document.querySelector('#f-name').value === name", arg=NAME)
    assert page.get_by_label("Primary colour", exact=True).input_value() == "#f6c445"
    assert page.get_by_label("Name of signer 1").input_value() == "María José Núñez"
    page.wait_for_function("() => document.querySelectorAll('#pages img').length === 4", timeout=60_000)
    # Chromium logs every 422 answer as a failed resource; those are the form's problems, shown above.
    assert [e for e in console_errors if "status of 422" not in e] == []
    context.close()


def _page_png(pdf: Path) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    buffer = io.BytesIO()
    document[0].render(scale=0.5).to_pil().save(buffer, format="PNG")
    document.close()
    return buffer.getvalue()


AXE = REPO / "tests/studio/vendor/axe-core/axe.min.js"  # axe-core 4, vendored (VERSION.md)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _axe(page) -> list[str]:
    """axe-core's violations of WCAG 2.2 AA on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # through DevTools: the page's CSP does not apply
    violations = page.evaluate(
        "async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        AXE_TAGS,
    )
    return violations


def _shoot(page, name: str) -> None:
    folder = os.environ.get("STUDIO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_the_page_passes_axe_and_manages_focus(server, browser, tmp_path):
    """No axe-core violation (WCAG 2.2 AA) empty, filled and with a problem; the skip link and
    the download buttons keep the keyboard focus; a stale preview is dimmed and labelled; a
    problem with the logo is shown at a readable width. STUDIO_SCREENSHOTS=folder keeps
    screenshots of the three states."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.goto(server + "/")
    assert _axe(page) == []
    _shoot(page, "empty")

    # The skip link moves the focus to the form, not to <body>.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "studio-form"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-open"

    page.get_by_label("District name").fill(NAME)
    page.get_by_label("Logo file").set_input_files(str(_png_logo(tmp_path / "logo.png")))
    page.wait_for_function("() => document.querySelectorAll('#pages img').length === 3", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#preview-status').textContent.includes('up to date')")
    assert _axe(page) == []
    _shoot(page, "filled")

    # A problem: the preview is dimmed and says it is out of date, until the problem is fixed.
    page.get_by_label("E-mail").fill("not an address")
    page.wait_for_selector("#f-email[aria-invalid=true]", timeout=60_000)
    assert page.eval_on_selector("#pages", "el => el.classList.contains('stale')")
    assert page.locator("#pages-stale").is_visible()
    assert "Out of date" in page.locator("#pages-stale").inner_text()
    # A logo of the wrong kind: its problem is a line of its own, not a column one word wide.
    page.get_by_label("Logo file").set_input_files(
        {"name": "logo.gif", "mimeType": "image/gif", "buffer": b"GIF89a" + b"\0" * 64}
    )
    page.wait_for_selector("#f-logo[aria-invalid=true]")
    logo_error = page.locator(".logo-field > p.error").first
    assert logo_error.bounding_box()["width"] > 300
    assert _axe(page) == []
    _shoot(page, "error")

    page.get_by_label("Logo file").set_input_files(str(tmp_path / "logo.png"))
    page.get_by_label("E-mail").fill("")
    page.wait_for_function("() => !document.querySelector('#pages').classList.contains('stale')", timeout=60_000)
    assert not page.locator("#pages-stale").is_visible()

    # A download keeps the focus on its button while the file is made, and after.
    button = page.get_by_role("button", name="PDF for screens")
    button.focus()
    with page.expect_download(timeout=60_000):
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.activeElement.getAttribute('aria-busy') === 'true'")
        assert page.evaluate("document.activeElement.id") == "download-screen"
    page.wait_for_function("() => !document.activeElement.hasAttribute('aria-busy')")
    assert page.evaluate("document.activeElement.id") == "download-screen"

    # Asked for as PDF/UA-2, the screen PDF is the UA-2 edition (PDF 2.0); the box is labelled.
    page.get_by_label("as PDF/UA-2, the newer edition of the standard").check()
    with page.expect_download(timeout=60_000) as ua2:
        button.click()
    assert Path(ua2.value.path()).read_bytes().startswith(b"%PDF-2.0")
    assert _axe(page) == []
    context.close()


GUIDE_IMAGES = REPO / "docs" / "img"


def test_the_district_guide_shows_the_studio_as_it_is(server, browser, tmp_path):
    """The screenshots in docs/district-guide.md are taken here, filling the form as the guide
    tells a district to. The committed images must exist at the size this run takes them;
    PORTRAIT_UPDATE_DOCS=1 writes this run's images over them (then look at them and commit)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_label("District name").fill("Cedar Ridge Unified School District")
    page.get_by_label("Short name").fill("Cedar Ridge USD")
    page.get_by_label("State").fill("Colorado")
    page.locator("#f-primary").fill("#1b4f9c")
    page.get_by_label("Logo file").set_input_files(str(_png_logo(tmp_path / "logo.png")))
    page.locator("#f-foreword-title").fill("A message from our superintendent")
    page.locator("#f-foreword-body").fill("Our principals and teacher leaders read this Portrait together this year.")
    if page.get_by_label("Name of signer 1").count() == 0:
        page.get_by_role("button", name="Add a signer").click()
    page.get_by_label("Name of signer 1").fill("Jordan Example")
    page.get_by_label("Role of signer 1").fill("Superintendent")
    page.get_by_label("Website").fill("https://www.cedarridge.example")
    page.wait_for_function("() => document.querySelectorAll('#pages img').length >= 3", timeout=90_000)
    page.wait_for_function("() => document.querySelector('#preview-status').textContent.includes('up to date')")
    shots = {"studio-filled": tmp_path / "studio-filled.png"}
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots["studio-filled"]))

    page.locator("#f-primary").fill("#12345")
    page.wait_for_selector("#f-primary[aria-invalid=true]", timeout=60_000)
    page.wait_for_selector("#error-summary:not([hidden])")
    page.evaluate("window.scrollTo(0, 0)")
    assert page.eval_on_selector("#pages", "el => el.classList.contains('stale')")
    shots["studio-error"] = tmp_path / "studio-error.png"
    page.screenshot(path=str(shots["studio-error"]))
    context.close()

    for name, shot in shots.items():
        taken = Image.open(shot)
        assert taken.convert("L").getextrema()[1] - taken.convert("L").getextrema()[0] > 100, f"{name}: blank"
        committed = GUIDE_IMAGES / f"{name}.png"
        if os.environ.get("PORTRAIT_UPDATE_DOCS"):
            GUIDE_IMAGES.mkdir(exist_ok=True)
            shutil.copyfile(shot, committed)
        assert committed.is_file(), f"{committed} is missing: run this test with PORTRAIT_UPDATE_DOCS=1"
        assert Image.open(committed).size == taken.size, f"{committed}: taken at another size; refresh it"
