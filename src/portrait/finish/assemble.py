"""Joining a district edition from parts at the PDF level.

Every district edition shares the Portrait's body pages (contents to colophon). They are laid out
and written once per batch and variant (the *body*); for each edition WeasyPrint writes only its
own pages (the *own* part: cover, foreword, notes pages, back cover, and one more page holding only
the district's footer line, the footer margin box as the stylesheets lay it out). This module joins
them with pikepdf:

- pages: the own part's front pages, the body, then the own part's back pages;
- the footer page becomes one form XObject painted on every body page, as an artifact (PDF/UA
  asks for running footers to be artifacts);
- one structure tree: the own part's top-level elements go before and after the body's in
  reading order, its parent-tree keys are moved past the body's so that no key is used twice;
- outline, named destinations, metadata (XMP, document info) and the /ID: the edition's own,
  over the body's;
- page labels (portrait.finish.page_labels): each kept page keeps the label its part gave it;
- one embedded subset per font face, however many parts use it (portrait.finish.fonts).

Nothing about the look is decided here: the footer is WeasyPrint's rendering of the stylesheets'
``@bottom-left`` box, so the designer still styles it in CSS.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf

from portrait.content_stream import painted_xobjects
from portrait.errors import BuildError
from portrait.finish import page_labels
from portrait.finish.fonts import share_fonts
from portrait.finish.references import repoint


@dataclass(frozen=True)
class Parts:
    body: bytes  # the shared body pages, written once per batch and variant
    own: bytes  # the edition's own pages: front (cover, foreword), back (notes, back cover), then
    # pages that are written only for their anchors and left out (see templates/publication.html.j2)
    front: int  # how many of the own pages come before the body
    back: int  # how many come after it
    footer: int | None  # the own page holding only the district's footer line; None: no footer
    fonts: Mapping[str, bytes] = field(default_factory=dict)  # PostScript name → brand font file


def assemble(parts: Parts) -> bytes:
    """The edition as one PDF: ``parts.own``'s front pages, the body, then its back pages."""
    with Pdf.open(io.BytesIO(parts.body)) as pdf, Pdf.open(io.BytesIO(parts.own)) as own:
        body_pages = len(pdf.pages)
        labels = _joined_labels(pdf, own, parts)
        if parts.footer is not None:
            _paint_footer(pdf, own.pages[parts.footer])
        offset = _next_key(pdf)
        kept = list(range(parts.front + parts.back))
        for i in kept[: parts.front]:
            pdf.pages.insert(i, own.pages[i])
        pdf.pages.extend(own.pages[i] for i in kept[parts.front :])
        # where each kept own page now is, by its object number in the own part
        placed = {own.pages[i].obj.objgen: i if i < parts.front else body_pages + i for i in kept}
        if "/StructTreeRoot" in own.Root:
            _merge_structure(pdf, own, offset, placed, parts.front)
        _merge_dests(pdf, own, placed)
        _merge_outline(pdf, own, placed, parts.front)
        _structure_destinations(pdf, [pdf.pages[i] for i in placed.values()])
        pdf.Root.PageLabels = page_labels.pikepdf_tree(labels)
        # One pass over the file points every use of a merged font or a duplicate stream at the
        # object kept (each pass visits every object: thousands, most of them tags).
        repoint(pdf, {**share_fonts(pdf, parts.fonts), **_identical_streams(pdf)})
        # The edition's metadata: its title, and the same standard claims as the body's.
        pdf.Root.Metadata = _copy(pdf, own.Root.Metadata)
        pdf.docinfo = _copy(pdf, own.trailer.Info)
        out = io.BytesIO()
        pdf.save(
            out, deterministic_id=True, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate
        )
        return out.getvalue()


def _joined_labels(body: Pdf, own: Pdf, parts: Parts) -> list[page_labels.PageLabel]:
    """The edition's page labels: the own front pages', the body's, the own back pages'."""
    body_labels = page_labels.read(body)
    own_labels = page_labels.read(own)
    if body_labels is None or own_labels is None:
        raise BuildError("cannot join editions: a part has no page labels (/PageLabels)")
    front, back = own_labels[: parts.front], own_labels[parts.front : parts.front + parts.back]
    return [*front, *body_labels, *back]


def _copy(pdf: Pdf, obj: Any) -> Any:
    """``obj`` of another PDF, copied into ``pdf`` with everything it refers to. An object
    reached twice is copied once (pikepdf keeps one map per source PDF), so pages and structure
    elements copied separately still point at each other."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return pdf.copy_foreign(obj)
    if isinstance(obj, Array):
        return Array([_copy(pdf, item) for item in obj])
    if isinstance(obj, Dictionary):
        return Dictionary({key: _copy(pdf, value) for key, value in obj.items()})
    return obj


# The footer's name on every page: a fixed one, since pikepdf's generated names are random and a
# release must be reproducible.
FOOTER_NAME = Name("/EditionFooter")
# The content streams the footer adds before and after each body page's own (shared by every
# page): the check by parts (portrait.check.facts.read_facts, ``known``) recognises the body's
# pages by them.
FOOTER_BEFORE = b"q\n"
FOOTER_AFTER = b"\nQ\n/Artifact BMC q " + bytes(FOOTER_NAME) + b" Do Q EMC\n"


def _paint_footer(pdf: Pdf, footer: pikepdf.Page) -> None:
    """Paint the ``footer`` page (of another PDF) on every page of ``pdf``, marked as an artifact."""
    form = footer.as_form_xobject()
    form.Resources = _used_resources(form)
    form = _copy(pdf, form)
    # The page's own content leaves its coordinates flipped (WeasyPrint draws top-down): wrap it
    # in q/Q so that the footer is painted in the page's default coordinates. Every page shares
    # the two streams.
    before = pdf.make_indirect(pikepdf.Stream(pdf, FOOTER_BEFORE))
    after = pdf.make_indirect(pikepdf.Stream(pdf, FOOTER_AFTER))
    for page in pdf.pages:
        page.add_resource(form, Name.XObject, FOOTER_NAME)
        page.contents_add(before, prepend=True)
        page.contents_add(after, prepend=False)


def _used_resources(form: Any) -> Dictionary:
    """The form's resources without the XObjects it does not paint. WeasyPrint gives all the
    pages of a PDF one resource dictionary, so the footer would otherwise carry the cover's art
    and logo: every body page would seem to hold a raster image, and each would be parsed
    for its placements when the edition is checked."""
    resources = Dictionary({key: value for key, value in form.Resources.items()})
    painted = painted_xobjects(form.read_bytes())
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, Dictionary):
        resources.XObject = Dictionary({k: v for k, v in xobjects.items() if k in painted})
    return resources


def _identical_streams(pdf: Pdf) -> dict[tuple[int, int], Any]:
    """Streams that the parts hold with the same content (colour profiles above all: each part
    carries the CMYK and sRGB profiles), each mapped to the one copy to keep.

    Streams are compared decoded: the own part is written uncompressed (see Renderer.edition) and
    the body compressed. Only streams whose dictionaries match are decoded (not the logo, say)."""
    alike: dict[bytes, list[pikepdf.Stream]] = {}
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            fields = {k: v for k, v in obj.stream_dict.items() if k not in _STORAGE_KEYS}
            alike.setdefault(Dictionary(fields).unparse(), []).append(obj)
    duplicate: dict[tuple[int, int], Any] = {}
    for streams in alike.values():
        keep: dict[tuple[str, bytes], Any] = {}
        for stream in streams if len(streams) > 1 else ():
            first = keep.setdefault(_data(stream), stream)
            if first.objgen != stream.objgen:
                duplicate[stream.objgen] = first
    return duplicate


# Dictionary keys that say how a stream is stored, not what it holds.
_STORAGE_KEYS = frozenset({"/Length", "/Filter", "/DecodeParms"})


def _data(stream: pikepdf.Stream) -> tuple[str, bytes]:
    try:
        return "decoded", stream.read_bytes()  # Flate, LZW and the ASCII filters
    except pikepdf.PdfError:  # a filter qpdf does not decode (a JPEG image): compare as stored
        return str(stream.stream_dict.get("/Filter")), stream.read_raw_bytes()


def _next_key(pdf: Pdf) -> int:
    """The first parent-tree key the body does not use."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return 0
    nums = _nums(root.ParentTree)
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    return max(keys, default=-1) + 1


def _nums(tree: Any) -> Any:
    if "/Nums" not in tree:
        # WeasyPrint writes one flat number tree; a tree with /Kids would need walking.
        raise BuildError("cannot join editions: the PDF's parent tree is not one flat /Nums array")
    return tree.Nums


def _merge_structure(pdf: Pdf, own: Pdf, offset: int, placed: dict[Any, int], front: int) -> None:
    """One structure tree: the own part's elements around the body's, keys moved past the body's."""
    if "/StructTreeRoot" not in pdf.Root:
        raise BuildError("cannot join editions: the body is tagged but the edition's pages are not, or the reverse")
    tree = pdf.Root.StructTreeRoot
    own_tree = own.Root.StructTreeRoot
    # Pages and annotations point into the parent tree by key: move the kept pages' keys, and
    # forget the keys of pages left out (copying their entries would copy those pages too).
    kept_keys = set()
    for index in placed.values():
        page = pdf.pages[index].obj
        if "/StructParents" in page:
            kept_keys.add(int(page.StructParents))
            page.StructParents = int(page.StructParents) + offset
        for annot in page.get("/Annots", []):
            if "/StructParent" in annot:
                kept_keys.add(int(annot.StructParent))
                annot.StructParent = int(annot.StructParent) + offset
    nums = _nums(tree.ParentTree)
    own_nums = _nums(own_tree.ParentTree)
    entries = [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2)]
    for i in range(0, len(own_nums), 2):
        if int(own_nums[i]) in kept_keys:
            entries.append((int(own_nums[i]) + offset, _copy(pdf, own_nums[i + 1])))
    entries.sort(key=lambda entry: entry[0])
    tree.ParentTree.Nums = Array([item for key, value in entries for item in (key, value)])
    tree.ParentTreeNextKey = entries[-1][0] + 1 if entries else 0

    document = _document(tree)
    before: list[Any] = []
    after: list[Any] = []
    for kid in _kids(_document(own_tree)):
        page = _first_page(kid)
        where = placed.get(page.objgen) if page is not None else None
        if where is None:
            continue  # an element of a page left out
        copied = _copy(pdf, kid)
        copied.P = document
        (before if where < front else after).append(copied)
    document.K = Array([*before, *_kids(document), *after])
    for key in ("/RoleMap", "/ClassMap"):
        if key in own_tree:
            merged = {name: value for name, value in tree[key].items()} if key in tree else {}
            for name, value in own_tree[key].items():
                merged[name] = _copy(pdf, value)
            tree[key] = Dictionary(merged)
    if "/IDTree" in own_tree:
        _merge_ids(pdf, tree, own_tree, placed)


def _merge_ids(pdf: Pdf, tree: Any, own_tree: Any, placed: dict[Any, int]) -> None:
    """The own part's element IDs join the body's /IDTree. An ID of an element on a page left
    out goes too (copying it would copy that page); the same ID in both parts is an error, since
    a cell's /Headers could then name the wrong header."""
    if "/IDTree" not in tree:
        tree.IDTree = pdf.make_indirect(Dictionary(Names=Array()))
    ours = pikepdf.NameTree(tree.IDTree)
    for name, element in pikepdf.NameTree(own_tree.IDTree).items():
        page = _first_page(element)
        if page is None or page.objgen not in placed:
            continue
        if name in ours:
            raise BuildError(f"cannot join editions: both parts have a structure element with the ID {name!r}")
        ours[name] = _copy(pdf, element)


def _document(tree: Any) -> Any:
    kids = tree.K
    if isinstance(kids, Array):
        if len(kids) != 1:
            raise BuildError("cannot join editions: the structure tree has no single Document element")
        kids = kids[0]
    return kids


def _kids(element: Any) -> list[Any]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _first_page(element: Any) -> Any:
    """The page of an element's first marked content (its /Pg, or a descendant's)."""
    stack = [element]
    while stack:
        node = stack.pop(0)
        if not isinstance(node, Dictionary):
            continue
        if "/Pg" in node:
            return node.Pg
        stack.extend(_kids(node))
    return None


def _merge_dests(pdf: Pdf, own: Pdf, placed: dict[Any, int]) -> None:
    """Named destinations of both parts; where both have a name, the body's page is meant."""
    if "/Names" not in own.Root or "/Dests" not in own.Root.Names:
        return
    theirs = pikepdf.NameTree(own.Root.Names.Dests)
    if "/Names" not in pdf.Root:
        pdf.Root.Names = Dictionary()
    if "/Dests" not in pdf.Root.Names:
        pdf.Root.Names.Dests = pdf.make_indirect(Dictionary(Names=Array()))
    ours = pikepdf.NameTree(pdf.Root.Names.Dests)
    for name, dest in theirs.items():
        page = dest[0] if isinstance(dest, Array) and len(dest) else None
        if name not in ours and isinstance(page, Dictionary) and page.objgen in placed:
            ours[name] = _copy(pdf, dest)


def _merge_outline(pdf: Pdf, own: Pdf, placed: dict[Any, int], front: int) -> None:
    """The own part's bookmarks before and after the body's, in page order."""
    with own.open_outline() as theirs:
        items = []
        for item in theirs.root:
            # A PDF/UA-2 item goes to its structure destination by a go-to action (/A, /SD)
            dest = item.destination if item.action is None else item.action.get("/D")
            page = dest[0] if isinstance(dest, Array) and len(dest) else None
            if isinstance(page, Dictionary) and page.objgen in placed:
                items.append((_own_item(pdf, item, placed[page.objgen]), placed[page.objgen]))
    with pdf.open_outline() as outline:
        body = list(outline.root)
        outline.root.clear()
        outline.root.extend(made for made, index in items if index < front)
        outline.root.extend(body)
        outline.root.extend(made for made, index in items if index >= front)


def _own_item(pdf: Pdf, item: OutlineItem, index: int) -> OutlineItem:
    """An outline item of the own part for the joined PDF: to its page, or by its go-to action
    (copied: its /D and /SD then point at the kept page and element)."""
    if item.action is None:
        return OutlineItem(item.title, index)
    return OutlineItem(item.title, action=_copy(pdf, item.action))


def _structure_destinations(pdf: Pdf, own_pages: list[Any]) -> None:
    """A PDF/UA-2 link of the own pages to a body anchor: its /SD names the body's element of
    that anchor (found by its /ID), not the own part's stand-in on a page left out."""
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None or "/IDTree" not in tree:
        return
    ids = pikepdf.NameTree(tree.IDTree)
    joined = {p.obj.objgen for p in pdf.pages}
    for page in own_pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is None or "/SD" not in action:
                continue
            target = _first_page(action.SD[0])
            if target is not None and target.objgen in joined:
                continue
            name = action.get("/D")
            if isinstance(name, pikepdf.String) and str(name) in ids:
                action.SD[0] = ids[str(name)]
            else:
                del action["/SD"]  # no element to name: the page destination alone
