"""One embedded program per font face (finish/fonts.py), on small PDFs made here: the /W and
ToUnicode conversions, the subset made from the brand font, and the merge of a face's fonts.
The real editions are checked in test_assembly.py (one subset per face, no larger than whole)."""

from __future__ import annotations

import io

import pikepdf
import pytest
from _project import REPO
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from portrait.finish.fonts import _bfchars, _cmap, _subset, _widths, _widths_array, share_fonts

GARAMOND = (REPO / "assets/fonts/EBGaramond12-Regular.otf").read_bytes()
INTER = (REPO / "assets/fonts/Inter-Regular.otf").read_bytes()
ORIGINALS = {"EBGaramond12-Regular": GARAMOND, "Inter-Regular": INTER}


def test_widths_reads_both_forms_of_w():
    w = Array([1, Array([500, 600.5]), 5, 7, 300, 10, Array([250])])
    assert _widths(w) == {1: 500, 2: 600.5, 5: 300, 6: 300, 7: 300, 10: 250}


def test_widths_array_writes_runs_of_consecutive_glyphs():
    array = _widths_array({8: 250.0, 1: 500.0, 2: 600.5, 5: 300.0, 6: 300.0})
    assert array.unparse() == b"[ 1 [ 500 600.5 ] 5 [ 300 300 ] 8 [ 250 ] ]"
    assert _widths(array) == {1: 500, 2: 600.5, 5: 300, 6: 300, 8: 250}
    assert list(_widths_array({})) == []


def test_whole_widths_are_written_as_integers():
    assert _widths_array({3: 500.0, 4: 612.5}).unparse() == b"[ 3 [ 500 612.5 ] ]"


def test_bfchars_reads_every_block_and_no_ranges():
    cmap = (
        b"2 beginbfchar\n<0003> <0041>\n<00AB> <00660069>\nendbfchar\n"
        b"1 beginbfrange\n<0010> <0012> <0061>\nendbfrange\n"
        b"1 beginbfchar\n<0fff> <0042>\nendbfchar"
    )
    assert _bfchars(cmap) == {3: b"0041", 0xAB: b"00660069", 0xFFF: b"0042"}


def test_cmap_holds_at_most_100_entries_a_block_and_reads_back():
    unicode = {gid: b"%04x" % (0x41 + gid) for gid in range(250, 0, -1)}
    cmap = _cmap(unicode)
    assert _bfchars(cmap) == unicode
    assert cmap.count(b"beginbfchar") == 3
    assert b"100 beginbfchar\n<0001> <0042>\n" in cmap  # sorted, four hex digits
    assert b"50 beginbfchar\n" in cmap
    assert cmap.startswith(b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n")
    assert b"1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n" in cmap
    assert b"/Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n" in cmap
    assert b"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" in cmap
    assert cmap.endswith(b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")


def test_the_subset_keeps_glyph_ids_and_drops_layout_tables():
    used = frozenset({5, 40})
    with TTFont(io.BytesIO(_subset(GARAMOND, used))) as face, TTFont(io.BytesIO(GARAMOND)) as whole:
        assert len(face.getGlyphOrder()) == 41  # up to the last glyph used, ids kept
        assert {"GPOS", "GSUB"}.isdisjoint(face.keys())
        glyphs, full = face.getGlyphSet(), whole.getGlyphSet()
        names, full_names = face.getGlyphOrder(), whole.getGlyphOrder()
        for gid in (0, 5, 40):  # the used glyphs and .notdef keep their outlines and widths
            assert face["hmtx"][names[gid]] == whole["hmtx"][full_names[gid]]
            assert _outline(glyphs, names[gid]) == _outline(full, full_names[gid])
            assert _outline(glyphs, names[gid])
        assert not _outline(glyphs, names[6])  # an unused glyph is emptied
        assert not face["CFF "].cff[0].Private.rawDict.get("BlueValues")  # no hinting


def _outline(glyphs, name: str) -> list:
    from fontTools.pens.recordingPen import RecordingPen

    pen = RecordingPen()
    glyphs[name].draw(pen)
    return pen.value


def font(pdf: pikepdf.Pdf, name: str, widths: dict[int, float], unicode: dict[int, bytes], **extra) -> Dictionary:
    """A WeasyPrint-like Type0 font of the brand face ``name`` using the glyphs in ``widths``."""
    program = pikepdf.Stream(pdf, _subset(ORIGINALS[name], frozenset(widths)))
    program.Subtype = Name.OpenType
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name("/ABCDEF+" + name),
        FontBBox=Array([-100, -200, 900, 1000]),
        FontFile3=pdf.make_indirect(program),
    )
    cid = Dictionary(Type=Name.Font, Subtype=Name.CIDFontType0, FontDescriptor=descriptor, W=_widths_array(widths))
    fields = dict(
        Type=Name.Font,
        Subtype=Name.Type0,
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([cid]),
        ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, _cmap(unicode))),
    )
    fields.update(extra)
    return pdf.make_indirect(Dictionary(**fields))


def kept(replaced: dict, *fonts: Dictionary) -> Dictionary:
    """The one of ``fonts`` that serves for all of them, after checking that the others do."""
    (keep,) = [f for f in fonts if f.objgen not in replaced]
    assert set(replaced) == {f.objgen for f in fonts} - {keep.objgen}
    assert all(value.objgen == keep.objgen for value in replaced.values())
    return keep


def page_with(pdf: pikepdf.Pdf, fonts: dict[str, Dictionary], form_fonts: dict[str, Dictionary] | None = None):
    pdf.add_blank_page()
    page = pdf.pages[-1]
    page.obj.Resources = Dictionary(Font=Dictionary(fonts))
    if form_fonts is not None:
        form = pdf.make_stream(b"", Type=Name.XObject, Subtype=Name.Form, BBox=Array([0, 0, 1, 1]))
        form.Resources = Dictionary(Font=Dictionary(form_fonts))
        page.obj.Resources.XObject = Dictionary(X1=form)
    return page


def test_the_fonts_of_one_face_become_one():
    with pikepdf.new() as pdf:
        a = font(pdf, "EBGaramond12-Regular", {3: 250, 4: 300}, {3: b"0041", 4: b"0042"})
        b = font(pdf, "EBGaramond12-Regular", {4: 300, 9: 1200}, {9: b"0043"})
        c = font(pdf, "EBGaramond12-Regular", {12: 400}, {12: b"0044"})
        page_with(pdf, {"/F1": a})
        page_with(pdf, {"/F2": b}, form_fonts={"/F3": c})  # a font only a form paints counts
        keep = kept(share_fonts(pdf, ORIGINALS), a, b, c)
        kept_cid = keep.DescendantFonts[0]
        assert _widths(kept_cid.W) == {3: 250, 4: 300, 9: 1200, 12: 400}
        assert _bfchars(keep.ToUnicode.read_bytes()) == {3: b"0041", 4: b"0042", 9: b"0043", 12: b"0044"}
        assert [float(v) for v in kept_cid.FontDescriptor.FontBBox] == [-100, -200, 1200, 1000]
        program = kept_cid.FontDescriptor.FontFile3
        assert program.Subtype == Name.OpenType and program.is_indirect
        with TTFont(io.BytesIO(program.read_bytes())) as face:
            assert len(face.getGlyphOrder()) == 13
            glyphs = face.getGlyphSet()
            assert all(_outline(glyphs, face.getGlyphOrder()[gid]) for gid in (3, 4, 9, 12))


def test_a_truetype_program_stays_fontfile2_and_a_narrow_face_keeps_its_box():
    with pikepdf.new() as pdf:
        a = font(pdf, "Inter-Regular", {3: 250}, {3: b"0041"})
        b = font(pdf, "Inter-Regular", {5: 260}, {5: b"0042"})
        for f in (a, b):
            descriptor = f.DescendantFonts[0].FontDescriptor
            descriptor.FontFile2 = descriptor.FontFile3
            del descriptor["/FontFile3"]
        page_with(pdf, {"/F1": a, "/F2": b})
        descriptor = kept(share_fonts(pdf, ORIGINALS), a, b).DescendantFonts[0].FontDescriptor
        assert "/FontFile3" not in descriptor and "/Subtype" not in descriptor.FontFile2
        assert [float(v) for v in descriptor.FontBBox] == [-100, -200, 900, 1000]


@pytest.mark.parametrize(
    "change",
    [
        {"Subtype": Name.TrueType},
        {"Encoding": Name.WinAnsiEncoding},
        {"DescendantFonts": Array()},
    ],
)
def test_fonts_that_are_not_identity_h_type0_are_left_alone(change):
    with pikepdf.new() as pdf:
        a = font(pdf, "EBGaramond12-Regular", {3: 250}, {3: b"0041"}, **change)
        b = font(pdf, "EBGaramond12-Regular", {4: 300}, {4: b"0042"}, **change)
        page_with(pdf, {"/F1": a, "/F2": b})
        assert share_fonts(pdf, ORIGINALS) == {}


def test_a_face_used_once_or_without_its_brand_file_is_left_alone():
    with pikepdf.new() as pdf:
        once = font(pdf, "Inter-Regular", {3: 250}, {3: b"0041"})
        a = font(pdf, "EBGaramond12-Regular", {3: 250}, {3: b"0041"})
        b = font(pdf, "EBGaramond12-Regular", {4: 300}, {4: b"0042"})
        page_with(pdf, {"/F1": once, "/F2": a, "/F3": b})
        before = once.DescendantFonts[0].W.unparse(), a.DescendantFonts[0].FontDescriptor.FontFile3.objgen
        assert share_fonts(pdf, {"Inter-Regular": INTER}) == {}
        after = once.DescendantFonts[0].W.unparse(), a.DescendantFonts[0].FontDescriptor.FontFile3.objgen
        assert before == after
        kept(share_fonts(pdf, ORIGINALS), a, b)


def test_a_face_without_an_embedded_program_is_left_alone():
    with pikepdf.new() as pdf:
        a = font(pdf, "EBGaramond12-Regular", {3: 250}, {3: b"0041"})
        b = font(pdf, "EBGaramond12-Regular", {4: 300}, {4: b"0042"})
        for f in (a, b):
            del f.DescendantFonts[0].FontDescriptor["/FontFile3"]
        page_with(pdf, {"/F1": a, "/F2": b})
        assert share_fonts(pdf, ORIGINALS) == {}
