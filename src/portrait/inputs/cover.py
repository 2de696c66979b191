"""The cover's circles (``assets/cover.yaml``) and the portraits that fill some of them.

Portraits are every image in ``assets/portraits/`` in name order, so a designer changes the faces
on the cover by adding, removing or renaming files there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, model_validator

from portrait.errors import InputError, Problem
from portrait.inputs.brand import Brand
from portrait.inputs.models import Model
from portrait.inputs.yaml_source import read_yaml, validate
from portrait.project import Project

PORTRAIT_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")
PAGE_WIDTH_IN, PAGE_HEIGHT_IN = 8.5, 11.0


class Circle(Model):
    x: float = Field(ge=-2, le=PAGE_WIDTH_IN + 2)
    y: float = Field(ge=-2, le=PAGE_HEIGHT_IN + 2)
    d: float = Field(gt=0, le=8)
    portrait: bool = False
    color: str | None = None
    opacity: float = Field(default=0.4, ge=0, le=1)

    @model_validator(mode="after")
    def _portrait_or_color(self) -> Circle:
        if self.portrait == (self.color is not None):
            raise ValueError("a circle has either `portrait: true` or a `color`, not both or neither")
        return self


class CoverLayout(Model):
    circles: list[Circle] = Field(min_length=1)


@dataclass(frozen=True)
class PlacedCircle:
    """A circle ready for the template: position in inches, and what fills it."""

    x: float
    y: float
    d: float
    color: str | None
    opacity: float
    image: str | None  # file URI of the portrait


def load_cover(project: Project, brand: Brand) -> list[PlacedCircle]:
    path = project.assets / "cover.yaml"
    source = read_yaml(path, project.relative(path))
    layout: CoverLayout = validate(CoverLayout, source)
    unknown = [
        Problem(
            source.file,
            f"colour `{c.color}` is not a brand colour",
            line=source.line_of(("circles", i)),
            key=f"circles[{i}].color",
            fix="use one of: " + ", ".join(brand.colors),
        )
        for i, c in enumerate(layout.circles)
        if c.color is not None and c.color not in brand.colors
    ]
    if unknown:
        raise InputError(unknown)

    portraits = portrait_files(project)
    placed, next_portrait = [], 0
    for circle in layout.circles:
        image = None
        if circle.portrait:
            if not portraits:
                raise InputError(
                    Problem(
                        "assets/portraits/",
                        "the cover has portrait circles but no portrait images",
                        fix="add SVG, PNG or JPEG files to assets/portraits/",
                    )
                )
            image = portraits[next_portrait % len(portraits)].as_uri()
            next_portrait += 1
        placed.append(
            PlacedCircle(
                circle.x,
                circle.y,
                circle.d,
                brand.hexes[circle.color] if circle.color else None,
                circle.opacity,
                image,
            )
        )
    return placed


def portrait_files(project: Project) -> list[Path]:
    folder = project.assets / "portraits"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PORTRAIT_SUFFIXES and p.is_file())
