"""A district edition joined from parts (finish/assemble.py) against the same edition written
whole by WeasyPrint: everything a reader, a screen reader or a print shop sees is the same."""

from __future__ import annotations

import io
from functools import cache

import pikepdf
import pytest
from _editions import district, edition, project_inputs
from pypdf import PdfReader

from portrait.check.preflight import check
from portrait.designer.proof import diff_pages, render_pages

VARIANTS = ("screen", "print")


@cache
def both(variant: str) -> tuple[bytes, bytes]:
    """(assembled, written whole) for the example district with a foreword."""
    renderer = edition(variant).renderer
    return renderer.edition(district()).pdf, renderer.edition_in_full(district()).pdf


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text without spaces: the footer line is painted last, so a text extractor may
    put a space before it or not."""
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def structure(pdf: bytes) -> list[tuple[str, int | None]]:
    """Every structure element in reading order: its type and its page (when it names one)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        found: list[tuple[str, int | None]] = []

        def walk(node: object) -> None:
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                page = node.get("/Pg")
                found.append((str(node.S), pages.get(page.objgen) if page is not None else None))
                walk(node.get("/K"))

        walk(doc.Root.StructTreeRoot.K)
        return found


def parent_tree_problems(pdf: bytes) -> list[str]:
    """Each page's /StructParents entry lists elements of that page, and each annotation's
    /StructParent entry an element that holds it: the ParentTree a screen reader walks back."""
    problems = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        nums = doc.Root.StructTreeRoot.ParentTree.Nums
        tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        keys = [int(nums[i]) for i in range(0, len(nums), 2)]
        if keys != sorted(set(keys)):
            problems.append("parent tree keys are not unique and sorted")
        for index, page in enumerate(doc.pages):
            key = page.obj.get("/StructParents")
            if key is None:
                continue
            for element in tree.get(int(key), []):
                page_of = element.get("/Pg") if isinstance(element, pikepdf.Dictionary) else None
                if page_of is not None and page_of.objgen != page.obj.objgen:
                    problems.append(f"page {index + 1}: a marked-content id points at an element of another page")
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot and int(annot.StructParent) not in tree:
                    problems.append(f"page {index + 1}: an annotation's /StructParent is not in the parent tree")
    return problems


def annotation_problems(doc: pikepdf.Pdf) -> list[str]:
    """Each annotation's parent-tree element holds that same annotation (an OBJR), and each OBJR
    in the structure tree names an annotation whose parent-tree entry is the element holding it:
    both ways, so an annotation whose /StructParent was not moved with its part's keys shows."""
    problems = []
    nums = doc.Root.StructTreeRoot.ParentTree.Nums
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for index, page in enumerate(doc.pages):
        for annot in page.obj.get("/Annots", []):
            if "/StructParent" not in annot:
                continue
            element = tree.get(int(annot.StructParent))
            held = [k.Obj.objgen for k in _kids(element) if k.get("/Type") == "/OBJR"]
            if annot.objgen not in held:
                problems.append(
                    f"page {index + 1}: {annot.Subtype} {annot.objgen}: its parent-tree element does not hold it"
                )
    stack = [doc.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            for kid in _kids(node):
                if kid.get("/Type") == "/OBJR":
                    annot = kid.Obj
                    entry = tree.get(int(annot.get("/StructParent", -1)))
                    if not isinstance(entry, pikepdf.Dictionary) or entry.objgen != node.objgen:
                        problems.append(
                            f"{annot.Subtype} {annot.objgen}: held by an element its /StructParent does not name"
                        )
            stack.append(node.get("/K"))
    return problems


def _kids(element: object) -> list[pikepdf.Dictionary]:
    kids = element.get("/K") if isinstance(element, pikepdf.Dictionary) else None
    kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    return [k for k in kids if isinstance(k, pikepdf.Dictionary)]


def outline(pdf: bytes) -> list[tuple[str, int]]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        with doc.open_outline() as tree:
            result = []
            stack = list(reversed(list(tree.root)))
            while stack:
                item = stack.pop()
                result.append((item.title, pages[item.destination[0].objgen]))
                stack.extend(reversed(list(item.children)))
            return result


def links(pdf: bytes) -> list[tuple[int, tuple[float, ...], object]]:
    """Every link: its page, rectangle and where it goes (a page number or a URI)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = {page.obj.objgen: i for i, page in enumerate(doc.pages)}
        names = dict(pikepdf.NameTree(doc.Root.Names.Dests).items()) if "/Names" in doc.Root else {}
        found = []
        for index, page in enumerate(doc.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") != "/Link":
                    continue
                action = annot.get("/A")
                if action is not None and "/URI" in action:
                    target: object = str(action.URI)
                else:
                    dest = annot.get("/Dest", action.get("/D") if action is not None else None)
                    if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                        dest = names[str(dest)]
                    target = pages[dest[0].objgen]
                rect = tuple(round(float(v), 1) for v in annot.Rect)
                found.append((index, rect, target))
        return sorted(found, key=repr)


def fields(pdf: bytes) -> list[tuple[str, str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return sorted((name, str(value.get("/FT"))) for name, value in (reader.get_fields() or {}).items())


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_assembled_edition_passes_check(variant: str):
    assembled, _ = both(variant)
    report = check(assembled, f"assembled-{variant}.pdf")
    assert report.profile == variant
    assert report.passed, report.table()


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_text_on_every_page(variant: str):
    assembled, whole = both(variant)
    assert page_texts(assembled) == page_texts(whole)


def test_same_structure_tree_in_reading_order():
    assembled, whole = both("screen")
    assert structure(assembled) == structure(whole)
    assert parent_tree_problems(assembled) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_outline(variant: str):
    assembled, whole = both(variant)
    assert outline(assembled) == outline(whole)
    assert ("A message from our superintendent", 1) in outline(assembled)


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_page_labels(variant: str):
    assembled, whole = both(variant)
    labels = PdfReader(io.BytesIO(assembled)).page_labels
    assert labels == PdfReader(io.BytesIO(whole)).page_labels
    assert labels[:3] == ["Cover", "i", "2"] and labels[-1] == "Back cover"


def test_same_links_landing_on_the_same_pages():
    assembled, whole = both("screen")
    assert links(assembled) == links(whole)
    assert any(isinstance(target, int) for _, _, target in links(assembled))


def test_same_form_fields():
    assembled, whole = both("screen")
    assert fields(assembled) == fields(whole)
    assert len(fields(assembled)) >= 6  # a rating per attribute and the notes


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_page_images(variant: str):
    assembled, whole = both(variant)
    pages = zip(render_pages(assembled, 40), render_pages(whole, 40), strict=True)
    for number, (a, w) in enumerate(pages, 1):
        # Font subsets made for fewer glyphs may anti-alias a letter's edge differently: a few
        # pixels at most, where a misplaced footer or a missing element changes hundreds.
        assert diff_pages(w, a).changed_fraction < 0.0005, f"page {number} looks different"


def test_the_footer_names_the_district_on_the_shared_pages():
    assembled, _ = both("screen")
    texts = page_texts(assembled)
    shared = texts[2:-1]
    assert all("CEDARRIDGEUSDEDITION" in text.upper() for text in shared)


@pytest.mark.parametrize("variant", VARIANTS)
def test_one_embedded_subset_per_font_face(variant: str):
    assembled, whole = both(variant)
    with pikepdf.open(io.BytesIO(assembled)) as doc:
        faces = [
            str(obj.FontName)
            for obj in doc.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"
        ]
    assert faces and len(faces) == len(set(faces)), sorted(faces)
    # Parts joined with their own subsets were about 30 % larger than the whole-written file.
    assert len(assembled) <= len(whole) * 1.05


def test_the_footer_carries_only_what_it_paints():
    """WeasyPrint gives all the pages of a PDF one resource dictionary; the footer form painted on
    the shared pages keeps only what it paints, so a raster logo stays on the pages that show it."""
    from portrait.inputs.district import load_edition

    project, _ = project_inputs()
    rendered = edition("screen").renderer.edition(load_edition(project, "example-lakeshore"))  # a PNG logo
    assert sorted({use.page for use in rendered.facts.images}) == [0, 1, rendered.pages - 1]
    with pikepdf.open(io.BytesIO(rendered.pdf)) as doc:
        for page in doc.pages[2:-1]:
            footer = page.Resources.XObject.EditionFooter
            assert dict(footer.Resources.get("/XObject", {})) == {}


def test_each_annotation_and_its_element_point_at_each_other():
    assembled, whole = both("screen")
    for pdf in (assembled, whole):
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            assert annotation_problems(doc) == []
            # The edition's own pages have annotations too (the foreword's link, the contact
            # details): the join moved their keys past the body's.
            own = [a for page in (doc.pages[1], doc.pages[-1]) for a in page.obj.get("/Annots", [])]
            assert own


def test_an_annotation_left_with_its_parts_key_is_found():
    """The mutant this test was written for: the own part's annotations keep their unshifted
    /StructParent after the join. Their keys then name elements of the body (or nothing)."""
    assembled, _ = both("screen")
    with pikepdf.open(io.BytesIO(assembled)) as doc:
        annot = next(a for a in doc.pages[-1].obj.get("/Annots", []) if "/StructParent" in a)
        annot.StructParent = 0
        problems = annotation_problems(doc)
    assert len(problems) == 2, problems  # one each way
