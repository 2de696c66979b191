"""The PDF/UA-2 screen edition (``--conformance ua2``): the switch, what the file claims, the
structure destinations of its links and bookmarks, and its preflight.

veraPDF's verdicts on these files are in tests/check/test_verapdf.py."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from _project import EPOCH
from _ua2 import assert_ua2  # noqa: E402

from portrait.check.facts import read_facts
from portrait.check.preflight import check_facts, profile_of
from portrait.finish.variants import SCREEN, SCREEN_UA2, screen_variant
from portrait.publish.outputs import output_file


def test_the_switch_names_its_values():
    assert screen_variant("ua1") is SCREEN
    assert screen_variant("ua2") is SCREEN_UA2
    with pytest.raises(ValueError, match=r"--conformance: 'ua3' is not a conformance level \(allowed: ua1, ua2\)"):
        screen_variant("ua3")


def test_the_ua2_variant_is_the_screen_file_under_its_own_name():
    assert output_file(Path(), SCREEN_UA2, "x") == output_file(Path(), SCREEN, "x")
    assert SCREEN_UA2.name != SCREEN.name  # cache keys and kept bodies are by name
    assert SCREEN_UA2.kind == "screen" and SCREEN_UA2.conformance == "PDF/UA-2"


def test_cli_refuses_an_unknown_conformance():
    from portrait.cli import main

    for command in ("build", "district"):
        err = io.StringIO()
        code = main([command, "--conformance", "ua3"], stdout=io.StringIO(), stderr=err)
        said = err.getvalue()
        assert code == 2 and "--conformance" in said and "ua3" in said and "'ua1', 'ua2'" in said, said


@pytest.mark.slow
def test_portrait_and_district_edition_are_ua2():
    from _editions import district, edition

    portrait = edition("screen-ua2")
    assert_ua2(portrait.pdf)
    assert_ua2(portrait.renderer.edition(district()).pdf)


@pytest.mark.slow
def test_a_joined_edition_keeps_its_own_bookmarks_with_structure_destinations():
    from _editions import district, edition

    joined = edition("screen-ua2").renderer.edition(district()).pdf
    ua1 = edition("screen").renderer.edition(district()).pdf
    titles = []
    for data in (joined, ua1):
        with pikepdf.open(io.BytesIO(data)) as pdf, pdf.open_outline() as outline:
            titles.append([item.title for item in outline.root])
    assert titles[0] == titles[1] and titles[0][0] == "Cover" and titles[0][-1] == "Back cover"
    # every structure destination names an element of the joined file's tree, on a page of it
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                sd = annot.get("/A", {}).get("/SD")
                if sd is not None:
                    assert sd[0].Pg.objgen in pages


@pytest.mark.slow
def test_the_preflight_checks_ua2_rules():
    from _editions import edition

    ua2 = edition("screen-ua2").facts
    assert profile_of(ua2) == "screen-ua2"
    report = check_facts(ua2, "ua2.pdf")
    assert report.profile == "screen-ua2" and report.passed, [r for r in report.results if not r.passed]
    rules = {r.rule: r for r in report.results}
    assert rules["PDF/UA identifier"].detail == "PDF/UA-2 (rev 2024) declared in XMP, PDF 2.0"
    assert rules["structure destinations"].passed
    # A PDF/UA-1 file is not a PDF/UA-2 one, and the reverse
    ua1 = edition("screen").facts
    assert profile_of(ua1) == "screen"
    as_ua2 = {r.rule: r for r in check_facts(ua1, "ua1.pdf", "screen-ua2").results}
    assert not as_ua2["PDF/UA identifier"].passed and "pdfuaid:part=2" in as_ua2["PDF/UA identifier"].detail
    assert not as_ua2["structure destinations"].passed
    assert "lack a structure destination (/SD) (PDF/UA-2 8.8)" in as_ua2["structure destinations"].detail
    as_ua1 = {r.rule: r for r in check_facts(ua2, "ua2.pdf", "screen").results}
    assert not as_ua1["PDF/UA identifier"].passed


@pytest.mark.slow
def test_a_ua2_file_without_its_structure_destinations_fails_the_preflight():
    from _editions import edition

    with pikepdf.open(io.BytesIO(edition("screen-ua2").pdf)) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                if "/SD" in annot.get("/A", {}):
                    del annot.A["/SD"]
        out = io.BytesIO()
        pdf.save(out)
    report = check_facts(read_facts(out.getvalue()), "broken.pdf")
    assert [r.rule for r in report.results if not r.passed] == ["structure destinations"]


@pytest.mark.slow
def test_build_and_district_commands_switch_to_ua2(tmp_project, monkeypatch):
    from portrait.cli import main

    def run(*argv: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(tmp_project.root), *argv], stdout=out, stderr=err)
        return code, out.getvalue() + err.getvalue()

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    screen = tmp_project.output / "portrait-of-a-leader.pdf"
    edition = tmp_project.output / "districts/example-cedar-ridge/portrait-of-a-leader-example-cedar-ridge.pdf"
    code, said = run("build", "--format", "screen", "--conformance", "ua2")
    assert code == 0, said
    assert_ua2(screen.read_bytes())
    code, said = run("district", "example-cedar-ridge", "--conformance", "ua2")
    assert code == 0, said
    assert_ua2(edition.read_bytes())
    # back to PDF/UA-1: the UA-2 files are not taken for up-to-date UA-1 ones
    code, said = run("build", "--format", "screen")
    assert code == 0 and "up to date" not in said, said
    assert _version(screen) == "1.7"
    code, said = run("district", "example-cedar-ridge")
    assert code == 0, said
    assert _version(edition) == "1.7"


def _version(path: Path) -> str:
    with pikepdf.open(path) as pdf:
        return str(pdf.pdf_version)
