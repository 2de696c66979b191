"""The edition maker: one per process, for every format and every front end.

It holds what each format keeps warm between editions (a PDF variant's ``Renderer`` with its
shared layout, parsed stylesheets and fonts; the reading formats' ``Reflow``) and turns the
Portrait or a district's ``Edition`` into a format's checked bytes and report. It writes nothing:
``portrait.publish.produce`` writes what it makes, atomically. The build, the district batch's
workers, the release, the studio's workers and the proofs all make editions here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from portrait.formats import Format, Made
from portrait.project import Project

if TYPE_CHECKING:
    from portrait.finish.variants import Variant
    from portrait.formats.reflow import Reflow
    from portrait.inputs.district import Edition
    from portrait.inputs.load import Inputs
    from portrait.render.renderer import Renderer
    from portrait.render.shared_body import BodyKeeper

T = TypeVar("T")


class EditionMaker:
    def __init__(
        self,
        project: Project,
        inputs: Inputs,
        *,
        bodies: Callable[[Variant], BodyKeeper | None] | None = None,
        disk_cache: bool = True,
        whole_file_check: bool = False,
    ):
        """``bodies``: where a PDF variant's shared body is kept between runs (None: nowhere);
        ``disk_cache`` False: nothing is read from or written to output/.cache/ by the reading
        formats (the studio's workers write nothing into the project); ``whole_file_check``:
        every page of a district edition is read back for its check (the release), not only its
        own pages and the join (portrait.render.renderer.Renderer, the check by parts)."""
        self.project = project
        self.inputs = inputs
        self.disk_cache = disk_cache
        self.whole_file_check = whole_file_check
        self._bodies = bodies
        self._warm: dict[str, object] = {}

    def warm(self, key: str, make: Callable[[], T], kind: type[T]) -> T:
        """What a format keeps for this process under ``key``, made by ``make`` the first time."""
        if key not in self._warm:
            self._warm[key] = make()
        kept = self._warm[key]
        assert isinstance(kept, kind)
        return kept

    def renderer(self, variant: Variant) -> Renderer:
        """``variant``'s renderer: the shared pages laid out (or read from the body cache) once."""
        from portrait.render.renderer import Renderer

        def make() -> Renderer:
            keeper = self._bodies(variant) if self._bodies is not None else None
            return Renderer(
                self.project,
                self.inputs,
                variant,
                body_store=keeper,
                disk_cache=self.disk_cache,
                whole_file_check=self.whole_file_check,
            )

        return self.warm(f"pdf:{variant.name}", make, Renderer)

    def reflow(self) -> Reflow:
        """The reading formats' templates and shared sections. Without the disk cache, the
        printed page of each section comes from this process's screen layout."""
        from portrait.finish.variants import SCREEN
        from portrait.formats.reflow import Reflow, page_map_of

        def make() -> Reflow:
            if self.disk_cache:  # the page map's layout, if not kept on disk, is the screen PDF's
                return Reflow(self.project, self.inputs, layout=lambda: self.renderer(SCREEN).shared()[1])
            page_map = page_map_of(self.renderer(SCREEN).shared()[1])
            return Reflow(self.project, self.inputs, page_map, disk_cache=False)

        return self.warm("reflow", make, Reflow)

    def make(self, fmt: Format, edition: Edition | None = None, *, name: str | None = None) -> Made:
        """``fmt``'s file of ``edition`` (None: the Portrait), checked; ``name`` is the file as
        the check's report names it. A failed check is in the report (``report.passed``), not
        raised: the caller decides (``produce`` refuses to write it)."""
        start = time.perf_counter()
        shown = name or self.project.relative(fmt.output(self.project.output, _slug(edition)))
        made = fmt.make(self, edition, shown)
        return replace(made, seconds=time.perf_counter() - start)

    def forget(self) -> None:
        """Drop what is kept warm (the studio does after a render that failed halfway)."""
        self._warm.clear()


def _slug(edition: Edition | None) -> str | None:
    return edition.slug if edition is not None else None
