"""Laying out and writing PDFs, reusing work within one process.

The main Portrait is one HTML document laid out by WeasyPrint. A district edition shares every
page of it but the covers and adds a foreword; laying out those shared pages again for each of
hundreds of districts would waste minutes. So a ``Renderer`` lays out and writes the shared pages
once and, for each edition, lays out and writes only the edition's own pages (cover, foreword,
back cover, and the district's footer line), then joins the two PDFs (portrait.finish.assemble).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf
import pydyf
from weasyprint import Document
from weasyprint.document import Page as LaidOutPage
from weasyprint.formatting_structure.boxes import MarginBox, TextBox
from weasyprint.text.fonts import FontConfiguration

from portrait.check.facts import PdfFacts, read_facts
from portrait.content_stream import KnownPage, scan_pages, wrapped
from portrait.errors import BuildError
from portrait.finish import page_labels
from portrait.finish.assemble import FOOTER_AFTER, FOOTER_BEFORE, Parts, assemble
from portrait.finish.variants import SCREEN, Variant
from portrait.inputs.brand import brand_css, font_files, print_css
from portrait.inputs.press import Press
from portrait.project import Project
from portrait.render.html import Page, environment, render_html, stylesheet_files
from portrait.render.layout import (
    Stylesheets,
    check_fonts,
    identifier_for,
    parse_stylesheets,
    postscript_names,
    render_document,
    write_pdf,
)
from portrait.render.shared_body import BodyKeeper, SharedBody

if TYPE_CHECKING:
    from portrait.inputs.district import Edition
    from portrait.inputs.load import Inputs

# The margin box that carries the edition's name on shared pages (see templates/styles/base.css).
EDITION_FOOTER = "@bottom-left"
# The margin box that prints the page number (base.css: `content: counter(page)`). The PDF's page
# labels are read from its text, so that a viewer's page box says what the page prints; if base.css
# moves the number to another box, this must follow, or numbered pages get their position instead.
FOLIO = "@bottom-right"


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    facts: PdfFacts  # read back once, for the font check and the preflight


class Renderer:
    """Renders the Portrait and its editions for one project and one set of inputs."""

    def __init__(
        self,
        project: Project,
        inputs: Inputs,
        variant: Variant = SCREEN,
        body_store: BodyKeeper | None = None,
        *,
        disk_cache: bool = True,
        whole_file_check: bool = False,
    ):
        """``body_store``: where the written body is kept between runs (portrait.publish.body_cache);
        a renderer with one reads the body from it instead of laying it out, and keeps the body it
        writes there. ``disk_cache`` False: nothing else is read from or written to output/.cache/
        either (the print colours searched for the press are then searched in this process).

        ``whole_file_check``: read every page of a joined edition back to check it (the release
        does). Otherwise an edition is checked by parts: the body's pages were scanned once, in
        the body, and each edition reads its own pages and what the join made (see ``_rendered``).
        Both give the same facts."""
        self.disk_cache = disk_cache
        self.whole_file_check = whole_file_check
        self._known_body: list[KnownPage | None] | None = None
        self.project = project
        self.inputs = inputs
        self.variant = variant
        self.env = environment(project)
        self.font_config = FontConfiguration()
        self.image_cache: dict[Any, Any] = {}
        self._shared_html: str | None = None
        self._shared: tuple[str, Document] | None = None
        self._anchors: list[str] | None = None
        self._body_store = body_store
        self._notes: Document | None = None
        self._style_sources: list[tuple[str, Path]] | None = None
        self._stylesheets: Stylesheets | None = None
        self._body: tuple[bytes, int] | None = None
        self._fonts: dict[str, bytes] | None = None
        self._page_layers: dict[int, tuple[list[Any], list[Any]]] = {}  # id(layers) → (layers, as laid out)
        self._allowed_fonts = postscript_names(font_files(project, inputs.brand))

    @property
    def has_body_store(self) -> bool:
        return self._body_store is not None

    def html(self, edition: Edition | None = None, parts: str = "all", linked: bool = False) -> str:
        """The HTML of ``parts``. Its stylesheets are given to WeasyPrint parsed (``stylesheets``)
        unless ``linked``: then the HTML links them, for a browser or a layout of its own."""
        i = self.inputs
        extra: dict[str, Any] = {"notes_pages": max(self.variant.page_multiple - 1, 0)}
        # A district's colours as CMYK builds in the print edition (after its screen colours).
        extra["edition_print_css"] = edition.print_css if edition is not None and self.variant.name == "print" else ""
        if parts == "edition":
            extra["shared_anchors"] = self.shared_anchors()
        page = Page(
            i.content,
            i.brand,
            i.cover,
            i.built,
            edition=edition,
            parts=parts,
            variant=self.variant.kind,
            variant_stylesheets=self.variant.stylesheets,
            extra=extra,
            linked_stylesheets=linked,
        )
        return render_html(self.project, page, self.env)

    def press(self) -> Press:
        """The print edition's press: the output profile in assets/color/."""
        return Press.of(self.project.root)

    def style_sources(self) -> list[tuple[str, Path]]:
        """The brand's CSS, then the variant's stylesheets: (CSS text, where it is), read once."""
        if self._style_sources is None:
            sources = [(brand_css(self.project, self.inputs.brand), self.project.templates)]
            if self.variant.name == "print":  # the brand's colours as the press's CMYK builds
                sources.append((self._print_css(), self.project.templates))
            for path in stylesheet_files(self.project, self.variant.stylesheets):
                try:
                    sources.append((path.read_text(encoding="utf-8"), path))
                except (OSError, UnicodeDecodeError) as exc:
                    raise BuildError(f"{self.project.relative(path)}: cannot read the stylesheet ({exc})") from None
            self._style_sources = sources
        return self._style_sources

    def _print_css(self) -> str:
        """The brand's colours for the press (portrait.inputs.brand.print_css): searched colour by
        colour through the profile, seconds of work whose answer changes only with the brand, the
        profile or that code, so it is kept in output/.cache/print-css/ under their hash."""
        import contextlib
        import hashlib

        from portrait.errors import InputError
        from portrait.inputs import brand, press
        from portrait.publish.atomic import write_atomic

        chosen = self.press()
        if not self.disk_cache:
            return print_css(self.inputs.brand, chosen)
        digest = hashlib.sha256(self.inputs.brand.model_dump_json().encode() + chosen.sha256.encode())
        for module in (brand, press):  # the code that computes it
            digest.update(Path(str(module.__file__)).read_bytes())
        path = self.project.output / ".cache" / "print-css" / f"{digest.hexdigest()[:32]}.css"
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return path.read_text(encoding="utf-8")
        css = print_css(self.inputs.brand, chosen)
        with contextlib.suppress(OSError, InputError):  # a cache that cannot be written is skipped
            write_atomic(path, css.encode("utf-8"))
        return css

    def stylesheets(self) -> Stylesheets:
        """The style sources, parsed once for every layout of this renderer."""
        if self._stylesheets is None:
            self._stylesheets = parse_stylesheets(self.style_sources(), self.project.readable_roots, self.font_config)
        return self._stylesheets

    def shared_anchors(self) -> list[str]:
        """The anchors on the pages every edition shares (contents to colophon)."""
        if self._anchors is None and self._body_store is not None:
            self.body()  # the kept body carries its anchors: no layout when it is kept
        if self._anchors is None:
            _, shared = self.shared()
            self._anchors = sorted({name for page in shared.pages[1:-1] for name in page.anchors})
        return self._anchors

    def layout(self, html: str) -> Document:
        return render_document(
            html,
            self.project.templates,
            self.project.readable_roots,
            font_config=self.font_config,
            cache=self.image_cache,
            options=self.variant.render_options,
            stylesheets=self.stylesheets(),
        )

    def shared_html(self) -> str:
        """The main Portrait's HTML, made once (an edition's /ID is derived from it)."""
        if self._shared_html is None:
            self._shared_html = self.html()
        return self._shared_html

    def shared(self) -> tuple[str, Document]:
        """The main Portrait's HTML and layout, computed once."""
        if self._shared is None:
            html = self.shared_html()
            self._shared = (html, self.layout(html))
        return self._shared

    def portrait(self) -> Rendered:
        html, document = self.shared()
        return self.write(document, html)

    def edition(self, edition: Edition) -> Rendered:
        """``edition``'s copy of the Portrait: its cover, foreword, footer line and back cover
        around the shared body pages, joined at the PDF level (portrait.finish.assemble).

        Only the edition's own pages are laid out and written; the body is written once per
        renderer. The result is the same document as ``edition_in_full`` makes."""
        key, own = self._own_layout(edition)
        cover, *foreword, probe, back = own.pages
        body_pdf, body_pages = self.body()
        front = [cover, *foreword]
        notes = self._notes_for(len(front) + body_pages + 1)
        # After the pages that are kept: the probe page, written for its anchors (see
        # publication.html.j2), and the footer line alone, which the join paints on every body
        # page. Neither is a page of the joined PDF. One write for all: each write subsets and
        # embeds the fonts again.
        written = [*front, *notes, back, probe, _footer_only(probe)]
        parts = Parts(
            body=body_pdf,
            # Uncompressed: the join compresses the streams it keeps, and the own part's font
            # subsets, replaced by the merged ones, would be compressed for nothing (27 ms).
            own=self._pdf(own.copy(written), key, compress=False),
            front=len(front),
            back=len(notes) + 1,
            footer=len(written) - 1,
            fonts=self._font_programs(),
        )
        known = None if self.whole_file_check else self.known_body_pages(len(front))
        return self._rendered(assemble(parts), known)

    def known_body_pages(self, front: int) -> dict[int, KnownPage]:
        """The body's pages, scanned once (the check by parts), by their index in an edition
        with ``front`` pages before them, wrapped in the footer's content streams as the join
        wraps them (portrait.finish.assemble): for read_facts's ``known``."""
        if self._known_body is None:
            self.body()  # a kept body may carry its pages scanned
        if self._known_body is None:
            self._known_body = wrapped(_scanned(self.body()[0]), FOOTER_BEFORE, FOOTER_AFTER)
        return {front + i: page for i, page in enumerate(self._known_body) if page is not None}

    def edition_in_full(self, edition: Edition) -> Rendered:
        """``edition`` written whole by WeasyPrint from the shared layout: the reference that
        the assembled edition is compared with (tests, benchmarks)."""
        key, own = self._own_layout(edition)
        cover, *foreword, probe, back = own.pages
        footer = _margin_box(probe, EDITION_FOOTER)
        body = [_with_margin_box(page, EDITION_FOOTER, footer) for page in self.shared()[1].pages[1:-1]]
        combined = own.copy([cover, *foreword, *body, back])
        return self.write(combined, key)

    def _own_layout(self, edition: Edition) -> tuple[str, Document]:
        """The layout of ``edition``'s own pages (cover, foreword pages..., the footer probe, back
        cover) and the HTML its PDF's /ID is made from: the shared pages' and its own.

        The edition's logo is inlined (a data: URI of the sanitised copy): the layout reads no more
        files than the Portrait's."""
        own_html = self.html(edition, parts="edition")
        return self.shared_html() + own_html, self.layout(own_html)

    def _font_programs(self) -> dict[str, bytes]:
        """The brand's font files by PostScript name, read once."""
        if self._fonts is None:
            files = font_files(self.project, self.inputs.brand)
            self._fonts = {name: path.read_bytes() for path in files for name in postscript_names([path])}
        return self._fonts

    def body(self) -> tuple[bytes, int]:
        """The pages every edition shares (contents to colophon), without the footer line that
        names the district, written once: the PDF and its page count. With a body store, the
        body kept there from an earlier run, if it was made from the same inputs."""
        if self._body is None:
            kept = self._body_store.read() if self._body_store is not None else None
            if kept is not None:
                self._body, self._anchors = (kept.pdf, kept.pages), list(kept.anchors)
                if kept.scanned is not None and len(kept.scanned) == kept.pages:
                    self._known_body = wrapped(list(kept.scanned), FOOTER_BEFORE, FOOTER_AFTER)
                return self._body
            html, shared = self.shared()
            pages = [_with_margin_box(page, EDITION_FOOTER, None) for page in shared.pages[1:-1]]
            self._body = (self._pdf(shared.copy(pages), html + "body"), len(pages))
            if self._body_store is not None:
                # Kept with its pages scanned, so that each later run checks its editions by parts
                # without scanning them again: once per key.
                scanned = _scanned(self._body[0])
                self._known_body = wrapped(scanned, FOOTER_BEFORE, FOOTER_AFTER)
                self._body_store.write(SharedBody(*self._body, tuple(self.shared_anchors()), tuple(scanned)))
        return self._body

    def notes(self) -> Document:
        """Designed notes pages, laid out once, that make up a booklet's page count."""
        if self._notes is None:
            self._notes = self.layout(self.html(parts="notes"))
        return self._notes

    def padded(self, document: Document) -> Document:
        """``document`` with notes pages before its back cover, up to the variant's page multiple.

        A saddle-stitched booklet has a multiple of 4 pages; these are planned pages, not blanks
        left by a printer's imposition software.
        """
        notes = self._notes_for(len(document.pages))
        if not notes:
            return document
        *body, back = document.pages
        return document.copy([*body, *notes, back])

    def _notes_for(self, pages: int) -> list[LaidOutPage]:
        """The notes pages a document of ``pages`` pages needs to reach the page multiple."""
        missing = -pages % self.variant.page_multiple
        if not missing:
            return []
        notes = self.notes().pages
        if len(notes) < missing:
            raise BuildError(f"{missing} notes pages needed but only {len(notes)} laid out")
        kept: list[LaidOutPage] = notes[:missing]
        return kept

    def write(self, document: Document, html_key: str) -> Rendered:
        """Write laid-out pages as this variant's PDF (padded, finished, font-checked).

        ``html_key`` is the HTML the pages came from: the PDF's /ID is derived from it. Callers
        that lay out pages themselves (portrait.render.incremental) write through here too, so that
        every PDF gets the same options and checks."""
        return self._rendered(self._pdf(self.padded(document), html_key))

    def _pdf(self, document: Document, html_key: str, compress: bool = True) -> bytes:
        self._unpaint_marks(document)
        # The /ID depends on the inputs, not on where the checkout is (the HTML holds file URIs):
        # the HTML and the CSS it is laid out with.
        css = "".join(text for text, _ in self.style_sources())
        key = (html_key + css).replace(self.project.root.as_uri(), "")
        return write_pdf(
            document,
            identifier=identifier_for(key, self.variant.name),
            options={**self.variant.write_options, "uncompressed_pdf": not compress},
            finisher=partial(_finish, self.variant),
        )

    def _rendered(self, pdf: bytes, known: dict[int, KnownPage] | None = None) -> Rendered:
        """The PDF with its facts, read back once, after the font check. ``known``: pages whose
        content was read before, in their part (read_facts)."""
        facts = read_facts(pdf, known)
        check_fonts(facts, self._allowed_fonts)
        return Rendered(pdf, facts.pages, facts)

    def _unpaint_marks(self, document: Document) -> None:
        """Undo what an earlier write left on the shared pages.

        WeasyPrint 70 paints crop marks by inserting a background layer into the page box each
        time the page is written, so a page written for the tenth edition would carry ten sets of
        marks (and the PDF grow by 20 form XObjects per write). Restore every page background to
        its layers as laid out before each write.
        """
        for page in document.pages:
            background = page._page_box.background
            if background is None:
                continue
            layers = background.layers
            saved = self._page_layers.setdefault(id(layers), (layers, list(layers)))[1]
            layers[:] = saved


def _scanned(pdf: bytes) -> list[KnownPage | None]:
    """The pages of ``pdf`` scanned for the check by parts (portrait.content_stream.scan_pages)."""
    with pikepdf.open(io.BytesIO(pdf), inherit_page_attributes=True) as parsed:
        return scan_pages(parsed.pages)


def _finish(variant: Variant, document: Document, pdf: pydyf.PDF) -> None:
    """WeasyPrint's finisher for every PDF written here: the variant's own, then the page labels."""
    if variant.finish is not None:
        variant.finish(document, pdf)
    pdf.catalog["PageLabels"] = page_labels.pydyf_tree(_page_labels(document))


def _page_labels(document: Document) -> list[page_labels.PageLabel]:
    """Each page's label, from its named page and the number it prints (portrait.finish.page_labels).

    Like ``_with_margin_box`` this reads WeasyPrint's page boxes; the label tests in
    tests/finish/test_editions.py compare the result with each page's printed folio."""
    return page_labels.from_pages(
        (page._page_box.page_type.name, _text(_margin_box(page, FOLIO))) for page in document.pages
    )


def _text(box: MarginBox | None) -> str:
    if box is None:
        return ""
    return "".join(child.text for child in box.descendants() if isinstance(child, TextBox))


def _margin_box(page: LaidOutPage, at_keyword: str) -> MarginBox | None:
    for child in page._page_box.children:
        if isinstance(child, MarginBox) and child.at_keyword == at_keyword:
            return child
    return None


def _footer_only(page: LaidOutPage) -> LaidOutPage:
    """A copy of ``page`` holding only its edition footer: no body, background or crop marks."""
    page_box = page._page_box.copy()
    page_box.children = [
        c for c in page._page_box.children if isinstance(c, MarginBox) and c.at_keyword == EDITION_FOOTER
    ]
    page_box.background = None
    return LaidOutPage(page_box)


def _with_margin_box(page: LaidOutPage, at_keyword: str, box: MarginBox | None) -> LaidOutPage:
    """A copy of ``page`` whose ``at_keyword`` margin box is ``box`` (the shared page is untouched).

    This reaches into WeasyPrint's page boxes (``Page._page_box``); tests/finish/test_assembly.py
    and tests/finish/test_editions.py check the result on every page, so that a WeasyPrint upgrade
    that changes them fails loudly.
    """
    page_box = page._page_box
    children = [c for c in page_box.children if not (isinstance(c, MarginBox) and c.at_keyword == at_keyword)]
    if box is not None and len(children) < len(page_box.children):
        children.append(box)
    elif box is not None:
        return page  # this page has no such margin box (e.g. a full-bleed page): leave it alone
    new_box = page_box.copy()
    new_box.children = children
    return LaidOutPage(new_box)


__all__ = ["BuildError", "Renderer", "Rendered"]
