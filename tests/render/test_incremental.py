"""The watcher's part-by-part layout makes the same publication as a full build."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import edited
from pypdf import PdfReader

from portrait.check.facts import read_facts
from portrait.render.incremental import page_number_rules, split_html

FOOTER_NUMBER = re.compile(r"LEAD FOR LEARNERS · KNOWLEDGEWORKS (\d+)$")


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def destinations(pdf: bytes) -> dict[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return {k: reader.get_destination_page_number(v) for k, v in reader.named_destinations.items()}


def contents_numbers(pdf: bytes) -> dict[str, int]:
    """Contents entry → the page number printed after its leader dots."""
    text = page_texts(pdf)[1]
    return {m[1].strip(): int(m[2]) for m in re.finditer(r"^(.+?)\s*\.{3,}\s*(\d+)$", text, re.M)}


def assert_same_publication(full: bytes, incremental: bytes) -> None:
    a, b = read_facts(full), read_facts(incremental)
    assert b.pages == a.pages
    assert page_texts(incremental) == page_texts(full)  # includes page numbers and the contents
    assert b.outline == a.outline
    assert b.internal_links == a.internal_links
    assert b.external_links == a.external_links
    assert destinations(incremental) == destinations(full)
    assert b.metadata == a.metadata
    assert b.page_sizes == a.page_sizes


def test_split_html_cuts_at_top_level_elements_and_repeats_running_ones():
    html = (
        '<!DOCTYPE html><html><head><title>t</title></head>\n<body class="b">'
        '<section id="a"><p>one<br>two</p><img src="x.png"></section>\n'
        '<div class="running-title">Title</div>\n'
        "<hr/><article><section>nested</section></article>"
        "</body>\n</html>"
    )
    split = split_html(html)
    assert split.head.endswith('<body class="b">')
    assert split.running == '<div class="running-title">Title</div>'
    assert split.parts == (
        '<section id="a"><p>one<br>two</p><img src="x.png"></section>',
        "<hr/>",
        "<article><section>nested</section></article>",
    )
    assert split.tail == "</body>\n</html>"


def test_page_number_rules_copy_target_counter_rules_with_written_numbers(tmp_path: Path):
    sheet = tmp_path / "s.css"
    sheet.write_text(
        "/* c */ .toc a::after { content: leader(dotted) ' ' target-counter(attr(href url), page);"
        " color: red; }\n p { margin: 0 }"
    )
    head = f'<head><link rel="stylesheet" href="{sheet.as_uri()}"></head><body>'
    rules = page_number_rules(head, lambda p: p.read_text())
    assert rules == ".toc a::after { content: leader(dotted) ' ' attr(data-page-number); color: red; }"


def test_watcher_pdf_is_the_same_publication_as_a_full_build(watched):
    from portrait.inputs.load import load_inputs
    from portrait.render.renderer import Renderer

    incremental = watched.pdf.read_bytes()
    full = Renderer(watched.project, load_inputs(watched.project)).portrait().pdf
    assert_same_publication(full, incremental)
    # Today the two are even byte for byte the same; the checks above say what must stay true
    # if a WeasyPrint upgrade ever changes how combined documents are written.
    assert incremental == full
    texts = page_texts(incremental)
    # Footers count from the cover (page 1, no footer) without a gap across the parts.
    numbers = [int(m[1]) for t in texts if (m := FOOTER_NUMBER.search(t))]
    assert numbers == list(range(2, len(texts)))
    # The contents' numbers (written in, not target-counter) are where the sections start.
    pages = destinations(incremental)
    printed = contents_numbers(incremental)
    assert printed["Introduction"] == pages["introduction"] + 1
    assert printed["About this publication"] == pages["colophon"] + 1


def test_one_paragraph_edit_lays_out_one_part(watched):
    why = watched.project.content / "sections" / "why.yaml"
    with edited(why, lambda text: text.replace("building leadership capacity", "building capacity")):
        outcome = watched.rebuild()
        assert outcome.ok, outcome.message
        assert outcome.laid_out == 1
        assert "is building capacity." in page_texts(watched.pdf.read_bytes())[3]
    outcome = watched.rebuild()
    assert outcome.ok and outcome.laid_out == 0  # back to layouts it already has


@pytest.mark.slow
def test_a_section_that_grows_renumbers_everything_after_it(watched):
    """An edit that adds a page: the later footers, contents and links follow."""
    from portrait.inputs.load import load_inputs
    from portrait.render.renderer import Renderer

    why = watched.project.content / "sections" / "why.yaml"
    before = watched.pdf.read_bytes()
    extra = "".join(
        f"  - type: text\n    text: Added paragraph {n} to push the section onto another page.\n" for n in range(70)
    )
    with edited(why, lambda text: text.rstrip("\n") + "\n" + extra):
        outcome = watched.rebuild()
        assert outcome.ok, outcome.message
        grown = watched.pdf.read_bytes()
        added = read_facts(grown).pages - read_facts(before).pages
        assert added > 0
        old_numbers, new_numbers = contents_numbers(before), contents_numbers(grown)
        assert new_numbers["Introduction"] == old_numbers["Introduction"]
        assert new_numbers["About this publication"] == old_numbers["About this publication"] + added
        full = Renderer(watched.project, load_inputs(watched.project)).portrait().pdf
        assert_same_publication(full, grown)
        assert grown == full
    assert watched.rebuild().ok


def test_a_template_edit_lays_out_only_the_parts_it_changes(watched):
    template = watched.project.templates / "sections" / "colophon.html.j2"
    with edited(template, lambda text: text.replace("<dt>Version</dt>", "<dt>Release</dt>")):
        outcome = watched.rebuild()
        assert outcome.ok, outcome.message
        assert outcome.laid_out == 1
        assert "Release" in page_texts(watched.pdf.read_bytes())[-2]
    assert watched.rebuild().laid_out == 0


def test_text_directly_in_the_body_keeps_the_body_whole():
    split = split_html("<html><head></head><body><p>a</p> loose <p>b</p></body></html>")
    assert split.parts == ("<p>a</p> loose <p>b</p>",)
    assert split.running == ""


@pytest.mark.slow
def test_elements_that_do_not_start_a_page_are_laid_out_with_the_part_before(watched):
    """A stylesheet drops the page break before attribute pages: the watcher lays everything
    out again, joins those parts, still makes a full build's PDF, and undoing is instant."""
    from portrait.inputs.load import load_inputs
    from portrait.render.renderer import Renderer

    css = watched.project.templates / "styles" / "sections.css"
    no_break = ".attribute { margin-top: 2em; }"
    with edited(css, lambda text: text.replace(".attribute { break-before: page; }", no_break)):
        outcome = watched.rebuild()
        assert outcome.ok, outcome.message
        assert outcome.parts < 16
        assert outcome.laid_out >= outcome.parts  # a stylesheet changed: nothing is reused
        full = Renderer(watched.project, load_inputs(watched.project)).portrait().pdf
        assert_same_publication(full, watched.pdf.read_bytes())
    outcome = watched.rebuild()
    # Back to the cached parts; the contents may be laid out once more, as its first guess at
    # the page numbers came from the joined build.
    assert outcome.ok and outcome.parts == 16 and outcome.laid_out <= 1
