"""Page labels (finish/page_labels.py): from named pages and folios, to a number tree of runs and
back, and through the join of an edition (finish/assemble.py). Small PDFs made here, no rendering;
the real Portrait and editions are checked in test_editions.py and test_assembly.py."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pypdf import PdfReader

from portrait.errors import BuildError
from portrait.finish.assemble import Parts, assemble
from portrait.finish.page_labels import PageLabel, from_pages, pikepdf_tree, read, runs

COVER = PageLabel("none", "Cover")
BACK = PageLabel("none", "Back cover")


def decimal(number: int, prefix: str = "") -> PageLabel:
    return PageLabel("decimal", prefix, number)


def roman(number: int) -> PageLabel:
    return PageLabel("roman", "", number)


def pdf_with(labels: list[PageLabel] | None, pages: int | None = None) -> bytes:
    """A PDF of blank pages (one per label unless ``pages`` says otherwise) carrying ``labels``,
    with the metadata the join copies from an edition's own part."""
    with pikepdf.new() as pdf:
        for _ in range(len(labels or []) if pages is None else pages):
            pdf.add_blank_page()
        if labels is not None:
            pdf.Root.PageLabels = pikepdf_tree(labels)
        pdf.Root.Metadata = pdf.make_stream(b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
        pdf.docinfo["/Title"] = "test"
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def test_a_page_is_labelled_by_its_folio_else_by_its_named_page_else_by_its_position():
    pages = [
        ("cover", ""),
        ("front", ""),
        ("front", ""),
        ("contents", "2"),  # a named page that prints a number: the number
        ("", " 3 "),
        ("", ""),  # prints nothing, no named page: its position
        ("", "Page 7"),  # a folio that is not a plain number: as printed
        ("notes", ""),
        ("notes", ""),
        ("back", ""),
    ]
    assert from_pages(pages) == [
        COVER,
        roman(1),
        roman(2),
        decimal(2),
        decimal(3),
        decimal(6),
        PageLabel("none", "Page 7"),
        decimal(1, "Notes "),
        decimal(2, "Notes "),
        BACK,
    ]


def test_runs_go_on_while_style_and_prefix_stay_and_the_number_goes_up_by_one():
    labels = [
        COVER,
        roman(1),
        roman(2),
        decimal(2),
        decimal(3),
        decimal(4),
        decimal(9),  # a jump: a new run
        decimal(1, "Notes "),  # another prefix: a new run
        decimal(2, "Notes "),
        BACK,
        BACK,  # a "none" label shows no number: the same label again is a new run
    ]
    assert runs(labels) == [
        (0, COVER),
        (1, roman(1)),
        (3, decimal(2)),
        (6, decimal(9)),
        (7, decimal(1, "Notes ")),
        (9, BACK),
        (10, BACK),
    ]
    assert runs([]) == []


def test_the_number_tree_reads_back_as_written_and_as_an_independent_reader_shows_it():
    labels = [COVER, roman(1), decimal(2), decimal(3), decimal(1, "Notes "), decimal(2, "Notes "), BACK]
    pdf = pdf_with(labels)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert read(doc) == labels
        nums = doc.Root.PageLabels.Nums
        assert [int(nums[i]) for i in range(0, len(nums), 2)] == [0, 1, 2, 4, 6]
    assert PdfReader(io.BytesIO(pdf)).page_labels == ["Cover", "i", "2", "3", "Notes 1", "Notes 2", "Back cover"]


def test_a_number_tree_with_kids_is_read_and_no_tree_is_none():
    with pikepdf.new() as pdf:
        for _ in range(4):
            pdf.add_blank_page()
        assert read(pdf) is None
        first = pdf.make_indirect(pikepdf.Dictionary(Limits=[0, 1], Nums=[0, pikepdf.Dictionary(P="Cover")]))
        rest = pikepdf.Dictionary(Limits=[1, 1], Nums=[1, pikepdf.Dictionary(S=pikepdf.Name.D, St=5)])
        pdf.Root.PageLabels = pikepdf.Dictionary(Kids=[first, pdf.make_indirect(rest)])
        assert read(pdf) == [COVER, decimal(5), decimal(6), decimal(7)]


def test_a_style_this_build_does_not_write_is_refused():
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.Root.PageLabels = pikepdf.Dictionary(Nums=[0, pikepdf.Dictionary(S=pikepdf.Name.A)])
        with pytest.raises(ValueError, match="/A"):
            read(pdf)


def test_the_join_keeps_each_kept_pages_label_and_drops_the_left_out_pages():
    body = pdf_with([decimal(2), decimal(3), decimal(4)])
    # cover, foreword, notes, back cover, then two pages written only for the join
    own = pdf_with([COVER, roman(1), decimal(1, "Notes "), BACK, decimal(3), decimal(6)])
    joined = assemble(Parts(body=body, own=own, front=2, back=2, footer=None))
    assert PdfReader(io.BytesIO(joined)).page_labels == ["Cover", "i", "2", "3", "4", "Notes 1", "Back cover"]


def test_the_join_refuses_a_part_without_labels():
    parts = Parts(body=pdf_with(None, pages=2), own=pdf_with([COVER, BACK]), front=1, back=1, footer=None)
    with pytest.raises(BuildError, match="page labels"):
        assemble(parts)
