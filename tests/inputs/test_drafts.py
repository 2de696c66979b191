"""Faithful content, one typography, placeholders marked by their flag alone, warnings for the
mistakes that print silently, and drafts that say they are drafts (cover, colophon, XMP, release)."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from _project import EPOCH
from _project import REPO as ROOT
from pypdf import PdfReader

from portrait.cli import main
from portrait.inputs.content import ReflectionSection, load_content
from portrait.inputs.markdown import PlainText, RichText, typeset
from portrait.publish import release

SEEDS = Path("/work/shared/seeds")


@pytest.fixture(autouse=True)
def dated_before_the_cohorts_end(monkeypatch):
    """The tests' build date (_editions.EPOCH, 2025-02-19): no `valid_until` has passed, so the
    drafts here are drafts for their placeholders (tests/inputs/test_dated.py: after the date)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def seed(name: str) -> str:
    path = SEEDS / name
    if not path.is_file():
        pytest.skip(f"{path} is not on this machine")
    return path.read_text("utf-8")


def section(content, section_id: str):
    return next(s for s in content.sections if s.id == section_id)


def printed_texts(content) -> list[tuple[str, str]]:
    """(key path, text) of every text field the templates print."""
    from portrait.inputs.content import _walk

    found = []
    for model in (content.publication, *content.sections):
        for path, value in _walk(model, ()):
            if isinstance(value, PlainText | RichText):
                printed = str(value.html) if isinstance(value, RichText) else value  # Markdown: as converted
                found.append((f"{getattr(model, 'id', 'publication')}:{path}", printed))
    return found


# Faithful content


def seed_cards() -> dict[str, str]:
    """Every title a seed page prints, with the line the same page prints under it (its summary)."""
    cards = {}
    for name in ("000_366fa73ce2353d1b.txt", "001_b251d6895d6560fd.txt"):
        lines = [line.strip() for line in seed(name).splitlines() if line.strip()]
        for title, summary in zip(lines, lines[1:], strict=False):
            cards.setdefault(typeset(title), []).append(typeset(summary))
    return cards


def unpaired(resources, cards) -> list[str]:
    """The cards whose title and summary are not one seed's pair, as printed there."""
    return [f"{r.title!r}: {r.summary!r}" for r in resources if str(r.summary) not in cards.get(str(r.title), [])]


def test_every_insights_card_is_one_sources_title_and_summary(project):
    insights = section(load_content(project), "insights")
    assert len(insights.resources) == 13
    assert unpaired(insights.resources, seed_cards()) == []


def test_the_pair_check_fails_on_a_title_with_another_pages_summary_or_an_added_full_stop():
    from portrait.inputs.content import Resource

    cards = seed_cards()
    landing_summary = cards[typeset("Skills and Mindsets for Transformational Leadership")][0]
    mixed = Resource(title="The Skills and Mindsets of Transformational Leadership", summary=landing_summary)
    full_stop = Resource(
        title="Drivers of Change Shaping Education and the Roles of Educators",
        summary="Learn about four drivers affecting the future of educator roles.",
    )
    assert unpaired([full_stop], cards) == []  # this one ends with a full stop in the source
    added = Resource(
        title="Teachers Are Leaders in Southwestern Pennsylvania",
        summary="How one district shifted teacher evaluation to align with the district vision for "
        "personalized learning.",
    )
    assert len(unpaired([mixed, added], cards)) == 2


def test_a_cut_off_summary_keeps_its_ellipsis():
    cut = seed_cards()[typeset("The Skills and Mindsets of Transformational Leadership")]
    assert cut == [
        "A group of educators are collaborating to create the Portrait of a Leader, a framework that shows "
        "what skills and…"
    ]


def test_gottos_words_are_always_quoted_and_attributed(project):
    content = load_content(project)
    sentence = "The Portrait is about creating a pipeline"
    for s in content.sections:
        for block in getattr(s, "blocks", []):
            if sentence in str(getattr(block, "text", "")):
                assert block.type == "quote" and block.name == "Dr. Jeni Gotto", (s.id, block)
                assert block.roles[0] == "Superintendent, Westminster Public Schools, Westminster, Colorado"
                assert str(block.text) in typeset(seed("001_b251d6895d6560fd.txt").replace("\n", " "))


def test_the_insights_introduction_names_no_publisher(project):
    # The sources do not say who published the articles (only one card's summary names Aurora).
    intro = " ".join(str(b.text) for b in section(load_content(project), "insights").intro)
    assert not any(name in intro for name in ("Aurora", "KnowledgeWorks", "Lead for Learners"))


def test_the_worksheets_scale_and_wording_are_marked_placeholder(project):
    reflection = next(s for s in load_content(project).sections if isinstance(s, ReflectionSection))
    assert reflection.worksheet.placeholder
    assert [str(s) for s in reflection.worksheet.scale] == ["emerging", "developing", "proficient", "leading"]


def colophon_text(reader: PdfReader) -> str:
    return next(p.extract_text() for p in reader.pages if "Publisher" in p.extract_text())


@pytest.mark.parametrize("variant", ["screen", "print"])
def test_the_placeholder_worksheet_stays_on_one_page(variant):
    from _editions import edition

    pages = [page.extract_text() for page in edition(variant).reader().pages]
    (sheet,) = [text for text in pages if "Self-rating for each attribute" in text]
    assert sheet.count("What will I grow next?") == 5 and "PLACEHOLDER" in sheet


def test_the_colophon_says_the_subtitle_is_unconfirmed(full_pdf):
    colophon = colophon_text(PdfReader(io.BytesIO(full_pdf)))
    assert "third-party summary" in colophon and "not confirmed" in colophon


# Typography


def test_every_printed_text_field_is_typeset_the_same_way(project):
    texts = printed_texts(load_content(project))
    assert len(texts) > 100
    straight = [(key, text) for key, text in texts if "'" in text or '"' in text]
    assert straight == []
    assert any("Portrait’s" in text for _, text in texts)  # curly, in both kinds of field


def test_typeset_uses_the_markdown_fields_rules():
    assert typeset('we\'ve "said" -- it... *as written*') == "we’ve “said” – it… *as written*"


def test_no_straight_quote_in_the_pdf(full_pdf):
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(full_pdf)).pages)
    assert "’" in text and "“" in text
    assert [line for line in text.splitlines() if "'" in line or '"' in line] == []


# Placeholders: the flag is the mark


def test_no_content_text_says_placeholder_itself(project):
    content = load_content(project)
    said = [(key, text[:40]) for key, text in printed_texts(content) if re.match(r"\W*placeholder", text, re.I)]
    assert said == []
    assert content.warnings == ()


def test_the_template_prints_the_label_for_every_placeholder(project, full_pdf):
    content = load_content(project)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(full_pdf)).pages)
    # The worksheet's label sits on its instructions; every other one on a line of its own.
    assert text.count("PLACEHOLDER") == len(content.placeholders) == 24


def test_placeholders_are_found_with_file_line_and_key(project):
    placeholders = load_content(project).placeholders
    assert len(placeholders) == 24
    for p in placeholders:  # each line is the flag's, under the key named
        lines = (ROOT / p.file).read_text().splitlines()
        assert p.line is not None and lines[p.line - 1].strip() == "placeholder: true", p
    found = {(p.file, p.key): p.line for p in placeholders}
    assert found[("content/sections/attributes.yaml", "attributes[0].description")] == 21
    assert found[("content/sections/reflection.yaml", "worksheet")] == 13


# Warnings


def edit(project, relpath: str, old: str, new: str) -> None:
    path = project.root / relpath
    text = path.read_text()
    assert old in text, f"test setup: {old!r} not in {relpath}"
    path.write_text(text.replace(old, new, 1))


def test_a_folded_block_with_a_blank_line_is_a_warning(tmp_project):
    # why.yaml's second text block has two paragraphs; folded, they would print as one.
    edit(tmp_project, "content/sections/why.yaml", "  - type: text\n    text: |", "  - type: text\n    text: >-")
    (warning,) = load_content(tmp_project).warnings
    assert str(warning).startswith("content/sections/why.yaml:34: blocks[2].text: a folded block (>)")
    assert warning.fix is not None and "`|` instead of `>-`" in warning.fix
    assert (tmp_project.content / "sections/why.yaml").read_text().splitlines()[34 - 1] == ""  # the blank line


def test_markdown_in_a_plain_field_is_a_warning(tmp_project):
    edit(tmp_project, "content/sections/attributes.yaml", '"Leading with integrity,', '"Leading with *integrity*,')
    (warning,) = load_content(tmp_project).warnings
    assert str(warning).startswith("content/sections/attributes.yaml:67: attributes[2].tagline: `*emphasis*`")
    assert "plain text" in warning.message and "docs/designer.md" in (warning.fix or "")


def test_a_text_that_says_placeholder_itself_is_a_warning(tmp_project):
    edit(tmp_project, "content/sections/cohort.yaml", "      How to join", "      **Placeholder.** How to join")
    (warning,) = load_content(tmp_project).warnings
    assert str(warning).startswith("content/sections/cohort.yaml:")
    assert "`placeholder: true`" in warning.message


@pytest.mark.slow
def test_build_prints_warnings_on_stderr_also_when_up_to_date(tmp_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    edit(tmp_project, "content/sections/attributes.yaml", '"Leading with integrity,', '"Leading with *integrity*,')
    for expected in ("built ", "up to date"):
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(tmp_project.root), "build", "--screen-only"], stdout=out, stderr=err)
        assert code == 0 and expected in out.getvalue()
        lines = err.getvalue().splitlines()
        assert lines[0].startswith("warning: content/sections/attributes.yaml:67: attributes[2].tagline: ")
        assert lines[1].strip().startswith("fix: ")


# Drafts


def test_the_draft_cover_colophon_and_xmp_say_draft(full_pdf):
    reader = PdfReader(io.BytesIO(full_pdf))
    assert "DRAFT" in reader.pages[0].extract_text()
    colophon = colophon_text(reader)
    assert "DRAFT" in colophon and "This edition is a draft. 24 of its parts" in colophon
    xmp = reader.xmp_metadata
    assert xmp is not None and xmp.dc_title == {"x-default": "Portrait of a Leader (Draft)"}
    assert reader.metadata.title == "Portrait of a Leader (Draft)"


def test_release_final_refuses_a_draft_and_lists_its_placeholders(tmp_project):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(tmp_project.root), "release", "--final"], stdout=out, stderr=err)
    assert code == 1
    assert "24 problems in the input" in err.getvalue()
    assert "content/sections/attributes.yaml:12: intro[1]: a placeholder" in err.getvalue()
    assert "content/sections/reflection.yaml:13: worksheet: a placeholder" in err.getvalue()
    assert not (tmp_project.output / "release").exists()


@pytest.mark.slow
def test_without_placeholders_a_final_release_is_not_a_draft(tmp_project, monkeypatch):
    """Every `placeholder: true` removed: no Draft on the cover, in the colophon or the title."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    shutil.rmtree(tmp_project.content / "districts")  # the main Portrait is enough here
    shutil.copy(ROOT / "CHANGELOG.md", tmp_project.root)
    for path in (tmp_project.content / "sections").glob("*.yaml"):
        path.write_text(re.sub(r"^\s*placeholder: true\n", "", path.read_text(), flags=re.M))
    assert load_content(tmp_project).placeholders == ()

    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(tmp_project.root), "release", "--final"], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    folder = release.release_dir(tmp_project, "1.0.0")
    manifest = json.loads((folder / release.MANIFEST).read_text())
    assert manifest["draft"] is False and manifest["placeholders"] == []
    reader = PdfReader(folder / "portrait-of-a-leader.pdf")
    assert reader.metadata.title == "Portrait of a Leader"
    assert reader.xmp_metadata is not None and reader.xmp_metadata.dc_title == {"x-default": "Portrait of a Leader"}
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "draft" not in text.casefold() and "PLACEHOLDER" not in text
