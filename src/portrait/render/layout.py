"""Stage 3: HTML → WeasyPrint document → PDF bytes, reading files only through ProjectFetcher."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from weasyprint import HTML, Document
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
    cache: dict | None = None,
    options: dict[str, Any] | None = None,
) -> Document:
    """Lay out ``html``. Any resource outside ``roots`` or any load failure is a BuildError."""
    fetcher = ProjectFetcher(roots)
    with _fail_on_weasyprint_errors() as errors:
        try:
            document = HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher).render(
                font_config=font_config or FontConfiguration(),
                cache=cache if cache is not None else {},
                **(options or {}),
            )
        except FatalURLFetchingError as exc:  # a refusal, or any failure to fetch (fail_on_errors)
            raise as_build_error(exc) from None
    if errors:
        raise BuildError("rendering failed:\n" + "\n".join(f"  {e}" for e in errors))
    return document


def write_pdf(
    document: Document,
    *,
    identifier: bytes,
    options: dict[str, Any] | None = None,
    finisher: Any = None,
) -> bytes:
    with _fail_on_weasyprint_errors() as errors:
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
