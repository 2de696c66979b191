"""Facts read back from a finished PDF with pikepdf: fonts, outline, links, metadata.

The build uses these to refuse a PDF whose text fell back to a system font; the tests and the
preflight check (portrait.check.preflight) use them to look at the file as a reader's software does:
tags, form fields, annotations, page boxes, output intents and image resolution too.

The build reads the facts of every edition it writes, so the file is parsed once, by qpdf (in C++,
through pikepdf): parsing its objects and content streams in Python, as pypdf did, was most of the
time a batch spent checking each edition.
"""

from __future__ import annotations

import bisect
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from fontTools.ttLib import TTFont

from portrait.check.inks import SmallText
from portrait.check.resolution import effective_dpi
from portrait.content_stream import IDENTITY, KnownPage, Matrix, matrix, multiply, page_content, read_pages

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")


@dataclass(frozen=True)
class FontUse:
    name: str  # the PDF's /BaseFont without the subset prefix
    embedded: bool
    program: str | None = None  # PostScript name inside the embedded font file, when readable


@dataclass
class PdfFacts:
    pages: int
    metadata: dict[str, str]
    fonts: list[FontUse] = field(default_factory=list)
    outline: list[tuple[int, str, int | None]] = field(default_factory=list)  # (level, title, page index)
    internal_links: list[tuple[int, int | None]] = field(default_factory=list)  # (from page, to page)
    # PDF/UA-2 8.8: internal links and outline items without a structure destination (/SD)
    links_without_sd: list[int] = field(default_factory=list)  # the pages they are on
    outline_without_sd: int = 0
    namespaces: bool = False  # the structure tree root's /Namespaces (PDF 2.0)
    external_links: list[str] = field(default_factory=list)
    language: str | None = None
    page_sizes: list[tuple[float, float]] = field(default_factory=list)
    pdf_version: str = ""
    xmp: str = ""  # the XMP metadata packet, as text
    # Accessibility (tagged PDF)
    tagged: bool = False  # a /StructTreeRoot
    marked: bool = False  # /MarkInfo << /Marked true >>
    display_doc_title: bool = False
    structure: dict[str, int] = field(default_factory=dict)  # structure type → count
    headings: list[int] = field(default_factory=list)  # heading levels in reading order
    figures_without_alt: int = 0
    tables_without_headers: int = 0  # Table elements with no TH cell
    headers_without_scope: int = 0  # TH cells with neither /Scope nor /Headers
    # Marked content whose structure element is not in the tree: neither tagged nor an artifact.
    orphaned_content: int = 0
    # Paints (operators: Do, sh, TJ, f...) outside any marked-content sequence, by page index:
    # content that is neither tagged nor an artifact.
    unmarked_paints: dict[int, list[str]] = field(default_factory=dict)
    empty_elements: dict[str, int] = field(default_factory=dict)  # type → elements with no content
    # Runs of punctuation in the text the structure tree reads out, in reading order (e.g. a
    # contents page's leader dots): (page index, the run).
    punctuation_runs: list[tuple[int, str]] = field(default_factory=list)
    # Pages (indexes) with annotations but without /Tabs /S: a keyboard user would not meet them
    # in structure order. A page without annotations has no tab order to declare.
    pages_without_tab_order: list[int] = field(default_factory=list)
    # /IDs of structure elements that the /IDTree does not lead back to: a /Headers naming them
    # cannot be resolved.
    ids_without_id_tree: list[str] = field(default_factory=list)
    # Figures whose /BBox does not lie on their page's MediaBox: (page index, the box).
    figures_outside_page: list[tuple[int, tuple[float, ...]]] = field(default_factory=list)
    # Interactive elements
    annotations: dict[str, int] = field(default_factory=dict)  # /Subtype → count
    untagged_annotations: int = 0  # Link/Widget annotations without a /StructParent
    # Link annotations whose structure element (by /StructParent) is not a Link:
    # (page index, the element's type, or "none").
    links_outside_link: list[tuple[int, str]] = field(default_factory=list)
    # Widget annotations with no accessible name: neither a /Contents nor a /TU of their own
    # (a radio button inherits its group's tooltip, which does not say which button it is).
    unnamed_widgets: list[int] = field(default_factory=list)  # page indexes, one per widget
    undescribed_links: int = 0  # Link annotations without a /Contents description
    form_fields: dict[str, str] = field(default_factory=dict)  # field name → tooltip (/TU)
    # Print
    output_intents: list[OutputIntent] = field(default_factory=list)
    pages_without_trimbox: list[int] = field(default_factory=list)
    pages_without_bleedbox: list[int] = field(default_factory=list)
    pages_with_bad_boxes: list[int] = field(default_factory=list)  # not Trim ⊆ Bleed ⊆ Media
    images: list[ImageUse] = field(default_factory=list)
    # Content streams (pages, form XObjects) painting in DeviceRGB where their resources give no
    # DefaultRGB: device colour a press cannot interpret against a CMYK output intent.
    device_rgb_without_default: int = 0
    # Print files only (a PDF/X output intent): text under 12 pt in more than two inks, and the
    # highest total area coverage of each page (Ghostscript's separation at COVERAGE_DPI; None
    # when Ghostscript is not installed) against the output profile's ink limit.
    small_text: list[SmallText] = field(default_factory=list)
    ink_coverage: list[float] | None = None
    ink_limit: float | None = None
    ink_error: str | None = None  # why Ghostscript could not separate the file

    @property
    def pdfx_version(self) -> str | None:
        match = re.search(r"pdfxid:GTS_PDFXVersion(?:>|=\")([^<\"]+)", self.xmp)
        return match.group(1) if match else None

    @property
    def xmp_title(self) -> str:
        """The text of the XMP dc:title (every language alternative), without its markup."""
        match = re.search(r"<dc:title\b[^>]*>(.*?)</dc:title>", self.xmp, re.DOTALL)
        return " ".join(re.sub(r"<[^>]*>", " ", match.group(1)).split()) if match else ""

    @property
    def pdfua_part(self) -> str | None:
        match = re.search(r"pdfuaid:part(?:>|=\")(\d+)", self.xmp)
        return match.group(1) if match else None

    @property
    def pdfua_rev(self) -> str | None:
        """The year of the PDF/UA part's revision (PDF/UA-2 asks for it: 2024)."""
        match = re.search(r"pdfuaid:rev(?:>|=\")(\d+)", self.xmp)
        return match.group(1) if match else None


@dataclass(frozen=True)
class OutputIntent:
    subtype: str  # /GTS_PDFX, /GTS_PDFA1...
    identifier: str
    components: int | None  # of the embedded DestOutputProfile; None when not embedded


@dataclass(frozen=True)
class ImageUse:
    page: int
    name: str
    pixels: tuple[int, int]
    dpi: float  # effective resolution where it is placed (the lower of the two axes)


def read_facts(pdf: bytes, known: dict[int, KnownPage] | None = None) -> PdfFacts:
    """The facts of the PDF file ``pdf``, parsed once by qpdf (through pikepdf).

    pikepdf.open pushes what a page inherits from the page tree (/Resources, /MediaBox, /CropBox,
    /Rotate) down to the page: every page read below holds its own.

    ``known``: the check by parts. Pages (by index) whose content was scanned before, in the
    part they come from (a joined edition's body pages, scanned once in the body): each is not
    scanned again if it is still that page, byte for byte, with resources that give the same text
    (portrait.content_stream.read_pages). Everything else is read from this file: its other pages,
    and what the join makes (structure tree, parent tree, outline, links, labels, fonts, metadata).
    The facts are the same as without ``known``.
    """
    with pikepdf.open(io.BytesIO(pdf), inherit_page_attributes=True) as parsed:
        facts = _read(parsed, known)
        profile = _pdfx_profile(parsed)
        if profile is not None:
            _read_inks(pdf, parsed, profile, facts)
        return facts


# Coverage is measured on a coarse render: ink limits are about solids (how much ink the paper
# takes in one place), not hairlines, and a page at 18 dpi separates in a few hundredths of a second.
COVERAGE_DPI = 18


def _pdfx_profile(pdf: pikepdf.Pdf) -> bytes | None:
    for intent in pdf.Root.get("/OutputIntents", []):
        profile = intent.get("/DestOutputProfile")
        if intent.get("/S") == "/GTS_PDFX" and isinstance(profile, pikepdf.Stream) and profile.get("/N") == 4:
            return bytes(profile.read_bytes())
    return None


def _read_inks(data: bytes, pdf: pikepdf.Pdf, profile: bytes, facts: PdfFacts) -> None:
    from portrait.check.inks import small_text
    from portrait.check.separation import coverage, ghostscript, separate
    from portrait.errors import BuildError
    from portrait.inputs.press import Press

    try:
        press: Press | None = Press(profile)
    except (OSError, ValueError):  # not a profile LittleCMS can use: the output intent rule says so
        press = None
    facts.small_text = small_text(pdf, press)
    if press is None:
        return
    facts.ink_limit = press.ink_limit
    if ghostscript() is None:
        return
    if not facts.pages:
        facts.ink_coverage = []
        return
    try:  # inside the TrimBox: the crop marks outside it are in every ink, and the bleed is cut off
        pages = separate(data, COVERAGE_DPI, profile, trim=True)
    except BuildError as exc:
        facts.ink_error = str(exc)
        return
    facts.ink_coverage = [coverage(page) for page in pages]


def _read(pdf: pikepdf.Pdf, known: dict[int, KnownPage] | None = None) -> PdfFacts:
    root = pdf.Root
    facts = PdfFacts(pages=len(pdf.pages), metadata=_document_info(pdf))
    facts.language = str(root.Lang) if "/Lang" in root else None
    facts.pdf_version = pdf.pdf_version
    metadata = root.get("/Metadata")
    if isinstance(metadata, pikepdf.Stream):
        facts.xmp = metadata.read_bytes().decode("utf-8", "replace")
    page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    _read_tags(pdf, page_index, facts, known)
    _read_print(pdf, facts)
    facts.form_fields = _form_fields(root)
    facts.fonts = _fonts(pdf)
    destinations = _Destinations(root, page_index)
    facts.outline = _outline(root, destinations)
    facts.outline_without_sd = _outline_without_sd(root)
    tree = root.get("/StructTreeRoot")
    facts.namespaces = isinstance(tree, pikepdf.Dictionary) and isinstance(tree.get("/Namespaces"), pikepdf.Array)
    for index, page in enumerate(pdf.pages):
        box = _media_box(page, index)
        facts.page_sizes.append((box[2] - box[0], box[3] - box[1]))
    _read_annotations(pdf, destinations, facts)
    return facts


def _parent_tree_elements(pdf: pikepdf.Pdf) -> dict[int, Any]:
    """The structure parent tree's single-object entries (annotations'): key → element."""
    tree = pdf.Root.get("/StructTreeRoot")
    entries: dict[int, Any] = {}
    nodes = [tree.get("/ParentTree")] if isinstance(tree, pikepdf.Dictionary) else []
    seen: set[tuple[int, int]] = set()
    while nodes:
        node = nodes.pop()
        if not isinstance(node, pikepdf.Dictionary) or (node.is_indirect and node.objgen in seen):
            continue
        if node.is_indirect:
            seen.add(node.objgen)
        nodes.extend(node.get("/Kids", pikepdf.Array()))
        nums = list(node.get("/Nums", pikepdf.Array()))
        for key, value in zip(nums[::2], nums[1::2], strict=False):
            if isinstance(key, int) and isinstance(value, pikepdf.Dictionary):
                entries[int(key)] = value
    return entries


def _document_info(pdf: pikepdf.Pdf) -> dict[str, str]:
    # The trailer's /Info, not pdf.docinfo: that one adds an empty /Info to a file without one.
    info = pdf.trailer.get("/Info")
    if not isinstance(info, pikepdf.Dictionary):
        return {}
    return {key.lstrip("/"): str(value) for key, value in info.items()}


def _read_annotations(pdf: pikepdf.Pdf, destinations: _Destinations, facts: PdfFacts) -> None:
    parents = _parent_tree_elements(pdf) if facts.tagged else {}
    tree = pdf.Root.get("/StructTreeRoot")
    role_map: Any = tree.get("/RoleMap", pikepdf.Dictionary()) if isinstance(tree, pikepdf.Dictionary) else {}
    for index, page in enumerate(pdf.pages):
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array) and len(annots) and page.obj.get("/Tabs") != "/S":
            facts.pages_without_tab_order.append(index)
        for annot in annots if isinstance(annots, pikepdf.Array) else []:
            if not isinstance(annot, pikepdf.Dictionary):
                continue
            subtype = str(annot.get("/Subtype", "?")).lstrip("/")
            facts.annotations[subtype] = facts.annotations.get(subtype, 0) + 1
            if subtype in ("Link", "Widget") and "/StructParent" not in annot:
                facts.untagged_annotations += 1
            if subtype == "Widget" and not any(str(annot.get(key, "")).strip() for key in ("/Contents", "/TU")):
                facts.unnamed_widgets.append(index)
            if subtype != "Link":
                continue
            if facts.tagged and isinstance(annot.get("/StructParent"), int):
                element = parents.get(int(annot.StructParent))
                kind = str(element.get("/S", "none")) if isinstance(element, pikepdf.Dictionary) else "none"
                kind = str(role_map.get(kind, kind)).lstrip("/")
                if kind != "Link":
                    facts.links_outside_link.append((index, kind))
            if not str(annot.get("/Contents", "")).strip():
                facts.undescribed_links += 1
            action = annot.get("/A")
            if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/URI":
                facts.external_links.append(str(action["/URI"]))
                continue
            facts.internal_links.append((index, destinations.page(_destination(annot))))
            if not _has_structure_destination(annot):
                facts.links_without_sd.append(index)


def _has_structure_destination(item: pikepdf.Dictionary) -> bool:
    """Whether a link or an outline item leads to a structure element: a go-to action whose /SD
    starts with one (PDF 2.0, 12.3.2.3)."""
    action = item.get("/A")
    sd = action.get("/SD") if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo" else None
    return isinstance(sd, pikepdf.Array) and len(sd) > 0 and isinstance(sd[0], pikepdf.Dictionary)


def _outline_without_sd(root: pikepdf.Object) -> int:
    """How many outline items lead nowhere in the structure (no /SD)."""
    outlines = root.get("/Outlines")
    stack = [outlines.get("/First")] if isinstance(outlines, pikepdf.Dictionary) else []
    seen: set[tuple[int, int]] = set()
    missing = 0
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary) or (node.is_indirect and node.objgen in seen):
            continue
        if node.is_indirect:
            seen.add(node.objgen)
        missing += not _has_structure_destination(node)
        stack.extend((node.get("/First"), node.get("/Next")))
    return missing


def _destination(item: pikepdf.Dictionary) -> Any:
    """Where a link or an outline item leads: its /Dest, or the /D of its GoTo action."""
    dest = item.get("/Dest")
    action = item.get("/A")
    if dest is None and isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo":
        dest = action.get("/D")
    return dest


class _Destinations:
    """The pages destinations lead to. A destination is an array starting with its page, or the
    name of one: a string in the /Dests name tree of the catalog's /Names, or a name in the
    catalog's /Dests dictionary (PDF 1.1)."""

    def __init__(self, root: pikepdf.Object, page_index: dict[tuple[int, int], int]) -> None:
        self.page_index = page_index
        names = root.get("/Names")
        tree = names.get("/Dests") if isinstance(names, pikepdf.Dictionary) else None
        self.tree = pikepdf.NameTree(tree) if isinstance(tree, pikepdf.Dictionary) else None
        dests = root.get("/Dests")
        self.dests = dests if isinstance(dests, pikepdf.Dictionary) else pikepdf.Dictionary()

    def page(self, dest: Any) -> int | None:
        """The index of the page ``dest`` leads to; None when it leads to no page of the file."""
        if isinstance(dest, pikepdf.String):
            dest = self.tree.get(str(dest)) if self.tree is not None else None
        elif isinstance(dest, pikepdf.Name):
            dest = self.dests.get(str(dest))
        if isinstance(dest, pikepdf.Dictionary):  # a named destination may be a dictionary holding it
            dest = dest.get("/D")
        if isinstance(dest, pikepdf.Array) and len(dest) > 0 and isinstance(dest[0], pikepdf.Dictionary):
            return self.page_index.get(dest[0].objgen)
        return None


def _outline(root: pikepdf.Object, destinations: _Destinations) -> list[tuple[int, str, int | None]]:
    """The outline's items in reading order: (level from 1, title, page index)."""
    items: list[tuple[int, str, int | None]] = []
    seen: set[tuple[int, int]] = set()

    def walk(node: Any, level: int) -> None:
        while isinstance(node, pikepdf.Dictionary):
            if node.is_indirect:
                if node.objgen in seen:
                    return  # /First and /Next references that loop back
                seen.add(node.objgen)
            items.append((level, str(node.get("/Title", "")), destinations.page(_destination(node))))
            walk(node.get("/First"), level + 1)
            node = node.get("/Next")

    outlines = root.get("/Outlines")
    if isinstance(outlines, pikepdf.Dictionary):
        walk(outlines.get("/First"), 1)
    return items


# Deeper than any real form's field hierarchy: where a loop of /Parent references stops.
MAX_FIELD_DEPTH = 32


def _form_fields(root: pikepdf.Object) -> dict[str, str]:
    """Each form field's fully qualified name → its tooltip (/TU), for the fields with a type.

    A field is a dictionary with a partial name (/T) in the form's /Fields or a field's /Kids; its
    fully qualified name is the partial names of its ancestors (/Parent) and its own, joined by
    dots. Its type (/FT) may be inherited. Widgets without a name belong to the field above them.
    """
    form = root.get("/AcroForm")
    fields: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()

    def walk(nodes: Any) -> None:
        for node in nodes if isinstance(nodes, pikepdf.Array) else []:
            if not isinstance(node, pikepdf.Dictionary) or "/T" not in node:
                continue
            if node.is_indirect:
                if node.objgen in seen:
                    continue  # listed in /Fields and in its parent's /Kids, or a loop of /Kids
                seen.add(node.objgen)
            lineage = _lineage(node)
            if any("/FT" in field for field in lineage):
                fields[".".join(str(field.get("/T", "")) for field in reversed(lineage))] = str(node.get("/TU", ""))
            walk(node.get("/Kids"))

    if isinstance(form, pikepdf.Dictionary):
        walk(form.get("/Fields"))
    return fields


def _lineage(field: pikepdf.Object) -> list[pikepdf.Object]:
    """The field and its ancestors, nearest first."""
    lineage: list[pikepdf.Object] = []
    node: Any = field
    while isinstance(node, pikepdf.Dictionary) and len(lineage) < MAX_FIELD_DEPTH:
        lineage.append(node)
        node = node.get("/Parent")
    return lineage


def _fonts(pdf: pikepdf.Pdf) -> list[FontUse]:
    found: dict[str, FontUse] = {}
    forms: set[tuple[int, int]] = set()
    for page in pdf.pages:
        _collect_fonts(page.obj.get("/Resources"), found, forms)
    return [found[key] for key in sorted(found)]


def _collect_fonts(resources: Any, found: dict[str, FontUse], forms: set[tuple[int, int]]) -> None:
    """The fonts of ``resources`` and of the form XObjects in them (each form once: a stream is
    always an indirect object, so its number is its identity)."""
    if not isinstance(resources, pikepdf.Dictionary):
        return
    fonts = resources.get("/Font")
    for font in fonts.values() if isinstance(fonts, pikepdf.Dictionary) else []:
        if not isinstance(font, pikepdf.Dictionary):
            continue
        base = str(font.get("/BaseFont", "?")).lstrip("/")
        if base not in found:
            stream = _font_program(font)
            name = _SUBSET_PREFIX.sub("", base)
            found[base] = FontUse(
                name,
                stream is not None or font.get("/Subtype") == "/Type3",
                _program_name(stream) if stream is not None else None,
            )
    xobjects = resources.get("/XObject")
    for xobj in xobjects.values() if isinstance(xobjects, pikepdf.Dictionary) else []:
        if isinstance(xobj, pikepdf.Stream) and xobj.objgen not in forms:
            forms.add(xobj.objgen)
            _collect_fonts(xobj.get("/Resources"), found, forms)


def _font_program(font: pikepdf.Object) -> bytes | None:
    """The embedded font file of ``font``, or None when it is not embedded."""
    descendants = font.get("/DescendantFonts")
    if isinstance(descendants, pikepdf.Array) and len(descendants) > 0:
        font = descendants[0]
    descriptor = font.get("/FontDescriptor") if isinstance(font, pikepdf.Dictionary) else None
    if not isinstance(descriptor, pikepdf.Dictionary):
        return None
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        program = descriptor.get(key)
        if isinstance(program, pikepdf.Stream):
            return program.read_bytes()
    return None


def _program_name(data: bytes) -> str | None:
    # WeasyPrint names fonts after Pango's description ("Inter-Semi-Bold"), which says nothing
    # about which file was used; the name table inside the embedded program does.
    try:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            return font["name"].getDebugName(6) if "name" in font else None
    except Exception:  # bare CFF or Type 1 programs: no name table to read
        return None


# A run of this many punctuation characters, with nothing but spaces between them, is not text
# anyone means to be read out: leader dots, rules drawn with dashes or underscores.
PUNCTUATION_RUN = 6


def _read_tags(
    pdf: pikepdf.Pdf, page_index: dict[tuple[int, int], int], facts: PdfFacts, known: dict[int, KnownPage] | None
) -> None:
    reading = _read_structure(pdf, page_index, facts)
    if not facts.tagged:
        return  # an untagged file (print) has no marked content to check
    contents = read_pages(pdf.pages, known)
    facts.unmarked_paints = {i: c.unmarked for i, c in enumerate(contents) if c.unmarked}
    facts.punctuation_runs = _punctuation_runs(
        [(page, item if isinstance(item, str) else contents[page].text.get(item, "")) for page, item in reading]
    )


def _read_structure(
    pdf: pikepdf.Pdf, page_index: dict[tuple[int, int], int], facts: PdfFacts
) -> list[tuple[int, int] | tuple[int, str]]:
    """Facts of the tags, and what the tree reads out in order: (page, MCID) or (page, text)."""
    root = pdf.Root
    mark_info = root.get("/MarkInfo")
    facts.marked = isinstance(mark_info, pikepdf.Dictionary) and _is_true(mark_info.get("/Marked"))
    prefs = root.get("/ViewerPreferences")
    facts.display_doc_title = isinstance(prefs, pikepdf.Dictionary) and _is_true(prefs.get("/DisplayDocTitle"))
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        return []
    facts.tagged = True
    role_map = {str(k): str(v) for k, v in tree.get("/RoleMap", pikepdf.Dictionary()).items()}
    class_map = tree.get("/ClassMap", pikepdf.Dictionary())
    # What the tree reads out, in reading order: (page, MCID) of marked content, or /ActualText.
    reading: list[tuple[int, int] | tuple[int, str]] = []
    elements: list[str] = []  # each element's type, in document order
    parents: list[int | None] = []  # each element's parent, an index into ``elements``
    has_content: list[bool] = []  # marked content or an annotation directly in the element
    ids: list[tuple[str, tuple[int, int] | None]] = []  # each element's /ID and the element
    seen: set[int] = set()
    # Depth-first walk in document order is the reading order of a tagged PDF. Each entry: a
    # node, the index of its element, the page it is on, and whether /ActualText replaces it.
    stack: list[tuple[Any, int | None, int | None, bool]] = [(tree.get("/K"), None, None, False)]
    while stack:
        node, parent, page, replaced = stack.pop()
        if node is None:
            continue
        if isinstance(node, pikepdf.Object) and node.is_indirect:
            if node.objgen[0] in seen:
                continue
            seen.add(node.objgen[0])
        if isinstance(node, pikepdf.Array):
            stack.extend((kid, parent, page, replaced) for kid in reversed(list(node)))
            continue
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            # Content: an MCID (a number, or a marked-content reference), or an annotation.
            if parent is not None:
                has_content[parent] = True
            mcid = node.get("/MCID") if isinstance(node, pikepdf.Dictionary) else node
            if isinstance(node, pikepdf.Dictionary) and isinstance(node.get("/Pg"), pikepdf.Dictionary):
                page = page_index.get(node.Pg.objgen, page)
            if isinstance(mcid, int) and not isinstance(mcid, bool) and page is not None and not replaced:
                reading.append((page, int(mcid)))
            continue
        kind = str(node.S)
        kind = role_map.get(kind, kind).lstrip("/")
        index = len(elements)
        elements.append(kind)
        parents.append(parent)
        has_content.append(False)
        facts.structure[kind] = facts.structure.get(kind, 0) + 1
        if re.fullmatch(r"H[1-6]", kind):
            facts.headings.append(int(kind[1]))
        if kind == "Figure" and not str(node.get("/Alt", "")).strip() and "/ActualText" not in node:
            facts.figures_without_alt += 1
        if "/ID" in node:
            ids.append((str(node.ID), node.objgen if node.is_indirect else None))
        if kind == "Table" and not _contains(node, "TH", role_map):
            facts.tables_without_headers += 1
        if kind == "TH" and not _table_attribute(node, class_map, ("/Scope", "/Headers")):
            facts.headers_without_scope += 1
        if isinstance(node.get("/Pg"), pikepdf.Dictionary):
            page = page_index.get(node.Pg.objgen, page)
        if kind == "Figure" and page is not None:
            box = _layout_bbox(node)
            if box is not None and not _inside(box, _media_box(pdf.pages[page], page)):
                facts.figures_outside_page.append((page, tuple(box)))
        if "/ActualText" in node and not replaced and page is not None:
            reading.append((page, str(node.ActualText)))
            replaced = True
        stack.append((node.get("/K"), index, page, replaced))
    # An element is empty when neither it nor any element below it holds content. Children come
    # after their parents in ``elements``, so one backward pass carries content up.
    for index in range(len(elements) - 1, -1, -1):
        parent = parents[index]
        if has_content[index] and parent is not None:
            has_content[parent] = True
    for kind, filled in zip(elements, has_content, strict=True):
        if not filled and kind != "Document":
            facts.empty_elements[kind] = facts.empty_elements.get(kind, 0) + 1
    facts.orphaned_content = _orphaned_content(tree.get("/ParentTree"), seen)
    facts.ids_without_id_tree = _ids_without_id_tree(tree, ids)
    return reading


def _ids_without_id_tree(tree: Any, ids: list[tuple[str, tuple[int, int] | None]]) -> list[str]:
    """The /IDs that the /IDTree does not map to the element that carries them."""
    if not ids:
        return []
    id_tree = tree.get("/IDTree")
    names = pikepdf.NameTree(id_tree) if isinstance(id_tree, pikepdf.Dictionary) else None
    missing = []
    for name, objgen in ids:
        target = names.get(name) if names is not None else None
        if not isinstance(target, pikepdf.Dictionary) or (target.is_indirect and target.objgen != objgen):
            missing.append(name)
    return missing


def _layout_bbox(element: Any) -> list[float] | None:
    """A structure element's /BBox layout attribute (in /A, directly or in an array), if any."""
    owners = element.get("/A")
    for attributes in list(owners) if isinstance(owners, pikepdf.Array) else [owners]:
        box = attributes.get("/BBox") if isinstance(attributes, pikepdf.Dictionary) else None
        if isinstance(box, pikepdf.Array) and len(box) == 4:
            left, bottom, right, top = (float(v) for v in box)
            return [min(left, right), min(bottom, top), max(left, right), max(bottom, top)]
    return None


def _table_attribute(element: Any, class_map: Any, keys: tuple[str, ...]) -> bool:
    """Whether any of ``keys`` is among the element's table attributes (/A, or its classes)."""
    owners: list[Any] = []
    for entry in ("/A", "/C"):
        value = element.get(entry)
        owners.extend(list(value) if isinstance(value, pikepdf.Array) else [value] if value is not None else [])
    for owner in owners:
        if isinstance(owner, pikepdf.Name):  # a class name
            owner = class_map.get(str(owner))
        for attributes in list(owner) if isinstance(owner, pikepdf.Array) else [owner]:
            if isinstance(attributes, pikepdf.Dictionary) and any(key in attributes for key in keys):
                return True
    return False


def _punctuation_runs(texts: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Runs of at least PUNCTUATION_RUN punctuation characters in ``texts`` read in order, with
    nothing but white space between them: (the page of the run's first character, the run)."""
    pieces: list[str] = []
    starts: list[int] = []  # where each piece starts in the joined text
    pages: list[int] = []
    length = 0
    for page, text in texts:
        piece = "".join(text.split())
        if piece:
            pieces.append(piece)
            starts.append(length)
            pages.append(page)
            length += len(piece)
    joined = "".join(pieces)
    # Every character as "p" (punctuation) or "x", so that a regular expression finds the runs
    # rather than a loop in Python over each of an edition's 20,000 characters.
    kinds = {ord(c): "p" if unicodedata.category(c).startswith("P") else "x" for c in set(joined)}
    return [
        (pages[bisect.bisect_right(starts, run.start()) - 1], joined[run.start() : run.end()])
        for run in re.finditer(f"p{{{PUNCTUATION_RUN},}}", joined.translate(kinds))
    ]


def _orphaned_content(parent_tree: Any, reachable: set[int]) -> int:
    """Parent-tree entries for page content whose element the structure tree does not reach."""
    count = 0
    nodes = [parent_tree]
    while nodes:
        node = nodes.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        nodes.extend(node.get("/Kids", pikepdf.Array()))
        nums = list(node.get("/Nums", pikepdf.Array()))
        for value in nums[1::2]:
            if not isinstance(value, pikepdf.Array):
                continue  # an annotation's entry
            count += sum(
                1
                for ref in value
                if isinstance(ref, pikepdf.Object) and ref.is_indirect and ref.objgen[0] not in reachable
            )
    return count


def _contains(element: Any, kind: str, role_map: dict[str, str]) -> bool:
    """Whether the structure below ``element`` has an element of type ``kind``."""
    stack: list[Any] = [element.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if role_map.get(str(node.S), str(node.S)).lstrip("/") == kind:
                return True
            stack.append(node.get("/K"))
    return False


def _read_print(pdf: pikepdf.Pdf, facts: PdfFacts) -> None:
    intents = pdf.Root.get("/OutputIntents")
    for intent in intents if isinstance(intents, pikepdf.Array) else []:
        if not isinstance(intent, pikepdf.Dictionary):
            continue
        profile = intent.get("/DestOutputProfile")
        components = int(profile.get("/N", 0)) if profile is not None else None
        identifier = str(intent.get("/OutputConditionIdentifier", ""))
        facts.output_intents.append(OutputIntent(str(intent.get("/S", "")), identifier, components))
    for index, page in enumerate(pdf.pages):
        media = _media_box(page, index)
        trim = [float(v) for v in page.obj.TrimBox] if "/TrimBox" in page.obj else None
        bleed = [float(v) for v in page.obj.BleedBox] if "/BleedBox" in page.obj else None
        if trim is None:
            facts.pages_without_trimbox.append(index)
        if bleed is None:
            facts.pages_without_bleedbox.append(index)
        if trim and bleed and not (_inside(trim, bleed) and _inside(bleed, media)):
            facts.pages_with_bad_boxes.append(index)
    facts.device_rgb_without_default = _device_rgb_without_default(pdf)
    if any(_has_raster_in(page.obj.get("/Resources")) for page in pdf.pages):
        facts.images = _image_uses(pdf)


def _media_box(page: pikepdf.Page, index: int) -> list[float]:
    # A page without one has been given US Letter by qpdf, with a warning, as readers do.
    box = page.obj.get("/MediaBox")
    if not isinstance(box, pikepdf.Array) or len(box) < 4:
        raise ValueError(f"the /MediaBox of page {index + 1} is not a rectangle")
    return [float(v) for v in box]


_DEVICE_RGB_OPERATOR = re.compile(rb"(?<![\w/])(?:rg|RG)(?![\w])|/DeviceRGB\b")


def _device_rgb_without_default(pdf: pikepdf.Pdf) -> int:
    count = 0
    forms: set[tuple[int, int]] = set()  # each form once (a stream is always an indirect object)

    def visit(data: bytes, resources: Any, depth: int) -> None:
        nonlocal count
        if not isinstance(resources, pikepdf.Dictionary):
            resources = pikepdf.Dictionary()
        spaces = resources.get("/ColorSpace")
        has_default = isinstance(spaces, pikepdf.Dictionary) and "/DefaultRGB" in spaces
        uses_rgb = bool(_DEVICE_RGB_OPERATOR.search(data))
        for kind in ("/Shading", "/XObject"):
            entries = resources.get(kind)
            for obj in entries.values() if isinstance(entries, pikepdf.Dictionary) else []:
                if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                    continue
                uses_rgb = uses_rgb or obj.get("/ColorSpace") == "/DeviceRGB"
                form = kind == "/XObject" and isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Form"
                if form and depth < 8 and obj.objgen not in forms:
                    forms.add(obj.objgen)
                    visit(obj.read_bytes(), obj.get("/Resources", resources), depth + 1)
        if uses_rgb and not has_default:
            count += 1

    for page in pdf.pages:
        visit(page_content(page), page.obj.get("/Resources"), 0)
    return count


def _inside(inner: list[float], outer: list[float], slack: float = 0.01) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def _image_uses(pdf: pikepdf.Pdf) -> list[ImageUse]:
    """Every placement of a raster image with its effective resolution (pixels per inch placed).

    Follows the current transformation matrix through the page's content and its form XObjects.
    """
    uses: list[ImageUse] = []

    def walk(content: Any, resources: Any, ctm: Matrix, index: int, depth: int) -> None:
        if depth > 8 or not isinstance(resources, pikepdf.Dictionary):
            return
        xobjects = resources.get("/XObject")
        if not isinstance(xobjects, pikepdf.Dictionary):
            xobjects = pikepdf.Dictionary()
        stack: list[Matrix] = []
        for instruction in pikepdf.parse_content_stream(content, "q Q cm Do"):
            operands, op = instruction.operands, str(instruction.operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q" and stack:
                ctm = stack.pop()
            elif op == "cm":
                ctm = multiply(matrix(operands), ctm)
            elif op == "Do" and isinstance(xobjects.get(str(operands[0])), pikepdf.Stream):
                xobj = xobjects[str(operands[0])]
                if xobj.get("/Subtype") == "/Image":
                    width_pt = (ctm[0] ** 2 + ctm[1] ** 2) ** 0.5
                    height_pt = (ctm[2] ** 2 + ctm[3] ** 2) ** 0.5
                    w, h = int(xobj.Width), int(xobj.Height)
                    if width_pt > 0 and height_pt > 0:
                        dpi = effective_dpi((w, h), (width_pt / 72, height_pt / 72))
                        uses.append(ImageUse(index, str(operands[0]), (w, h), dpi))
                elif xobj.get("/Subtype") == "/Form" and _may_place_raster(xobj):
                    form = matrix(xobj.get("/Matrix", IDENTITY))
                    walk(xobj, xobj.get("/Resources"), multiply(form, ctm), index, depth + 1)

    for index, page in enumerate(pdf.pages):
        # Parsing content is the slow part of reading a PDF back: only pages that hold a
        # raster image somewhere in their resources can place one.
        resources = page.obj.get("/Resources")
        if "/Contents" in page.obj and _has_raster_in(resources):
            walk(page, resources, IDENTITY, index, 0)
    return uses


def _may_place_raster(form: Any) -> bool:
    """Whether a form XObject may paint a raster image: one in its resources, and a ``Do`` in its
    content. WeasyPrint gives every form of a page the page's resources, so the first test
    alone would parse each of the cover's 29 forms (0.5 ms each) for the one that holds the logo."""
    return _has_raster_in(form.get("/Resources")) and b"Do" in form.read_bytes()


def _has_raster_in(resources: Any, depth: int = 0) -> bool:
    """Whether ``resources`` (pikepdf) hold a raster image, directly or in a form XObject."""
    if not isinstance(resources, pikepdf.Dictionary) or depth > 8:
        return False
    xobjects = resources.get("/XObject")
    for xobj in xobjects.values() if isinstance(xobjects, pikepdf.Dictionary) else []:
        if not isinstance(xobj, pikepdf.Stream):
            continue  # a reference to an object the file lacks (qpdf repaired a damaged file)
        if xobj.get("/Subtype") == "/Image" or _has_raster_in(xobj.get("/Resources"), depth + 1):
            return True
    return False


def _is_true(value: object) -> bool:
    """A PDF boolean that is true (pikepdf gives it as Python's True); anything else is not."""
    return value is True
