"""One embedded program per font face in a PDF joined from parts.

Each part of a joined edition (the shared body, the edition's own pages, its footer line) was
written by WeasyPrint with its own subset of each brand font: the same face embedded two or
three times. WeasyPrint subsets with HarfBuzz keeping glyph ids (Identity-H, CID = glyph id), so
the subsets of one face are compatible: one subset holding the union of their glyphs, made from
the brand's font file the same way, serves every part. The face's font dictionaries are merged
into one (widths, ToUnicode map), and every use is pointed at it.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Mapping
from typing import Any

import pikepdf
import uharfbuzz as hb
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name, Pdf

# Tables WeasyPrint drops from its subsets (pdf/fonts.py): layout tables a PDF never uses.
DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")
BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")


def share_fonts(pdf: Pdf, originals: Mapping[str, bytes]) -> dict[tuple[int, int], Any]:
    """Merge the font dictionaries of each face used more than once into one: the merged-away
    fonts, each mapped to the font that now serves for it (for portrait.finish.references.repoint).

    ``originals`` maps a PostScript name to the brand's font file it comes from; a face that is
    not there (or not a WeasyPrint Identity-H font) is left as it is."""
    faces: dict[str, dict[tuple[int, int], Any]] = {}
    for font in _fonts(pdf):
        descendants = font.get("/DescendantFonts")
        if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H" or not descendants:
            continue
        faces.setdefault(str(descendants[0].FontDescriptor.FontName), {})[font.objgen] = font
    replaced: dict[tuple[int, int], Any] = {}
    for fonts in faces.values():
        if len(fonts) < 2:
            continue
        keep, *others = fonts.values()
        original = originals.get(_postscript_name(keep) or "")
        if original is None:
            continue
        _merge(pdf, keep, others, original)
        for other in others:
            replaced[other.objgen] = keep
    return replaced


def _fonts(pdf: Pdf) -> list[Any]:
    """Every font dictionary used by a page or by a form XObject a page paints."""
    found: dict[tuple[int, int], Any] = {}
    seen: set[tuple[int, int]] = set()
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    while stack:
        resources = stack.pop()
        if not isinstance(resources, Dictionary):
            continue
        if resources.is_indirect:
            if resources.objgen in seen:
                continue
            seen.add(resources.objgen)
        for font in resources.get("/Font", Dictionary()).values():
            if font.is_indirect:
                found[font.objgen] = font
        for xobject in resources.get("/XObject", Dictionary()).values():
            if xobject.get("/Subtype") == "/Form":
                stack.append(xobject.get("/Resources"))
    return list(found.values())


def _postscript_name(font: Any) -> str | None:
    descriptor = font.DescendantFonts[0].FontDescriptor
    program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
    if program is None:
        return None
    with TTFont(io.BytesIO(program.read_bytes()), lazy=True) as face:
        name = face["name"].getDebugName(6)
    return str(name) if name else None


def _merge(pdf: Pdf, keep: Any, others: list[Any], original: bytes) -> None:
    widths: dict[int, float] = {}
    unicode: dict[int, bytes] = {}
    for font in (keep, *others):
        widths.update(_widths(font.DescendantFonts[0].W))
        if "/ToUnicode" in font:
            unicode.update(_bfchars(font.ToUnicode.read_bytes()))
    descendant = keep.DescendantFonts[0]
    descriptor = descendant.FontDescriptor
    program_key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
    program = pikepdf.Stream(pdf, _subset(original, frozenset(widths)))
    if program_key == "/FontFile3":
        program.Subtype = Name.OpenType
    descriptor[program_key] = pdf.make_indirect(program)
    bbox = [float(v) for v in descriptor.FontBBox]
    descriptor.FontBBox = Array([bbox[0], bbox[1], max(bbox[2], max(widths.values(), default=0)), bbox[3]])
    descendant.W = _widths_array(widths)
    keep.ToUnicode = pdf.make_indirect(pikepdf.Stream(pdf, _cmap(unicode)))


def _widths(array: Any) -> dict[int, float]:
    """``/W`` as {glyph id: width}: ``c [w1 w2 …]`` and ``c_first c_last w`` entries."""
    items = list(array)
    found: dict[int, float] = {}
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], Array):
            for offset, width in enumerate(items[i + 1]):
                found[first + offset] = float(width)
            i += 2
        else:
            for gid in range(first, int(items[i + 1]) + 1):
                found[gid] = float(items[i + 2])
            i += 3
    return found


def _widths_array(widths: dict[int, float]) -> Array:
    """``/W`` in WeasyPrint's form: runs of consecutive glyph ids."""
    result: list[Any] = []
    run: list[float] = []
    previous = None
    for gid in sorted(widths):
        if previous is None or gid != previous + 1:
            if run:
                result.append(Array(run))
            result.append(gid)
            run = []
        run.append(_number(widths[gid]))
        previous = gid
    if run:
        result.append(Array(run))
    return Array(result)


def _number(value: float) -> float | int:
    return int(value) if value == int(value) else value


def _bfchars(cmap: bytes) -> dict[int, bytes]:
    """The ``bfchar`` entries of a ToUnicode map (WeasyPrint writes no ranges)."""
    found: dict[int, bytes] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for gid, text in BFCHAR.findall(block):
            found[int(gid, 16)] = text
    return found


def _cmap(unicode: dict[int, bytes]) -> bytes:
    entries = sorted(unicode.items())
    blocks = []
    for start in range(0, len(entries), 100):  # at most 100 entries a block (PDF spec)
        chunk = entries[start : start + 100]
        lines = b"\n".join(b"<%04x> <%s>" % (gid, text) for gid, text in chunk)
        blocks.append(b"%d beginbfchar\n%s\nendbfchar" % (len(chunk), lines))
    return b"\n".join(
        [
            b"/CIDInit /ProcSet findresource begin",
            b"12 dict begin",
            b"begincmap",
            b"/CIDSystemInfo",
            b"<< /Registry (Adobe)",
            b"/Ordering (UCS)",
            b"/Supplement 0",
            b">> def",
            b"/CMapName /Adobe-Identity-UCS def",
            b"/CMapType 2 def",
            b"1 begincodespacerange",
            b"<0000> <ffff>",
            b"endcodespacerange",
            *blocks,
            b"endcmap",
            b"CMapName currentdict /CMap defineresource pop",
            b"end",
            b"end",
        ]
    )


# A batch's editions often need the same glyphs of a face (one not used for the district's own
# words): the subsets of a worker's last faces are kept (a few MB) rather than made again.
@functools.lru_cache(maxsize=64)
def _subset(original: bytes, used: frozenset[int]) -> bytes:
    """The brand font reduced to the ``used`` glyphs, glyph ids kept, as WeasyPrint does:
    first keep exactly those glyphs, then drop the empty ones after the last."""
    glyphs = set(used) | {0}
    face = hb.Face(hb.Blob(original))
    first = hb.SubsetInput()
    for gid in glyphs:
        first.glyph_set.add(gid)
    first.flags = (
        hb.SubsetFlags.RETAIN_GIDS
        | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
        | hb.SubsetFlags.DESUBROUTINIZE
        | hb.SubsetFlags.NOTDEF_OUTLINE
    )
    dropped = first.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in DROPPED_TABLES:
        dropped.add(int.from_bytes(tag.encode(), "big"))
    reduced = hb.subset(face, first)
    second = hb.SubsetInput()
    for gid in range(max(glyphs) + 1):
        second.glyph_set.add(gid)
    second.flags = (
        hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
        | hb.SubsetFlags.DESUBROUTINIZE
        | hb.SubsetFlags.NOTDEF_OUTLINE
        | hb.SubsetFlags.NO_HINTING  # WeasyPrint writes without hinting by default
    )
    return bytes(hb.subset(reduced, second).blob.data)
