"""Repairs to WeasyPrint 70's PDF/UA-2 output (``pdf_variant="pdf/ua-2"``), run by the
``screen-ua2`` finisher after the PDF/UA-1 ones (portrait.finish.tagging).

WeasyPrint's ``pdf/ua-2`` variant writes PDF 2.0, ``pdfuaid:part`` 2 and ``pdfuaid:rev`` 2024
in XMP, and the PDF 2.0 namespace (/Namespaces). What veraPDF's PDF/UA-2 profile still finds,
and what is repaired here:

- ``structure_destinations`` (ISO 14289-2 8.8): every internal link and outline item leads to
  a *structure destination*: each gets a go-to action whose /SD names the structure element of
  its target (found through the box that defines the anchor or the bookmark), besides the
  page destination /D that readers without structure destinations use.
- ``captions_first_or_last`` (8.2.5.27): WeasyPrint tags ``<figure><blockquote/><figcaption/>``
  as a NonStruct holding a BlockQuote and a Caption; NonStruct is transparent, so the Caption
  sits between the paragraphs of the section. It becomes the last kid of the BlockQuote (the
  quote's attribution), or the first or last of whatever it captions.
- ``no_bare_spans`` (ISO/TS 32005 Table 5: Art-Span, Sect-Span, ...): an ``<article>``'s or a
  ``<section>``'s inline text outside any paragraph is tagged Span directly below the grouping
  element; each run of such Spans is wrapped in a P (a lone Span becomes the P).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder

from portrait.finish import tagging
from portrait.finish.tagging import element_of_box

# Elements veraPDF looks through when it asks what an element's parent or kids are (PDF 2.0).
TRANSPARENT = frozenset({"/NonStruct", "/Div"})
# Grouping elements that may not hold a Span (ISO/TS 32005 Table 5).
NO_SPAN = frozenset(
    {
        "/Art", "/Aside", "/BlockQuote", "/Document", "/DocumentFragment", "/Form", "/Index", "/L", "/LI", "/Sect",
        "/TBody", "/TFoot", "/THead", "/TOC", "/TOCI", "/TR", "/Table", "/Part",
    }
)  # fmt: skip
# Elements that may hold one Caption, first or last: where a stray Caption can go.
CAPTIONED = frozenset({"/BlockQuote", "/Figure", "/Formula", "/Table", "/L", "/Aside", "/Art", "/Sect"})


def repair(document: Any, pdf: pydyf.PDF) -> None:
    if pdf.catalog.get("StructTreeRoot") is None:
        return
    no_bare_spans(pdf)
    captions_first_or_last(pdf)
    structure_destinations(document, pdf)


def _number(reference: Any) -> int:
    return int(reference.split()[0])


def _is_reference(value: Any) -> bool:
    return isinstance(value, bytes) and value.endswith(b" R")


def _element(pdf: pydyf.PDF, kid: Any) -> pydyf.Dictionary | None:
    if not _is_reference(kid):
        return None
    obj = pdf.objects[_number(kid)]
    return obj if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/StructElem" else None


def _tree(pdf: pydyf.PDF) -> Iterator[pydyf.Dictionary]:
    """Every structure element reachable from the root, parents before their kids."""
    root = pdf.objects[_number(pdf.catalog["StructTreeRoot"])]
    kids = root["K"] if isinstance(root["K"], pydyf.Array) else [root["K"]]
    stack = list(reversed(kids))
    seen: set[int] = set()
    while stack:
        kid = stack.pop()
        element = _element(pdf, kid)
        if element is None or _number(kid) in seen:
            continue
        seen.add(_number(kid))
        yield element
        stack.extend(reversed(element.get("K", ())))


def _effective_parent(pdf: pydyf.PDF, element: pydyf.Dictionary) -> pydyf.Dictionary | None:
    parent = _element(pdf, element.get("P"))
    while parent is not None and parent.get("S") in TRANSPARENT:
        parent = _element(pdf, parent.get("P"))
    return parent


def no_bare_spans(pdf: pydyf.PDF) -> None:
    """Wrap each run of Spans whose (effective) parent may not hold a Span in a P."""
    for parent in list(_tree(pdf)):
        kids = parent.get("K")
        if not isinstance(kids, pydyf.Array):
            continue
        grouping = parent.get("S") in NO_SPAN or (
            parent.get("S") in TRANSPARENT and (_effective_parent(pdf, parent) or {}).get("S") in NO_SPAN
        )
        if not grouping:
            continue
        runs: list[list[int]] = []
        for index, kid in enumerate(kids):
            element = _element(pdf, kid)
            if element is not None and element.get("S") == "/Span":
                if runs and runs[-1][-1] == index - 1:
                    runs[-1].append(index)
                else:
                    runs.append([index])
        for run in reversed(runs):
            if len(run) == 1:
                pdf.objects[_number(kids[run[0]])]["S"] = "/P"
                continue
            paragraph = pydyf.Dictionary(
                {"Type": "/StructElem", "S": "/P", "P": parent.reference, "K": pydyf.Array(kids[i] for i in run)}
            )
            first = pdf.objects[_number(kids[run[0]])]
            if "Pg" in first:
                paragraph["Pg"] = first["Pg"]
            pdf.add_object(paragraph)
            for i in run:
                pdf.objects[_number(kids[i])]["P"] = paragraph.reference
            kids[run[0] : run[-1] + 1] = [paragraph.reference]


def _effective_kids(pdf: pydyf.PDF, element: pydyf.Dictionary) -> list[pydyf.Dictionary]:
    found: list[pydyf.Dictionary] = []
    for kid in element.get("K", ()):
        child = _element(pdf, kid)
        if child is None:
            continue
        if child.get("S") in TRANSPARENT:
            found.extend(_effective_kids(pdf, child))
        else:
            found.append(child)
    return found


def captions_first_or_last(pdf: pydyf.PDF) -> None:
    """Move each Caption that sits between other kids of its (effective) parent into the element
    beside it that it captions (the one before it, else the one after), as its last (first) kid."""
    for caption in [e for e in _tree(pdf) if e.get("S") == "/Caption"]:
        parent = _effective_parent(pdf, caption)
        if parent is None:
            continue
        kids = _effective_kids(pdf, parent)
        position = next(i for i, kid in enumerate(kids) if kid is caption)
        if position in (0, len(kids) - 1):
            continue
        direct = _element(pdf, caption["P"])
        assert direct is not None
        siblings = [_element(pdf, k) for k in direct["K"]]
        index = next(i for i, kid in enumerate(siblings) if kid is caption)
        for target, last in ((index - 1, True), (index + 1, False)):
            holder = siblings[target] if 0 <= target < len(siblings) else None
            if holder is None or holder.get("S") not in CAPTIONED:
                continue
            if any(k.get("S") == "/Caption" for k in _effective_kids(pdf, holder)):
                continue
            direct["K"] = pydyf.Array(k for k in direct["K"] if _element(pdf, k) is not caption)
            if last:
                holder["K"].append(caption.reference)
            else:
                holder["K"].insert(0, caption.reference)
            caption["P"] = holder.reference
            break


def _tagged_boxes(document: Any) -> Iterator[tuple[int, Any, pydyf.Dictionary | None]]:
    """Each box of each page with its page index and the structure element of the box or of its
    nearest tagged ancestor (None outside the tree: page margins)."""
    for index, page in enumerate(document.pages):
        stack: list[tuple[Any, pydyf.Dictionary | None]] = [(page._page_box, None)]
        while stack:
            box, inherited = stack.pop()
            if isinstance(box, AbsolutePlaceholder):
                box = box._box
            if isinstance(box, boxes.MarginBox):
                continue
            element = element_of_box(box) or inherited
            yield index, box, element
            if isinstance(box, boxes.ParentBox):
                stack.extend((child, element) for child in reversed(box.children))


def _in_tree(pdf: pydyf.PDF, element: pydyf.Dictionary | None, reachable: set[int]) -> pydyf.Dictionary | None:
    """``element``, or its nearest ancestor still in the tree (a finisher may have pruned it)."""
    while element is not None and id(element) not in reachable:
        element = _element(pdf, element.get("P"))
    return element


def structure_destinations(document: Any, pdf: pydyf.PDF) -> None:
    """Give every internal link and every outline item a go-to action with a structure
    destination (/SD) to the element of its target, beside its page destination (/D: a link
    keeps its named destination, which the join of a district edition resolves in the body).

    An anchor's own element gets the anchor's name as its /ID (in the /IDTree), if it has none:
    the join finds a body element by it for the links of a district's own pages."""
    reachable = {id(e) for e in _tree(pdf)}
    anchors: dict[str, pydyf.Dictionary] = {}
    bookmarks: list[pydyf.Dictionary | None] = []
    ids = {_text(e["ID"]) for e in _tree(pdf) if "ID" in e}
    for _index, box, element in _tagged_boxes(document):
        name = box.style["anchor"]
        if name and name not in anchors and element is not None:
            anchors[name] = element
            own = element_of_box(box)
            if own is element and id(own) in reachable and "ID" not in own and name not in ids:
                own["ID"] = pydyf.String(name)
                ids.add(name)
        if box.bookmark_label and box.style["bookmark_level"] != "none":
            bookmarks.append(element)
    tagging.id_tree(pdf)
    dests = pdf.catalog.get("Names", {}).get("Dests")
    named: dict[str, Any] = {}
    if dests is not None:
        names = dests["Names"]
        named = {_text(key): value for key, value in zip(names[::2], names[1::2], strict=True)}

    def action(destination: Any, page_destination: Any, element: pydyf.Dictionary | None) -> pydyf.Dictionary | None:
        element = _in_tree(pdf, element, reachable)
        if element is None or not isinstance(page_destination, pydyf.Array):
            return None
        structure = pydyf.Array([element.reference, *list(page_destination)[1:]])
        return pydyf.Dictionary({"Type": "/Action", "S": "/GoTo", "D": destination, "SD": structure})

    for obj in list(pdf.objects):
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/Link" and "Dest" in obj):
            continue
        name = _text(obj["Dest"])
        made = action(obj["Dest"], named.get(name), anchors.get(name))
        if made is not None:
            del obj["Dest"]
            obj["A"] = made
    outline_root = pdf.catalog.get("Outlines")
    if outline_root is None:
        return
    items = list(_outline_items(pdf, pdf.objects[_number(outline_root)]))
    if len(items) != len(bookmarks):
        return  # not the bookmarks the boxes define: leave them as they are
    for item, element in zip(items, bookmarks, strict=True):
        made = action(item.get("Dest"), item.get("Dest"), element)
        if made is not None:
            del item["Dest"]
            item["A"] = made


def _text(value: Any) -> str:
    return str(value.string) if isinstance(value, pydyf.String) else str(value)


def _outline_items(pdf: pydyf.PDF, parent: pydyf.Dictionary) -> Iterator[pydyf.Dictionary]:
    """The outline's items in document order (each before its children)."""
    reference = parent.get("First")
    while reference is not None:
        item = pdf.objects[_number(reference)]
        yield item
        yield from _outline_items(pdf, item)
        reference = item.get("Next")
