"""-q and -v mean the same for every command: -q prints only warnings, errors and failures; -v
adds the details (each file's rules, the facts behind them, every file written)."""

from __future__ import annotations

import sys
from pathlib import Path

import pikepdf
import pytest
from _project import REPO, run_cli

from portrait.publish import release

CEDAR_LOGO = REPO / "content" / "districts" / "example-cedar-ridge" / "logo.svg"


run = run_cli


@pytest.fixture
def blank_pdf(tmp_path: Path) -> Path:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp_path / "blank.pdf")
    return tmp_path / "blank.pdf"


def test_proof_is_quiet_with_q_and_lists_its_pngs_with_v(tmp_project, blank_pdf):
    root = str(tmp_project.root)
    code, out, err = run("--root", root, "-q", "proof", "--pdf", str(blank_pdf), "--dpi", "10")
    assert code == 0 and out == "", out
    code, out, _ = run("--root", root, "-v", "proof", "--pdf", str(blank_pdf), "--dpi", "10")
    assert code == 0 and "output/proofs/page-01.png" in out


def test_check_v_adds_the_facts_behind_the_rules(tmp_project, blank_pdf):
    _, plain, _ = run("--root", str(tmp_project.root), "check", str(blank_pdf))
    _, verbose, _ = run("--root", str(tmp_project.root), "-v", "check", str(blank_pdf))
    assert verbose.startswith(plain.rstrip("\n").split("\n  → ")[0])
    assert "1 pages" in verbose and "fonts: (none)" in verbose and "fonts:" not in plain


def test_new_district_is_quiet_with_q_and_suggests_the_command_that_works(tmp_project, monkeypatch):
    root = str(tmp_project.root)
    code, out, err = run("--root", root, "-q", "new-district", "quiet-one", "--name", "Q", "--logo", str(CEDAR_LOGO))
    assert code == 0 and out == "" and err == ""
    monkeypatch.setattr(sys, "argv", [str(REPO / "build.py")])
    code, out, _ = run("--root", root, "new-district", "in-checkout", "--name", "C", "--logo", str(CEDAR_LOGO))
    assert code == 0 and "  python build.py district in-checkout" in out
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/portrait"])
    code, out, _ = run("--root", root, "new-district", "installed", "--name", "I", "--logo", str(CEDAR_LOGO))
    assert code == 0 and "  portrait district installed" in out


def test_a_publication_without_a_changelog_releases_with_a_note(tmp_project):
    assert not (tmp_project.root / release.CHANGELOG).exists()
    notes = release.notes_for(tmp_project, "1.0.0")
    assert notes.startswith("# Portrait of a Leader 1.0.0\n") and release.NO_CHANGELOG_NOTES in notes


def test_district_debug_shows_the_traceback_of_a_district_that_fails(tmp_project):
    code, _, err = run("--root", str(tmp_project.root), "district", "no-such-district")
    assert code == 1 and "Traceback" not in err
    code, _, err = run("--root", str(tmp_project.root), "--debug", "district", "no-such-district")
    assert code == 1 and "Traceback" in err and "no-such-district" in err
