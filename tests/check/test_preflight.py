"""The preflight: each rule passes the real editions and fails a copy broken in that one way."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from _editions import edition  # noqa: E402
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from weasyprint import HTML

from portrait.check.preflight import RULES, check  # noqa: E402
from portrait.cli import main  # noqa: E402
from portrait.content_stream import PageContent, read_pages  # noqa: E402
from portrait.finish.variants import SCREEN  # noqa: E402

Edit = Callable[[PdfWriter], None]


def broken(pdf: bytes, edit: Edit) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    edit(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def failed_rules(pdf: bytes, profile: str) -> set[str]:
    return {r.rule for r in check(pdf, "test.pdf", profile).failures}


# Edits, one fault each.


def _root(w: PdfWriter) -> DictionaryObject:
    return w._root_object


def _struct_elements(w: PdfWriter) -> Iterator[DictionaryObject]:
    return _elements_below(_root(w))


def _elements_below(root: DictionaryObject) -> Iterator[DictionaryObject]:
    """Every structure element of the document whose catalog is ``root``, in reading order."""
    stack = [root["/StructTreeRoot"].get_object()["/K"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, DictionaryObject) and "/S" in node:
            yield node
            stack.append(node.get("/K"))


def _first_struct(w: PdfWriter, kind: str) -> DictionaryObject:
    return next(e for e in _struct_elements(w) if e["/S"] == kind)


def _annotations(w: PdfWriter, subtype: str) -> Iterator[DictionaryObject]:
    for page in w.pages:
        for ref in page.get("/Annots", []):
            annot = ref.get_object()
            if annot["/Subtype"] == subtype:
                yield annot


def _xmp_replace(old: str, new: str) -> Edit:
    def edit(w: PdfWriter) -> None:
        stream = _root(w)["/Metadata"].get_object()
        text = stream.get_data().decode()
        assert old in text
        stream.set_data(text.replace(old, new).encode())

    return edit


def _unembed_a_font(w: PdfWriter) -> None:
    fonts = w.pages[0]["/Resources"]["/Font"]
    font = next(iter(fonts.values())).get_object()
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font["/FontDescriptor"].get_object()
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        descriptor.pop(key, None)


def _drop_title(w: PdfWriter) -> None:
    del w._info.get_object()["/Title"]


def _break_a_link(w: PdfWriter) -> None:
    link = next(a for a in _annotations(w, "/Link") if "/URI" not in a.get("/A", {}))
    link.pop("/A", None)
    link[NameObject("/Dest")] = TextStringObject("no-such-anchor")


def _skip_a_heading_level(w: PdfWriter) -> None:
    _first_struct(w, "/H2")[NameObject("/S")] = NameObject("/H4")


def _figure_without_alt(w: PdfWriter) -> None:
    _first_struct(w, "/P")[NameObject("/S")] = NameObject("/Figure")


def _table_without_headers(w: PdfWriter) -> None:
    for element in _struct_elements(w):
        if element["/S"] == "/TH":
            element[NameObject("/S")] = NameObject("/TD")


def _orphan_a_paragraph(w: PdfWriter) -> None:
    """Take a paragraph out of the tree, as WeasyPrint 70 leaves running heads."""
    paragraph = _first_struct(w, "/P")
    parent = paragraph["/P"].get_object()
    kids = parent["/K"]
    kept = [k for k in kids if getattr(k, "idnum", None) != paragraph.indirect_reference.idnum]
    parent[NameObject("/K")] = ArrayObject(kept)


def _paint_outside_marked_content(operator: bytes) -> Edit:
    """Paint one of the cover's XObjects (or shadings) again, outside any marked content."""

    def edit(w: PdfWriter) -> None:
        page = w.pages[0]
        category = "/XObject" if operator == b"Do" else "/Shading"
        name = next(iter(page["/Resources"][category].get_object()))
        extra = DecodedStreamObject()
        extra.set_data(b"q " + name.encode() + b" " + operator + b" Q")
        page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), w._add_object(extra)])

    return edit


def _add_an_empty_div(w: PdfWriter) -> None:
    document = _first_struct(w, "/Document")
    div = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/StructElem"),
            NameObject("/S"): NameObject("/Div"),
            NameObject("/P"): document.indirect_reference,
            NameObject("/K"): ArrayObject(),
        }
    )
    document["/K"].append(w._add_object(div))


def _dots_read_out(w: PdfWriter) -> None:
    """A span whose text, as a reader reads it (/ActualText), is a row of leader dots."""
    _first_struct(w, "/Span")[NameObject("/ActualText")] = TextStringObject("Introduction ........ 3")


def _header_without_scope(w: PdfWriter) -> None:
    header = _first_struct(w, "/TH")
    del header["/A"].get_object()["/Scope"]


def _untag_a_link(w: PdfWriter) -> None:
    del next(_annotations(w, "/Link"))["/StructParent"]


def _undescribed_link(w: PdfWriter) -> None:
    del next(_annotations(w, "/Link"))["/Contents"]


def _field_without_tooltip(w: PdfWriter) -> None:
    field = next(a for a in _annotations(w, "/Widget") if a.get("/FT") == "/Tx")
    del field["/TU"]


def _drop_default_rgb(w: PdfWriter) -> None:
    w.pages[0]["/Resources"]["/ColorSpace"].get_object().pop("/DefaultRGB")


def _drop_trimbox(w: PdfWriter) -> None:
    del w.pages[2]["/TrimBox"]


def _bleedbox_inside_trim(w: PdfWriter) -> None:
    w.pages[3][NameObject("/BleedBox")] = ArrayObject(FloatObject(v) for v in (10, 10, 600, 780))


def _add_a_link(w: PdfWriter) -> None:
    page = w.pages[1]
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(NumberObject(v) for v in (72, 72, 144, 90)),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject("https://knowledgeworks.org"),
                }
            ),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([w._add_object(link)])


def _rgb_output_profile(w: PdfWriter) -> None:
    intent = _root(w)["/OutputIntents"][0].get_object()
    intent["/DestOutputProfile"].get_object()[NameObject("/N")] = NumberObject(3)


SCREEN_FAULTS: dict[str, Edit] = {
    "fonts embedded": _unembed_a_font,
    "metadata": _drop_title,
    "internal links": _break_a_link,
    "PDF/UA identifier": _xmp_replace('pdfuaid:part="1"', ""),
    "tagged structure": lambda w: _root(w).pop("/StructTreeRoot"),
    "content tagged": _orphan_a_paragraph,
    "content marked": _paint_outside_marked_content(b"Do"),
    "empty elements": _add_an_empty_div,
    "punctuation runs": _dots_read_out,
    "language": lambda w: _root(w).pop("/Lang"),
    "title displayed": lambda w: _root(w).pop("/ViewerPreferences"),
    "heading levels": _skip_a_heading_level,
    "alt text": _figure_without_alt,
    "table headers": _table_without_headers,
    "header scope": _header_without_scope,
    "tagged annotations": _untag_a_link,
    "link descriptions": _undescribed_link,
    "form field tooltips": _field_without_tooltip,
}


def _paint(index: int, data: bytes) -> Edit:
    """Paint ``data`` on top of page ``index``; ``{font}`` is one of the page's fonts."""

    def edit(w: PdfWriter) -> None:
        page = w.pages[index]
        font = next(iter(page["/Resources"]["/Font"].keys()))
        stream = DecodedStreamObject()
        stream.set_data(data.replace(b"{font}", font.lstrip("/").encode()))
        contents = page.raw_get("/Contents")
        kept = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([*kept, w._add_object(stream)])

    return edit


PRINT_FAULTS: dict[str, Edit] = {
    "fonts embedded": _unembed_a_font,
    "metadata": _drop_title,
    "PDF/X-4 keys": _xmp_replace("PDF/X-4</pdfxid:GTS_PDFXVersion>", "</pdfxid:GTS_PDFXVersion>"),
    "output intent": lambda w: _root(w).pop("/OutputIntents"),
    "device colour": _drop_default_rgb,
    "page boxes": _drop_trimbox,
    "no links or fields": _add_a_link,
    "booklet pages": lambda w: w.remove_page(5),
    # 9 pt text in a four-ink navy; a square of 400 % ink (C100 M100 Y100 K100)
    "small text inks": _paint(2, b"q 0.99 0.84 0.02 0.52 k BT /{font} 9 Tf 72 72 Td (Small) Tj ET Q"),
    "ink coverage": _paint(3, b"q 1 1 1 1 k 72 72 216 216 re f Q"),
}


def test_every_rule_has_a_fault() -> None:
    """Image resolution is tested on small rendered files below; the rules of issue 17 (whose
    faults are the defects of tests/_defects.py) in tests/check/test_preflight_rules.py; every
    other rule here."""
    issue_17 = {"link elements", "structure IDs", "figure boxes", "widget names"}
    assert set(SCREEN_FAULTS) | {"image resolution", "page count"} | issue_17 == {n for n, _ in RULES["screen"]}
    missing = {n for n, _ in RULES["print"]} - set(PRINT_FAULTS)
    assert missing == {"image resolution", "page count", "internal links"}


@pytest.mark.parametrize("rule", list(SCREEN_FAULTS))
def test_screen_rule_fails_on_its_fault_only(rule: str) -> None:
    good = edition("screen").pdf
    assert failed_rules(good, "screen") == set()
    assert failed_rules(broken(good, SCREEN_FAULTS[rule]), "screen") == {rule}


@pytest.mark.parametrize("rule", list(PRINT_FAULTS))
def test_print_rule_fails_on_its_fault_only(rule: str) -> None:
    good = edition("print").pdf
    assert failed_rules(good, "print") == set()
    assert failed_rules(broken(good, PRINT_FAULTS[rule]), "print") == {rule}


def test_a_shading_painted_outside_marked_content_fails() -> None:
    bad = broken(edition("screen").pdf, _paint_outside_marked_content(b"sh"))
    (result,) = [r for r in check(bad, "x.pdf", "screen").results if r.rule == "content marked"]
    assert not result.passed and "1 shadings (sh)" in result.detail and "pages 1" in result.detail


def test_output_intent_must_be_cmyk() -> None:
    bad = broken(edition("print").pdf, _rgb_output_profile)
    (result,) = [r for r in check(bad, "x.pdf", "print").results if r.rule == "output intent"]
    assert not result.passed and "not CMYK" in result.detail


def test_bleedbox_must_contain_the_trimbox() -> None:
    bad = broken(edition("print").pdf, _bleedbox_inside_trim)
    assert failed_rules(bad, "print") == {"page boxes"}


def test_a_screen_file_checked_as_print_fails_the_print_rules() -> None:
    failures = failed_rules(edition("screen").pdf, "print")
    assert {"PDF/X-4 keys", "output intent", "device colour", "no links or fields"} <= failures


# What WeasyPrint 70 leaves in a tagged PDF, and what the screen finisher makes of it, on a small
# file rendered for the purpose: a decorative disc with opacity (painted as an XObject outside
# marked content), a box that only paints a background (an empty Div), a table with scoped header
# cells (no /Scope written) and a contents entry with dot leaders (one tagged "." per dot).

_TAGGING_HTML = """<html lang="en"><head><title>Tags</title><style>
  .toc a { display: block; }
  .toc a::after { content: leader(dotted) " " target-counter(attr(href url), page); }
  .disc { width: 1in; height: 1in; border-radius: 50%; background: #e0007a; opacity: 0.5; }
  .band { height: 0.2in; background: #1f2a5a; }
</style></head><body>
  <div class="disc"></div><div class="band"></div>
  <p class="toc"><a href="#ratings"><span>Ratings</span></a></p>
  <h1 id="ratings" style="break-before: page">Ratings</h1>
  <table>
    <tr><th scope="col">Attribute</th><th scope="col">Rating</th></tr>
    <tr><th scope="row">Transformation</th><td>Leading</td></tr>
  </table>
</body></html>"""
_TAGGING_RULES = {
    "content marked",
    "empty elements",
    "punctuation runs",
    "header scope",
    "link elements",  # the title's own annotation in a Span (and the leader's: one Link per entry)
    "structure IDs",  # the header cells' /ID, with no /IDTree
}


def _tagging_pdf(finisher: Callable | None, html: str = _TAGGING_HTML) -> bytes:
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1", finisher=finisher)


def test_weasyprint_alone_fails_the_new_tagging_rules() -> None:
    report = check(_tagging_pdf(None), "raw.pdf", "screen")
    failed = {r.rule: r.detail for r in report.failures}
    assert set(failed) == _TAGGING_RULES, report.table()
    assert "1 XObjects (Do)" in failed["content marked"]  # the disc
    assert "2 Div" in failed["empty elements"]  # the disc and the band
    assert "3 of 3 header cells" in failed["header scope"]
    assert "1 runs of punctuation" in failed["punctuation runs"]
    assert failed["link elements"].startswith(
        "1 link annotations are not in a Link element; first on page 1, in a Span"
    )
    assert failed["structure IDs"].startswith("3 structure element IDs are not in the /IDTree")


def test_the_screen_finisher_repairs_them() -> None:
    pdf = _tagging_pdf(SCREEN.finish)
    report = check(pdf, "finished.pdf", "screen")
    assert not {r.rule for r in report.failures} & _TAGGING_RULES, report.table()
    reader = PdfReader(io.BytesIO(pdf))
    texts = _page_texts(pdf)
    scopes = {}
    for element in _reader_struct_elements(reader):
        if element["/S"] == "/TH":
            scopes[_element_text(reader, texts, element)] = str(element["/A"]["/Scope"])
    assert scopes == {"Attribute": "/Column", "Rating": "/Column", "Transformation": "/Row"}
    # The dots are still printed, as artifacts; the entry reads as its title and page number.
    page_text = reader.pages[0].extract_text()
    assert "Ratings" in page_text and "....." in page_text and page_text.rstrip().endswith("2")
    link = next(e for e in _reader_struct_elements(reader) if e["/S"] == "/Link")
    assert " ".join(_element_text(reader, texts, link).split()) == "Ratings 2"
    # One annotation for the entry (one tab stop), held by its Link; none by anything else.
    (annotation,) = reader.pages[0]["/Annots"]
    objrs = [
        k for k in link["/K"] if isinstance(k.get_object(), DictionaryObject) and k.get_object().get("/Type") == "/OBJR"
    ]
    assert [o.get_object().raw_get("/Obj").idnum for o in objrs] == [annotation.idnum]


def test_a_group_holding_text_is_not_made_an_artifact() -> None:
    """Text with opacity is painted in a group outside marked content too; it is real content, so
    the finisher leaves it, and the preflight says what is wrong."""
    html = '<html lang="en"><body><p style="opacity: 0.6">Faded but real text</p></body></html>'
    report = check(_tagging_pdf(SCREEN.finish, html), "faded.pdf", "screen")
    assert "content marked" in {r.rule for r in report.failures}


def _reader_struct_elements(reader: PdfReader) -> Iterator[DictionaryObject]:
    return _elements_below(reader.root_object)


def _page_texts(pdf: bytes) -> list[PageContent]:
    """The marked content of each page, read with portrait's own content scanner."""
    with pikepdf.open(io.BytesIO(pdf)) as parsed:
        return read_pages(parsed.pages)


def _element_text(reader: PdfReader, texts: list[PageContent], element: DictionaryObject) -> str:
    """The text of an element's marked content (``texts``: the pages' marked content)."""
    pages = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    found: list[str] = []

    def walk(node: object, page: int) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            for kid in node:
                walk(kid, page)
        elif isinstance(node, DictionaryObject) and "/S" in node:
            walk(node.get("/K"), pages.get(node.raw_get("/Pg").idnum, page) if "/Pg" in node else page)
        elif isinstance(node, int):
            found.append(texts[page].text.get(node, ""))

    walk(element, 0)
    return "".join(found)


# Effective image resolution, on small files rendered for the purpose.


def _image_pdf(tmp_path: Path, pixels: int, inches: float) -> bytes:
    Image.new("RGB", (pixels, pixels), (200, 30, 120)).save(tmp_path / "photo.png")
    html = f'<img src="photo.png" alt="A test photo" style="width: {inches}in; height: {inches}in">'
    return HTML(string=html, base_url=str(tmp_path) + "/").write_pdf()


@pytest.mark.parametrize(
    ("pixels", "inches", "profile", "passes"),
    [
        (900, 2.0, "print", True),  # 450 dpi
        (300, 2.0, "print", False),  # 150 dpi: too coarse for a press
        (300, 2.0, "screen", True),  # 150 dpi is fine on a screen
        (60, 2.0, "screen", False),  # 30 dpi
    ],
)
def test_effective_image_resolution(tmp_path: Path, pixels: int, inches: float, profile: str, passes: bool) -> None:
    report = check(_image_pdf(tmp_path, pixels, inches), "img.pdf", profile)
    (result,) = [r for r in report.results if r.rule == "image resolution"]
    assert result.passed is passes, result.detail
    assert f"{pixels / inches:.0f} dpi" in result.detail


# The command


def test_check_command_prints_a_table_and_exits_by_result(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(edition("print").pdf)
    bad.write_bytes(broken(edition("print").pdf, _drop_trimbox))
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(good)], stdout=out, stderr=err) == 0
    assert "output intent" in out.getvalue() and "passes" in out.getvalue()
    out = io.StringIO()
    assert main(["check", str(good), str(bad)], stdout=out, stderr=err) == 3
    text = out.getvalue()
    assert "no TrimBox on pages 3" in text and "1 of 2 files fail" in text
    out = io.StringIO()
    assert main(["check", "--quiet", str(good), str(bad)], stdout=out, stderr=err) == 3
    assert str(good) not in out.getvalue()


def test_check_command_on_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["check", str(tmp_path / "none.pdf")], stdout=io.StringIO(), stderr=err) == 1
    assert "cannot read the file" in err.getvalue()


# The build runs the preflight on what it makes


@pytest.mark.slow
def test_build_print_only_writes_the_print_file(tmp_path: Path) -> None:
    out = io.StringIO()
    target = tmp_path / "portrait.pdf"
    assert main(["build", "--print-only", "-o", str(target)], stdout=out, stderr=io.StringIO()) == 0
    assert target.exists() and not (tmp_path / "portrait-print.pdf").exists()
    assert "preflight passed" in out.getvalue()
    assert PdfReader(target).root_object["/OutputIntents"]


@pytest.mark.slow
def test_a_build_that_fails_the_preflight_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("portrait.check.preflight.BOOKLET_MULTIPLE", 3)  # 20 pages: not a multiple
    err = io.StringIO()
    target = tmp_path / "portrait.pdf"
    assert main(["build", "--print-only", "-o", str(target)], stdout=io.StringIO(), stderr=err) == 3
    assert "fails the print preflight" in err.getvalue() and "booklet pages" in err.getvalue()
    assert list(tmp_path.iterdir()) == []
