"""Laying out and writing PDFs, reusing work within one process.

The main Portrait is one HTML document laid out by WeasyPrint. A district edition shares every
page of it but the covers and adds a foreword; laying out those shared pages again for each of
hundreds of districts would waste minutes. So a ``Renderer`` lays out the shared document once
and, for each edition, lays out only the edition's own pages (cover, foreword, back cover, and
one page whose footer carries the district's name), then combines them: WeasyPrint writes one
PDF from pages of several documents, keeping links, bookmarks and tags.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from weasyprint import Document
from weasyprint.document import Page as LaidOutPage
from weasyprint.formatting_structure.boxes import MarginBox
from weasyprint.text.fonts import FontConfiguration

from portrait.brand import font_files
from portrait.districts import logo_cache
from portrait.errors import BuildError
from portrait.html import Page, environment, render_html
from portrait.pdf import check_fonts, identifier_for, postscript_names, render_document, write_pdf
from portrait.pdffacts import read_facts
from portrait.project import Project

# The margin box that carries the edition's name on shared pages (see templates/styles/base.css).
EDITION_FOOTER = "@bottom-left"


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


class Renderer:
    """Renders the Portrait and its editions for one project and one set of inputs."""

    def __init__(self, project: Project, inputs: Any):
        self.project = project
        self.inputs = inputs
        self.env = environment(project)
        self.font_config = FontConfiguration()
        self.image_cache: dict = {}
        self._shared: tuple[str, Document] | None = None
        self._allowed_fonts = postscript_names(font_files(project, inputs.brand))

    def html(self, edition: Any = None, parts: str = "all") -> str:
        i = self.inputs
        page = Page(i.content, i.brand, i.cover, i.built, edition=edition, parts=parts)
        return render_html(self.project, page, self.env)

    def layout(self, html: str, roots: tuple[Path, ...] | None = None) -> Document:
        return render_document(
            html, self.project.templates, roots or self.project.readable_roots,
            font_config=self.font_config, cache=self.image_cache,
        )

    def shared(self) -> tuple[str, Document]:
        """The main Portrait's HTML and layout, computed once."""
        if self._shared is None:
            html = self.html()
            self._shared = (html, self.layout(html))
        return self._shared

    def portrait(self) -> Rendered:
        html, document = self.shared()
        return self._write(document, html)

    def edition(self, edition: Any) -> Rendered:
        """The Portrait with ``edition``'s cover, foreword, footer and back cover."""
        shared_html, shared = self.shared()
        own_html = self.html(edition, parts="edition")
        # An edition may also read its sanitised logo (never the district's own file).
        own = self.layout(own_html, (*self.project.readable_roots, logo_cache(self.project)))
        # own pages: cover, foreword pages..., footer probe, back cover.
        cover, *foreword, probe, back = own.pages
        footer = _margin_box(probe, EDITION_FOOTER)
        body = [_with_margin_box(page, EDITION_FOOTER, footer) for page in shared.pages[1:-1]]
        combined = own.copy([cover, *foreword, *body, back])
        return self._write(combined, shared_html + own_html)

    def _write(self, document: Document, html_key: str) -> Rendered:
        pdf = write_pdf(document, identifier=identifier_for(html_key))
        check_fonts(read_facts(pdf), self._allowed_fonts)
        return Rendered(pdf, len(document.pages))


def _margin_box(page: LaidOutPage, at_keyword: str) -> MarginBox | None:
    for child in page._page_box.children:
        if isinstance(child, MarginBox) and child.at_keyword == at_keyword:
            return child
    return None


def _with_margin_box(page: LaidOutPage, at_keyword: str, box: MarginBox | None) -> LaidOutPage:
    """A copy of ``page`` whose ``at_keyword`` margin box is ``box`` (the shared page is untouched).

    This reaches into WeasyPrint's page boxes (``Page._page_box``); tests/test_render.py checks
    the result on every page so that a WeasyPrint upgrade that changes them fails loudly.
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


def html_digest(html: str) -> str:
    return hashlib.sha256(html.encode()).hexdigest()


__all__ = ["BuildError", "Renderer", "Rendered"]
