"""Dated content (`valid_until`) and quotes in their context: an item past its date makes the
build warn, the edition a draft and `release --final` refuse; a quote printed twice is a warning.

The build date comes from SOURCE_DATE_EPOCH, so every test here sets it."""

from __future__ import annotations

import io
import re

import pytest
from _project import EPOCH
from pypdf import PdfReader

from portrait.cli import main
from portrait.errors import InputError
from portrait.inputs.content import load_content

BEFORE = EPOCH  # 2025-02-19, the tests' usual build date
LAST_DAY = "1782863940"  # 2026-06-30 23:59 UTC: the cohort's last valid day
AFTER = "1782864000"  # 2026-07-01 00:00 UTC
COHORT = "content/sections/cohort.yaml"


def edit(project, relpath: str, old: str, new: str) -> None:
    path = project.root / relpath
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {relpath}"
    path.write_text(text.replace(old, new, 1))


def line_of(project, relpath: str, needle: str) -> int:
    lines = (project.root / relpath).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


# The cohort's call to action


def test_the_cohort_call_is_valid_until_the_end_of_its_school_year(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BEFORE)
    cohort = next(s for s in load_content(project).sections if s.id == "cohort")
    (statement,) = [b for b in cohort.blocks if b.type == "statement"]
    assert str(statement.text) == "Now forming the 2025-26 Emerging Leaders Cohort"
    assert statement.valid_until is not None and statement.valid_until.isoformat() == "2026-06-30"


@pytest.mark.parametrize("epoch", [BEFORE, LAST_DAY])
def test_before_or_on_its_date_an_item_is_no_draft_and_no_warning(project, monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    content = load_content(project)
    assert content.expired == () and content.warnings == ()
    assert len(content.placeholders) == 24  # a draft for its placeholders only


def test_after_its_date_an_item_is_a_warning_with_file_and_line(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", AFTER)
    content = load_content(project)
    line = line_of(project, COHORT, "valid_until:")
    (expired,) = content.expired
    assert (expired.file, expired.line, expired.key) == (COHORT, line, "blocks[0]")
    (warning,) = content.warnings
    assert str(warning).startswith(
        f"{COHORT}:{line}: blocks[0]: valid until 2026-06-30, before the build date 2026-07-01"
    )
    assert "draft" in warning.message and "`valid_until`" in (warning.fix or "")
    assert content.draft


def test_valid_until_works_on_sections_and_resources_too(tmp_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", AFTER)
    edit(
        tmp_project, "content/sections/insights.yaml", "kind: resources\n", "kind: resources\nvalid_until: 2026-01-31\n"
    )
    edit(
        tmp_project,
        "content/sections/insights.yaml",
        '  - title: "Webinar: 5 Skills Educators Need"\n',
        '  - title: "Webinar: 5 Skills Educators Need"\n    valid_until: "2026-05-01"\n',
    )
    found = {(e.file, e.key, e.valid_until.isoformat()) for e in load_content(tmp_project).expired}
    assert found == {
        (COHORT, "blocks[0]", "2026-06-30"),
        ("content/sections/insights.yaml", "valid_until", "2026-01-31"),
        ("content/sections/insights.yaml", "resources[2]", "2026-05-01"),
    }


@pytest.mark.parametrize(
    ("value", "message", "fix"),
    [
        ("2026-13-01", "'2026-13-01' is not a valid date (month must be in 1..12)", "YYYY-MM-DD"),
        ('"June 30, 2026"', "valid_until must be a date written YYYY-MM-DD", None),
        ("2026-06-30 12:00:00", "valid_until must be a date written YYYY-MM-DD", None),
        ('"2026-02-30"', "valid_until must be a date written YYYY-MM-DD", None),
    ],
)
def test_an_invalid_valid_until_is_an_error_with_file_line_and_what_to_write(tmp_project, value, message, fix):
    edit(tmp_project, COHORT, "valid_until: 2026-06-30", f"valid_until: {value}")
    with pytest.raises(InputError) as caught:
        load_content(tmp_project)
    (problem,) = caught.value.problems
    assert problem.file == COHORT and problem.line == line_of(tmp_project, COHORT, "valid_until:")
    assert message in problem.message
    if fix:
        assert fix in (problem.fix or "")


def test_release_final_refuses_an_expired_item(tmp_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", AFTER)
    for path in (tmp_project.content / "sections").glob("*.yaml"):  # no placeholder: only the date
        path.write_text(re.sub(r"^\s*placeholder: true\n", "", path.read_text(), flags=re.M))
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(tmp_project.root), "release", "--final"], stdout=out, stderr=err)
    assert code == 1
    line = line_of(tmp_project, COHORT, "valid_until:")
    assert f"{COHORT}:{line}: blocks[0]: valid until 2026-06-30, before the build date: `release --final`" in (
        err.getvalue()
    )
    assert not (tmp_project.output / "release").exists()


@pytest.mark.slow
def test_after_its_date_the_build_warns_and_the_edition_says_draft(tmp_project, monkeypatch):
    """No placeholder left: the expired call to action alone makes the edition a draft."""
    for path in (tmp_project.content / "sections").glob("*.yaml"):
        path.write_text(re.sub(r"^\s*placeholder: true\n", "", path.read_text(), flags=re.M))
    texts = {}
    for epoch in (BEFORE, AFTER):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(tmp_project.root), "build", "--screen-only"], stdout=out, stderr=err)
        assert code == 0, err.getvalue()
        reader = PdfReader(tmp_project.output / "portrait-of-a-leader.pdf")
        texts[epoch] = (err.getvalue(), reader.pages[0].extract_text(), reader.metadata.title, reader)
    err, cover, title, _ = texts[BEFORE]
    assert err == "" and "DRAFT" not in cover.upper() and title == "Portrait of a Leader"
    err, cover, title, reader = texts[AFTER]
    line = line_of(tmp_project, COHORT, "valid_until:")
    assert err.startswith(f"warning: {COHORT}:{line}: blocks[0]: valid until 2026-06-30")
    assert "DRAFT" in cover and "out-of-date content" in cover and "placeholder" not in cover
    assert title == "Portrait of a Leader (Draft)"
    colophon = next(p.extract_text() for p in reader.pages if "Publisher" in p.extract_text())
    assert "This edition is a draft. 1 of its parts was valid only until a date before this build" in colophon
    assert "June 30, 2026" in colophon


# Quotes in their context


def test_gottos_quote_is_printed_once_where_its_subject_the_portrait_is(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BEFORE)
    quotes = [(s.id, b) for s in load_content(project).sections for b in getattr(s, "blocks", []) if b.type == "quote"]
    gotto = [(sid, q) for sid, q in quotes if q.name == "Dr. Jeni Gotto"]
    assert [sid for sid, _ in gotto] == ["why"]
    for _, quote in quotes:  # every quote records where it is from and what it is about
        assert quote.source and quote.subject == "the Portrait of a Leader"


def test_gottos_pipeline_sentence_is_once_in_the_pdf(full_pdf):
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(full_pdf)).pages)
    assert re.sub(r"\s+", " ", text).count("creating a pipeline of school") == 1


def test_a_quote_printed_twice_is_a_warning(tmp_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", BEFORE)
    # Part of Gotto's quote (why.yaml) printed again on the cohort page.
    edit(
        tmp_project,
        COHORT,
        "  - type: text\n",
        "  - type: quote\n"
        "    text: >-\n"
        "      The Portrait is about creating a pipeline of school-, district- and classroom-level leaders\n"
        "      who not only embrace a learner-centered vision but have the capacity to move the work\n"
        "      forward.\n"
        '    name: "Dr. Jeni Gotto"\n'
        '    source: "the full page"\n'
        '    subject: "the Portrait of a Leader"\n'
        "  - type: text\n",
    )
    (warning,) = load_content(tmp_project).warnings
    why_line = line_of(tmp_project, "content/sections/why.yaml", "type: quote")
    assert str(warning).startswith(
        f"{COHORT}:{line_of(tmp_project, COHORT, 'type: quote')}: blocks[1]: Dr. Jeni Gotto’s quote is printed "
        f"twice (also at content/sections/why.yaml:{why_line})"
    )
    assert "the Portrait of a Leader" in (warning.fix or "")


def test_a_quote_without_source_or_subject_is_an_error(tmp_project):
    edit(tmp_project, "content/sections/why.yaml", '    subject: "the Portrait of a Leader"\n', "")
    with pytest.raises(InputError) as caught:
        load_content(tmp_project)
    (problem,) = caught.value.problems
    assert str(problem).startswith("content/sections/why.yaml:")
    assert problem.key == "blocks[1].subject" and problem.fix == "add `subject:` here"
