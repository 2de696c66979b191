"""Proofs: page renders, contact sheet, and a diff that finds the page and region that changed."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from _project import EPOCH, REPO
from PIL import Image
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from portrait.cli import main
from portrait.designer.proof import compare, diff_pages, render_pages, write_proofs


def make_pdf(pages: int, changed_page: int | None = None) -> bytes:
    """A letter-size PDF with a heading and a box per page; one page's box can move."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica-Bold", 24)
        pdf.drawString(72, 700, f"Page {number}")
        pdf.setFillColorRGB(0.1, 0.2, 0.6)
        x = 300 if number == changed_page else 72
        pdf.rect(x, 400, 120, 80, fill=1, stroke=0)
        pdf.setFillColorRGB(0, 0, 0)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def test_a_page_that_differs_in_one_region_is_flagged_with_boxes_around_it():
    old = render_pages(make_pdf(3), 50)
    new = render_pages(make_pdf(3, changed_page=2), 50)
    changes, images = compare(old, new)
    assert [(c.page, c.status) for c in changes] == [(2, "changed")]
    assert set(images) == {2}
    diff = diff_pages(old[1], new[1])
    # The box moved from x=72..192 pt to x=300..420 pt, y=400..480 pt from the bottom: the
    # regions cover both places and nothing else (50 dpi: 1 pt = 50/72 px).
    scale = 50 / 72
    page_height = old[1].height
    for _left, top, _right, bottom in diff.boxes:
        assert top >= (792 - 480) * scale - 14 and bottom <= (792 - 400) * scale + 14
    xs = sorted((b[0], b[2]) for b in diff.boxes)
    assert xs[0][0] <= 72 * scale <= xs[0][1]
    assert xs[-1][0] <= 420 * scale <= xs[-1][1]
    assert 0 < diff.changed_fraction < 0.05
    assert images[2].size == new[1].size and page_height == new[1].height


def test_identical_renders_have_no_change():
    pages = render_pages(make_pdf(2), 40)
    assert compare(pages, render_pages(make_pdf(2), 40)) == ([], {})


def test_added_and_removed_pages_are_listed():
    three, four = render_pages(make_pdf(3), 30), render_pages(make_pdf(4), 30)
    added, _ = compare(three, four)
    assert [(c.page, c.status) for c in added] == [(4, "added")]
    removed, _ = compare(four, three)
    assert [(c.page, c.status) for c in removed] == [(4, "removed")]


def test_a_different_page_size_counts_as_changed():
    small = Image.new("RGB", (100, 120), "white")
    large = Image.new("RGB", (100, 140), "white")
    assert diff_pages(small, large).changed


def test_write_proofs_writes_pages_contact_sheet_and_diff(tmp_path: Path):
    folder = tmp_path / "proofs"
    (folder / "diff").mkdir(parents=True)
    (folder / "page-09.png").write_bytes(b"stale")  # from an earlier, longer PDF
    report = write_proofs(make_pdf(3, changed_page=3), folder, 30, ("old.pdf", make_pdf(2)))
    assert sorted(p.name for p in folder.glob("*.png")) == [
        "contact-sheet.png",
        "page-01.png",
        "page-02.png",
        "page-03.png",
    ]
    assert sorted(p.name for p in (folder / "diff").glob("*.png")) == [
        "contact-sheet.png",
        "page-03.png",
    ]
    summary = json.loads((folder / "diff" / "summary.json").read_text())
    assert [(c["page"], c["status"]) for c in summary["changes"]] == [(3, "added")]
    assert "page 3: added" in (folder / "diff" / "summary.txt").read_text()
    assert report.against_pages == 2
    with Image.open(folder / "page-01.png") as page:
        assert page.size == (round(8.5 * 30), round(11 * 30))


def test_proof_against_a_pdf_path_from_the_command_line(tmp_path: Path):
    mine, theirs = tmp_path / "mine.pdf", tmp_path / "theirs.pdf"
    mine.write_bytes(make_pdf(2, changed_page=1))
    theirs.write_bytes(make_pdf(2))
    out = io.StringIO()
    root = tmp_path / "project"
    root.mkdir()
    code = main(
        ["--root", str(root), "proof", "--pdf", str(mine), "--against", str(theirs), "--dpi", "30"],
        stdout=out,
    )
    assert code == 0
    assert "page 1: changed" in out.getvalue()
    assert (root / "output" / "proofs" / "diff" / "page-01.png").is_file()


def test_proof_against_a_missing_ref_is_an_input_error(tmp_path: Path):
    mine = tmp_path / "mine.pdf"
    mine.write_bytes(make_pdf(1))
    err = io.StringIO()
    code = main(
        ["--root", str(REPO), "proof", "--pdf", str(mine), "--against", "no-such-ref-x"],
        stdout=io.StringIO(),
        stderr=err,
    )
    assert code == 1
    assert "neither a PDF file nor a git commit" in err.getvalue()


@pytest.mark.slow
def test_proof_against_a_git_ref_builds_that_commit_and_shows_the_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A repository with two commits: the diff against HEAD~1 flags the edited page only."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("content", "templates", "assets", "src"):
        shutil.copytree(REPO / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "build.py", repo / "build.py")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    why = repo / "content" / "sections" / "why.yaml"
    why.write_text(why.read_text().replace("building leadership capacity", "building capacity"))
    subprocess.run([*git, "commit", "-qam", "two"], check=True)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out = io.StringIO()
    assert main(["--root", str(repo), "proof", "--against", "HEAD~1", "--dpi", "40"], stdout=out) == 0
    summary = json.loads((repo / "output" / "proofs" / "diff" / "summary.json").read_text())
    assert [(c["page"], c["status"]) for c in summary["changes"]] == [(4, "changed")]
    assert "page 4: changed" in out.getvalue()
