"""The shared body of the district editions as the renderer hands it on, and the one thing the
renderer asks of whoever keeps it between runs (portrait.publish.body_cache keeps it on disk).

Defined here, in the render stage, so that publish/ depends on render/ and never the reverse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class SharedBody:
    """The body as an edition needs it: the written PDF, its page count, the anchors on its pages."""

    pdf: bytes
    pages: int
    anchors: tuple[str, ...]


class BodyKeeper(Protocol):
    """Keeps the written body between runs: ``read`` gives it back only if it is still valid."""

    def read(self) -> SharedBody | None: ...

    def write(self, body: SharedBody) -> None: ...
