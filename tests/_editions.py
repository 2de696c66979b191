"""The screen and print editions, built once per test process and shared by the test modules
(conftest's ``portrait_build`` fixture is the screen one).

Building both takes several seconds; every test that reads them uses these cached results. They
are dated by EPOCH, as ``SOURCE_DATE_EPOCH=EPOCH build.py build`` would date them.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import cache, lru_cache

from _project import EPOCH
from _project import REPO as ROOT
from pypdf import PdfReader

from portrait.check.facts import PdfFacts
from portrait.finish.variants import ALL_VARIANTS as VARIANTS
from portrait.formats.maker import EditionMaker
from portrait.inputs.load import Inputs, load_inputs
from portrait.project import Project
from portrait.render.renderer import Renderer


@dataclass(frozen=True)
class Built:
    pdf: bytes
    facts: PdfFacts
    renderer: Renderer

    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.pdf))


@lru_cache(maxsize=1)
def project_inputs() -> tuple[Project, Inputs]:
    project = Project.at(ROOT)
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        return project, load_inputs(project)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


@cache
def maker() -> EditionMaker:
    """This test process's edition maker: each variant's shared pages laid out once."""
    project, inputs = project_inputs()
    return EditionMaker(project, inputs)


@cache
def edition(variant_name: str) -> Built:
    renderer = maker().renderer(VARIANTS[variant_name])
    rendered = renderer.portrait()
    return Built(rendered.pdf, rendered.facts, renderer)


def district():
    """A real example district with a foreword (so the edition has one page more)."""
    from portrait.inputs.district import load_edition

    project, _ = project_inputs()
    return load_edition(project, "example-cedar-ridge")


@cache
def district_edition(variant_name: str) -> bytes:
    return edition(variant_name).renderer.edition(district()).pdf
