"""Stage 3: HTML → WeasyPrint document → PDF bytes, reading files only through ProjectFetcher."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from weasyprint import CSS, HTML, Document
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError

from portrait.check.facts import PdfFacts
from portrait.errors import BuildError
from portrait.render.fetcher import ProjectFetcher, as_build_error

_WEASYPRINT_LOGGER = logging.getLogger("weasyprint")


@contextmanager
def _fail_on_weasyprint_errors() -> Iterator[list[str]]:
    """WeasyPrint logs a failed image or font load and carries on; for us that is an error."""
    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                errors.append(record.getMessage())

    handler = Collect(logging.ERROR)
    _WEASYPRINT_LOGGER.addHandler(handler)
    try:
        yield errors
    finally:
        _WEASYPRINT_LOGGER.removeHandler(handler)


def render_document(
    html: str,
    base_dir: Path,
    roots: Iterable[Path],
    *,
    font_config: FontConfiguration | None = None,
    cache: dict[Any, Any] | None = None,
    options: dict[str, Any] | None = None,
    stylesheets: Stylesheets | None = None,
) -> Document:
    """Lay out ``html``, with ``stylesheets`` after its own. Any resource outside ``roots`` or
    any load failure is a BuildError."""
    fetcher = ProjectFetcher(roots)
    with _fail_on_weasyprint_errors() as errors:
        try:
            document = HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher).render(
                font_config=stylesheets.font_config if stylesheets else font_config or FontConfiguration(),
                counter_style=stylesheets.counter_style if stylesheets else None,
                color_profiles=stylesheets.color_profiles if stylesheets else None,
                stylesheets=stylesheets.sheets if stylesheets else None,
                cache=cache if cache is not None else {},
                **(options or {}),
            )
        except FatalURLFetchingError as exc:  # a refusal, or any failure to fetch (fail_on_errors)
            raise as_build_error(exc) from None
    if errors:
        raise BuildError("rendering failed:\n" + "\n".join(f"  {e}" for e in errors))
    return document


@dataclass(frozen=True)
class Stylesheets:
    """Stylesheets parsed once and given to every layout of a renderer: parsing and compiling
    the selectors of the brand's and the templates' CSS took a third of laying out an edition's
    own pages (25 ms). WeasyPrint files what the sheets declare (``@font-face``,
    ``@counter-style``, ``@color-profile``) where they are parsed, so the layouts that use
    them must use the same font configuration, counter styles and colour profiles.

    WeasyPrint gives such sheets the user origin, not the author's: the same cascade for our
    CSS, which has no author-origin rules left to compete with but the templates' inline
    ``style`` attributes (which win either way)."""

    sheets: tuple[CSS, ...]
    font_config: FontConfiguration
    counter_style: CounterStyle
    color_profiles: dict[str, Any]


def parse_stylesheets(
    sources: Iterable[tuple[str, Path]], roots: Iterable[Path], font_config: FontConfiguration
) -> Stylesheets:
    """Each (CSS text, the file or folder its ``url()``s are relative to), parsed in order."""
    counter_style = CounterStyle()
    color_profiles: dict[str, Any] = {}
    common: dict[str, Any] = {
        "url_fetcher": ProjectFetcher(roots),
        "font_config": font_config,
        "counter_style": counter_style,
        "color_profiles": color_profiles,
    }
    with _fail_on_weasyprint_errors() as errors:
        try:
            sheets = tuple(
                CSS(string=text, base_url=where.as_uri() + ("/" if where.is_dir() else ""), **common)
                for text, where in sources
            )
        except FatalURLFetchingError as exc:  # e.g. an @font-face src outside the project
            raise as_build_error(exc) from None
    if errors:
        raise BuildError("reading the stylesheets failed:\n" + "\n".join(f"  {e}" for e in errors))
    return Stylesheets(sheets, font_config, counter_style, color_profiles)


def write_pdf(
    document: Document,
    *,
    identifier: bytes,
    options: dict[str, Any] | None = None,
    finisher: Any = None,
) -> bytes:
    from portrait.finish.tagging import element_attributes  # WeasyPrint's tags, as render/ uses it

    with _fail_on_weasyprint_errors() as errors, element_attributes():
        pdf = document.write_pdf(pdf_identifier=identifier, finisher=finisher, **(options or {}))
    if errors:  # e.g. an image without alt text in a tagged PDF
        raise BuildError("writing the PDF failed:\n" + "\n".join(f"  {e}" for e in errors))
    assert isinstance(pdf, bytes)
    return pdf


def identifier_for(*parts: str | bytes) -> bytes:
    """A stable PDF /ID from the inputs, so identical inputs give identical bytes."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()[:32].encode()


def postscript_names(font_files: Iterable[Path]) -> set[str]:
    names = set()
    for path in font_files:
        with TTFont(path, lazy=True) as font:
            name = font["name"].getDebugName(6)
            if name:
                names.add(name)
    return names


def check_fonts(facts: PdfFacts, allowed: set[str]) -> None:
    """Every font in the PDF is embedded and is one of the brand's fonts (no silent fallback)."""
    foreign = sorted(f"{f.name} ({f.program or 'unreadable'})" for f in facts.fonts if f.program not in allowed)
    if foreign:
        raise BuildError(
            "the PDF uses fonts that are not the brand's font files: " + ", ".join(foreign) + ". "
            "Some text needs a glyph, weight or style that assets/brand.yaml does not provide, or a "
            "stylesheet names another font; add the font file to the brand or change the style "
            "(brand fonts: " + ", ".join(sorted(allowed)) + ")"
        )
    unembedded = sorted(f.name for f in facts.fonts if not f.embedded)
    if unembedded:
        raise BuildError("fonts not embedded in the PDF: " + ", ".join(unembedded))
