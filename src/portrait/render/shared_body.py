"""The shared body of the district editions as the renderer hands it on, and the one thing the
renderer asks of whoever keeps it between runs (portrait.publish.body_cache keeps it on disk).

Defined here, in the render stage, so that publish/ depends on render/ and never the reverse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from portrait.content_stream import KnownPage


@dataclass(frozen=True)
class SharedBody:
    """The body as an edition needs it: the written PDF, its page count, the anchors on its pages,
    and its pages scanned for the check by parts (portrait.content_stream.scan_pages; None: not
    kept, scanned again when an edition is checked)."""

    pdf: bytes
    pages: int
    anchors: tuple[str, ...]
    scanned: tuple[KnownPage | None, ...] | None = None


class BodyKeeper(Protocol):
    """Keeps the written body between runs: ``read`` gives it back only if it is still valid."""

    def read(self) -> SharedBody | None: ...

    def write(self, body: SharedBody) -> None: ...
