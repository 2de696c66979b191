"""The names of the files a build writes: one place, used by every command and by releases.

    output/portrait-of-a-leader.pdf                          the Portrait, screen
    output/portrait-of-a-leader-print.pdf                    the Portrait, print
    output/portrait-of-a-leader-web.zip, .epub               the web edition, the EPUB
    output/districts/<slug>/portrait-of-a-leader-<slug>.pdf  a district's edition (-print.pdf, ...)

A release folder holds the same relative paths.
"""

from __future__ import annotations

from pathlib import Path

from portrait.finish.variants import Variant

STEM = "portrait-of-a-leader"


def output_path(folder: Path, suffix: str, district: str | None = None) -> Path:
    """The file whose name ends in ``suffix`` (".pdf", "-print.pdf", ".epub", ...) for the
    Portrait (or ``district``'s edition) inside ``folder`` (output/ or a release folder)."""
    if district is None:
        return folder / f"{STEM}{suffix}"
    return folder / "districts" / district / f"{STEM}-{district}{suffix}"


def output_file(folder: Path, variant: Variant, district: str | None = None) -> Path:
    """Where ``variant`` of the Portrait (or of ``district``'s edition) goes inside ``folder``."""
    return output_path(folder, variant.file_suffix + ".pdf", district)


def beside(given: Path, variant: Variant) -> Path:
    """The file for ``variant`` next to a file the user named (``build -o FILE``):
    ``book.pdf`` → ``book-print.pdf``."""
    return given.with_name(given.stem + variant.file_suffix + given.suffix)
