"""Preflight: does a PDF meet the rules of the file it claims to be?

Two profiles, picked from what the file says about itself (or forced with ``--as``):

- ``screen``: a tagged, accessible PDF (PDF/UA-1): a subset of the Matterhorn protocol that can
  be checked by reading the file (see docs/reference/preflight.md for which checkpoints).
- ``screen-ua2``: the same, as PDF/UA-2 (``build --conformance ua2``): PDF 2.0, ``pdfuaid:part``
  2 and ``pdfuaid:rev``, the PDF 2.0 namespace, and structure destinations for internal links
  and bookmarks (ISO 14289-2 8.8).
- ``print``: a PDF/X-4 file for a press: output intent, page boxes, no interactive elements,
  effective image resolution, booklet page count.

Every rule reads facts from portrait.check.facts; a rule is a function from facts to a list of
reasons it fails (empty: it passes). The build runs this on everything it writes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pikepdf

from portrait.check.facts import PdfFacts, read_facts
from portrait.check.resolution import MIN_DPI, too_coarse
from portrait.check.separation import INSTALL
from portrait.errors import BuildError, InputError, Problem
from portrait.finish.variants import ALL_VARIANTS, PRINT
from portrait.inputs.press import SMALL_TEXT_INKS, SMALL_TEXT_PT

PROFILES = tuple(ALL_VARIANTS)
BOOKLET_MULTIPLE = PRINT.page_multiple  # the print variant's own rule, not a copy of it
# Rounding of builds and of the separation: a page at the limit measures up to about 1 % over it.
COVERAGE_TOLERANCE = 2.0


@dataclass(frozen=True)
class Result:
    rule: str
    passed: bool
    detail: str  # what was found, or why it fails


@dataclass(frozen=True)
class Report:
    name: str  # the file, as given
    profile: str
    results: list[Result]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.passed]

    def table(self) -> str:
        width = max(len(r.rule) for r in self.results)
        lines = [f"{self.name} ({self.profile})", f"  {'rule'.ljust(width)}  result  detail"]
        for r in self.results:
            lines.append(f"  {r.rule.ljust(width)}  {'pass' if r.passed else 'FAIL'}    {r.detail}")
        verdict = "passes" if self.passed else f"FAILS {len(self.failures)} rule(s)"
        lines.append(f"  → {self.name} {verdict}")
        return "\n".join(lines)


Rule = Callable[[PdfFacts], tuple[bool, str]]


# Rules for every file.


def fonts_embedded(f: PdfFacts) -> tuple[bool, str]:
    missing = sorted(font.name for font in f.fonts if not font.embedded)
    if missing:
        return False, "not embedded: " + ", ".join(missing)
    return True, f"{len(f.fonts)} fonts, all embedded"


def metadata(f: PdfFacts) -> tuple[bool, str]:
    title = f.metadata.get("Title", "").strip()
    if not title:
        return False, "no document title (Info /Title)"
    if not f.xmp_title:  # an empty <dc:title/> names nothing either
        return False, "no dc:title in the XMP metadata"
    return True, f"title “{title}”"


def internal_links(f: PdfFacts) -> tuple[bool, str]:
    broken = [page + 1 for page, target in f.internal_links if target is None]
    if broken:
        return False, f"{len(broken)} links go nowhere (on pages {_pages(broken)})"
    return True, f"{len(f.internal_links)} internal links resolve"


def page_count(f: PdfFacts) -> tuple[bool, str]:
    return f.pages > 0, f"{f.pages} pages"


# Screen: tagged PDF/UA-1.


def pdfua_identifier(f: PdfFacts) -> tuple[bool, str]:
    if f.pdfua_part != "1":
        return False, "no pdfuaid:part=1 in the XMP metadata (Matterhorn checkpoint 06)"
    return True, "PDF/UA-1 declared in XMP"


# Screen, PDF/UA-2: what ISO 14289-2 asks beyond the PDF/UA-1 rules.


def pdfua2_identifier(f: PdfFacts) -> tuple[bool, str]:
    if f.pdfua_part != "2":
        return False, "no pdfuaid:part=2 in the XMP metadata (PDF/UA-2 5)"
    if not f.pdfua_rev:
        return False, "no pdfuaid:rev in the XMP metadata (PDF/UA-2 5)"
    if f.pdf_version != "2.0":
        return False, f"PDF {f.pdf_version}: PDF/UA-2 is a PDF 2.0 standard (PDF/UA-2 6.1)"
    if f.tagged and not f.namespaces:
        return False, "no /Namespaces in the structure tree root: no PDF 2.0 namespace (PDF/UA-2 8.2.5.2)"
    return True, f"PDF/UA-2 (rev {f.pdfua_rev}) declared in XMP, PDF 2.0"


def structure_destinations(f: PdfFacts) -> tuple[bool, str]:
    if f.links_without_sd or f.outline_without_sd:
        where = f" (on pages {_pages(sorted({p + 1 for p in f.links_without_sd}))})" if f.links_without_sd else ""
        return False, (
            f"{len(f.links_without_sd)} internal links{where} and {f.outline_without_sd} bookmarks"
            " lack a structure destination (/SD) (PDF/UA-2 8.8)"
        )
    return True, f"{len(f.internal_links)} internal links and {len(f.outline)} bookmarks lead to structure elements"


def tagged(f: PdfFacts) -> tuple[bool, str]:
    if not f.tagged:
        return False, "no /StructTreeRoot: the PDF is not tagged (Matterhorn checkpoint 01)"
    if not f.marked:
        return False, "/MarkInfo /Marked is not true (PDF/UA-1 7.1)"
    if f.pages_without_tab_order:
        pages = _pages([p + 1 for p in f.pages_without_tab_order])
        return (
            False,
            f"{len(f.pages_without_tab_order)} pages with annotations lack /Tabs /S (on pages {pages})"
            " (Matterhorn checkpoint 28)",
        )
    return True, f"{sum(f.structure.values())} structure elements"


def content_tagged(f: PdfFacts) -> tuple[bool, str]:
    if not f.tagged:
        return True, "— (no structure: see tagged structure)"
    if f.orphaned_content:
        return False, (
            f"{f.orphaned_content} pieces of content belong to structure elements outside the tree:"
            " neither tagged nor artifacts (Matterhorn checkpoints 01 and 18)"
        )
    return True, "all marked content is in the structure tree or an artifact"


def content_marked(f: PdfFacts) -> tuple[bool, str]:
    if not f.tagged:
        return True, "— (no structure: see tagged structure)"
    if f.unmarked_paints:
        count = sum(len(ops) for ops in f.unmarked_paints.values())
        kinds: dict[str, int] = {}
        for ops in f.unmarked_paints.values():
            for op in ops:
                kinds[op] = kinds.get(op, 0) + 1
        what = ", ".join(f"{n} {_OPERATORS.get(op, op)}" for op, n in sorted(kinds.items()))
        pages = _pages([p + 1 for p in sorted(f.unmarked_paints)])
        return False, (
            f"{count} paints outside any marked-content sequence ({what}) on pages {pages}:"
            " neither tagged nor artifacts (Matterhorn checkpoint 01-003)"
        )
    return True, "everything painted is in a marked-content sequence"


_OPERATORS = {"Do": "XObjects (Do)", "sh": "shadings (sh)", "BI": "inline images"}


def empty_elements(f: PdfFacts) -> tuple[bool, str]:
    if f.empty_elements:
        count = sum(f.empty_elements.values())
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(f.empty_elements.items()))
        return False, (
            f"{count} structure elements hold no content ({kinds}): a box that only paints"
            " decoration belongs in an artifact, not the tree (Matterhorn checkpoint 09)"
        )
    return True, "every structure element holds content"


def punctuation_runs(f: PdfFacts) -> tuple[bool, str]:
    if f.punctuation_runs:
        total = sum(len(run) for _, run in f.punctuation_runs)
        page, first = f.punctuation_runs[0]
        shown = first if len(first) <= 12 else first[:12] + "…"
        return False, (
            f"{len(f.punctuation_runs)} runs of punctuation ({total} characters, e.g. “{shown}” on page"
            f" {page + 1}) are tagged as text a screen reader reads out: leader dots and rules are"
            " artifacts (Matterhorn checkpoint 01-001)"
        )
    return True, "no runs of punctuation in the tagged text"


def language(f: PdfFacts) -> tuple[bool, str]:
    if not f.language:
        return False, "no document language (/Lang) (Matterhorn checkpoint 11)"
    return True, f"/Lang {f.language}"


def display_title(f: PdfFacts) -> tuple[bool, str]:
    if not f.display_doc_title:
        return False, "ViewerPreferences /DisplayDocTitle is not true (Matterhorn checkpoint 07)"
    return True, "viewer shows the title"


def headings(f: PdfFacts) -> tuple[bool, str]:
    if not f.tagged:
        return True, "— (no structure: see tagged structure)"
    if not f.headings:
        return False, "no headings tagged (H1–H6)"
    if f.headings[0] != 1:
        return False, f"the first heading is H{f.headings[0]}, not H1 (Matterhorn checkpoint 14)"
    for before, after in pairwise(f.headings):
        if after > before + 1:
            return (
                False,
                f"heading level skips from H{before} to H{after} (Matterhorn checkpoint 14)",
            )
    return True, f"{len(f.headings)} headings, no skipped levels"


def alt_text(f: PdfFacts) -> tuple[bool, str]:
    figures = f.structure.get("Figure", 0)
    if f.figures_without_alt:
        return (
            False,
            f"{f.figures_without_alt} of {figures} figures have no alternate text (Matterhorn checkpoint 13)",
        )
    return True, f"{figures} figures, all with alternate text"


def table_headers(f: PdfFacts) -> tuple[bool, str]:
    tables = f.structure.get("Table", 0)
    if f.tables_without_headers:
        return False, (
            f"{f.tables_without_headers} of {tables} tables have no header cells (TH) (Matterhorn checkpoint 15)"
        )
    return True, f"{tables} tables, all with header cells"


def header_scope(f: PdfFacts) -> tuple[bool, str]:
    headers = f.structure.get("TH", 0)
    if f.headers_without_scope:
        return False, (
            f"{f.headers_without_scope} of {headers} header cells (TH) have neither /Scope nor /Headers"
            " (Matterhorn checkpoint 15-003)"
        )
    return True, f"{headers} header cells, all with a scope"


def tagged_annotations(f: PdfFacts) -> tuple[bool, str]:
    if f.untagged_annotations:
        return (
            False,
            f"{f.untagged_annotations} link or widget annotations are not tagged (Matterhorn checkpoint 28)",
        )
    links, widgets = f.annotations.get("Link", 0), f.annotations.get("Widget", 0)
    return True, f"{links} links and {widgets} widgets, all tagged"


def link_descriptions(f: PdfFacts) -> tuple[bool, str]:
    if f.undescribed_links:
        return False, (
            f"{f.undescribed_links} link annotations have no description (/Contents) (Matterhorn checkpoint 28)"
        )
    return True, f"{f.annotations.get('Link', 0)} links, all described"


def field_tooltips(f: PdfFacts) -> tuple[bool, str]:
    unnamed = sorted(name for name, tooltip in f.form_fields.items() if not tooltip.strip())
    if unnamed:
        return False, "form fields without a tooltip (/TU): " + ", ".join(unnamed) + " (Matterhorn checkpoint 28)"
    return True, f"{len(f.form_fields)} form fields, all with tooltips"


def link_elements(f: PdfFacts) -> tuple[bool, str]:
    if f.links_outside_link:
        page, kind = f.links_outside_link[0]
        return False, (
            f"{len(f.links_outside_link)} link annotations are not in a Link element; first on page {page + 1},"
            f" in a {kind} (PDF/UA-1 7.18.5, Matterhorn checkpoint 28)"
        )
    return True, f"{f.annotations.get('Link', 0)} links, each in a Link element"


def structure_ids(f: PdfFacts) -> tuple[bool, str]:
    if f.ids_without_id_tree:
        return False, (
            f"{len(f.ids_without_id_tree)} structure element IDs are not in the /IDTree; first"
            f" {f.ids_without_id_tree[0]!r} (ISO 32000-1 14.7.2)"
        )
    return True, "every structure element /ID is in the /IDTree"


def figure_boxes(f: PdfFacts) -> tuple[bool, str]:
    if f.figures_outside_page:
        page, box = f.figures_outside_page[0]
        shown = " ".join(f"{v:g}" for v in box)
        return False, (
            f"{len(f.figures_outside_page)} Figure /BBox lie outside their page; first on page {page + 1}:"
            f" [{shown}] (PDF user space, ISO 32000-1 14.8.5.4.3)"
        )
    return True, f"{f.structure.get('Figure', 0)} figures, boxes on their pages"


def widget_names(f: PdfFacts) -> tuple[bool, str]:
    if f.unnamed_widgets:
        return False, (
            f"{len(f.unnamed_widgets)} widget annotations have no accessible name (/Contents or /TU);"
            f" first on page {f.unnamed_widgets[0] + 1} (Matterhorn checkpoint 28)"
        )
    return True, f"{f.annotations.get('Widget', 0)} widgets, all named"


def screen_images(f: PdfFacts) -> tuple[bool, str]:
    return _resolution(f, "screen")


# Print: PDF/X-4.


def pdfx_version(f: PdfFacts) -> tuple[bool, str]:
    if f.pdfx_version != "PDF/X-4":
        found = f.pdfx_version or "none"
        return False, f"GTS_PDFXVersion in XMP is {found}, not PDF/X-4"
    if f.metadata.get("Trapped") not in ("/True", "/False"):
        return False, "Info /Trapped is not True or False"
    return (
        True,
        f"PDF/X-4 declared, PDF {f.pdf_version}, Trapped {f.metadata['Trapped'].removeprefix('/')}",
    )


def output_intent(f: PdfFacts) -> tuple[bool, str]:
    pdfx = [i for i in f.output_intents if i.subtype == "/GTS_PDFX"]
    if len(pdfx) != 1:
        return False, f"{len(pdfx)} GTS_PDFX output intents; exactly one is needed"
    intent = pdfx[0]
    if intent.components is None:
        return False, "the output intent has no embedded ICC profile (DestOutputProfile)"
    if intent.components != 4:
        return False, f"the output profile has {intent.components} components, not CMYK"
    return True, f"{intent.identifier}, CMYK ICC profile embedded"


def device_colour(f: PdfFacts) -> tuple[bool, str]:
    if f.device_rgb_without_default:
        return False, (
            f"{f.device_rgb_without_default} pages or forms paint in DeviceRGB with no DefaultRGB"
            " colour space: the press cannot know what the RGB means"
        )
    return True, "DeviceRGB only where DefaultRGB (sRGB) defines it"


def page_boxes(f: PdfFacts) -> tuple[bool, str]:
    if f.pages_without_trimbox:
        return False, f"no TrimBox on pages {_pages([p + 1 for p in f.pages_without_trimbox])}"
    if f.pages_without_bleedbox:
        return False, f"no BleedBox on pages {_pages([p + 1 for p in f.pages_without_bleedbox])}"
    if f.pages_with_bad_boxes:
        bad = _pages([p + 1 for p in f.pages_with_bad_boxes])
        return False, f"TrimBox ⊆ BleedBox ⊆ MediaBox does not hold on pages {bad}"
    return True, "TrimBox and BleedBox on every page"


def no_interactive(f: PdfFacts) -> tuple[bool, str]:
    found = {k: v for k, v in f.annotations.items() if k in ("Link", "Widget")}
    if found or f.form_fields:
        what = ", ".join(f"{n} {k}" for k, n in sorted(found.items())) or f"{len(f.form_fields)} fields"
        return False, f"a print file has no links or form fields; found {what}"
    return True, "no links or form fields"


def print_images(f: PdfFacts) -> tuple[bool, str]:
    return _resolution(f, "print")


def booklet(f: PdfFacts) -> tuple[bool, str]:
    if f.pages % BOOKLET_MULTIPLE:
        return False, f"{f.pages} pages is not a multiple of {BOOKLET_MULTIPLE} (saddle stitching)"
    return True, f"{f.pages} pages, a multiple of {BOOKLET_MULTIPLE}"


def small_text_inks(f: PdfFacts) -> tuple[bool, str]:
    if f.small_text:
        worst = f.small_text[0]
        pages = _pages(sorted({t.page + 1 for t in f.small_text}))
        return False, (
            f"{len(f.small_text)} runs of text under {SMALL_TEXT_PT:g} pt print in more than"
            f" {SMALL_TEXT_INKS} inks (e.g. {worst.size:g} pt in {worst.inks} inks, {worst.colour},"
            f" on page {worst.page + 1}; pages {pages}): give the colour a one- or two-ink build"
        )
    return True, f"text under {SMALL_TEXT_PT:g} pt prints in one or two inks"


def ink_coverage(f: PdfFacts) -> tuple[bool, str]:
    if f.ink_limit is None:
        return True, "— (no CMYK output profile: see output intent)"
    if f.ink_error:
        return False, f"cannot measure: {f.ink_error}"
    if f.ink_coverage is None:
        return False, f"cannot measure without Ghostscript: {INSTALL}"
    limit = f.ink_limit + COVERAGE_TOLERANCE
    over = [(page + 1, tac) for page, tac in enumerate(f.ink_coverage) if tac > limit]
    highest = max(f.ink_coverage, default=0.0)
    if over:
        page, worst = max(over, key=lambda p: p[1])
        return False, (
            f"total area coverage above the profile's limit of {f.ink_limit:.0f} % on pages"
            f" {_pages([p for p, _ in over])} (up to {worst:.0f} % on page {page})"
        )
    return True, f"at most {highest:.0f} % ink, limit {f.ink_limit:.0f} %"


def _resolution(f: PdfFacts, profile: str) -> tuple[bool, str]:
    if not f.images:
        return True, "no raster images (vector art only)"
    minimum = MIN_DPI[profile]
    low = [i for i in f.images if too_coarse(i.dpi, profile)]
    if low:
        worst = min(low, key=lambda i: i.dpi)
        return False, (
            f"{len(low)} images below {minimum:.0f} dpi effective; lowest {worst.dpi:.0f} dpi "
            f"({worst.pixels[0]}×{worst.pixels[1]} px on page {worst.page + 1})"
        )
    return True, f"{len(f.images)} images, lowest {min(i.dpi for i in f.images):.0f} dpi effective"


COMMON: list[tuple[str, Rule]] = [
    ("page count", page_count),
    ("fonts embedded", fonts_embedded),
    ("metadata", metadata),
    ("internal links", internal_links),
]
RULES: dict[str, list[tuple[str, Rule]]] = {
    "screen": COMMON
    + [
        ("PDF/UA identifier", pdfua_identifier),
        ("tagged structure", tagged),
        ("content tagged", content_tagged),
        ("content marked", content_marked),
        ("empty elements", empty_elements),
        ("punctuation runs", punctuation_runs),
        ("language", language),
        ("title displayed", display_title),
        ("heading levels", headings),
        ("alt text", alt_text),
        ("table headers", table_headers),
        ("header scope", header_scope),
        ("tagged annotations", tagged_annotations),
        ("link descriptions", link_descriptions),
        ("form field tooltips", field_tooltips),
        ("link elements", link_elements),
        ("structure IDs", structure_ids),
        ("figure boxes", figure_boxes),
        ("widget names", widget_names),
        ("image resolution", screen_images),
    ],
    "print": COMMON
    + [
        ("PDF/X-4 keys", pdfx_version),
        ("output intent", output_intent),
        ("device colour", device_colour),
        ("page boxes", page_boxes),
        ("no links or fields", no_interactive),
        ("image resolution", print_images),
        ("booklet pages", booklet),
        ("small text inks", small_text_inks),
        ("ink coverage", ink_coverage),
    ],
}


RULES["screen-ua2"] = [
    *((name, pdfua2_identifier) if test is pdfua_identifier else (name, test) for name, test in RULES["screen"]),
    ("structure destinations", structure_destinations),
]


def profile_of(f: PdfFacts) -> str:
    """What the file claims to be: PDF/X → print, PDF/UA-2 → screen-ua2, otherwise screen."""
    if f.pdfx_version or any(i.subtype == "/GTS_PDFX" for i in f.output_intents):
        return "print"
    return "screen-ua2" if f.pdfua_part == "2" else "screen"


def check(pdf: bytes, name: str, profile: str = "auto") -> Report:
    # qpdf repairs what it can of a damaged file; its warnings stay with the parsed file (pikepdf
    # neither prints nor logs them): the report says what is wrong.
    try:
        facts = read_facts(pdf)
    except (pikepdf.PdfError, ValueError, KeyError) as exc:
        # qpdf names the file it read after the stream it was given: "stream <_io.BytesIO ...>: ".
        reason = re.sub(r"^stream <[^>]*>:? *", "", str(exc))
        return Report(name, profile, [Result("readable", False, f"not a readable PDF: {reason}")])
    return check_facts(facts, name, profile)


def check_facts(facts: PdfFacts, name: str, profile: str = "auto") -> Report:
    """The preflight of a PDF whose facts were already read (the build reads them once)."""
    chosen = profile_of(facts) if profile == "auto" else profile
    results = []
    for rule, test in RULES[chosen]:
        passed, detail = test(facts)
        results.append(Result(rule, passed, detail))
    return Report(name, chosen, results)


def check_file(path: Path, profile: str = "auto", shown_as: str | None = None) -> Report:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(
            Problem(
                shown_as or str(path),
                f"cannot read the file ({exc.strerror})",
                fix="give the path of a PDF file",
            )
        ) from None
    return check(data, shown_as or str(path), profile)


def require(report: Report) -> None:
    """Raise a BuildError naming every failed rule (the build's use of the preflight)."""
    if not report.passed:
        reasons = "\n".join(f"  {r.rule}: {r.detail}" for r in report.failures)
        raise BuildError(f"{report.name} fails the {report.profile} preflight:\n{reasons}")


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:8])
    return shown + (f" and {len(numbers) - 8} more" if len(numbers) > 8 else "")
