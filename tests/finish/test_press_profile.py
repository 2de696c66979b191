"""A print shop's own profile: put it in place of assets/color/portrait-cmyk-fogra39.icc and
rebuild (docs/print.md). The print edition then embeds it as its output intent, named by the
profile's description, converts the brand's colours without builds through it, and proofs
against it."""

from __future__ import annotations

import io
import json
import shutil

import pikepdf
import pytest
from _project import EPOCH
from conftest import copy_project

from portrait.cli import main
from portrait.inputs.press import PROFILE

OURS = b"Portrait CMYK (FOGRA39L, ArgyllCMS, TAC 300%)"
THEIRS = b"Acme Sheetfed 7, coated paper, TAC 300 % ink."  # the same length: a valid profile


def swapped(profile: bytes) -> bytes:
    """Our profile, renamed as a press's own would be (the description tag, ASCII and UTF-16)."""
    assert len(OURS) == len(THEIRS) and OURS in profile
    return profile.replace(OURS, THEIRS).replace(OURS.decode().encode("utf-16-be"), THEIRS.decode().encode("utf-16-be"))


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("gs") is None, reason="needs Ghostscript")
def test_a_press_profile_swapped_in_is_embedded_named_and_proofed(tmp_path, monkeypatch) -> None:
    project = copy_project(tmp_path / "project")
    path = project.root / PROFILE
    theirs = swapped(path.read_bytes())
    path.write_bytes(theirs)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    out, err = io.StringIO(), io.StringIO()
    assert main(["--root", str(project.root), "build", "--print-only"], stdout=out, stderr=err) == 0, err.getvalue()
    pdf = pikepdf.open(project.output / "portrait-of-a-leader-print.pdf")
    (intent,) = pdf.Root.OutputIntents
    assert intent.DestOutputProfile.read_bytes() == theirs
    name = THEIRS.decode()
    assert str(intent.OutputConditionIdentifier) == name and str(intent.Info) == name
    assert "/RegistryName" not in intent

    code = main(["--root", str(project.root), "proof", "--print", "--dpi", "20"], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    folder = project.output / "proofs" / "print"
    summary = json.loads((folder / "summary.json").read_text())
    assert len(summary) == len(pdf.pages) and (folder / "page-01.png").is_file()
    assert "soft proof of" in out.getvalue()
