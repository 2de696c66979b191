"""The check by parts finds what the whole-file check finds in a joined district edition.

A district edition is checked by parts (portrait.render.renderer.Renderer, read_facts's
``known``): the body's pages were scanned once, in the body, and each edition reads its own
pages and what the join made. Each defect that the whole-file check (read_facts without
``known``, as ``release`` and ``check`` read) catches in a joined edition must be caught by the
check by parts too, with the same report: the defects of the preflight's rule cases
(tests/check/test_preflight_rules.py, tests/_defects.py) put into a joined edition, and defects
of the body's pages that only the whole-file scan would read.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf
import pytest
from _editions import district_edition, edition  # noqa: E402
from test_preflight_rules import CASES  # noqa: E402

from portrait.check.facts import read_facts
from portrait.check.preflight import Report, check_facts
from portrait.finish.assemble import FOOTER_AFTER, FOOTER_BEFORE

Edit = Callable[[pikepdf.Pdf], None]


def _front(pdf: pikepdf.Pdf) -> int:
    """Where the body starts: the first page wrapped in the footer's content streams."""
    for index, page in enumerate(pdf.pages):
        contents = page.obj.get("/Contents")
        if isinstance(contents, pikepdf.Array) and contents[0].read_bytes() == FOOTER_BEFORE:
            return index
    raise AssertionError("no body page in the edition")


def _edited(variant: str, edit: Edit | None) -> tuple[bytes, int]:
    with pikepdf.open(io.BytesIO(district_edition(variant))) as pdf:
        front = _front(pdf)
        if edit is not None:
            edit(pdf)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue(), front


def _reports(variant: str, edit: Edit | None) -> tuple[Report, Report]:
    """The whole-file check's report of the edited edition, and the check by parts'."""
    data, front = _edited(variant, edit)
    known = edition(variant).renderer.known_body_pages(front)
    assert known, "no body page known: the check by parts would read every page"
    whole = check_facts(read_facts(data), "edition.pdf", variant)
    parts = check_facts(read_facts(data, known), "edition.pdf", variant)
    return whole, parts


@pytest.mark.parametrize("variant", ["screen", "print"])
def test_an_unedited_edition_reads_the_same_by_parts(variant: str) -> None:
    data, front = _edited(variant, None)
    known = edition(variant).renderer.known_body_pages(front)
    assert read_facts(data, known) == read_facts(data)


@pytest.mark.parametrize("case", [c for c in CASES if CASES[c][1] in ("screen", "print")])
def test_the_check_by_parts_fails_on_each_rule_case_the_whole_check_fails_on(case: str) -> None:
    rule, variant, edit, _ = CASES[case]
    try:
        whole, parts = _reports(variant, edit)
    except (AttributeError, KeyError, IndexError, StopIteration, ValueError, AssertionError) as exc:
        pytest.skip(f"the case's edit does not apply to a district edition: {exc!r}")
    if whole.passed:
        pytest.skip("the whole-file check does not catch it in a district edition")
    assert parts.results == whole.results


def _body_page(pdf: pikepdf.Pdf, nth: int = 3) -> pikepdf.Page:
    return pdf.pages[_front(pdf) + nth]


def _paint_unmarked(pdf: pikepdf.Pdf) -> None:
    """A rectangle painted outside any marked-content sequence, inside a body page's own content."""
    page = _body_page(pdf)
    own = page.obj.Contents[1]
    own.write(own.read_bytes() + b"\n0 0 10 10 re f\n")


def _unwrapped_paint(pdf: pikepdf.Pdf) -> None:
    """The same paint added as a stream of its own after the footer's."""
    page = _body_page(pdf)
    page.contents_add(pdf.make_stream(b"0 0 10 10 re f\n"), prepend=False)


def _footer_outside_its_artifact(pdf: pikepdf.Pdf) -> None:
    """The footer's stream (shared by every body page) paints its form outside the artifact."""
    after = _body_page(pdf).obj.Contents[-1]
    assert after.read_bytes() == FOOTER_AFTER
    after.write(FOOTER_AFTER.replace(b"/Artifact BMC q /EditionFooter Do Q EMC", b"q /EditionFooter Do Q"))


def _leader_dots_in_the_font(pdf: pikepdf.Pdf) -> None:
    """The merged fonts' ToUnicode maps read every glyph as a full stop: the body's text turns
    into runs of punctuation, with not a byte of its content changed."""
    for font in _body_page(pdf).Resources.Font.values():
        if "/ToUnicode" in font:
            cmap = font.ToUnicode.read_bytes()
            start, end = cmap.index(b"beginbfchar"), cmap.index(b"endbfchar")
            codes = [line.split(b">")[0] + b">" for line in cmap[start:end].splitlines()[1:] if line.startswith(b"<")]
            block = b"".join(code + b" <002E>\n" for code in codes)
            font.ToUnicode.write(cmap[:start] + b"beginbfchar\n" + block + cmap[end:])


def _element_outside_the_tree(pdf: pikepdf.Pdf) -> None:
    """The structure tree no longer reaches the body's first element: its content is orphaned."""
    document = pdf.Root.StructTreeRoot.K
    document = document[0] if isinstance(document, pikepdf.Array) else document
    kids = list(document.K)
    del kids[len(kids) // 2]
    document.K = pikepdf.Array(kids)


BODY_DEFECTS: dict[str, tuple[Edit, str]] = {
    "a paint outside marked content, in a body page's content": (_paint_unmarked, "content marked"),
    "a paint outside marked content, after the footer": (_unwrapped_paint, "content marked"),
    "the footer painted outside its artifact": (_footer_outside_its_artifact, "content marked"),
    "the fonts' text maps changed": (_leader_dots_in_the_font, "punctuation runs"),
    "a body element cut out of the tree": (_element_outside_the_tree, "content tagged"),
}


@pytest.mark.parametrize("defect", list(BODY_DEFECTS))
def test_the_check_by_parts_fails_on_each_defect_of_the_body_pages(defect: str) -> None:
    edit, rule = BODY_DEFECTS[defect]
    whole, parts = _reports("screen", edit)
    assert rule in {r.rule for r in whole.failures}, whole.table()
    assert parts.results == whole.results


def test_the_release_checks_the_whole_file() -> None:
    from _editions import project_inputs

    from portrait.finish.variants import SCREEN
    from portrait.formats.maker import EditionMaker

    project, inputs = project_inputs()
    assert EditionMaker(project, inputs, whole_file_check=True).renderer(SCREEN).whole_file_check
    assert not EditionMaker(project, inputs).renderer(SCREEN).whole_file_check


def test_the_scanned_body_pages_are_kept_as_they_were_scanned() -> None:
    """The body cache (output/.cache/body/) keeps the body's pages scanned, as JSON: read back,
    they are what the scan gave, and a kept scan that is not whole is not used."""
    import json

    from portrait.content_stream import known_from_json, known_to_json, scan_pages
    from portrait.publish.body_cache import _decode, _encode
    from portrait.render.shared_body import SharedBody

    body, pages = edition("screen").renderer.body()
    with pikepdf.open(io.BytesIO(body)) as parsed:
        scanned = scan_pages(parsed.pages)
    assert all(page is not None for page in scanned)
    assert known_from_json(json.loads(json.dumps(known_to_json(scanned)))) == scanned
    kept = _decode(_encode(SharedBody(body, pages, (), tuple(scanned)), "k"), "k")
    assert kept is not None and kept.scanned == tuple(scanned)
    header, _, pdf = _encode(SharedBody(body, pages, ()), "k").partition(b"\n")
    damaged = {**json.loads(header), "scanned": [[{"00": 1}], [None]]}
    kept = _decode(json.dumps(damaged).encode() + b"\n" + pdf, "k")
    assert kept is not None and kept.pdf == body and kept.scanned is None
