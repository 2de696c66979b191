"""Brand tokens (``assets/brand.yaml``) and the CSS they become.

Colours, gradients, type scale and spacing are declared once in YAML and reach every stylesheet as
CSS custom properties; fonts become ``@font-face`` rules for the files shipped in ``assets/fonts``.
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from PIL import Image
from pydantic import Field, model_validator

from portrait.errors import InputError, Problem
from portrait.inputs.models import HexColor, Model
from portrait.inputs.press import Cmyk, Press, around, css_cmyk, nearest_best
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


class Scrim(Model):
    """A veil of a brand colour over a gradient, top to bottom (under the covers' white text):
    ``stops`` are the colour's opacity and where it is reached; ``box`` is the width and height
    of the area it covers (any unit), for the print edition's blend (``print_scrim``)."""

    color: Token
    over: Token
    box: tuple[Annotated[float, Field(gt=0)], Annotated[float, Field(gt=0)]] = (1.0, 1.0)
    stops: list[tuple[Annotated[float, Field(ge=0, le=1)], Annotated[str, Field(pattern=r"^\d{1,3}%$")]]] = Field(
        min_length=2
    )


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
    scrims: dict[Token, Scrim] = Field(default_factory=dict)
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
        for name, scrim in self.scrims.items():
            if scrim.color not in self.colors or scrim.over not in self.gradients:
                raise ValueError(
                    f"scrim `{name}` is `{scrim.color}` over `{scrim.over}`: its colour must be in `colors` "
                    f"and the gradient it covers in `gradients`"
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
        # sampled as the print edition's is (print_gradient): the same colours at the same places
        # as the brand's stops, and a renderer that approximates a shading between its function's
        # samples (Ghostscript) approximates both editions alike
        t = _samples(gradient)
        tokens[f"gradient-{name}"] = _linear_gradient(gradient.angle, t, np.round(gradient_at(gradient, colors, t)))
    for name, scrim in brand.scrims.items():
        r, g, b = _rgb(colors[scrim.color])
        veil = ", ".join(f"rgba({r}, {g}, {b}, {alpha:g}) {at}" for alpha, at in scrim.stops)
        tokens[f"scrim-{name}"] = f"linear-gradient(180deg, {veil})"
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
    backgrounds and large type that may have more inks). Gradients and scrims stay sRGB
    (WeasyPrint 70 cannot draw CMYK gradients), painted as the colours that print closest to the
    screen's once the press converts them through the profile (``print_gradient``,
    ``print_scrim``)."""
    text = {name: c.text for name, c in brand.colors.items() if c.text}
    props = []
    for name, build in print_builds(brand, press).items():
        props.append(f"  --color-{name}: {css_cmyk(text.get(name) or build)};")
        props.append(f"  --fill-{name}: {css_cmyk(build)};")
    props.append(_print_shading(brand.model_dump_json(), press.sha256, press))
    return ":root {\n" + "\n".join(props) + "\n}\n"


# The print edition paints gradients in sRGB (WeasyPrint 70 cannot draw CMYK gradients), which the
# press converts through its profile. Painted with the screen's stops, a gradient through a colour
# outside the gamut prints the profile's clipping of it, and the screen's navy veils (scrims)
# blended over it in the press's CMYK are not the screen's blend in sRGB. So the print edition's
# gradients are the screen's sampled every PRINT_STEP percent, each sample the colour that prints
# closest to the screen's (Press.printable), and each scrim stop (every PRINT_STEP percent down)
# the colour whose blend in CMYK over the gradient prints closest to the screen's blend.
PRINT_STEP = 4
SCRIM_SAMPLES = 7  # points across the box where a scrim stop's blend is compared


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _percent(at: str) -> float:
    return float(at.rstrip("%")) / 100


def _css_rgb(rgb: np.ndarray) -> str:
    return "#" + "".join(f"{int(round(v)):02x}" for v in rgb)


def gradient_at(gradient: Gradient, colors: dict[str, str], t: np.ndarray) -> np.ndarray:
    """The screen's colours (sRGB, 0-255) of ``gradient`` at positions ``t`` (0-1) on its line."""
    at = np.array([_percent(s.at) for s in gradient.stops])
    rgb = np.array([_rgb(colors[s.color]) for s in gradient.stops], dtype=np.float64)
    return np.stack([np.interp(t, at, rgb[:, i]) for i in range(3)], axis=-1)


def _samples(gradient: Gradient) -> np.ndarray:
    at = [_percent(s.at) for s in gradient.stops]
    return np.unique(np.concatenate([np.arange(0, 101, PRINT_STEP) / 100, at]))


def print_gradient(gradient: Gradient, colors: dict[str, str], press: Press) -> tuple[np.ndarray, np.ndarray]:
    """The print edition's stops of ``gradient``: positions (0-1) and the sRGB colours painted
    there, each the colour that prints closest to the screen's."""
    t = _samples(gradient)
    screen = np.round(gradient_at(gradient, colors, t))
    unique, index = np.unique(screen, axis=0, return_inverse=True)
    return t, press.printable(unique)[index.ravel()]


def _linear_gradient(angle: str, t: np.ndarray, rgb: np.ndarray, alpha: np.ndarray | None = None) -> str:
    if alpha is None:
        stops = [f"{_css_rgb(c)} {p * 100:g}%" for p, c in zip(t, rgb, strict=True)]
    else:
        stops = [
            f"rgba({', '.join(str(int(round(v))) for v in c)}, {a:.3g}) {p * 100:g}%"
            for p, c, a in zip(t, rgb, alpha, strict=True)
        ]
    return f"linear-gradient({angle}, {', '.join(stops)})"


def _separate(press: Press, rgb: np.ndarray) -> np.ndarray:
    pixels = np.clip(np.round(rgb), 0, 255).astype(np.uint8).reshape(1, -1, 3)
    image = Image.frombytes("RGB", (pixels.shape[1], 1), pixels.tobytes())
    separated: np.ndarray = np.asarray(press.separate(image), dtype=np.float64)[0]
    return separated


def _printed_lab(press: Press, cmyk: np.ndarray) -> np.ndarray:
    from portrait.designer.proof import lab

    pixels = np.clip(np.round(cmyk), 0, 255).astype(np.uint8).reshape(1, -1, 4)
    image = Image.frombytes("CMYK", (pixels.shape[1], 1), pixels.tobytes())
    return lab(np.asarray(press.proof(image), dtype=np.uint8)[0])


def _veil(press: Press, under: np.ndarray, targets: np.ndarray, alpha: float, near: np.ndarray) -> np.ndarray:
    """The sRGB colour which, at ``alpha`` over the painted colours ``under`` and blended in the
    press's CMYK, prints closest (mean ΔE00) to ``targets`` (of near-ties, the nearest to ``near``)."""
    from portrait.designer.proof import ciede2000, lab

    below = _separate(press, under)
    goal = lab(targets)
    levels = np.append(np.arange(0, 256, 16), 255)
    candidates = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3).astype(np.float64)
    best = near
    for reach, step in ((0, 0), (16, 4), (4, 1)):
        if reach:
            candidates = around(best, reach, step)
        veil = _separate(press, candidates)
        blend = (1 - alpha) * below[None, :, :] + alpha * veil[:, None, :]
        printed = _printed_lab(press, blend.reshape(-1, 4)).reshape(len(candidates), len(under), 3)
        best = nearest_best(candidates, ciede2000(printed, goal[None]).mean(axis=1), near)
    return best


def print_scrim(brand: Brand, scrim: Scrim, press: Press) -> str:
    """The print edition's ``--scrim-<name>``. A veil of one opacity is composited with the
    gradient it covers into an opaque gradient (its stops the colours that print closest to the
    screen's blend); a veil whose opacity changes down the box gets a stop every PRINT_STEP
    percent, each the colour whose blend over the gradient's row there prints closest."""
    colors = brand.hexes
    gradient = brand.gradients[scrim.over]
    veil = np.array(_rgb(colors[scrim.color]), dtype=np.float64)
    alphas = [a for a, _ in scrim.stops]
    if len(set(alphas)) == 1:
        t = _samples(gradient)
        blend = np.round((1 - alphas[0]) * gradient_at(gradient, colors, t) + alphas[0] * veil)
        return _linear_gradient(gradient.angle, t, press.printable(blend))
    at = np.array([_percent(a) for _, a in scrim.stops])
    y = np.unique(np.concatenate([np.arange(at[0], at[-1], PRINT_STEP / 100), at]))
    alpha = np.interp(y, at, alphas)
    painted_t, painted = print_gradient(gradient, colors, press)
    width, height = scrim.box
    theta = math.radians(float(gradient.angle.removesuffix("deg")))
    dx, dy = math.sin(theta), -math.cos(theta)
    length = abs(width * dx) + abs(height * dy)
    x = np.linspace(0, width, SCRIM_SAMPLES)
    colours = []
    for row, a in zip(y, alpha, strict=True):
        if a <= 0:
            colours.append(veil)
            continue
        t = np.clip(0.5 + ((x - width / 2) * dx + (row * height - height / 2) * dy) / length, 0, 1)
        under = np.stack([np.interp(t, painted_t, painted[:, i]) for i in range(3)], axis=-1)
        targets = np.round((1 - a) * gradient_at(gradient, colors, t) + a * veil)
        colours.append(_veil(press, under, targets, float(a), colours[-1] if colours else veil))
    return _linear_gradient("180deg", y, np.array(colours), alpha)


@functools.lru_cache(maxsize=8)
def _print_shading(brand_json: str, press_sha: str, press: Press) -> str:
    brand = Brand.model_validate_json(brand_json)
    colors = brand.hexes
    props = []
    for name, gradient in brand.gradients.items():
        t, rgb = print_gradient(gradient, colors, press)
        props.append(f"  --gradient-{name}: {_linear_gradient(gradient.angle, t, rgb)};")
    for name, scrim in brand.scrims.items():
        props.append(f"  --scrim-{name}: {print_scrim(brand, scrim, press)};")
    return "\n".join(props)


def css_family(role: str) -> str:
    """The family name stylesheets use. It is ours alone: were it "Inter", Fontconfig could pick
    an Inter installed on the machine instead of the shipped file."""
    return f"portrait-{role}"
