"""Every preflight rule, and every condition inside it, fails on a file broken in exactly that way.

Each case edits a real edition (the screen or print Portrait built once per test process) with
pikepdf so that one condition of one rule no longer holds, then checks that this rule, and no
other, fails with the reason a reader of the report needs. A rule whose check were removed, or
a condition dropped from it, lets its broken file pass and fails its test here.

tests/check/test_preflight.py checks the rules against faults as a whole; these are per condition.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from _defects import figure_box_in_css_px, link_in_a_span, no_id_tree, unnamed_radio_button  # noqa: E402
from _editions import edition  # noqa: E402
from pikepdf import Array, Dictionary, Name, String
from PIL import Image
from weasyprint import HTML

from portrait.check.facts import read_facts  # noqa: E402
from portrait.check.preflight import (  # noqa: E402
    RULES,
    Report,
    check,
    check_file,
    profile_of,
    require,
)
from portrait.errors import BuildError, InputError  # noqa: E402

Edit = Callable[[pikepdf.Pdf], None]


def edited(variant: str, edit: Edit) -> bytes:
    """The ``variant`` Portrait with ``edit`` applied."""
    with pikepdf.open(io.BytesIO(edition(variant).pdf)) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def report_of(data: bytes, profile: str) -> Report:
    return check(data, "test.pdf", profile)


def failures(data: bytes, profile: str) -> dict[str, str]:
    return {r.rule: r.detail for r in report_of(data, profile).failures}


# Edits --------------------------------------------------------------------------------------


def xmp(old: str, new: str) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        text = pdf.Root.Metadata.read_bytes().decode()
        assert re.search(old, text), old
        pdf.Root.Metadata.write(re.sub(old, new, text).encode())

    return edit


def info(key: str, value: object | None) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        if value is None:
            del pdf.docinfo[key]
        else:
            pdf.docinfo[key] = value

    return edit


def root(key: str, value: object | None) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        if value is None:
            del pdf.Root[key]
        else:
            pdf.Root[key] = value

    return edit


def struct_elements(pdf: pikepdf.Pdf):
    stack = [pdf.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, Array):
            stack.extend(reversed(list(node)))
        elif isinstance(node, Dictionary) and "/S" in node:
            yield node
            if "/K" in node:
                stack.append(node.K)


def retag(old: str, new: str, count: int = 1) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        found = [e for e in struct_elements(pdf) if Name(old) == e.S]
        assert found, old
        for element in found[:count] if count else found:
            element.S = Name(new)

    return edit


def annotations(pdf: pikepdf.Pdf, subtype: str):
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") == Name(subtype):
                yield annot


def first_annotation(subtype: str, change: Callable[[Dictionary], None]) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        change(next(annotations(pdf, subtype)))

    return edit


def page_key(index: int, key: str, value: object | None) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[index].obj
        if value is None:
            del page[key]
        else:
            page[key] = value

    return edit


def unembed_a_font(pdf: pikepdf.Pdf) -> None:
    font = next(iter(pdf.pages[0].Resources.Font.values()))
    if "/DescendantFonts" in font:
        font = font.DescendantFonts[0]
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if key in font.FontDescriptor:
            del font.FontDescriptor[key]


def break_a_link(pdf: pikepdf.Pdf) -> None:
    link = next(a for a in annotations(pdf, "/Link") if "/URI" not in a.get("/A", {}))
    if "/A" in link:
        del link["/A"]
    link.Dest = String("no-such-anchor")


def orphan_a_paragraph(pdf: pikepdf.Pdf) -> None:
    paragraph = next(e for e in struct_elements(pdf) if e.S == Name.P)
    parent = paragraph.P
    parent.K = Array([k for k in parent.K if not (isinstance(k, Dictionary) and k.objgen == paragraph.objgen)])


def remove_every_page(pdf: pikepdf.Pdf) -> None:
    while len(pdf.pages):
        del pdf.pages[-1]


def nth_heading(index: int, kind: str) -> Edit:
    """Retag the ``index``-th heading in reading order (the structure tree's depth-first order)."""

    def edit(pdf: pikepdf.Pdf) -> None:
        found = [e for e in struct_elements(pdf) if re.fullmatch(r"/H[1-6]", str(e.S))]
        found[index].S = Name(kind)

    return edit


def only_headings(level: int) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        for element in struct_elements(pdf):
            if re.fullmatch(r"/H[1-6]", str(element.S)):
                element.S = Name(f"/H{level}") if level else Name.P

    return edit


def second_output_intent(pdf: pikepdf.Pdf) -> None:
    intent = pdf.Root.OutputIntents[0]
    pdf.Root.OutputIntents.append(pdf.make_indirect(Dictionary({k: v for k, v in intent.items()})))


def intent_key(key: str, value: object | None) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        intent = pdf.Root.OutputIntents[0]
        if value is None:
            del intent[key]
        else:
            intent[key] = value

    return edit


def rgb_output_profile(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OutputIntents[0].DestOutputProfile.N = 3


def drop_default_rgb(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        spaces = page.obj.Resources.get("/ColorSpace")
        if spaces is not None and "/DefaultRGB" in spaces:
            del spaces["/DefaultRGB"]
            return
    raise AssertionError("no DefaultRGB")


def box(index: int, key: str, values: tuple[float, ...]) -> Edit:
    return page_key(index, key, Array(values))


def add_a_link(pdf: pikepdf.Pdf) -> None:
    link = Dictionary(
        Type=Name.Annot,
        Subtype=Name.Link,
        Rect=Array([72, 72, 144, 90]),
        A=Dictionary(S=Name.URI, URI=String("https://knowledgeworks.org")),
    )
    pdf.pages[1].obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(link)]))


def add_a_field(pdf: pikepdf.Pdf) -> None:
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("notes"),
            TU=String("Your notes"),
            Rect=Array([72, 72, 300, 90]),
            P=pdf.pages[1].obj,
        )
    )
    pdf.pages[1].obj.Annots = pdf.make_indirect(Array([field]))
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))


def field_tooltip(value: str | None) -> Edit:
    def edit(pdf: pikepdf.Pdf) -> None:
        field = next(a for a in annotations(pdf, "/Widget") if a.get("/FT") == Name.Tx)
        if value is None:
            del field["/TU"]
        else:
            field.TU = String(value)

    return edit


def delete(key: str) -> Callable[[Dictionary], None]:
    def change(annot: Dictionary) -> None:
        del annot[key]

    return change


def set_key(key: str, value: object) -> Callable[[Dictionary], None]:
    def change(annot: Dictionary) -> None:
        annot[key] = value

    return change


# The cases: (rule, profile, edit, what the report says) -------------------------------------

TOOLTIP = re.compile(r"form fields without a tooltip \(/TU\): \S+ \(Matterhorn checkpoint 28\)")


# What the report says is matched whole: the detail is what a reader of the report acts on.
def paint(page: int, content: bytes) -> Edit:
    """Paint ``content`` on top of page ``page`` (0-based); ``{font}`` is one of its fonts."""

    def edit(pdf: pikepdf.Pdf) -> None:
        target = pdf.pages[page]
        font = next(iter(target.Resources.Font.keys())).lstrip("/")
        target.contents_add(pdf.make_stream(content.replace(b"{font}", font.encode())), prepend=False)

    return edit


CASES: dict[str, tuple[str, str, Edit, str | re.Pattern[str]]] = {
    # every file
    "fonts: a font not embedded": ("fonts embedded", "screen", unembed_a_font, re.compile(r"not embedded: \S.*")),
    "metadata: no Info /Title": ("metadata", "screen", info("/Title", None), "no document title (Info /Title)"),
    "metadata: a blank Info /Title": ("metadata", "print", info("/Title", "  "), "no document title (Info /Title)"),
    "metadata: no dc:title in the XMP": (
        "metadata",
        "screen",
        xmp(r"<dc:title>.*?</dc:title>", ""),
        "no dc:title in the XMP metadata",
    ),
    "metadata: an empty dc:title": (
        "metadata",
        "screen",
        xmp(r"<dc:title>.*?</dc:title>", "<dc:title/>"),
        "no dc:title in the XMP metadata",
    ),
    "metadata: a dc:title with an empty alternative": (
        "metadata",
        "screen",
        xmp(
            r"<dc:title>.*?</dc:title>",
            '<dc:title><rdf:Alt><rdf:li xml:lang="x-default"> </rdf:li></rdf:Alt></dc:title>',
        ),
        "no dc:title in the XMP metadata",
    ),
    "metadata: no dc:title in the print XMP": (
        "metadata",
        "print",
        xmp(r"<dc:title>.*?</dc:title>", ""),
        "no dc:title in the XMP metadata",
    ),
    "internal links: a link to nowhere": (
        "internal links",
        "screen",
        break_a_link,
        re.compile(r"1 links go nowhere \(on pages \d+\)"),
    ),
    # screen
    "PDF/UA: no part": (
        "PDF/UA identifier",
        "screen",
        xmp(r' pdfuaid:part="1"', ""),
        "no pdfuaid:part=1 in the XMP metadata (Matterhorn checkpoint 06)",
    ),
    "PDF/UA: part 2": (
        "PDF/UA identifier",
        "screen",
        xmp(r'pdfuaid:part="1"', 'pdfuaid:part="2"'),
        "no pdfuaid:part=1 in the XMP metadata (Matterhorn checkpoint 06)",
    ),
    # screen, PDF/UA-2 (build --conformance ua2)
    "PDF/UA-2: part 1": (
        "PDF/UA identifier",
        "screen-ua2",
        xmp(r'pdfuaid:part="2"', 'pdfuaid:part="1"'),
        "no pdfuaid:part=2 in the XMP metadata (PDF/UA-2 5)",
    ),
    "PDF/UA-2: no revision": (
        "PDF/UA identifier",
        "screen-ua2",
        xmp(r"<pdfuaid:rev>2024</pdfuaid:rev>", ""),
        "no pdfuaid:rev in the XMP metadata (PDF/UA-2 5)",
    ),
    "PDF/UA-2: no namespace": (
        "PDF/UA identifier",
        "screen-ua2",
        lambda pdf: pdf.Root.StructTreeRoot.__delitem__("/Namespaces"),
        "no /Namespaces in the structure tree root: no PDF 2.0 namespace (PDF/UA-2 8.2.5.2)",
    ),
    "structure destinations: a bookmark to a page": (
        "structure destinations",
        "screen-ua2",
        lambda pdf: pdf.Root.Outlines.First.A.__delitem__("/SD"),
        "0 internal links and 1 bookmarks lack a structure destination (/SD) (PDF/UA-2 8.8)",
    ),
    "tagged: no structure tree": (
        "tagged structure",
        "screen",
        root("/StructTreeRoot", None),
        "no /StructTreeRoot: the PDF is not tagged (Matterhorn checkpoint 01)",
    ),
    "tagged: /Marked false": (
        "tagged structure",
        "screen",
        root("/MarkInfo", Dictionary(Marked=False)),
        "/MarkInfo /Marked is not true (PDF/UA-1 7.1)",
    ),
    "tagged: no /MarkInfo": (
        "tagged structure",
        "screen",
        root("/MarkInfo", None),
        "/MarkInfo /Marked is not true (PDF/UA-1 7.1)",
    ),
    "tagged: a page with links without /Tabs": (
        "tagged structure",
        "screen",
        page_key(1, "/Tabs", None),
        "1 pages with annotations lack /Tabs /S (on pages 2) (Matterhorn checkpoint 28)",
    ),
    "tagged: a page with fields with /Tabs /R": (
        "tagged structure",
        "screen",
        page_key(11, "/Tabs", Name.R),
        "1 pages with annotations lack /Tabs /S (on pages 12) (Matterhorn checkpoint 28)",
    ),
    "content: an element outside the tree": (
        "content tagged",
        "screen",
        orphan_a_paragraph,
        re.compile(
            r"\d+ pieces of content belong to structure elements outside the tree: neither tagged nor"
            r" artifacts \(Matterhorn checkpoints 01 and 18\)"
        ),
    ),
    "language: none": (
        "language",
        "screen",
        root("/Lang", None),
        "no document language (/Lang) (Matterhorn checkpoint 11)",
    ),
    "language: empty": (
        "language",
        "screen",
        root("/Lang", String("")),
        "no document language (/Lang) (Matterhorn checkpoint 11)",
    ),
    "title displayed: no viewer preferences": (
        "title displayed",
        "screen",
        root("/ViewerPreferences", None),
        "ViewerPreferences /DisplayDocTitle is not true (Matterhorn checkpoint 07)",
    ),
    "title displayed: DisplayDocTitle false": (
        "title displayed",
        "screen",
        root("/ViewerPreferences", Dictionary(DisplayDocTitle=False)),
        "ViewerPreferences /DisplayDocTitle is not true (Matterhorn checkpoint 07)",
    ),
    "headings: none": ("heading levels", "screen", only_headings(0), "no headings tagged (H1–H6)"),
    "headings: the first is H2": (
        "heading levels",
        "screen",
        only_headings(2),
        "the first heading is H2, not H1 (Matterhorn checkpoint 14)",
    ),
    "headings: H2 to H4": (
        "heading levels",
        "screen",
        retag("/H2", "/H4"),
        "heading level skips from H1 to H4 (Matterhorn checkpoint 14)",
    ),
    "headings: H1 to H3": (
        "heading levels",
        "screen",
        retag("/H2", "/H3"),
        "heading level skips from H1 to H3 (Matterhorn checkpoint 14)",
    ),
    "headings: the first is H2, the next H1": (
        "heading levels",
        "screen",
        lambda pdf: nth_heading(0, "/H2")(pdf),
        "the first heading is H2, not H1 (Matterhorn checkpoint 14)",
    ),
    "alt text: a figure without it": (
        "alt text",
        "screen",
        retag("/P", "/Figure"),
        re.compile(r"1 of \d+ figures have no alternate text \(Matterhorn checkpoint 13\)"),
    ),
    "table headers: a table without TH": (
        "table headers",
        "screen",
        retag("/TH", "/TD", count=0),
        "1 of 1 tables have no header cells (TH) (Matterhorn checkpoint 15)",
    ),
    "annotations: a link without /StructParent": (
        "tagged annotations",
        "screen",
        first_annotation("/Link", delete("/StructParent")),
        "1 link or widget annotations are not tagged (Matterhorn checkpoint 28)",
    ),
    "annotations: a field without /StructParent": (
        "tagged annotations",
        "screen",
        first_annotation("/Widget", delete("/StructParent")),
        "1 link or widget annotations are not tagged (Matterhorn checkpoint 28)",
    ),
    "link descriptions: none": (
        "link descriptions",
        "screen",
        first_annotation("/Link", delete("/Contents")),
        "1 link annotations have no description (/Contents) (Matterhorn checkpoint 28)",
    ),
    "link descriptions: blank": (
        "link descriptions",
        "screen",
        first_annotation("/Link", set_key("/Contents", String("   "))),
        "1 link annotations have no description (/Contents) (Matterhorn checkpoint 28)",
    ),
    "field tooltips: none": ("form field tooltips", "screen", field_tooltip(None), TOOLTIP),
    "field tooltips: blank": ("form field tooltips", "screen", field_tooltip("  "), TOOLTIP),
    "link elements: a link annotation in a Span": (
        "link elements",
        "screen",
        link_in_a_span,
        "1 link annotations are not in a Link element; first on page 2, in a Span (PDF/UA-1 7.18.5,"
        " Matterhorn checkpoint 28)",
    ),
    "structure IDs: no /IDTree": (
        "structure IDs",
        "screen",
        no_id_tree,
        re.compile(r"10 structure element IDs are not in the /IDTree; first '\d+-0-0' \(ISO 32000-1 14\.7\.2\)"),
    ),
    "figure boxes: a /BBox in CSS px": (
        "figure boxes",
        "screen",
        figure_box_in_css_px,
        "1 Figure /BBox lie outside their page; first on page 1: [625.28 865.28 723.52 963.52]"
        " (PDF user space, ISO 32000-1 14.8.5.4.3)",
    ),
    "widget names: a radio button without /Contents": (
        "widget names",
        "screen",
        unnamed_radio_button,
        "1 widget annotations have no accessible name (/Contents or /TU); first on page 12 (Matterhorn checkpoint 28)",
    ),
    # print
    "PDF/X: no version": (
        "PDF/X-4 keys",
        "print",
        xmp(r"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>", ""),
        "GTS_PDFXVersion in XMP is none, not PDF/X-4",
    ),
    "PDF/X: version X-3": (
        "PDF/X-4 keys",
        "print",
        xmp(r"<pdfxid:GTS_PDFXVersion>PDF/X-4<", "<pdfxid:GTS_PDFXVersion>PDF/X-3:2003<"),
        "GTS_PDFXVersion in XMP is PDF/X-3:2003, not PDF/X-4",
    ),
    "PDF/X: no /Trapped": ("PDF/X-4 keys", "print", info("/Trapped", None), "Info /Trapped is not True or False"),
    "PDF/X: /Trapped /Unknown": (
        "PDF/X-4 keys",
        "print",
        info("/Trapped", Name.Unknown),
        "Info /Trapped is not True or False",
    ),
    "output intent: none": (
        "output intent",
        "print",
        root("/OutputIntents", None),
        "0 GTS_PDFX output intents; exactly one is needed",
    ),
    "output intent: two": (
        "output intent",
        "print",
        second_output_intent,
        "2 GTS_PDFX output intents; exactly one is needed",
    ),
    "output intent: PDF/A, not PDF/X": (
        "output intent",
        "print",
        intent_key("/S", Name.GTS_PDFA1),
        "0 GTS_PDFX output intents; exactly one is needed",
    ),
    "output intent: no ICC profile": (
        "output intent",
        "print",
        intent_key("/DestOutputProfile", None),
        "the output intent has no embedded ICC profile (DestOutputProfile)",
    ),
    "output intent: an RGB profile": (
        "output intent",
        "print",
        rgb_output_profile,
        "the output profile has 3 components, not CMYK",
    ),
    "device colour: RGB without DefaultRGB": (
        "device colour",
        "print",
        drop_default_rgb,
        re.compile(
            r"\d+ pages or forms paint in DeviceRGB with no DefaultRGB colour space:"
            r" the press cannot know what the RGB means"
        ),
    ),
    "page boxes: no TrimBox": ("page boxes", "print", page_key(2, "/TrimBox", None), "no TrimBox on pages 3"),
    "page boxes: no BleedBox": ("page boxes", "print", page_key(4, "/BleedBox", None), "no BleedBox on pages 5"),
    "page boxes: BleedBox inside the TrimBox": (
        "page boxes",
        "print",
        box(3, "/BleedBox", (10, 10, 600, 780)),
        "TrimBox ⊆ BleedBox ⊆ MediaBox does not hold on pages 4",
    ),
    "page boxes: BleedBox outside the MediaBox": (
        "page boxes",
        "print",
        box(5, "/BleedBox", (-40, -40, 2000, 2000)),
        "TrimBox ⊆ BleedBox ⊆ MediaBox does not hold on pages 6",
    ),
    "interactive: a link": (
        "no links or fields",
        "print",
        add_a_link,
        "a print file has no links or form fields; found 1 Link",
    ),
    "interactive: a form field": (
        "no links or fields",
        "print",
        add_a_field,
        "a print file has no links or form fields; found 1 Widget",
    ),
    "small text inks: 8 pt in four inks": (
        "small text inks",
        "print",
        paint(1, b"q 0.3 0.3 0.3 0.3 k BT /{font} 8 Tf 100 100 Td (Small) Tj ET Q"),
        "1 runs of text under 12 pt print in more than 2 inks (e.g. 8 pt in 4 inks, DeviceCMYK 0.3 0.3 0.3 0.3,"
        " on page 2; pages 2): give the colour a one- or two-ink build",
    ),
    "small text inks: 11 pt scaled from 22 pt, in RGB the press separates into four inks": (
        "small text inks",
        "print",
        paint(4, b"q 0.5 0 0 0.5 0 0 cm 0.2 0.3 0.4 rg BT /{font} 22 Tf 100 100 Td (Small) Tj ET Q"),
        "1 runs of text under 12 pt print in more than 2 inks (e.g. 11 pt in 4 inks, DeviceRGB 0.2 0.3 0.4,"
        " on page 5; pages 5): give the colour a one- or two-ink build",
    ),
    "ink coverage: a solid in all four inks (400 %)": (
        "ink coverage",
        "print",
        paint(2, b"q 1 1 1 1 k 100 100 300 300 re f Q"),
        "total area coverage above the profile's limit of 300 % on pages 3 (up to 400 % on page 3)",
    ),
    "booklet: 15 pages": (
        "booklet pages",
        "print",
        lambda pdf: pdf.pages.remove(pdf.pages[5]),
        "15 pages is not a multiple of 4 (saddle stitching)",
    ),
}


@pytest.mark.parametrize("variant", ["screen", "print", "screen-ua2"])
def test_the_real_editions_pass_every_rule(variant: str) -> None:
    report = report_of(edition(variant).pdf, variant)
    assert report.profile == variant and report.failures == [], report.table()
    assert [r.rule for r in report.results] == [name for name, _ in RULES[variant]]


@pytest.mark.parametrize("case", list(CASES))
def test_a_file_broken_in_one_way_fails_that_rule_only(case: str) -> None:
    rule, profile, edit, reason = CASES[case]
    found = failures(edited(profile, edit), profile)
    assert set(found) == {rule}, found
    if isinstance(reason, re.Pattern):
        assert reason.fullmatch(found[rule]), found[rule]
    else:
        assert found[rule] == reason


def test_every_rule_has_a_case() -> None:
    """Image resolution and page count are tested on files of their own below; the rules of the
    structure tree's content (paints, empty elements, punctuation runs, header scope) each have
    their fault in tests/check/test_preflight.py."""
    from test_preflight import SCREEN_FAULTS

    covered = {(profile, rule) for rule, profile, _, _ in CASES.values()}
    rules = {(profile, name) for profile, rules in RULES.items() for name, _ in rules}
    # the common rules are covered in one profile; they are the same function in the other
    common = {name for name, _ in RULES["screen"]} & {name for name, _ in RULES["print"]}
    covered |= {(p, rule) for _, rule in covered if rule in common for p in RULES}
    covered |= {("screen", rule) for rule in ("content marked", "empty elements", "punctuation runs", "header scope")}
    # the PDF/UA-2 profile's other rules are the screen profile's own functions
    same = {name for name, test in RULES["screen-ua2"] if (name, test) in RULES["screen"]}
    covered |= {("screen-ua2", rule) for profile, rule in set(covered) if profile == "screen" and rule in same}
    assert {rule for rule in ("content marked", "empty elements", "punctuation runs", "header scope")} <= set(
        SCREEN_FAULTS
    )
    assert rules - covered == {
        ("screen", "page count"),
        ("print", "page count"),
        ("screen", "image resolution"),
        ("print", "image resolution"),
        ("screen-ua2", "page count"),
        ("screen-ua2", "image resolution"),
    }


def test_a_page_without_annotations_needs_no_tab_order() -> None:
    """Matterhorn 28-002 asks for /Tabs /S on pages with annotations; the cover has none."""
    assert not edition("screen").facts.pages_without_tab_order
    with pikepdf.open(io.BytesIO(edition("screen").pdf)) as pdf:
        assert "/Annots" not in pdf.pages[0].obj
    assert failures(edited("screen", page_key(0, "/Tabs", None)), "screen") == {}


def test_the_report_names_each_page_and_counts_many() -> None:
    def edit(pdf: pikepdf.Pdf) -> None:
        for index in range(1, 12):
            del pdf.pages[index].obj["/TrimBox"]

    (detail,) = failures(edited("print", edit), "print").values()
    assert detail == "no TrimBox on pages 2, 3, 4, 5, 6, 7, 8, 9 and 3 more"


# Page count, and files that are not PDFs ----------------------------------------------------


@pytest.mark.parametrize("profile", ["screen", "print"])
def test_a_file_with_no_pages_fails_the_page_count(profile: str) -> None:
    results = {r.rule: r for r in report_of(edited(profile, remove_every_page), profile).results}
    assert not results["page count"].passed and results["page count"].detail == "0 pages"


def test_one_page_passes_the_page_count() -> None:
    def keep_one(pdf: pikepdf.Pdf) -> None:
        while len(pdf.pages) > 1:
            del pdf.pages[-1]

    results = {r.rule: r for r in report_of(edited("screen", keep_one), "screen").results}
    assert results["page count"].passed and results["page count"].detail == "1 pages"


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, world", b"<html><body>not a pdf</body></html>", b"%PDF-1.7\n%%EOF\n", b"\x00" * 64],
    ids=["empty", "text", "html", "a header only", "zeros"],
)
def test_bytes_that_are_not_a_pdf_fail_as_unreadable(data: bytes) -> None:
    report = report_of(data, "screen")
    assert not report.passed
    assert [r.rule for r in report.results] == ["readable"]
    assert report.results[0].detail.startswith("not a readable PDF: ")


def test_a_truncated_pdf_fails() -> None:
    data = edition("screen").pdf
    report = report_of(data[: len(data) // 3], "auto")
    assert not report.passed


# Which profile a file gets ------------------------------------------------------------------


def test_the_profile_follows_what_the_file_claims() -> None:
    assert report_of(edition("screen").pdf, "auto").profile == "screen"
    assert report_of(edition("print").pdf, "auto").profile == "print"
    no_version = edited("print", xmp(r"<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>", ""))
    assert profile_of(read_facts(no_version)) == "print"  # the output intent alone says print
    no_intent = edited("print", root("/OutputIntents", None))
    assert profile_of(read_facts(no_intent)) == "print"  # the XMP alone says print
    other_intent = edited("print", intent_key("/S", Name.GTS_PDFA1))
    assert profile_of(read_facts(other_intent)) == "print"
    neither = edited("print", lambda pdf: (root("/OutputIntents", None)(pdf), xmp("PDF/X-4<", "<")(pdf)))
    assert profile_of(read_facts(neither)) == "screen"


# Image resolution at its limits -------------------------------------------------------------


def _image_pdf(tmp_path: Path, pixels: int, inches: float) -> bytes:
    Image.new("RGB", (pixels, pixels), (200, 30, 120)).save(tmp_path / "photo.png")
    html = f'<img src="photo.png" alt="A test photo" style="width: {inches}in; height: {inches}in">'
    return HTML(string=html, base_url=str(tmp_path) + "/").write_pdf()


@pytest.mark.parametrize(
    ("pixels", "profile", "passes", "detail"),
    [
        (192, "screen", True, "1 images, lowest 96 dpi effective"),
        (190, "screen", False, "1 images below 96 dpi effective; lowest 95 dpi (190×190 px on page 1)"),
        (600, "print", True, "1 images, lowest 300 dpi effective"),
        (598, "print", False, "1 images below 300 dpi effective; lowest 299 dpi (598×598 px on page 1)"),
    ],
)
def test_image_resolution_at_the_limit(tmp_path: Path, pixels: int, profile: str, passes: bool, detail: str) -> None:
    report = report_of(_image_pdf(tmp_path, pixels, 2.0), profile)
    (result,) = [r for r in report.results if r.rule == "image resolution"]
    assert (result.passed, result.detail) == (passes, detail)


def test_vector_art_only_passes_the_image_resolution() -> None:
    (result,) = [r for r in report_of(edition("print").pdf, "print").results if r.rule == "image resolution"]
    assert result.passed and result.detail == "no raster images (vector art only)"


# The report and the build's use of it -------------------------------------------------------


def test_require_names_every_failed_rule() -> None:
    bad = edited("print", lambda pdf: (info("/Trapped", None)(pdf), page_key(2, "/TrimBox", None)(pdf)))
    report = check(bad, "book.pdf", "print")
    with pytest.raises(BuildError) as caught:
        require(report)
    assert str(caught.value) == (
        "book.pdf fails the print preflight:\n"
        "  PDF/X-4 keys: Info /Trapped is not True or False\n"
        "  page boxes: no TrimBox on pages 3"
    )
    require(check(edition("print").pdf, "book.pdf", "print"))  # a good file: no error


def test_the_table_shows_every_rule_and_the_verdict() -> None:
    bad = edited("print", info("/Trapped", None))
    table = check(bad, "book.pdf", "print").table().splitlines()
    assert table[0] == "book.pdf (print)"
    assert re.fullmatch(r"  rule +result  detail", table[1])
    assert any(re.fullmatch(r"  PDF/X-4 keys +FAIL    Info /Trapped is not True or False", line) for line in table)
    assert any(re.fullmatch(r"  booklet pages +pass    16 pages, a multiple of 4", line) for line in table)
    assert table[-1] == "  → book.pdf FAILS 1 rule(s)"
    assert check(edition("print").pdf, "ok.pdf", "print").table().splitlines()[-1] == "  → ok.pdf passes"


def test_check_file_reads_the_file_or_names_it(tmp_path: Path) -> None:
    path = tmp_path / "book.pdf"
    path.write_bytes(edition("screen").pdf)
    assert check_file(path).passed and check_file(path).name == str(path)
    assert check_file(path, shown_as="output/book.pdf").name == "output/book.pdf"
    assert check_file(path, "print").profile == "print"
    with pytest.raises(InputError, match="cannot read the file"):
        check_file(tmp_path / "missing.pdf", shown_as="output/missing.pdf")


# Details of what passes, and of failures with more than one cause -----------------------------


def test_the_details_of_passing_rules_count_what_was_checked() -> None:
    """The details of a passing report are computed from the file's facts (read independently
    here), so a report that says the wrong thing fails."""
    screen = edition("screen")
    f = read_facts(screen.pdf)
    links, widgets = f.annotations.get("Link", 0), f.annotations.get("Widget", 0)
    assert links > 0 and widgets > 0 and f.structure.get("Table", 0) > 0
    expected = {
        "page count": f"{f.pages} pages",
        "fonts embedded": f"{len(f.fonts)} fonts, all embedded",
        "metadata": f"title “{f.metadata['Title']}”",
        "internal links": f"{len(f.internal_links)} internal links resolve",
        "PDF/UA identifier": "PDF/UA-1 declared in XMP",
        "tagged structure": f"{sum(f.structure.values())} structure elements",
        "content tagged": "all marked content is in the structure tree or an artifact",
        "language": f"/Lang {f.language}",
        "title displayed": "viewer shows the title",
        "heading levels": f"{len(f.headings)} headings, no skipped levels",
        "alt text": f"{f.structure.get('Figure', 0)} figures, all with alternate text",
        "table headers": f"{f.structure['Table']} tables, all with header cells",
        "tagged annotations": f"{links} links and {widgets} widgets, all tagged",
        "link descriptions": f"{links} links, all described",
        "form field tooltips": f"{len(f.form_fields)} form fields, all with tooltips",
    }
    details = {r.rule: r.detail for r in check(screen.pdf, "s.pdf").results}
    assert {rule: details[rule] for rule in expected} == expected
    p = read_facts(edition("print").pdf)
    expected = {
        "PDF/X-4 keys": f"PDF/X-4 declared, PDF {p.pdf_version}, Trapped False",
        "output intent": "FOGRA39, CMYK ICC profile embedded",
        "device colour": "DeviceRGB only where DefaultRGB (sRGB) defines it",
        "page boxes": "TrimBox and BleedBox on every page",
        "no links or fields": "no links or form fields",
        "image resolution": "no raster images (vector art only)",
        "booklet pages": f"{p.pages} pages, a multiple of 4",
    }
    details = {r.rule: r.detail for r in check(edition("print").pdf, "p.pdf").results}
    assert {rule: details[rule] for rule in expected} == expected


def test_figures_with_alternate_text_pass() -> None:
    def figure_with_alt(pdf: pikepdf.Pdf) -> None:
        paragraph = next(e for e in struct_elements(pdf) if e.S == Name.P)
        paragraph.S = Name.Figure
        paragraph.Alt = String("A test figure")

    results = {r.rule: r for r in check(edited("screen", figure_with_alt), "s.pdf").results}
    assert results["alt text"].passed and results["alt text"].detail == "1 figures, all with alternate text"


def test_a_file_without_tags_links_or_fields_counts_none() -> None:
    """The print edition has no structure tree, links or fields: checked as a screen file, the
    rules that need structure say so and the counts are zero."""
    details = {r.rule: r.detail for r in check(edition("print").pdf, "p.pdf", "screen").results}
    assert details["content tagged"] == details["heading levels"] == "— (no structure: see tagged structure)"
    assert details["alt text"] == "0 figures, all with alternate text"
    assert details["table headers"] == "0 tables, all with header cells"
    assert details["tagged annotations"] == "0 links and 0 widgets, all tagged"
    assert details["link descriptions"] == "0 links, all described"
    assert details["form field tooltips"] == "0 form fields, all with tooltips"


def test_a_trapped_file_passes_and_says_so() -> None:
    results = {r.rule: r for r in check(edited("print", info("/Trapped", Name("/True"))), "p.pdf").results}
    assert results["PDF/X-4 keys"].passed
    assert results["PDF/X-4 keys"].detail.endswith(", Trapped True")


def test_h1_then_h2_is_a_good_start() -> None:
    assert failures(edited("screen", nth_heading(1, "/H2")), "screen") == {}


def test_a_broken_link_names_its_page() -> None:
    def edit(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[1]  # the contents: every entry links to its page
        link = next(a for a in page.obj.Annots if a.Subtype == Name.Link and "/URI" not in a.get("/A", {}))
        if "/A" in link:
            del link["/A"]
        link.Dest = String("no-such-anchor")

    assert failures(edited("screen", edit), "screen") == {"internal links": "1 links go nowhere (on pages 2)"}


def test_every_cause_is_listed() -> None:
    names: list[str] = []

    def two_fonts(pdf: pikepdf.Pdf) -> None:
        fonts = list(pdf.pages[0].Resources.Font.values())[:2]
        for font in fonts:
            names.append(re.sub(r"^[A-Z]{6}\+", "", str(font.BaseFont).lstrip("/")))
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in descendant.FontDescriptor:
                    del descendant.FontDescriptor[key]

    detail = failures(edited("screen", two_fonts), "screen")["fonts embedded"]
    assert len(set(names)) == 2 and detail == "not embedded: " + ", ".join(sorted(names))
    fields: list[str] = []

    def two_fields(pdf: pikepdf.Pdf) -> None:
        for field in [a for a in annotations(pdf, "/Widget") if a.get("/FT") == Name.Tx][:2]:
            fields.append(str(field.T))
            del field["/TU"]

    detail = failures(edited("screen", two_fields), "screen")["form field tooltips"]
    assert detail == f"form fields without a tooltip (/TU): {', '.join(sorted(fields))} (Matterhorn checkpoint 28)"

    def link_and_field(pdf: pikepdf.Pdf) -> None:
        add_a_field(pdf)
        link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 72, 144, 90]))
        pdf.pages[1].obj.Annots.append(pdf.make_indirect(link))

    detail = failures(edited("print", link_and_field), "print")["no links or fields"]
    assert detail == "a print file has no links or form fields; found 1 Link, 1 Widget"


def test_page_lists_are_cut_after_eight() -> None:
    from portrait.check.preflight import _pages

    assert _pages([1, 2, 3, 4, 5, 6, 7, 8]) == "1, 2, 3, 4, 5, 6, 7, 8"
    assert _pages(list(range(1, 10))) == "1, 2, 3, 4, 5, 6, 7, 8 and 1 more"


def test_the_coarsest_image_is_named(tmp_path: Path) -> None:
    Image.new("RGB", (300, 200), (200, 30, 120)).save(tmp_path / "wide.png")
    Image.new("RGB", (120, 80), (30, 120, 200)).save(tmp_path / "small.png")
    html = (
        '<img src="wide.png" alt="a" style="width: 2in; height: 1.333in">'
        '<img src="small.png" alt="b" style="width: 2in; height: 1.333in">'
    )
    pdf = HTML(string=html, base_url=str(tmp_path) + "/").write_pdf()
    (result,) = [r for r in check(pdf, "x.pdf", "print").results if r.rule == "image resolution"]
    assert result.detail == "2 images below 300 dpi effective; lowest 60 dpi (120×80 px on page 1)"


def test_a_damaged_file_is_repaired_without_a_word_outside_the_report(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """qpdf repairs a file whose cross-reference offset is wrong, as pypdf did, and reads the same
    facts from it; its warnings are neither logged nor printed (the report says what is wrong)."""
    import logging

    data = edition("screen").pdf
    damaged = re.sub(rb"startxref\s+\d+", b"startxref\n17", data)
    assert damaged != data
    caplog.set_level(logging.WARNING)
    report = check(damaged, "d.pdf", "screen")
    assert report.passed, report.table()
    assert read_facts(damaged) == read_facts(data)
    assert caplog.records == []
    assert capfd.readouterr() == ("", "")


def test_an_unreadable_file_is_reported_under_its_name_and_profile() -> None:
    report = check(b"not a pdf", "given.pdf", "print")
    assert (report.name, report.profile) == ("given.pdf", "print")
    assert report.results[0].passed is False


def test_the_profile_defaults_to_what_the_file_claims() -> None:
    from portrait.check.preflight import check_facts

    assert check(edition("print").pdf, "p.pdf").profile == "print"
    assert check_facts(read_facts(edition("print").pdf), "p.pdf").profile == "print"
    assert check_facts(read_facts(edition("screen").pdf), "s.pdf").profile == "screen"


def test_a_missing_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pdf"
    with pytest.raises(InputError) as caught:
        check_file(missing)
    (problem,) = caught.value.problems
    assert (problem.file, problem.fix) == (str(missing), "give the path of a PDF file")
    assert problem.message == "cannot read the file (No such file or directory)"
