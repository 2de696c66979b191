"""The screen and print editions, built once per test process and shared by the test modules.

Building both takes several seconds; every test that reads them uses these cached results.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from pypdf import PdfReader

from portrait.build.produce import Inputs, load_inputs
from portrait.finish.variants import PRINT, SCREEN
from portrait.project import Project
from portrait.render.renderer import Renderer

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Built:
    pdf: bytes
    renderer: Renderer

    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.pdf))


@lru_cache(maxsize=1)
def project_inputs() -> tuple[Project, Inputs]:
    project = Project.at(ROOT)
    return project, load_inputs(project)


@cache
def edition(variant_name: str) -> Built:
    project, inputs = project_inputs()
    variant = {"screen": SCREEN, "print": PRINT}[variant_name]
    renderer = Renderer(project, inputs, variant)
    return Built(renderer.portrait().pdf, renderer)


def district():
    """A real example district with a foreword (so the edition has one page more)."""
    from portrait.inputs.district import load_edition

    project, _ = project_inputs()
    return load_edition(project, "example-cedar-ridge")


@cache
def district_edition(variant_name: str) -> bytes:
    return edition(variant_name).renderer.edition(district()).pdf
