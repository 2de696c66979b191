"""The PDF formats: the screen edition (PDF/UA-1) and the print edition (PDF/X-4), laid out by
WeasyPrint and finished as their variant says (portrait.finish.variants), checked by the
preflight of that variant."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from portrait.finish.variants import PRINT, SCREEN, SCREEN_UA2, Variant
from portrait.formats import Format, Made

if TYPE_CHECKING:
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.district import Edition


def _made_by(variant: Variant) -> Callable[[EditionMaker, Edition | None, str], Made]:
    def make(maker: EditionMaker, edition: Edition | None, name: str) -> Made:
        from portrait.check.preflight import check_facts

        renderer = maker.renderer(variant)
        rendered = renderer.portrait() if edition is None else renderer.edition(edition)
        report = check_facts(rendered.facts, name, variant.name)
        return Made(rendered.pdf, rendered.pages, report, rendered.facts)

    return make


def pdf(variant: Variant, title: str) -> Format:
    """The PDF format of ``variant``."""
    return Format(variant.name, title, variant.file_suffix + ".pdf", "application/pdf", _made_by(variant), variant)


SCREEN_PDF = pdf(SCREEN, "Screen PDF")
PRINT_PDF = pdf(PRINT, "Print PDF")
SCREEN_UA2_PDF = pdf(SCREEN_UA2, "Screen PDF (PDF/UA-2)")  # build --conformance ua2: the screen file, in UA-2
PDF_FORMATS = (SCREEN_PDF, PRINT_PDF, SCREEN_UA2_PDF)
FORMATS = PDF_FORMATS
