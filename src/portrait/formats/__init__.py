"""The formats an edition is made in: the screen PDF, the print PDF, the web edition (a folder of
static files, also zipped) and the EPUB 3.3 edition, all from the same inputs, templates and brand.

A ``Format`` says how an edition is made and checked (``make``: the ``EditionMaker`` of this
process, the Portrait's edition or a district's → the checked file, a ``Made``) and how its files
are named (``output``). Adding a format means writing its module (its ``FORMATS``, whose ``make``
draws what it keeps warm from ``EditionMaker.warm``) and its templates, and naming it in
``REGISTRY`` below; the command line, the studio and the release then offer it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portrait.publish.atomic import write_atomic
from portrait.publish.outputs import output_path

if TYPE_CHECKING:
    from portrait.check.facts import PdfFacts
    from portrait.check.preflight import Report
    from portrait.finish.variants import Variant
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.district import Edition


@dataclass(frozen=True)
class Made:
    """One edition's file in one format: checked, not written."""

    data: bytes
    pages: int  # printed pages of a PDF; reading documents of a web edition or an EPUB
    report: Report  # the format's check (the preflight of a PDF)
    facts: PdfFacts | None = None  # what the PDF's reader sees (PDFs only)
    seconds: float = 0.0

    def checked(self) -> Made:
        """This file, if it passed its check; otherwise a BuildError naming every failed rule."""
        from portrait.check.preflight import require

        require(self.report)
        return self


@dataclass(frozen=True)
class Format:
    name: str  # as given to --format
    title: str  # as shown to people
    suffix: str  # after the file's stem: ".pdf", "-print.pdf", "-web.zip", ".epub"
    media_type: str
    # (this process's maker, a district's Edition or None for the Portrait, the name the
    # check's report gives the file) → the file, checked
    make: Callable[[EditionMaker, Edition | None, str], Made]
    variant: Variant | None = None  # a PDF's WeasyPrint options and finisher (portrait.finish.variants)
    # How its file is written (default: atomically); the web edition is unpacked beside its zip too.
    writer: Callable[[Path, bytes], None] | None = None

    def write(self, path: Path, data: bytes) -> None:
        if self.writer is not None:
            self.writer(path, data)
        else:
            write_atomic(path, data)

    def output(self, folder: Path, district: str | None = None) -> Path:
        """Where this format's file goes inside ``folder`` (output/ or a release folder)."""
        return output_path(folder, self.suffix, district)

    @property
    def is_pdf(self) -> bool:
        return self.variant is not None


# Every format's name and the module that defines it (in its FORMATS), the PDFs first. The names
# are read without importing the modules (WeasyPrint, lxml): the command line checks --format
# against them before anything is made.
REGISTRY = {
    "screen": "portrait.formats.pdf",
    "print": "portrait.formats.pdf",
    "screen-ua2": "portrait.formats.pdf",  # the screen file as PDF/UA-2: chosen by --conformance ua2
    "web": "portrait.formats.web",
    "epub": "portrait.formats.epub",
}
# What --format and the studio's downloads offer.
OFFERED = tuple(name for name in REGISTRY if name != "screen-ua2")


def formats() -> dict[str, Format]:
    """Every format by name, in REGISTRY's order."""
    import importlib

    made = {f.name: f for module in dict.fromkeys(REGISTRY.values()) for f in importlib.import_module(module).FORMATS}
    return {name: made[name] for name in REGISTRY}


def reflowed() -> dict[str, Format]:
    """The formats that are templated and zipped rather than laid out in pages: web, EPUB."""
    return {name: f for name, f in formats().items() if not f.is_pdf}


def pdf_format(variant: Variant) -> Format:
    """The PDF format of ``variant``."""
    from portrait.formats.pdf import PDF_FORMATS

    return next(f for f in PDF_FORMATS if f.variant == variant)
