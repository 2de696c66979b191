"""The screen (PDF/UA-1) and print (PDF/X-4) editions, read back from the files."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from _editions import ROOT, district, district_edition, edition  # noqa: E402
from PIL import Image, ImageCms
from pypdf import PdfReader, PdfWriter

from portrait.check.preflight import check  # noqa: E402
from portrait.inputs.colors import WHITE, contrast, relative_luminance, to_hex  # noqa: E402

BLEED_PT = 9.0
PRINT_MARGIN_PT = 18.0  # WeasyPrint's bleed area, holding the crop marks in its outer half


@pytest.fixture(scope="module")
def screen() -> PdfReader:
    return edition("screen").reader()


@pytest.fixture(scope="module")
def printed() -> PdfReader:
    return edition("print").reader()


# Screen edition


def test_screen_is_tagged_pdf_ua(screen: PdfReader) -> None:
    root = screen.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "en-US"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()
    assert screen.metadata.title == "Portrait of a Leader (Draft)"
    assert "/OutputIntents" not in root


def test_screen_passes_preflight() -> None:
    report = check(edition("screen").pdf, "screen.pdf")
    assert report.profile == "screen"
    assert report.passed, report.table()


def test_cover_portraits_are_artifacts_not_figures() -> None:
    from portrait.check.facts import read_facts

    facts = read_facts(edition("screen").pdf)
    assert facts.structure.get("Figure", 0) == 0  # decorative art is not announced
    assert facts.headings[0] == 1
    assert {"Table", "TH", "L", "LI", "Link", "Form"} <= set(facts.structure)


def test_links_are_described_by_their_text(screen: PdfReader) -> None:
    contents = {
        str(a.get_object()["/Contents"]) for a in screen.pages[1]["/Annots"] if a.get_object()["/Subtype"] == "/Link"
    }
    assert "Why we created the Portrait of a Leader" in contents
    assert "why" not in contents  # not the bare target


def test_worksheet_fields_have_tooltips_and_scale(screen: PdfReader) -> None:
    fields = screen.get_fields()
    ratings = {k: v for k, v in fields.items() if k.startswith("rating-")}
    notes = {k: v for k, v in fields.items() if k.startswith("notes-")}
    assert len(ratings) == len(notes) == 5
    for field in ratings.values():
        assert field["/FT"] == "/Btn"
        assert field["/_States_"] == ["/0", "/1", "/2", "/3"]
        assert "emerging, developing, proficient, leading" in field["/TU"]
    assert fields["notes-advocacy"]["/TU"] == "Advocacy: What will I grow next?"
    # Radio widgets belong to their group: no field per button.
    assert not any("." in name for name in fields)


def test_filled_worksheet_saves_and_reopens(screen: PdfReader, tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=screen)
    values = {"rating-collaboration": "/2", "notes-collaboration": "Share decisions with teachers."}
    for page in writer.pages:
        if "/Annots" in page:
            writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = tmp_path / "filled.pdf"
    writer.write(out)
    fields = PdfReader(out).get_fields()
    assert fields["rating-collaboration"]["/V"] == "/2"
    assert fields["notes-collaboration"]["/V"] == "Share decisions with teachers."
    assert fields["rating-advocacy"]["/V"] == "/Off"
    assert check(out.read_bytes(), "filled.pdf").passed


# Print edition


def test_print_is_pdf_x4_with_cmyk_output_intent(printed: PdfReader) -> None:
    root = printed.trailer["/Root"]
    (intent,) = root["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFX"
    assert intent["/OutputConditionIdentifier"] == "FOGRA39"
    icc = intent["/DestOutputProfile"].get_object()
    assert icc["/N"] == 4
    # The profile as shipped, byte for byte.
    assert icc.get_data() == (ROOT / "assets/color/portrait-cmyk-fogra39.icc").read_bytes()
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc.get_data())).profile
    assert profile.xcolor_space == "CMYK"
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in (
        root["/Metadata"].get_object().get_data().decode()
    )
    assert printed.pdf_header == "%PDF-1.6"


def test_print_boxes_bleed_and_no_interactive_elements(printed: PdfReader) -> None:
    assert len(printed.pages) % 4 == 0
    assert "/AcroForm" not in printed.trailer["/Root"]
    for page in printed.pages:
        trim = [float(v) for v in page["/TrimBox"]]
        bleed = [float(v) for v in page["/BleedBox"]]
        media = [float(v) for v in page.mediabox]
        assert trim == [0, 0, 612, 792]
        assert bleed == [-BLEED_PT, -BLEED_PT, 612 + BLEED_PT, 792 + BLEED_PT]
        assert media == [
            -PRINT_MARGIN_PT,
            -PRINT_MARGIN_PT,
            612 + PRINT_MARGIN_PT,
            792 + PRINT_MARGIN_PT,
        ]
        subtypes = {a.get_object()["/Subtype"] for a in page.get("/Annots", [])}
        assert not subtypes & {"/Link", "/Widget"}


def test_print_passes_preflight() -> None:
    report = check(edition("print").pdf, "print.pdf")
    assert report.profile == "print"
    assert report.passed, report.table()


def _render_full(pdf: bytes, index: int, scale: float = 1.0):  # -> PIL image of the MediaBox
    document = pdfium.PdfDocument(pdf)
    return document[index].render(scale=scale, crop=(0, 0, 0, 0)).to_pil().convert("RGB")


def test_cover_art_runs_into_the_bleed_and_marks_sit_outside_it() -> None:
    pdf = edition("print").pdf
    cover, inner = _render_full(pdf, 0), _render_full(pdf, 2)
    assert cover.size == (612 + 36, 792 + 36)
    in_bleed = (PRINT_MARGIN_PT - BLEED_PT / 2, 792 / 2)  # 4.5 pt outside the trim, left edge
    pixel = cover.getpixel((int(in_bleed[0]), int(in_bleed[1])))
    assert max(pixel) - min(pixel) > 40, f"cover bleed is not coloured: {pixel}"
    assert inner.getpixel((int(in_bleed[0]), int(in_bleed[1]))) == (255, 255, 255)
    # A crop mark: black, in the outer half of WeasyPrint's bleed area, on the trim line.
    mark_row = [cover.getpixel((x, int(PRINT_MARGIN_PT))) for x in range(0, 8)]
    assert all(sum(p) < 450 for p in mark_row), mark_row


# District editions keep what the variant gives them


def test_district_screen_edition_keeps_tags_and_fields() -> None:
    reader = PdfReader(io.BytesIO(district_edition("screen")))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert len([n for n in reader.get_fields() if n.startswith("rating-")]) == 5
    report = check(district_edition("screen"), "district.pdf")
    assert report.passed, report.table()
    assert reader.metadata.title == "Portrait of a Leader: Example: Cedar Ridge Unified School District edition (Draft)"


def test_district_print_edition_is_padded_with_notes_pages() -> None:
    pdf = district_edition("print")
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages % 4 == 0
    # cover, foreword, the shared pages, notes..., back cover
    notes = [
        i
        for i, p in enumerate(reader.pages)
        if p.extract_text().strip().endswith("Notes") or "Notes" in p.extract_text().split("\n")[:3]
    ]
    assert notes == list(range(pages - 1 - len(notes), pages - 1)), notes
    assert 1 <= len(notes) <= 3  # only as many as make the count a multiple of 4
    report = check(pdf, "district-print.pdf")
    assert report.passed, report.table()


# Page labels: a viewer's page box says what the page prints


def printed_folio(page) -> str | None:  # page: a pypdf page
    """The number printed below the text area on the right, where base.css puts the folio."""
    trim = page.trimbox
    found = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip().isdigit() and x > float(trim.left) + float(trim.width) / 2 and y < float(trim.bottom) + 54:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    assert len(found) <= 1, found
    return found[0] if found else None


def expected_labels(reader: PdfReader) -> list[str]:
    """What each page prints, from its text; where it prints no number, what the page is."""
    expected = []
    front = ["i", "ii", "iii", "iv"]
    notes = 0
    for index, page in enumerate(reader.pages):
        folio = printed_folio(page)
        if folio is not None:
            expected.append(folio)
        elif index == 0:
            expected.append("Cover")
        elif index == len(reader.pages) - 1:
            expected.append("Back cover")
        elif page.extract_text().lstrip().startswith("Notes"):
            notes += 1
            expected.append(f"Notes {notes}")
        else:
            assert not any(label.isdigit() for label in expected), f"page {index + 1} prints no number"
            expected.append(front.pop(0))  # a foreword page, before page 2
    return expected


@pytest.mark.parametrize("variant", ["screen", "print"])
@pytest.mark.parametrize("publication", ["portrait", "district"])
def test_page_labels_are_what_each_page_prints(publication: str, variant: str) -> None:
    pdf = edition(variant).pdf if publication == "portrait" else district_edition(variant)
    reader = PdfReader(io.BytesIO(pdf))
    labels = reader.page_labels
    assert labels == expected_labels(reader)
    front = ["Cover", "2"] if publication == "portrait" else ["Cover", "i", "2"]
    assert labels[: len(front)] == front
    assert labels[-1] == "Back cover"
    numbered = [int(label) for label in labels if label.isdigit()]
    assert numbered == list(range(2, 2 + len(numbered)))
    if variant == "print" and publication == "district":
        assert "Notes 1" in labels


# Contrast (WCAG 2.1 AA) where white text sits on the gradient


@lru_cache(maxsize=1)
def _textless_screen_edition() -> bytes:
    """The screen edition without its text: what the text sits on.

    The same HTML laid out with every glyph transparent (colour does not change the layout).
    """
    renderer = edition("screen").renderer
    html = renderer.html().replace("</head>", "<style>* { color: transparent !important; }</style></head>", 1)
    return renderer.layout(html).write_pdf()


def _backdrop(index: int, scale: float) -> Image.Image:
    page = pdfium.PdfDocument(_textless_screen_edition())[index]
    return page.render(scale=scale).to_pil().convert("RGB")


def white_text_contrast(pdf: bytes, index: int, scale: float = 2.0) -> list[tuple[float, float, str]]:
    """(contrast, font size in pt, character) for every white character on page ``index``.

    The contrast is against the lightest backdrop pixel inside the character's box: the worst
    case over the gradient, scrims and translucent circles behind it.
    """
    page = pdfium.PdfDocument(pdf)[index]
    backdrop = _backdrop(index, scale)
    text = page.get_textpage()
    height = page.get_height()
    found = []
    for i in range(text.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(text, i))
        if not char.strip():
            continue
        r, g, b, a = (pdfium_c.c_uint() for _ in range(4))
        pdfium_c.FPDFText_GetFillColor(text, i, r, g, b, a)
        if (r.value, g.value, b.value) != (255, 255, 255):
            continue
        left, bottom, right, top = text.get_charbox(i)
        box = (
            int(left * scale),
            int((height - top) * scale),
            int(right * scale) + 1,
            int((height - bottom) * scale) + 1,
        )
        pixels = backdrop.crop(box).get_flattened_data()
        lightest = max(pixels, key=lambda rgb: relative_luminance(to_hex(rgb)))
        # WeasyPrint draws at 0.75 pt per CSS px; pdfium reports the size in the text matrix.
        size_pt = pdfium_c.FPDFText_GetFontSize(text, i) * 0.75
        found.append((contrast(WHITE, to_hex(lightest)), size_pt, char))
    return found


@pytest.mark.parametrize("page_of", ["cover", "call to action", "back cover"])
def test_white_text_on_the_gradient_meets_wcag_aa(page_of: str) -> None:
    pdf = edition("screen").pdf
    reader = PdfReader(io.BytesIO(pdf))
    index = {"cover": 0, "back cover": len(reader.pages) - 1}.get(page_of)
    if index is None:
        index = next(i for i, p in enumerate(reader.pages) if "Now forming the" in p.extract_text())
    measured = white_text_contrast(pdf, index)
    assert len(measured) > 40
    failing = [(round(c, 2), size, ch) for c, size, ch in measured if c < (3.0 if size >= 18 else 4.5)]
    assert not failing, failing[:10]


def test_both_editions_are_reproducible() -> None:
    """Same inputs, same bytes: WeasyPrint's random XMP DocumentID (PDF/X-4) is replaced."""
    for variant in ("screen", "print"):
        assert edition(variant).renderer.portrait().pdf == edition(variant).pdf, variant
    # Shared pages written again for another edition carry one set of crop marks, not two.
    again = edition("print").renderer.edition(district()).pdf
    assert again == district_edition("print")


def test_lists_say_how_they_are_numbered() -> None:
    """Every list (L) carries /ListNumbering from its CSS list-style-type; a list whose items
    have a label (Lbl: a bullet or a number) says which kind (PDF/UA-2 8.2.5.25)."""
    import pikepdf
    from _editions import edition

    with pikepdf.open(io.BytesIO(edition("screen").pdf)) as pdf:
        lists: list[tuple[str, bool]] = []
        stack = [pdf.Root.StructTreeRoot.K]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if node.S == "/L":
                    labelled = any(
                        isinstance(li, pikepdf.Dictionary)
                        and any(isinstance(k, pikepdf.Dictionary) and k.get("/S") == "/Lbl" for k in li.get("/K", []))
                        for li in node.K
                    )
                    lists.append((str(node.A.ListNumbering), labelled))
                stack.append(node.get("/K"))
    assert lists and all(numbering != "/None" for numbering, labelled in lists if labelled), lists
    assert {numbering for numbering, _ in lists} >= {"/Disc", "/None"}  # bullets; the contents


def test_each_notes_cell_names_its_own_row_header() -> None:
    """The "What will I grow next?" cell spans the row under an attribute: its /Headers is that
    attribute's row header (from the HTML headers attribute), not the five column headers, and
    every /ID a cell names is in the /IDTree."""
    import pikepdf
    from _editions import edition

    with pikepdf.open(io.BytesIO(edition("screen").pdf)) as pdf:
        ids = dict(pikepdf.NameTree(pdf.Root.StructTreeRoot.IDTree).items())
        rows: list[list[pikepdf.Dictionary]] = []
        stack = [pdf.Root.StructTreeRoot.K]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(reversed(list(node)))
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if node.S == "/TR":
                    rows.append(
                        [c for c in node.K if isinstance(c, pikepdf.Dictionary) and c.get("/S") in ("/TH", "/TD")]
                    )
                stack.append(node.get("/K"))
    notes = [(i, row[0]) for i, row in enumerate(rows) if row[0].S == "/TD" and int(row[0].A.get("/ColSpan", 1)) > 1]
    assert len(notes) == 5
    for i, cell in notes:
        row_header = rows[i - 1][0]
        assert row_header.S == "/TH" and row_header.A.Scope == "/Row"
        assert [str(h) for h in cell.A.Headers] == [str(row_header.ID)]
    named = {str(h) for row in rows for c in row if "/A" in c and "/Headers" in c.A for h in c.A.Headers}
    assert named and named <= set(ids)
