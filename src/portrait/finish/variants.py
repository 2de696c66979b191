"""The two kinds of file made from one publication: for screens and for the press.

A *variant* is what differs between them: an extra stylesheet, the options WeasyPrint lays out
and writes with, what is done to the PDF after WeasyPrint has made it, and a page-count rule.

- ``screen``: tagged PDF/UA-1 with a fillable reflection worksheet, links and bookmarks. For
  district websites (WCAG 2.1 AA asks for tagged, accessible PDFs) and for reading on screen.
- ``print``: PDF/X-4 for a print shop: 0.125 in bleed, crop marks, TrimBox/BleedBox, a CMYK
  output intent with the ICC profile in ``assets/color/``, no links or form fields, and a page
  count that is a multiple of 4 (a saddle-stitched booklet) made up with notes pages.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pydyf

if TYPE_CHECKING:
    from weasyprint import Document

# PDF/X-4 names the printing condition by a registered identifier; the profile in
# assets/color/ is built from the FOGRA39 characterization data (see assets/color/README.md).
OUTPUT_CONDITION = "FOGRA39"
OUTPUT_CONDITION_INFO = "Coated FOGRA39 (ISO 12647-2:2004/Amd 1), offset, coated paper"
ICC_REGISTRY = "http://www.color.org"
# The bleed a press trims into. print.css gives WeasyPrint twice as much, so that its crop marks
# (drawn in the outer half) sit beyond the art, which runs exactly this far past the trim.
BLEED_PT = 9.0  # 0.125 in


@dataclass(frozen=True)
class Variant:
    name: str
    stylesheets: tuple[str, ...] = ()  # extra stylesheets in templates/styles/, after the base ones
    render_options: dict[str, Any] = field(default_factory=dict)
    write_options: dict[str, Any] = field(default_factory=dict)
    finish: Callable[[Any, pydyf.PDF], None] | None = None  # WeasyPrint's `finisher`
    page_multiple: int = 1  # pad with notes pages before the back cover up to a multiple of this
    file_suffix: str = ""  # portrait-of-a-leader<suffix>.pdf
    conformance: str = ""  # the standard the file claims and the preflight checks
    medium: str = ""  # what the templates are told ("screen", "print"); the name when empty

    @property
    def kind(self) -> str:
        """The medium this variant is made for: what the templates' ``variant`` says."""
        return self.medium or self.name


def _finish_print(document: Document, pdf: pydyf.PDF) -> None:
    """Make WeasyPrint's PDF/X-4 output what a press expects.

    - No interactive elements: a printed page has no links (PDF/X-4 forbids annotations inside the
      trim area unless they are printed, and links never are).
    - Colours in the stylesheets and SVG art are sRGB; WeasyPrint writes them as DeviceRGB. A
      DefaultRGB colour space says that DeviceRGB means sRGB, so the press converts it to the
      output intent's CMYK with a known source profile instead of guessing.
    - The BleedBox is the art's bleed (WeasyPrint puts it 10 pt out; ours is 0.125 in).
    - The output intent names the printing condition by its registered name.
    """
    srgb = _srgb_profile(pdf)
    for obj in pdf.objects:
        if not isinstance(obj, pydyf.Dictionary):
            continue
        if obj.get("Type") == "/Page":
            obj.pop("Annots", None)
            left, top, right, bottom = obj["TrimBox"]
            obj["BleedBox"] = pydyf.Array([left - BLEED_PT, top - BLEED_PT, right + BLEED_PT, bottom + BLEED_PT])
        elif "lab-d50" in obj and "lab-d65" in obj:  # WeasyPrint's shared ColorSpace resource
            obj["DefaultRGB"] = pydyf.Array(("/ICCBased", srgb.reference))
        elif "ShadingType" in obj and _outputs(obj.get("Function")) == 3:
            # WeasyPrint 70 gives gradients the output intent's colour space (CMYK) but RGB
            # stops; viewers then draw nothing. Their stops are sRGB: say so.
            obj["ColorSpace"] = "/DeviceRGB"
    pdf.catalog.pop("AcroForm", None)
    pdf.catalog.get("Names", {}).pop("Dests", None)
    _stable_document_id(pdf)
    shipped = _embed_profiles_as_shipped(document, pdf)
    for intent in pdf.catalog.get("OutputIntents", []):
        name = _profile_name(shipped[0]) if shipped else ""
        if not name or OUTPUT_CONDITION in name:
            intent["OutputConditionIdentifier"] = pydyf.String(OUTPUT_CONDITION)
            intent["OutputCondition"] = pydyf.String(OUTPUT_CONDITION_INFO)
            intent["Info"] = pydyf.String(OUTPUT_CONDITION_INFO)
            intent["RegistryName"] = pydyf.String(ICC_REGISTRY)
        else:
            # A press's own profile (docs/print.md): not a registered condition, so the output
            # intent names it by the profile's description (PDF/X: Info is then required).
            intent["OutputConditionIdentifier"] = pydyf.String(name)
            intent["OutputCondition"] = pydyf.String(name)
            intent["Info"] = pydyf.String(name)
            intent.pop("RegistryName", None)


def _profile_name(profile: bytes) -> str:
    """The description of an ICC profile ("Coated FOGRA39 ...", a press's own name)."""
    import io

    from PIL import ImageCms

    try:
        return str(ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))).strip()
    except (OSError, ImageCms.PyCMSError):
        return ""


def _embed_profiles_as_shipped(document: Document, pdf: pydyf.PDF) -> list[bytes]:
    """Embed each ICC profile byte for byte as shipped in assets/.

    WeasyPrint embeds what LittleCMS re-serialises from the parsed profile: a bigger file
    (438 KB for our 185 KB one) that changes from one write to the next. The press should get
    the profile we ship. Read through the document's own (project-locked) fetcher. Returns the
    profiles embedded.
    """
    embedded = []
    for profile in document.color_profiles.values():
        if profile.pdf_reference is None:
            continue
        response = document.url_fetcher.fetch(profile.src)
        try:
            data = response.read()
        finally:
            response.close()
        pdf.objects[int(profile.pdf_reference.split()[0])].stream = [data]
        embedded.append(data)
    return embedded


_RANDOM_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def _stable_document_id(pdf: pydyf.PDF) -> None:
    """Replace the random XMP DocumentID WeasyPrint writes for PDF/X-4 by one derived from the
    metadata itself, so that the same inputs give the same bytes (reproducible builds)."""
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    data = b"".join(metadata.stream)
    stable = uuid.uuid5(uuid.NAMESPACE_URL, hashlib.sha256(_RANDOM_DOCUMENT_ID.sub(b"", data)).hexdigest())
    metadata.stream = [_RANDOM_DOCUMENT_ID.sub(f"xmp.did:{stable}".encode(), data)]


def _outputs(function: Any) -> int | None:
    """How many colour components a (stitching) shading function yields."""
    if isinstance(function, pydyf.Dictionary):
        if "C0" in function:
            return len(function["C0"])
        for sub in function.get("Functions", []):
            return _outputs(sub)
    return None


def _srgb_profile(pdf: pydyf.PDF) -> pydyf.Stream:
    from importlib.resources import files

    data = (files("weasyprint") / "pdf" / "sRGB2014.icc").read_bytes()
    stream = pydyf.Stream([data], pydyf.Dictionary({"N": 3}), compress=True)
    pdf.add_object(stream)
    return stream


def _describe_links(document: Document) -> None:
    """Give each link annotation its visible text as its description (/Contents).

    PDF/UA asks for a description of every link; WeasyPrint writes the bare target there
    ("introduction", "https://…"), which a screen reader would read out instead of the words.
    """
    for page in document.pages:
        for _kind, _target, _rect, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            if annotation is None or box.element is None:
                continue
            text = box.element.get("title") or " ".join("".join(box.element.itertext()).split())
            if text:
                annotation["Contents"] = pydyf.String(text)


def _number(reference: Any) -> int:
    return int(reference.split()[0])  # pydyf references are b"12 0 R"


def _artifact_margin_content(pdf: pydyf.PDF) -> None:
    """Mark running heads and page numbers as artifacts.

    WeasyPrint 70 tags the text of page margin boxes with structure elements that it then leaves
    out of the structure tree (PDF/UA-1 has no place for them in the tree), so that text is
    neither real content nor an artifact: PDF/UA asks for pagination to be an artifact. Every
    marked-content sequence whose element is not reachable from the structure tree root becomes
    an /Artifact sequence, and the parent tree forgets it.
    """
    root = pdf.catalog.get("StructTreeRoot")
    if root is None:
        return
    tree = pdf.objects[_number(root)]
    reachable: set[int] = set()
    stack = list(tree["K"])
    while stack:
        kid = stack.pop()
        if not isinstance(kid, bytes) or not kid.endswith(b" R"):
            continue  # marked-content ids
        number = _number(kid)
        if number in reachable:
            continue
        reachable.add(number)
        element = pdf.objects[number]
        if isinstance(element, pydyf.Dictionary) and "K" in element:
            stack.extend(element["K"])
    nums = pdf.objects[_number(tree["ParentTree"])]["Nums"]
    kids = pdf.pages["Kids"]  # pydyf keeps page references flat: number, 0, "R", ...
    page_streams = [pdf.objects[_number(pdf.objects[n]["Contents"])] for n in kids[::3]]
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        if not isinstance(value, pydyf.Array) or key >= len(page_streams):
            continue  # annotations' entries
        orphans = {mcid for mcid, ref in enumerate(value) if _number(ref) not in reachable}
        if not orphans:
            continue
        for mcid in orphans:
            value[mcid] = "null"
        ops = page_streams[key].stream
        kept: list[Any] = []
        for op in ops:  # "/Tag", <</MCID n>>, b"BDC" → "/Artifact", b"BMC"
            properties = kept[-1] if op == b"BDC" and len(kept) >= 2 else None
            if isinstance(properties, pydyf.Dictionary) and properties.get("MCID") in orphans:
                kept[-2:] = ["/Artifact"]
                op = b"BMC"
            kept.append(op)
        page_streams[key].stream = kept


def _finish_screen(document: Document, pdf: pydyf.PDF) -> None:
    """Describe links; complete the tags (portrait.finish.tagging); make WeasyPrint's radio
    buttons one field per group.

    WeasyPrint 70 gives each radio widget its own /T and lists it in the AcroForm's /Fields as
    well as in its group's /Kids; readers (and pypdf) then see one field per button, named
    ``rating-x.rating-x``. A widget of a group carries no name: the group is the field.
    """
    _describe_links(document)
    # Imported here: it needs WeasyPrint, and an up-to-date build must not load WeasyPrint.
    from portrait.finish import tagging

    tagging.scope_table_headers(document)
    tagging.headers_from_html(document)
    tagging.leaders_as_artifacts(document, pdf)
    tagging.one_annotation_per_link(pdf)  # after leaders_as_artifacts, which drops whole Links
    tagging.prune_empty_elements(pdf)
    tagging.id_tree(pdf)  # after the pruning: only elements still in the tree are named
    tagging.figure_boxes_in_user_space(pdf)
    _artifact_margin_content(pdf)  # after the two above: what they take out of the tree
    tagging.artifact_unmarked_paints(pdf)
    acroform = pdf.catalog.get("AcroForm")
    if not acroform:
        return
    kids: set[int] = set()
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("FT") == "/Btn" and "Kids" in obj:
            for ref in obj["Kids"]:  # pydyf references are b"12 0 R"
                number = int(ref.split()[0])
                pdf.objects[number].pop("T", None)
                pdf.objects[number].pop("TU", None)
                kids.add(number)
    acroform["Fields"] = pydyf.Array(r for r in acroform["Fields"] if int(r.split()[0]) not in kids)
    tagging.name_widgets(pdf)


SCREEN = Variant(
    name="screen",
    conformance="PDF/UA-1",
    write_options={"pdf_variant": "pdf/ua-1", "pdf_forms": True},
    finish=_finish_screen,
)


def _finish_screen_ua2(document: Any, pdf: pydyf.PDF) -> None:
    """The screen finisher, then what PDF/UA-2 asks for beyond PDF/UA-1 (portrait.finish.ua2)."""
    _finish_screen(document, pdf)
    from portrait.finish import ua2

    ua2.repair(document, pdf)


SCREEN_UA2 = Variant(
    name="screen-ua2",
    medium="screen",
    conformance="PDF/UA-2",
    write_options={"pdf_variant": "pdf/ua-2", "pdf_forms": True},
    finish=_finish_screen_ua2,
)
"""The screen edition as PDF/UA-2 (PDF 2.0): ``build --conformance ua2``. Same file name as
``screen``; its own name keeps its cache keys and kept bodies apart from the PDF/UA-1 ones."""

PRINT = Variant(
    name="print",
    conformance="PDF/X-4",
    stylesheets=("print.css",),
    # pdf/x-4 at layout time makes WeasyPrint take the @color-profile device-cmyk of print.css
    # as the output intent; at write time it adds the PDF/X metadata.
    render_options={"pdf_variant": "pdf/x-4"},
    write_options={"pdf_variant": "pdf/x-4"},
    finish=_finish_print,
    page_multiple=4,
    file_suffix="-print",
)

VARIANTS = {v.name: v for v in (SCREEN, PRINT)}
"""Every variant a build makes by default, by name, in the order a build makes them."""

SCREEN_VARIANTS = {"ua1": SCREEN, "ua2": SCREEN_UA2}
"""The screen variant for each ``--conformance`` (the studio's ``conformance`` field)."""

ALL_VARIANTS = {v.name: v for v in (SCREEN, PRINT, SCREEN_UA2)}
"""Every variant by name, the UA-2 screen edition included."""


def screen_variant(conformance: str, option: str = "--conformance") -> Variant:
    """The screen variant for ``conformance`` ("ua1", "ua2"); a ValueError naming ``option`` and
    the allowed values for any other."""
    try:
        return SCREEN_VARIANTS[conformance]
    except KeyError:
        allowed = ", ".join(SCREEN_VARIANTS)
        raise ValueError(f"{option}: {conformance!r} is not a conformance level (allowed: {allowed})") from None
