"""Make → check → write: the one path by which every edition's file reaches the disk.

The Portrait, each district edition and each release file are made by this process's
``EditionMaker`` (portrait.formats.maker), in their format, checked, and written here. Nothing is
written until every file of the call has passed its check, and each is written atomically, so a
file that fails is never left in output/ and an interrupted build never leaves half a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from portrait.formats import Format, Made
from portrait.project import Project

if TYPE_CHECKING:
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.district import Edition


@dataclass(frozen=True)
class Target:
    """One file to make: where it goes, in which format, of which edition (None: the Portrait)."""

    path: Path
    format: Format
    edition: Edition | None = None


@dataclass(frozen=True)
class Written:
    """A file that was made, passed its check and was written."""

    path: Path
    format: Format
    made: Made


def produce(project: Project, maker: EditionMaker, targets: Sequence[Target]) -> list[Written]:
    """Make and check every target, then write them all.

    The files of one call (an edition's screen and print files) are all new or all untouched. A
    failed check is a BuildError naming each failed rule.
    """
    made = []
    for target in targets:
        done = maker.make(target.format, target.edition, name=project.relative(target.path)).checked()
        made.append(Written(target.path, target.format, done))
    for written in made:
        written.format.write(written.path, written.made.data)
    return made
