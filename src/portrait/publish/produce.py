"""Render → check → write: the one path by which every PDF reaches the disk.

The Portrait, each district edition and each release file are made here. Every file passes the
preflight of its variant before anything is written, and is written atomically, so a file that
fails is never left in output/ and an interrupted build never leaves half a file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from portrait.check.preflight import Report, check_facts, require
from portrait.finish.variants import Variant
from portrait.project import Project
from portrait.publish.atomic import write_atomic
from portrait.render.renderer import Rendered


@dataclass(frozen=True)
class Target:
    """One file to make: where it goes, in which variant, and how to render it."""

    path: Path
    variant: Variant
    render: Callable[[], Rendered]


@dataclass(frozen=True)
class Made:
    """A file that was rendered, passed its preflight and was written."""

    path: Path
    variant: Variant
    rendered: Rendered
    report: Report
    seconds: float


def produce(project: Project, targets: Sequence[Target]) -> list[Made]:
    """Render and preflight every target, then write them all.

    Nothing is written until every target has passed, so the files of one call (an edition's
    screen and print files) are all new or all untouched. A failed preflight is a BuildError
    naming each failed rule.
    """
    made = []
    for target in targets:
        start = time.perf_counter()
        rendered = target.render()
        report = check_facts(rendered.facts, project.relative(target.path), target.variant.name)
        require(report)
        made.append(Made(target.path, target.variant, rendered, report, time.perf_counter() - start))
    for done in made:
        write_atomic(done.path, done.rendered.pdf)
    return made
