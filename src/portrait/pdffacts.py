"""Facts read back from a finished PDF with pypdf: fonts, outline, links, metadata.

The build uses these to refuse a PDF whose text fell back to a system font; the tests and the
preflight check use them to look at the file as a reader's software does.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

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
    external_links: list[str] = field(default_factory=list)
    language: str | None = None
    page_sizes: list[tuple[float, float]] = field(default_factory=list)


def read_facts(pdf: bytes | PdfReader) -> PdfFacts:
    reader = pdf if isinstance(pdf, PdfReader) else PdfReader(io.BytesIO(pdf))
    meta = {k.lstrip("/"): str(v) for k, v in (reader.metadata or {}).items()}
    facts = PdfFacts(pages=len(reader.pages), metadata=meta)
    root: Any = reader.trailer["/Root"]
    facts.language = str(root["/Lang"]) if "/Lang" in root else None
    facts.fonts = _fonts(reader)
    facts.outline = _outline(reader)
    facts.page_sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    for index, page in enumerate(reader.pages):
        for annot_ref in page.get("/Annots", []) or []:
            annot = annot_ref.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            action = action.get_object() if action is not None else None
            if action is not None and action.get("/S") == "/URI":
                facts.external_links.append(str(action["/URI"]))
                continue
            dest = annot.get("/Dest")
            if dest is None and action is not None and action.get("/S") == "/GoTo":
                dest = action.get("/D")
            facts.internal_links.append((index, _dest_page(reader, dest)))
    return facts


def _dest_page(reader: PdfReader, dest: Any) -> int | None:
    if dest is None:
        return None
    dest = dest.get_object() if isinstance(dest, IndirectObject) else dest
    if isinstance(dest, (str, bytes)) or hasattr(dest, "original_bytes"):
        named = reader.named_destinations.get(str(dest))
        return reader.get_destination_page_number(named) if named is not None else None
    try:
        page_ref = dest[0]
        return reader.get_page_number(page_ref.get_object()) if page_ref is not None else None
    except (IndexError, TypeError, KeyError):
        return None


def _outline(reader: PdfReader) -> list[tuple[int, str, int | None]]:
    items: list[tuple[int, str, int | None]] = []

    def walk(nodes: list, level: int) -> None:
        for node in nodes:
            if isinstance(node, list):
                walk(node, level + 1)
            else:
                items.append((level, str(node.title), reader.get_destination_page_number(node)))

    walk(reader.outline, 1)
    return items


def _fonts(reader: PdfReader) -> list[FontUse]:
    found: dict[str, FontUse] = {}
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        _collect_fonts(resources.get_object(), found, set())
    return [found[key] for key in sorted(found)]


def _collect_fonts(resources: DictionaryObject, found: dict[str, FontUse], seen: set[int]) -> None:
    if id(resources) in seen:
        return
    seen.add(id(resources))
    fonts = resources.get("/Font")
    for font_ref in (fonts.get_object() if fonts is not None else {}).values():
        font = font_ref.get_object()
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
    for xobj_ref in (xobjects.get_object() if xobjects is not None else {}).values():
        xobj = xobj_ref.get_object()
        inner = xobj.get("/Resources")
        if inner is not None:
            _collect_fonts(inner.get_object(), found, seen)


def _font_program(font: Any) -> bytes | None:
    """The embedded font file of ``font``, or None when it is not embedded."""
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return None
    descriptor = descriptor.get_object()
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if key in descriptor:
            return bytes(descriptor[key].get_object().get_data())
    return None


def _program_name(data: bytes) -> str | None:
    # WeasyPrint names fonts after Pango's description ("Inter-Semi-Bold"), which says nothing
    # about which file was used; the name table inside the embedded program does.
    try:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            return font["name"].getDebugName(6) if "name" in font else None
    except Exception:  # bare CFF or Type 1 programs: no name table to read
        return None
