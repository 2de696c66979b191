"""Formats other than the PDFs: the web edition (a folder of static files, also zipped) and the
EPUB 3.3 edition. Both are made from the same inputs, templates and brand as the PDFs.

A ``Format`` says how an edition is made (``make``: the Portrait or a district's edition → files),
how it is checked (``check``: a fast structural check every build runs; the standards' checkers,
EPUBCheck, Ace and axe-core, run in the tests) and how its files are named (``output``). The PDF
variants (portrait.finish.variants) are not Formats yet; the next step is to make them one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portrait.publish.outputs import STEM


@dataclass(frozen=True)
class Format:
    name: str  # as given to --format
    title: str  # as shown to people
    suffix: str  # of the file (".epub", ".zip")
    media_type: str
    # (the Reflow maker, a district Edition or None for the Portrait) → the file (portrait.formats.reflow)
    make: Callable[[Any, Any], bytes]
    check: Callable[[bytes], list[str]]  # problems found (none: passes)

    def output(self, folder: Path, district: str | None = None) -> Path:
        """Where this format's file goes inside ``folder`` (output/ or a release folder)."""
        if district is None:
            return folder / f"{STEM}{self.suffix}"
        return folder / "districts" / district / f"{STEM}-{district}{self.suffix}"


def formats() -> dict[str, Format]:
    """Every format by name."""
    from portrait.formats.epub import EPUB
    from portrait.formats.web import WEB

    return {f.name: f for f in (WEB, EPUB)}
