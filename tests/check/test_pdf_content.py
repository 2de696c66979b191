"""The preflight's content scanner (portrait.check.content) on hand-written content streams: the
cases a regular-expression scanner could get wrong."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from portrait.check.content import PageContent, read_pages

# A ToUnicode map for a two-byte font: one bfchar entry and one bfrange.
_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <ffff> endcodespacerange
1 beginbfchar <0005> <002e> endbfchar
1 beginbfrange <0010> <0012> <0041> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"""


def _page(content: bytes, form: bytes | None = None) -> PageContent:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    simple = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    to_unicode = DecodedStreamObject()
    to_unicode.set_data(_TO_UNICODE)
    composite = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type0"),
            NameObject("/BaseFont"): NameObject("/Test"),
            NameObject("/ToUnicode"): writer._add_object(to_unicode),
        }
    )
    fonts = DictionaryObject(
        {NameObject("/F1"): writer._add_object(simple), NameObject("/F2"): writer._add_object(composite)}
    )
    resources = DictionaryObject({NameObject("/Font"): fonts})
    if form is not None:
        xobject = DecodedStreamObject()
        xobject.set_data(form)
        xobject.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(NumberObject(v) for v in (0, 0, 200, 200)),
                NameObject("/Resources"): DictionaryObject({NameObject("/Font"): fonts}),
            }
        )
        resources[NameObject("/XObject")] = DictionaryObject({NameObject("/Fm1"): writer._add_object(xobject)})
    page[NameObject("/Resources")] = resources
    stream = DecodedStreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    (result,) = read_pages(PdfReader(io.BytesIO(out.getvalue())).pages)
    return result


def test_text_is_read_per_marked_content_sequence() -> None:
    result = _page(
        b"/P <</MCID 0>> BDC BT /F1 12 Tf 10 10 Td (Hello) Tj ET EMC\n"
        b"/Span <</MCID 1>> BDC BT /F2 12 Tf [<0010> -20 <0011><0012>] TJ <0005> Tj ET EMC"
    )
    assert result.text == {0: "Hello", 1: "ABC."}
    assert result.unmarked == []


def test_strings_that_look_like_operators_are_strings() -> None:
    # Parentheses nested and escaped, "EMC" and "Do" inside strings, a hex string of "bf".
    result = _page(
        rb"/P <</MCID 0>> BDC BT /F1 12 Tf (a (nested) EMC \) Do \(x) Tj [(f) 5 (S)] TJ ET EMC"
        b"\n/Artifact BMC BT /F1 12 Tf <62663f> Tj ET EMC"
    )
    assert result.text == {0: "a (nested) EMC ) Do (xfS"}
    assert result.unmarked == []


def test_names_are_not_operators() -> None:
    # /S, /F and /B would be paint operators if the scanner did not see them as names.
    result = _page(b"/Artifact <</Type /Pagination /S /B /F>> BDC 0 0 10 10 re f EMC")
    assert result.unmarked == []


def test_paints_outside_marked_content_are_listed() -> None:
    result = _page(
        b"0 0 10 10 re f\nq /Fm1 Do Q\nBT /F1 12 Tf (loose) Tj ET\n/Artifact BMC 0 0 5 5 re S EMC",
        form=b"0 0 1 1 re f",
    )
    assert result.unmarked == ["f", "Do", "Tj"]


def test_an_inline_image_is_skipped_whole() -> None:
    result = _page(b"BI /W 2 /H 1 /BPC 8 /CS /G ID \x00EMC) EI\n/P <</MCID 0>> BDC BT /F1 9 Tf (after) Tj ET EMC")
    assert result.unmarked == ["BI"]
    assert result.text == {0: "after"}


def test_text_of_a_form_belongs_to_the_sequence_that_paints_it() -> None:
    form = b"/Span <</MCID 7>> BDC BT /F1 12 Tf (inside) Tj ET EMC"  # the form's MCIDs are not the page's
    result = _page(b"/P <</MCID 0>> BDC q /Fm1 Do Q EMC", form=form)
    assert result.text == {0: "inside"}
    assert result.unmarked == []
