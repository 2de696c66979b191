"""PDF pages as images: the one rasteriser behind the watch preview, the studio's previews and
the proofs (pdfium, through pypdfium2).

pdfium draws the screen edition as a screen shows it; the print edition's soft proof, which must
honour the output intent and the CMYK transparency groups that pdfium ignores, is Ghostscript's
(portrait.designer.proof).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from portrait.errors import InputError, Problem

if TYPE_CHECKING:
    from PIL import Image


def rasterise(
    pdf: bytes,
    *,
    dpi: float | None = None,
    width: int | None = None,
    pages: Sequence[int] | None = None,
    name: str = "the PDF",
) -> Iterator[tuple[int, Image.Image]]:
    """``(index, RGB image)`` for each page of ``pdf`` (or each index in ``pages``), drawn at
    ``dpi`` or scaled to ``width`` pixels, form fields included. A file pdfium cannot open is an
    ``InputError`` naming it (``name``), raised before the first page."""
    import pypdfium2 as pdfium

    if (dpi is None) == (width is None):
        raise ValueError("give dpi or width")
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise InputError(
            Problem(name, f"cannot be read as a PDF ({exc})", fix="name a PDF file that opens in a PDF viewer")
        ) from None
    return _pages(document, dpi, width, range(len(document)) if pages is None else pages)


def _pages(
    document: object, dpi: float | None, width: int | None, indices: Sequence[int]
) -> Iterator[tuple[int, Image.Image]]:
    import pypdfium2 as pdfium

    assert isinstance(document, pdfium.PdfDocument)
    try:
        for index in indices:
            page = document[index]
            try:
                scale = dpi / 72 if dpi is not None else (width or 0) / page.get_width()
                bitmap = page.render(scale=scale, may_draw_forms=True)
                try:
                    yield index, bitmap.to_pil().convert("RGB")
                finally:
                    bitmap.close()
            finally:
                page.close()
    finally:
        document.close()
