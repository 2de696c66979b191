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
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder

_PAINT_ITEM = re.compile(rb"^/(\S+) (Do|sh)$")


def _number(reference: Any) -> int:
    return int(reference.split()[0])  # pydyf references are b"12 0 R"


def _is_reference(value: Any) -> bool:
    return isinstance(value, bytes) and value.endswith(b" R")


def _boxes(document: Any) -> Iterator[Any]:
    """Every box of every page of a WeasyPrint document, depth first."""
    stack = [page._page_box for page in reversed(document.pages)]
    while stack:
        box = stack.pop()
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        yield box
        if isinstance(box, boxes.ParentBox):
            stack.extend(reversed(box.children))


def scope_table_headers(document: Any) -> None:
    """/Scope /Row for ``<th scope="row">`` (or rowgroup), /Column for any other header cell: the
    same reading WeasyPrint gives the attribute when it links data cells to their headers."""
    for box in _boxes(document):
        element = getattr(box, "mark", None)  # WeasyPrint's StructElem of a table cell
        if getattr(box, "element_tag", None) != "th" or not isinstance(element, pydyf.Dictionary):
            continue
        scope = (box.element.get("scope") or "").strip().lower()
        attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
        attributes["Scope"] = "/Row" if scope in ("row", "rowgroup") else "/Column"


def leaders_as_artifacts(document: Any, pdf: pydyf.PDF) -> None:
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
