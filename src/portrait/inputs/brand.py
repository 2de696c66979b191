"""Brand tokens (``assets/brand.yaml``) and the CSS they become.

Colours, gradients, type scale and spacing are declared once in YAML and reach every stylesheet as
CSS custom properties; fonts become ``@font-face`` rules for the files shipped in ``assets/fonts``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from portrait.errors import InputError, Problem
from portrait.inputs.models import HexColor, Model
from portrait.inputs.press import Cmyk, Press, css_cmyk
from portrait.inputs.yaml_source import read_yaml, validate
from portrait.project import Project

LENGTH = r"^\d+(\.\d+)?(pt|px|mm|in|em|rem)$"
TOKEN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Color = HexColor
Length = Annotated[str, Field(pattern=LENGTH)]
Token = Annotated[str, Field(pattern=TOKEN)]


Percent = Annotated[float, Field(ge=0, le=100)]


Build = tuple[Percent, Percent, Percent, Percent]


class BrandColor(Model):
    """A brand colour: ``"#e8177d"`` (the screen colour), or ``{ hex: "#e8177d", cmyk: [0, 97, 8, 0] }``
    with the CMYK build the press prints it with (ink percentages, as a print designer specifies
    them); and, for a colour whose build has more than two inks, the build its text prints with
    (``text``: one or two inks, for type under 12 pt; the preflight checks it)."""

    hex: Color
    cmyk: Build | None = None
    text: Build | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_hex(cls, value: object) -> object:
        return {"hex": value} if isinstance(value, str) else value


class Stop(Model):
    color: Token
    at: Annotated[str, Field(pattern=r"^\d{1,3}%$")]


class Gradient(Model):
    angle: Annotated[str, Field(pattern=r"^-?\d+deg$")]
    stops: list[Stop] = Field(min_length=2)


class FontFile(Model):
    file: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+\.(otf|ttf|woff|woff2)$")]
    weight: Literal[100, 200, 300, 400, 500, 600, 700, 800, 900]
    style: Literal["normal", "italic"]


class FontFamily(Model):
    family: Annotated[str, Field(pattern=r"^[A-Za-z0-9 ]+$")]
    files: list[FontFile] = Field(min_length=1)


class Type(Model):
    xs: Length
    sm: Length
    base: Length
    md: Length
    lg: Length
    xl: Length
    xxl: Length
    display: Length
    leading: Annotated[str, Field(pattern=r"^\d(\.\d+)?$")]


class Brand(Model):
    colors: dict[Token, BrandColor]
    gradients: dict[Token, Gradient]
    fonts: dict[Literal["sans", "display", "serif"], FontFamily]
    type: Type
    spacing: dict[Annotated[str, Field(pattern=r"^\d$")], Length]

    @model_validator(mode="after")
    def _stops_name_colors(self) -> Brand:
        for name, gradient in self.gradients.items():
            for stop in gradient.stops:
                if stop.color not in self.colors:
                    raise ValueError(
                        f"gradient `{name}` uses colour `{stop.color}`, which is not in `colors` "
                        f"(known: {', '.join(self.colors)})"
                    )
        return self

    @property
    def hexes(self) -> dict[str, str]:
        """Every brand colour as ``#rrggbb`` (the screen colour)."""
        return {name: c.hex for name, c in self.colors.items()}

    @property
    def builds(self) -> dict[str, tuple[float, float, float, float]]:
        """The CMYK builds ``brand.yaml`` gives (colours without one are converted by the press)."""
        return {name: c.cmyk for name, c in self.colors.items() if c.cmyk is not None}


def load_brand(project: Project) -> Brand:
    path = project.assets / "brand.yaml"
    source = read_yaml(path, project.relative(path))
    brand: Brand = validate(Brand, source)
    missing = [
        Problem(
            source.file,
            f"font file assets/fonts/{f.file} does not exist",
            line=source.line_of(("fonts", role, "files")),
            key=f"fonts.{role}.files",
            fix="add the font file to assets/fonts/ (with its licence) or fix the name",
        )
        for role, family in brand.fonts.items()
        for f in family.files
        if not (project.assets / "fonts" / f.file).is_file()
    ]
    if missing:
        raise InputError(missing)
    return brand


def font_files(project: Project, brand: Brand) -> list[Path]:
    return [project.assets / "fonts" / f.file for family in brand.fonts.values() for f in family.files]


def color_tokens(brand: Brand) -> dict[str, str]:
    """The brand's screen colours and gradients as custom properties (``color-pink``,
    ``gradient-cover``, ...): one source for every format's stylesheet."""
    colors = brand.hexes
    tokens = {f"color-{name}": value for name, value in colors.items()}
    for name, gradient in brand.gradients.items():
        stops = ", ".join(f"{colors[s.color]} {s.at}" for s in gradient.stops)
        tokens[f"gradient-{name}"] = f"linear-gradient({gradient.angle}, {stops})"
    return tokens


def brand_css(project: Project, brand: Brand) -> str:
    """The ``:root`` custom properties and ``@font-face`` rules for ``brand``."""
    props = [f"  --{name}: {value};" for name, value in color_tokens(brand).items()]
    for role in brand.fonts:
        props.append(f'  --font-{role}: "{css_family(role)}";')
    for step, size in brand.type.model_dump().items():
        props.append(f"  --text-{step}: {size};" if step != "leading" else f"  --leading: {size};")
    props.extend(f"  --space-{step}: {size};" for step, size in brand.spacing.items())

    faces = []
    for role, family in brand.fonts.items():
        for f in family.files:
            url = (project.assets / "fonts" / f.file).as_uri()
            faces.append(
                "@font-face {\n"
                f'  font-family: "{css_family(role)}";\n'
                f'  src: url("{url}");\n'
                f"  font-weight: {f.weight};\n"
                f"  font-style: {f.style};\n"
                "}"
            )
    return "\n".join(faces) + "\n:root {\n" + "\n".join(props) + "\n}\n"


def print_builds(brand: Brand, press: Press) -> dict[str, Cmyk]:
    """The CMYK build of every brand colour: ``brand.yaml``'s own, else the colour converted once
    through the press's profile."""
    hexes = brand.hexes
    given = brand.builds
    missing = [name for name in hexes if name not in given]
    converted = dict(zip(missing, press.to_cmyk([hexes[n] for n in missing]), strict=True))
    return {name: given.get(name) or converted[name] for name in hexes}


def print_css(brand: Brand, press: Press) -> str:
    """The print edition's colours: each brand colour as its CMYK build (``device-cmyk``), which
    WeasyPrint writes as DeviceCMYK, printed as it is by the press (the output intent's CMYK).

    ``--color-<name>`` (what text and rules use) is the colour's ``text`` build where it has
    one; ``--fill-<name>`` is always its full build, for areas (print.css uses it for the
    backgrounds and large type that may have more inks). Gradients keep their sRGB stops
    (WeasyPrint 70 cannot draw CMYK gradients); the press converts them through the profile."""
    text = {name: c.text for name, c in brand.colors.items() if c.text}
    props = []
    for name, build in print_builds(brand, press).items():
        props.append(f"  --color-{name}: {css_cmyk(text.get(name) or build)};")
        props.append(f"  --fill-{name}: {css_cmyk(build)};")
    return ":root {\n" + "\n".join(props) + "\n}\n"


def css_family(role: str) -> str:
    """The family name stylesheets use. It is ours alone: were it "Inter", Fontconfig could pick
    an Inter installed on the machine instead of the shipped file."""
    return f"portrait-{role}"
