"""veraPDF, the validator an accessibility auditor runs, on every kind of screen edition we make.

Each file must be PDF/UA-1 compliant: the Portrait; each example district (with and without a
foreword, with and without contact details; SVG, PNG and JPEG logos); editions joined by a batch
(from the example spreadsheet); an edition made by the studio; an edition written whole
(``edition_in_full``). A copy of the Portrait with the link defect of main before issue 17 must
fail, on that rule alone: the harness can fail. The Well-Tagged PDF (``wt1r``) and PDF/UA-2
(``ua2``) verdicts of the PDF/UA-1 Portrait and one district edition are reported, not asserted
(see docs/conformance.md); the run's summary prints them. (Their 1,700 rules take seven times as
long as PDF/UA-1's 106.)

The same kinds of file made as PDF/UA-2 (``--conformance ua2``, the ``screen-ua2`` variant) must
be PDF/UA-2 compliant: a second test, with a JVM of its own.

The files of a test and their profiles are validated in one JVM (tests/_verapdf.py), in one test,
so that pytest-xdist cannot start it twice.
"""

from __future__ import annotations

import io
import shutil
import time
from pathlib import Path

import pikepdf
import pytest
from _defects import link_in_a_span  # noqa: E402
from _editions import ROOT, edition, maker, project_inputs  # noqa: E402
from _verapdf import INSTALL, Verdict, missing, validate  # noqa: E402
from PIL import Image

pytestmark = pytest.mark.slow

FLAVOURS = ("ua1", "wt1r", "ua2")
REPORTED = ("Portrait", "example-cedar-ridge")  # the files validated in every flavour
EXAMPLES = ("example-cedar-ridge", "example-lakeshore", "example-north-harbor-valley")
# The foreword's parentheses and colons next to capitals and digits are where Inter's contextual
# alternates would put glyphs that have no Unicode mapping (base.css turns them off).
STUDIO_DISTRICT = """\
name: "Example: Juniper Flats School District"
colors:
  primary: "#2e5e4e"
foreword:
  title: "A word from our board"
  body: |
    Our leaders *grow* together. Read [the Portrait](#introduction) first.
    Our professional learning communities (PLCs) meet monthly (from 3:30 to 5:00).
  signed:
    - name: "Name of the Board President"
      role: "President"
"""


def _save(folder: Path, name: str, data: bytes) -> Path:
    path = folder / f"{name}.pdf"
    path.write_bytes(data)
    return path


def _studio_edition(jpeg: bytes, variant: str = "screen") -> bytes:
    """An edition made by the studio's worker code (engine._do), in this process, with a JPEG
    logo. The worker's state is given this process's edition maker, already laid out, so the test
    does not lay out the Portrait once more."""
    from portrait.studio import engine

    project, inputs = project_inputs()
    engine._state.clear()
    edition(variant)  # laid out
    engine._state.update(root=str(ROOT), project=project, inputs=inputs, maker=maker())
    try:
        answer = engine._do(str(ROOT), engine.Job("pdf", STUDIO_DISTRICT, jpeg, "crest.jpg", variant=variant))
    finally:
        engine._state.clear()
    assert answer.ok and answer.pdf, answer
    return answer.pdf


def _batch_editions(tmp: Path, variant: str = "screen") -> dict[str, bytes]:
    """The example spreadsheet's districts, joined by a batch in a copy of the project."""
    from portrait.api import build_editions, districts_from_csv
    from portrait.finish.variants import ALL_VARIANTS
    from portrait.project import Project

    for name in ("content", "templates", "assets", "docs/districts-example"):
        shutil.copytree(ROOT / name, tmp / name)
    project = Project.at(tmp)
    with districts_from_csv(project, tmp / "docs/districts-example/districts.csv") as rows:
        result = build_editions(project, rows, variants=(ALL_VARIANTS[variant],), jobs=1, force=True)
    assert not result.failed, [r.message for r in result.failed]
    return {f"batch {r.slug}": r.path.read_bytes() for r in result.results if r.path is not None}


def _screen_files(folder: Path, variant: str) -> dict[str, Path]:
    """Every kind of screen edition, in ``variant`` ("screen", "screen-ua2")."""
    from portrait.inputs.district import load_edition

    project, _ = project_inputs()
    renderer = edition(variant).renderer
    files = {"Portrait": _save(folder, "portrait", edition(variant).pdf)}
    for slug in EXAMPLES:
        files[slug] = _save(folder, slug, renderer.edition(load_edition(project, slug)).pdf)
    files["edition_in_full example-cedar-ridge"] = _save(
        folder, "in-full", renderer.edition_in_full(load_edition(project, EXAMPLES[0])).pdf
    )
    png = Image.open(ROOT / "content/districts/example-lakeshore/logo.png").convert("RGB")
    jpeg = io.BytesIO()
    png.save(jpeg, "JPEG", quality=90)
    files["studio (JPEG logo)"] = _save(folder, "studio", _studio_edition(jpeg.getvalue(), variant))
    for name, data in _batch_editions(folder / "project", variant).items():
        files[name] = _save(folder, name.replace(" ", "-"), data)
    return files


@pytest.fixture(scope="module")
def screen_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _screen_files(tmp_path_factory.mktemp("verapdf"), "screen")


@pytest.fixture(scope="module")
def ua2_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _screen_files(tmp_path_factory.mktemp("verapdf-ua2"), "screen-ua2")


def test_verapdf_finds_every_screen_edition_pdf_ua_1_compliant(
    screen_files: dict[str, Path], tmp_path: Path, record_property
) -> None:
    why = missing()
    if why:
        pytest.fail(f"veraPDF cannot run: {why}. Install: {INSTALL}")
    defective = tmp_path / "link-in-a-span.pdf"
    with pikepdf.open(screen_files["Portrait"]) as pdf:
        link_in_a_span(pdf)
        pdf.save(defective)
    jobs = [(path, FLAVOURS if label in REPORTED else ("ua1",)) for label, path in screen_files.items()]
    start = time.perf_counter()
    verdicts = validate([*jobs, (defective, ("ua1",))])
    seconds = time.perf_counter() - start
    record_property("verapdf", _report(screen_files, verdicts, seconds))

    failed = {
        label: verdicts[str(path), "ua1"]
        for label, path in screen_files.items()
        if not verdicts[str(path), "ua1"].compliant
    }
    assert not failed, "veraPDF PDF/UA-1:\n" + "\n".join(f"{label}: {v.explain()}" for label, v in failed.items())
    # The harness can fail: the defect of main's contents entries, on one entry.
    broken = verdicts[str(defective), "ua1"]
    assert not broken.compliant and [(f.rule, f.count) for f in broken.failures] == [("7.18.5-1", 1)], broken.explain()
    assert "PDLinkAnnot" in broken.failures[0].first


def test_verapdf_finds_every_ua2_screen_edition_pdf_ua_2_compliant(ua2_files: dict[str, Path], record_property) -> None:
    """``--conformance ua2``: every kind of screen edition passes veraPDF's PDF/UA-2 profile
    (1,728 rules; the finisher's repairs in portrait.finish.ua2, docs/conformance.md)."""
    why = missing()
    if why:
        pytest.fail(f"veraPDF cannot run: {why}. Install: {INSTALL}")
    start = time.perf_counter()
    verdicts = validate([(path, ("ua2",)) for path in ua2_files.values()])
    seconds = time.perf_counter() - start
    record_property("verapdf-ua2", _report(ua2_files, verdicts, seconds, "PDF/UA-2 screen editions"))
    failed = {
        label: verdicts[str(path), "ua2"]
        for label, path in ua2_files.items()
        if not verdicts[str(path), "ua2"].compliant
    }
    assert not failed, "veraPDF PDF/UA-2:\n" + "\n".join(f"{label}: {v.explain()}" for label, v in failed.items())


def _report(
    files: dict[str, Path],
    verdicts: dict[tuple[str, str], Verdict],
    seconds: float,
    what: str = "screen editions and one defective file",
) -> str:
    lines = [f"veraPDF ({len(files)} {what}, one JVM, {seconds:.1f} s)"]
    for label, path in files.items():
        lines.append(f"  {label}")
        lines.extend(
            f"    {verdicts[str(path), flavour].summary()}" for flavour in FLAVOURS if (str(path), flavour) in verdicts
        )
    return "\n".join(lines)
