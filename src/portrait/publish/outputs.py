"""The names of the files a build writes: one place, used by every command and by releases.

    output/portrait-of-a-leader.pdf                          the Portrait, screen
    output/portrait-of-a-leader-print.pdf                    the Portrait, print
    output/districts/<slug>/portrait-of-a-leader-<slug>.pdf  a district's edition (-print.pdf)

A release folder holds the same relative paths.
"""

from __future__ import annotations

from pathlib import Path

from portrait.finish.variants import Variant

STEM = "portrait-of-a-leader"


def output_file(folder: Path, variant: Variant, district: str | None = None) -> Path:
    """Where ``variant`` of the Portrait (or of ``district``'s edition) goes inside ``folder``
    (output/ or a release folder)."""
    if district is None:
        return folder / f"{STEM}{variant.file_suffix}.pdf"
    return folder / "districts" / district / f"{STEM}-{district}{variant.file_suffix}.pdf"


def beside(given: Path, variant: Variant) -> Path:
    """The file for ``variant`` next to a file the user named (``build -o FILE``):
    ``book.pdf`` → ``book-print.pdf``."""
    return given.with_name(given.stem + variant.file_suffix + given.suffix)
