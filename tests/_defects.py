"""Edits (pikepdf) that put back into a finished screen edition the accessibility defects the
screen finisher repairs, as the PDFs of main had them before issue 17. The preflight's rules
(tests/check/test_preflight_rules.py) and veraPDF (tests/check/test_verapdf.py) must each find
them."""

from __future__ import annotations

from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

# Where WeasyPrint 70 put the Cedar Ridge logo on the back cover: CSS px from the top left,
# outside a 612 × 792 pt page.
PX_BBOX = (625.28, 865.28, 723.52, 963.52)


def _parent_tree(pdf: pikepdf.Pdf) -> Array:
    return pdf.Root.StructTreeRoot.ParentTree.Nums


def _parent_of(pdf: pikepdf.Pdf, annotation: Any) -> Any:
    nums = _parent_tree(pdf)
    for i in range(0, len(nums), 2):
        if int(nums[i]) == int(annotation.StructParent):
            return nums[i + 1]
    raise AssertionError("annotation not in the parent tree")


def link_in_a_span(pdf: pikepdf.Pdf) -> None:
    """The first link annotation moves from its Link element into a Span inside it: Link >
    Span > OBJR, as WeasyPrint tagged the title of every contents entry."""
    annotation = next(a for page in pdf.pages for a in page.obj.get("/Annots", []) if a.Subtype == Name.Link)
    link = _parent_of(pdf, annotation)
    objr = next(k for k in link.K if isinstance(k, Dictionary) and k.get("/Type") == Name.OBJR)
    span = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Span, P=link, Pg=objr.Pg, K=Array([objr])))
    link.K = Array([span if isinstance(k, Dictionary) and k.objgen == objr.objgen else k for k in link.K])
    nums = _parent_tree(pdf)
    for i in range(0, len(nums), 2):
        if int(nums[i]) == int(annotation.StructParent):
            nums[i + 1] = span


def no_id_tree(pdf: pikepdf.Pdf) -> None:
    """The header cells keep their /ID (and the data cells their /Headers), the /IDTree goes."""
    del pdf.Root.StructTreeRoot["/IDTree"]


def figure_box_in_css_px(pdf: pikepdf.Pdf) -> None:
    """A paragraph becomes a Figure (with alternate text) whose /BBox is in CSS px."""
    stack: list[Any] = [pdf.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, Array):
            stack.extend(reversed(list(node)))
        elif isinstance(node, Dictionary) and "/S" in node:
            if node.S == Name.P and "/Pg" in node:
                node.S = Name.Figure
                node.Alt = String("A district logo")
                node.A = Dictionary(O=Name.Layout, BBox=Array(PX_BBOX))
                return
            if "/K" in node:
                stack.append(node.K)
    raise AssertionError("no paragraph with a page")


def unnamed_radio_button(pdf: pikepdf.Pdf) -> None:
    """The first radio button loses its /Contents: only its group's tooltip is left."""
    widget = next(
        a for page in pdf.pages for a in page.obj.get("/Annots", []) if a.Subtype == Name.Widget and "/Parent" in a
    )
    del widget["/Contents"]
