"""Nothing reaches output/ that fails its checks: a PDF whose text fell back to a system font, a
district edition or a release file that fails its preflight. Each is built for real from a copy
of the project made wrong in one way, and the file it would have written is not there."""

from __future__ import annotations

import shutil

import pytest
from _project import EPOCH, REPO, run_cli
from PIL import Image

from portrait.errors import BuildError
from portrait.finish.variants import PRINT, SCREEN
from portrait.project import Project
from portrait.publish import release
from portrait.publish.batch import build_editions

run = run_cli


@pytest.mark.slow
@pytest.mark.parametrize("family", ['"DejaVu Serif"', "serif", '"Liberation Sans", sans-serif'])
def test_a_stylesheet_that_names_a_system_font_fails_the_build(tmp_project: Project, monkeypatch, family: str):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    css = tmp_project.templates / "styles" / "sections.css"
    css.write_text(css.read_text() + f"\n.section-title {{ font-family: {family}; }}\n")
    code, _, err = run("--root", str(tmp_project.root), "build", "--screen-only")
    assert code == 3, err
    assert "the PDF uses fonts that are not the brand's font files" in err
    assert "a stylesheet names another font" in err
    assert not tmp_project.output.exists() or not any(tmp_project.output.glob("*.pdf"))


def low_resolution_district(project: Project, slug: str) -> None:
    """A district whose PNG logo (200 px, above the 150 px notice) is fine on screen (about 170
    dpi where the cover places it) and too coarse for a press (300 dpi needed)."""
    folder = project.content / "districts" / slug
    folder.mkdir(parents=True)
    with Image.open(REPO / "content" / "districts" / "example-lakeshore" / "logo.png") as logo:
        logo.resize((200, 200)).save(folder / "logo.png")
    (folder / "district.yaml").write_text('name: "Example: Low Resolution Schools"\nlogo: logo.png\n')


@pytest.mark.slow
def test_a_batch_writes_no_file_of_an_edition_that_fails_its_preflight(tmp_project: Project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    low_resolution_district(tmp_project, "low-res")
    result = build_editions(tmp_project, ["example-cedar-ridge", "low-res"], jobs=1, variants=(SCREEN, PRINT))
    good, bad = result.results
    assert good.ok and [p.name for p in good.paths] == [
        "portrait-of-a-leader-example-cedar-ridge.pdf",
        "portrait-of-a-leader-example-cedar-ridge-print.pdf",
    ]
    assert all(p.is_file() for p in good.paths)
    assert bad.failure == "build" and int(result.exit_code) == 3
    assert "portrait-of-a-leader-low-res-print.pdf fails the print preflight" in (bad.message or "")
    assert "image resolution: 1 images below 300 dpi effective" in (bad.message or "")
    # The screen file passed its preflight, but an edition is written whole or not at all.
    folder = tmp_project.output / "districts" / "low-res"
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.slow
def test_a_release_writes_no_file_that_fails_its_preflight(tmp_project: Project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    shutil.copy(REPO / "CHANGELOG.md", tmp_project.root)
    shutil.rmtree(tmp_project.content / "districts")
    low_resolution_district(tmp_project, "low-res")
    with pytest.raises(BuildError, match=r"low-res-print\.pdf fails the print preflight:\n  image resolution: "):
        release.make_release(tmp_project)
    folder = release.release_dir(tmp_project, "1.0.0")
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    # Files are preflighted one by one and the release stops at the first that fails: the ones
    # before it are there (they passed), the failing one is not, and nothing lists them as a release.
    assert written == [
        "districts/low-res/portrait-of-a-leader-low-res.pdf",
        "portrait-of-a-leader-print.pdf",
        "portrait-of-a-leader.pdf",
    ]
    assert not (folder / release.MANIFEST).exists() and not (folder / release.SUMS).exists()
