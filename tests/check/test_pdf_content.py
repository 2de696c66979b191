"""The preflight's content scanner (portrait.content_stream) on hand-written content streams: the
cases a regular-expression scanner could get wrong."""

from __future__ import annotations

import io

import pikepdf
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

from portrait.content_stream import PageContent, read_pages

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
    with pikepdf.open(io.BytesIO(out.getvalue())) as pdf:
        (result,) = read_pages(pdf.pages)
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


def _inheriting_pdf() -> bytes:
    """A page that inherits /MediaBox and /Resources from the page tree, its content in an array
    of two streams: written by hand, since a writer would push the attributes down to the page."""
    contents = {4: b"/P <</MCID 0>> BDC BT /F1 12 Tf 10 10 Td (Hi) Tj ET EMC", 5: b"0 0 1 rg 0 0 10 10 re f"}
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 300 400] /Resources << /Font << /F1 6 0 R >> >> >>",
        b"<< /Type /Page /Parent 2 0 R /Contents [4 0 R 5 0 R] >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(contents[4]), contents[4]),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(contents[5]), contents[5]),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref)
    return bytes(out)


def test_what_a_page_inherits_and_content_in_several_streams_are_read() -> None:
    from portrait.check.facts import FontUse, read_facts

    data = _inheriting_pdf()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (result,) = read_pages(pdf.pages)
    assert result.text == {0: "Hi"}
    assert result.unmarked == ["f"]  # the second stream read too
    facts = read_facts(data)
    assert facts.page_sizes == [(300.0, 400.0)]
    assert facts.fonts == [FontUse("Helvetica", embedded=False)]  # found in the inherited resources
    assert facts.device_rgb_without_default == 1
