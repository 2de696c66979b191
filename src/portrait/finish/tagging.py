"""Repairs to WeasyPrint 70's tagged PDF that PDF/UA-1 asks for, run by the screen finisher.

Each function works on the pydyf objects of the PDF being written (after WeasyPrint has built its
structure tree) and, where the PDF alone cannot say what an element is, on the laid-out boxes of
the WeasyPrint document. portrait.check.preflight checks the result of each:

- ``scope_table_headers``: TH cells get /Scope from the HTML ``scope`` attribute (WeasyPrint
  reads the attribute to link cells to headers, but writes no /Scope). Matterhorn 15-003.
- ``leaders_as_artifacts``: the dots of ``leader()`` are typeset text, so WeasyPrint tags each
  one; a screen reader would read a hundred dots before each page number of the contents.
- ``prune_empty_elements``: elements with no content (a ``<div>`` that only paints a
  background, such as the cover's circles) are dropped from the tree.
- ``artifact_unmarked_paints``: XObjects and shadings painted outside any marked-content
  sequence (WeasyPrint paints an element with ``opacity`` as a transparency group there) are
  wrapped in an /Artifact sequence when they hold no tagged content. Matterhorn 01-003.
- ``one_annotation_per_link``: WeasyPrint gives every box inside a link its own link
  annotation (a contents entry had three: the row, its title, its page number), and puts the
  inner ones in Span elements. Each Link element keeps one annotation, its first, as its own
  kid; PDF/UA-1 7.18.5 (veraPDF) asks for every link annotation to sit in a Link element.
- ``headers_from_html`` and ``id_tree``: a data cell with an HTML ``headers`` attribute gets
  those header cells as its /Headers (WeasyPrint computes them from the grid alone, which gives
  a row-spanning notes cell every column header and not its row's); every /ID goes into an
  /IDTree, without which a reader cannot resolve /Headers (PDF 1.7, 14.7.2).
- ``figure_boxes_in_user_space``: WeasyPrint writes a Figure's /BBox in CSS px from the page's
  top left; PDF wants user space (points, from the bottom left).
- ``element_attributes`` (around the write, not in the finisher): an element with an HTML
  ``lang`` (a foreword in Spanish) gets /Lang on its structure elements (WeasyPrint 70 writes the
  document's /Lang only; Matterhorn 11-004), a list its /ListNumbering.
- ``name_widgets``: every widget gets a /Contents, its accessible name (a radio button's is its
  group's tooltip and its own value; the group's /TU alone says nothing of which button it is).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags as weasyprint_tags

if TYPE_CHECKING:
    from weasyprint import Document

# WeasyPrint lays out in CSS px and draws each page with ``0.75 0 0 -0.75 0 height cm``.
_PT_PER_PX = 0.75

_PAINT_ITEM = re.compile(rb"^/(\S+) (Do|sh)$")


def _number(reference: Any) -> int:
    return int(reference.split()[0])  # pydyf references are b"12 0 R"


def _is_reference(value: Any) -> bool:
    return isinstance(value, bytes) and value.endswith(b" R")


def _boxes(document: Document) -> Iterator[Any]:
    """Every box of every page of a WeasyPrint document, depth first."""
    stack = [page._page_box for page in reversed(document.pages)]
    while stack:
        box = stack.pop()
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        yield box
        if isinstance(box, boxes.ParentBox):
            stack.extend(reversed(box.children))


def scope_table_headers(document: Document) -> None:
    """/Scope /Row for ``<th scope="row">`` (or rowgroup), /Column for any other header cell: the
    same reading WeasyPrint gives the attribute when it links data cells to their headers."""
    for box in _boxes(document):
        element = getattr(box, "mark", None)  # WeasyPrint's StructElem of a table cell
        if getattr(box, "element_tag", None) != "th" or not isinstance(element, pydyf.Dictionary):
            continue
        scope = (box.element.get("scope") or "").strip().lower()
        attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Scope"] = "/Row" if scope in ("row", "rowgroup") else "/Column"


def leaders_as_artifacts(document: Document, pdf: pydyf.PDF) -> None:
    """Take the structure elements of ``leader()`` boxes out of the tree.

    WeasyPrint tags a leader inside a link (the contents' entries) as its own Link element, with
    its own link annotation, holding one MCID per dot. The element leaves the tree here, so the
    screen finisher turns its dots into artifacts with the running heads; its annotation goes
    too (the entry's link covers the same line). A leader outside a link has no annotation to
    find its element by: the preflight's punctuation rule then fails the file.
    """
    annotations = {
        box.link_annotation.reference
        for box in _boxes(document)
        if box.is_leader and getattr(box, "link_annotation", None) is not None
    }
    if not annotations:
        return
    # OBJR number → the annotation it points to; then the elements that hold those OBJRs.
    objr_targets = {
        number: obj["Obj"]
        for number, obj in enumerate(pdf.objects)
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/OBJR" and obj.get("Obj") in annotations
    }
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" and obj.get("S") == "/Link"):
            continue
        targets = [objr_targets[_number(k)] for k in obj["K"] if _is_reference(k) and _number(k) in objr_targets]
        if not targets:
            continue
        parent = pdf.objects[_number(obj["P"])]
        parent["K"] = pydyf.Array(k for k in parent["K"] if k != obj.reference)
        for target in targets:
            _remove_annotation(pdf, target)


def _remove_annotation(pdf: pydyf.PDF, reference: bytes) -> None:
    annotation = pdf.objects[_number(reference)]
    for page_number in pdf.pages["Kids"][::3]:  # pydyf keeps page references flat: n, 0, "R"
        page = pdf.objects[page_number]
        if reference in page.get("Annots", ()):
            page["Annots"] = pydyf.Array(a for a in page["Annots"] if a != reference)
    # Its parent-tree entry goes too (a number tree's values cannot be null).
    key = annotation.get("StructParent")
    parent_tree = pdf.objects[_number(pdf.objects[_number(pdf.catalog["StructTreeRoot"])]["ParentTree"])]
    nums = parent_tree["Nums"]
    for index in range(0, len(nums), 2):
        if nums[index] == key:
            del nums[index : index + 2]
            break


def prune_empty_elements(pdf: pydyf.PDF) -> None:
    """Drop structure elements with no content (no MCID, no annotation) below them."""
    root = pdf.catalog.get("StructTreeRoot")
    if root is None:
        return
    filled: dict[int, bool] = {}

    def has_content(number: int, depth: int = 0) -> bool:
        if number not in filled:
            filled[number] = False  # a cycle holds no content
            element = pdf.objects[number]
            kept = []
            found = False
            for kid in element.get("K", ()):
                kid_object = pdf.objects[_number(kid)] if _is_reference(kid) else kid
                if isinstance(kid_object, pydyf.Dictionary) and kid_object.get("Type") == "/StructElem":
                    if depth > 200 or not has_content(_number(kid), depth + 1):
                        continue  # drop the empty child
                    found = True
                elif kid != "null":
                    found = True  # an MCID, a marked-content or an object reference
                kept.append(kid)
            if "K" in element and len(kept) < len(element["K"]):
                element["K"] = pydyf.Array(kept)
            filled[number] = found
        return filled[number]

    for top in pdf.objects[_number(root)]["K"]:
        has_content(_number(top))


def artifact_unmarked_paints(pdf: pydyf.PDF) -> None:
    """Wrap each XObject or shading painted outside marked content in an /Artifact sequence,
    unless the XObject holds marked content of its own (then it is not art, and stays for the
    preflight to report)."""
    for page_number in pdf.pages["Kids"][::3]:
        page = pdf.objects[page_number]
        stream = pdf.objects[_number(page["Contents"])]
        resources = _object(pdf, page.get("Resources"))
        depth = 0
        items: list[Any] = []
        for item in stream.stream:
            if item in (b"BDC", b"BMC"):
                depth += 1
            elif item == b"EMC":
                depth -= 1
            paint = _PAINT_ITEM.match(item) if isinstance(item, bytes) and depth == 0 else None
            if paint and not (paint.group(2) == b"Do" and _holds_marked_content(pdf, resources, paint.group(1))):
                items.extend(["/Artifact", b"BMC", item, b"EMC"])
            else:
                items.append(item)
        stream.stream = items


def _object(pdf: pydyf.PDF, value: Any) -> Any:
    return pdf.objects[_number(value)] if _is_reference(value) else value


def _holds_marked_content(pdf: pydyf.PDF, resources: Any, name: bytes, depth: int = 0) -> bool:
    """Whether the XObject ``name`` (in ``resources``) or a form it paints has an MCID."""
    xobjects = _object(pdf, (resources or {}).get("XObject")) or {}
    xobject = _object(pdf, xobjects.get(name.decode()))
    if not isinstance(xobject, pydyf.Stream) or depth > 8:
        return False
    inner_resources = _object(pdf, xobject.extra.get("Resources")) or resources
    for item in xobject.stream:
        if isinstance(item, pydyf.Dictionary) and "MCID" in item:
            return True
        paint = _PAINT_ITEM.match(item) if isinstance(item, bytes) else None
        if paint and paint.group(2) == b"Do" and _holds_marked_content(pdf, inner_resources, paint.group(1), depth + 1):
            return True
    return False


def _struct_elements(pdf: pydyf.PDF) -> Iterator[tuple[int, pydyf.Dictionary]]:
    for number, obj in enumerate(pdf.objects):
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem":
            yield number, obj


def _parent_tree_nums(pdf: pydyf.PDF) -> Any:
    return pdf.objects[_number(pdf.objects[_number(pdf.catalog["StructTreeRoot"])]["ParentTree"])]["Nums"]


def one_annotation_per_link(pdf: pydyf.PDF) -> None:
    """Give each outermost Link element exactly the link annotations it needs, as its own kids.

    Below a Link, WeasyPrint tags the boxes of the link's content as Spans holding their own
    annotations (an OBJR) and, for generated content (the contents' page numbers), as nested
    Link elements. The first annotation found (the outermost box's, which covers the others)
    stays; an inner annotation whose rectangle lies inside it is removed (a keyboard user
    would meet it as one more tab stop to the same place), any other becomes a kid of the outer
    Link too. Nested Links become Spans: a Link inside a Link means nothing to a reader.
    """
    if pdf.catalog.get("StructTreeRoot") is None:
        return
    nums = _parent_tree_nums(pdf)
    inside: set[int] = set()  # Link elements below another Link
    for number, element in _struct_elements(pdf):
        if element.get("S") == "/Link" and number not in inside:
            for below in _descendant_elements(pdf, element):
                if pdf.objects[below].get("S") == "/Link":
                    inside.add(below)
    for number, element in _struct_elements(pdf):
        if element.get("S") != "/Link" or number in inside:
            continue
        kept: list[Any] = []  # the annotations this Link keeps
        for kid in list(element["K"]):
            objr = _objr(pdf, kid)
            if objr is not None:
                kept.append(pdf.objects[_number(objr["Obj"])])
        for below in _descendant_elements(pdf, element):
            child = pdf.objects[below]
            if child.get("S") == "/Link":
                child["S"] = "/Span"
            for kid in list(child.get("K", ())):
                objr = _objr(pdf, kid)
                if objr is None:
                    continue
                child["K"] = pydyf.Array(k for k in child["K"] if k != kid)
                annotation = pdf.objects[_number(objr["Obj"])]
                if any(_within(annotation["Rect"], other["Rect"]) for other in kept):
                    _remove_annotation(pdf, objr["Obj"])
                    continue
                kept.append(annotation)
                element["K"].append(kid)
                _set_parent(nums, annotation["StructParent"], element.reference)


def _descendant_elements(pdf: pydyf.PDF, element: pydyf.Dictionary) -> Iterator[int]:
    stack = [k for k in element.get("K", ()) if _is_reference(k)]
    while stack:
        number = _number(stack.pop())
        obj = pdf.objects[number]
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem":
            yield number
            stack.extend(k for k in obj.get("K", ()) if _is_reference(k))


def _objr(pdf: pydyf.PDF, kid: Any) -> pydyf.Dictionary | None:
    obj = pdf.objects[_number(kid)] if _is_reference(kid) else None
    return obj if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/OBJR" else None


def _within(inner: Any, outer: Any) -> bool:
    """Whether rectangle ``inner`` lies inside ``outer`` (either corner order; 1 pt of slack)."""
    ix0, ix1 = sorted((inner[0], inner[2]))
    iy0, iy1 = sorted((inner[1], inner[3]))
    ox0, ox1 = sorted((outer[0], outer[2]))
    oy0, oy1 = sorted((outer[1], outer[3]))
    return bool(ox0 - 1 <= ix0 and ix1 <= ox1 + 1 and oy0 - 1 <= iy0 and iy1 <= oy1 + 1)


def _set_parent(nums: Any, key: int, reference: Any) -> None:
    for index in range(0, len(nums), 2):
        if nums[index] == key:
            nums[index + 1] = reference
            return


def headers_from_html(document: Document) -> None:
    """/Headers of a data cell with an HTML ``headers`` attribute: the /IDs of the header cells
    it names (by their HTML ``id``), instead of what WeasyPrint derives from the grid."""
    ids: dict[str, Any] = {}
    cells: list[Any] = []
    for box in _boxes(document):
        element = getattr(box, "mark", None)
        if not isinstance(element, pydyf.Dictionary) or box.element is None:
            continue
        if box.element_tag == "th" and box.element.get("id") and "ID" in element:
            ids[box.element.get("id")] = element["ID"]
        elif box.element_tag == "td" and box.element.get("headers"):
            cells.append(box)
    for box in cells:
        names = box.element.get("headers").split()
        attributes = box.mark.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Headers"] = pydyf.Array(ids[name] for name in names if name in ids)


def id_tree(pdf: pydyf.PDF) -> None:
    """An /IDTree in the structure tree root holding every element's /ID (a flat name tree,
    its names sorted as the PDF specification asks)."""
    root = pdf.catalog.get("StructTreeRoot")
    if root is None:
        return
    named = sorted(
        ((element["ID"], element.reference) for _, element in _struct_elements(pdf) if "ID" in element),
        key=lambda pair: _sort_key(pair[0]),
    )
    if named:
        pdf.objects[_number(root)]["IDTree"] = pydyf.Dictionary(
            {"Names": pydyf.Array(item for pair in named for item in pair)}
        )


def _sort_key(value: Any) -> bytes:
    text = value.string if isinstance(value, pydyf.String) else value
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def figure_boxes_in_user_space(pdf: pydyf.PDF) -> None:
    """Turn each Figure's /BBox from CSS px (WeasyPrint's layout units, y down from the top of the
    page) into PDF user space: points, y up from the bottom of its page's MediaBox."""
    for _, element in _struct_elements(pdf):
        attributes = element.get("A")
        if element.get("S") != "/Figure" or not isinstance(attributes, pydyf.Dictionary) or "Pg" not in element:
            continue
        if "BBox" not in attributes:
            continue
        left, _bottom, _right, top = pdf.objects[_number(element["Pg"])]["MediaBox"]
        x1, y1, x2, y2 = attributes["BBox"]
        attributes["BBox"] = pydyf.Array(
            (
                round(left + x1 * _PT_PER_PX, 2),
                round(top - y2 * _PT_PER_PX, 2),
                round(left + x2 * _PT_PER_PX, 2),
                round(top - y1 * _PT_PER_PX, 2),
            )
        )


def name_widgets(pdf: pydyf.PDF) -> None:
    """A /Contents on every widget annotation: its field's tooltip (/TU), and for a radio button
    also the value it stands for (from its group's /Opt, indexed by its on-state name)."""
    for obj in pdf.objects:
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/Widget") or "Contents" in obj:
            continue
        field = pdf.objects[_number(obj["Parent"])] if "Parent" in obj else obj
        tooltip = field.get("TU")
        if not isinstance(tooltip, pydyf.String):
            continue
        name = tooltip.string
        # WeasyPrint names a radio button's on state by its index in the group's /Opt.
        states = [str(key) for key in obj.get("AP", {}).get("N", {}) if str(key) != "Off"]
        options = field.get("Opt", ())
        if obj is not field and len(states) == 1 and states[0].isdigit() and int(states[0]) < len(options):
            name = f"{name}: {options[int(states[0])].string}"
        obj["Contents"] = pydyf.String(name)


# CSS list-style-type → PDF /ListNumbering (ISO 32000-1 Table 347). A list with a marker of
# its own (a string) is unordered: /Disc, the nearest value PDF 1.7 has.
_LIST_NUMBERING = {
    "none": "/None",
    "disc": "/Disc",
    "circle": "/Circle",
    "square": "/Square",
    "decimal": "/Decimal",
    "decimal-leading-zero": "/Decimal",
    "lower-roman": "/LowerRoman",
    "upper-roman": "/UpperRoman",
    "lower-alpha": "/LowerAlpha",
    "lower-latin": "/LowerAlpha",
    "upper-alpha": "/UpperAlpha",
    "upper-latin": "/UpperAlpha",
}


@contextmanager
def element_attributes() -> Iterator[None]:
    """While a PDF is written, complete the structure elements WeasyPrint makes from what only
    the boxes know:

    - /Lang for an HTML element with a ``lang`` attribute (a foreword in Spanish), below the
      document's own language (Matterhorn 11-004). Descendants inherit it (ISO 32000-1 14.9.2),
      as the HTML attribute is inherited.
    - /ListNumbering on a list (L), from its CSS ``list-style-type``: a reader then says
      "bulleted list" or "numbered list" (PDF/UA-2 8.2.5.25 asks for it where a list has Lbl).

    WeasyPrint 70 writes the document's /Lang only, no list attributes, and keeps no link from a
    box to its structure element (but for table cells), so a finisher cannot find the elements
    afterwards: the function that makes them is wrapped instead, for the one write.
    """
    original = weasyprint_tags._build_box_tree
    _ELEMENTS_OF_BOXES.clear()

    def build(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
        key = id(box._box if isinstance(box, AbsolutePlaceholder) else box)
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", "html")
        # <html lang> is the document's /Lang, which WeasyPrint writes in the catalog.
        lang = element.get("lang") if element is not None and tag != "html" else None
        own = element is not None and tag not in ("html", "body") and not isinstance(box, boxes.PageBox)
        for made in original(box, parent, *args):
            if not isinstance(made, pydyf.Dictionary):
                yield made
                continue
            if own:  # the box's own element (html and body pass their children's up)
                _ELEMENTS_OF_BOXES.setdefault(key, made)
            if lang and "Lang" not in made:
                made["Lang"] = pydyf.String(lang)
            if made.get("S") == "/L" and tag in ("ul", "ol", "dl") and "A" not in made:
                style = box.style["list_style_type"]
                default = {"ol": "/Decimal", "ul": "/Disc", "dl": "/None"}[tag]  # dl: terms, no labels
                numbering = _LIST_NUMBERING.get(style, default) if isinstance(style, str) and tag != "dl" else default
                made["A"] = pydyf.Dictionary({"O": "/List", "ListNumbering": numbering})
            yield made

    weasyprint_tags._build_box_tree = build
    try:
        yield
    finally:
        weasyprint_tags._build_box_tree = original
        _ELEMENTS_OF_BOXES.clear()


_ELEMENTS_OF_BOXES: dict[int, pydyf.Dictionary] = {}
"""While ``element_attributes`` is active: the structure element WeasyPrint made for a box, by
the box's id() (the finisher runs inside the write, while the boxes live)."""


def element_of_box(box: Any) -> pydyf.Dictionary | None:
    """The structure element made for ``box`` in the PDF being written, if it has one."""
    return _ELEMENTS_OF_BOXES.get(id(box))
