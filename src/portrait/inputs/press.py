"""The press: the print edition's CMYK output profile, and colours as the press prints them.

The print edition's output intent is the ICC profile in ``assets/color/`` (Coated FOGRA39 as
shipped; a print shop may put its own press's profile there). Through it, with LittleCMS
(Pillow's ImageCms) and the relative colorimetric intent, this module

- converts an sRGB colour to the CMYK build the press prints it with (``to_cmyk``), once, where
  ``assets/brand.yaml`` gives no build of its own;
- shows a CMYK build as sRGB (``to_rgb``): a soft proof of one colour;
- finds the nearest build in one or two inks (``nearest``), for small text: type under 12 pt in
  four inks blurs when the plates are not in perfect register;
- says whether a colour is inside the press's gamut (``gamut``), with the ΔE00 (CIEDE2000) between
  the colour and what the press makes of it.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

PROFILE = Path("assets") / "color" / "portrait-cmyk-fogra39.icc"
# A colour whose round trip through the profile moves by more than this (ΔE00) is outside the
# press's gamut: the build says so, with the nearest printable colour.
GAMUT_DE = 2.0
# Type under this size (in points, as printed) prints in one or two inks (portrait.check.preflight).
SMALL_TEXT_PT = 12.0
SMALL_TEXT_INKS = 2
# A one-ink build is used for small text when it is this close to the colour (ΔE00); else two inks.
ONE_INK_DE = 3.0
INKS = ("C", "M", "Y", "K")

Cmyk = tuple[float, float, float, float]  # ink percentages, 0-100


def css_cmyk(build: Cmyk) -> str:
    """``device-cmyk(...)`` for WeasyPrint: the press's own inks, not converted again."""
    return "device-cmyk(" + " ".join(f"{v / 100:.4g}" for v in build) + ")"


def describe(build: Cmyk) -> str:
    """``C0 M100 Y0 K0``: how a print shop writes a build."""
    return " ".join(f"{ink}{value:g}" for ink, value in zip(INKS, build, strict=True))


def inks(build: Cmyk) -> int:
    """How many plates print the colour."""
    return sum(1 for v in build if v > 0)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _hex(rgb: Iterable[int]) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


@dataclass(frozen=True)
class GamutCheck:
    color: str  # the sRGB colour asked for
    build: Cmyk  # what the press prints for it (the profile's relative colorimetric conversion)
    printed: str  # that build as sRGB: the nearest printable colour
    delta_e: float  # ΔE00 between ``color`` and ``printed``

    @property
    def in_gamut(self) -> bool:
        return self.delta_e <= GAMUT_DE


class Press:
    """A CMYK output profile, and the conversions through it."""

    def __init__(self, profile: bytes, name: str = "") -> None:
        self.profile = profile
        self.sha256 = hashlib.sha256(profile).hexdigest()
        cmyk = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        self.name = name or ImageCms.getProfileDescription(cmyk).strip()
        srgb = ImageCms.createProfile("sRGB")
        intent = ImageCms.Intent.RELATIVE_COLORIMETRIC
        self._to_cmyk = ImageCms.buildTransform(srgb, cmyk, "RGB", "CMYK", intent)
        self._to_rgb = ImageCms.buildTransform(cmyk, srgb, "CMYK", "RGB", intent)
        # The darkest build, black, is the total ink limit the profile was made with (colprof -l).
        black = np.asarray(self.separate(Image.new("RGB", (1, 1))), dtype=np.float64)[0, 0]
        self.ink_limit = float(round(black.sum() * 100 / 255))
        self._grid: tuple[np.ndarray, np.ndarray] | None = None
        self._printable: dict[tuple[float, ...], np.ndarray] = {}  # printable(), colour by colour

    @classmethod
    def find(cls, project_root: Path) -> Press | None:
        """The press of the project at ``project_root``, if it has a profile."""
        return cls.of(project_root) if (project_root / PROFILE).is_file() else None

    @classmethod
    def of(cls, project_root: Path) -> Press:
        """The press of the project at ``project_root`` (its ``assets/color/`` profile)."""
        path = project_root / PROFILE
        stat = path.stat()
        return _cached(str(path), stat.st_mtime_ns, stat.st_size)

    # Images -------------------------------------------------------------------------------

    def separate(self, image: Image.Image) -> Image.Image:
        """An sRGB image as the press's CMYK."""
        result = ImageCms.applyTransform(image.convert("RGB"), self._to_cmyk)
        assert result is not None  # None only when converting in place
        return result

    def proof(self, image: Image.Image) -> Image.Image:
        """A CMYK image (the press's inks) as sRGB: how the press prints it, on screen."""
        result = ImageCms.applyTransform(image, self._to_rgb)
        assert result is not None
        return result

    # Colours ------------------------------------------------------------------------------

    def to_cmyk(self, colors: Sequence[str]) -> list[Cmyk]:
        """``#rrggbb`` colours as the press's CMYK builds, in whole percents."""
        row = Image.new("RGB", (len(colors), 1))
        row.putdata([_rgb(c) for c in colors])
        values = np.asarray(self.separate(row), dtype=np.float64)[0] * 100 / 255
        return [tuple(float(round(v)) for v in pixel) for pixel in values]  # type: ignore[misc]

    def to_rgb(self, builds: Sequence[Cmyk]) -> list[str]:
        """CMYK builds as ``#rrggbb``: the colour the press prints, shown on screen."""
        return [_hex(rgb) for rgb in self._rgb_array(np.array(builds, dtype=np.float64))]

    def _rgb_array(self, builds: np.ndarray) -> np.ndarray:
        data = np.clip(np.round(builds * 2.55), 0, 255).astype(np.uint8).reshape(1, -1, 4)
        image = Image.frombytes("CMYK", (data.shape[1], 1), data.tobytes())
        proofed: np.ndarray = np.asarray(self.proof(image), dtype=np.uint8)[0]
        return proofed

    def gamut(self, color: str) -> GamutCheck:
        from portrait.designer.proof import delta_e

        (build,) = self.to_cmyk([color])
        (printed,) = self.to_rgb([build])
        difference = float(delta_e(np.array(_rgb(color)), np.array(_rgb(printed))))
        return GamutCheck(color, build, printed, round(difference, 2))

    def nearest(self, color: str, max_inks: int) -> tuple[Cmyk, float]:
        """The build in at most ``max_inks`` inks that prints closest to ``color`` (ΔE00), in whole
        percents, and its ΔE00."""
        from portrait.designer.proof import delta_e

        target = np.array(_rgb(color))
        best: tuple[float, Cmyk] = (float("inf"), (0.0, 0.0, 0.0, 0.0))
        for chosen in combinations(range(4), max_inks):
            step = 5.0
            grid = np.arange(0, 101, step)
            candidates = _builds(chosen, [grid] * len(chosen))
            for _ in range(3):  # refine around the best: 5 %, then 1 %, then 1 % again
                errors = delta_e(self._rgb_array(candidates), target)
                index = int(np.argmin(errors))
                if errors[index] < best[0]:
                    best = (float(errors[index]), tuple(float(v) for v in candidates[index]))  # type: ignore[assignment]
                centre = candidates[index]
                step = 1.0
                axes = [np.clip(np.arange(centre[i] - 5, centre[i] + 6, step), 0, 100) for i in chosen]
                candidates = _builds(chosen, axes)
        return best[1], round(best[0], 2)

    def printed_lab(self, rgb: np.ndarray) -> np.ndarray:
        """CIELAB of what the press prints for sRGB colours (``(..., 3)``, 0-255) painted in the
        print edition: converted to its CMYK through the profile, as the RIP does, and back."""
        from portrait.designer.proof import lab

        pixels = np.clip(np.round(rgb), 0, 255).astype(np.uint8).reshape(1, -1, 3)
        image = Image.frombytes("RGB", (pixels.shape[1], 1), pixels.tobytes())
        printed = np.asarray(self.proof(self.separate(image)), dtype=np.uint8)[0]
        return lab(printed).reshape(*np.shape(rgb)[:-1], 3)

    def printable(self, colors: np.ndarray) -> np.ndarray:
        """The sRGB colours (``(n, 3)``, 0-255) to paint so that the press prints each of
        ``colors`` as closely as it can (least ΔE00). Inside the gamut that is about the colour
        itself; outside it, the profile's relative colorimetric clipping is not the nearest
        printable colour by ΔE00 (the sky blue: 3.4 clipped, 3.2 found), so it is searched for: on
        a grid of sRGB colours 8 apart, then around the best, 2 and 1 apart."""
        from portrait.designer.proof import ciede2000, lab

        targets = lab(np.asarray(colors, dtype=np.float64))
        result = []
        for target, colour in zip(targets, np.asarray(colors, dtype=np.float64), strict=True):
            key = tuple(colour.tolist())
            if key in self._printable:
                result.append(self._printable[key])
                continue
            grid_rgb, grid_lab = self._printable_grid()  # made once, only when a colour is searched
            candidates = np.vstack([grid_rgb, colour[None]])
            errors = ciede2000(np.vstack([grid_lab, self.printed_lab(colour[None])]), target)
            best = nearest_best(candidates, errors, colour)
            for reach, step in ((8, 2), (2, 1)):
                candidates = around(best, reach, step)
                best = nearest_best(candidates, ciede2000(self.printed_lab(candidates), target), colour)
            self._printable[key] = best
            result.append(best)
        return np.array(result, dtype=np.float64)

    def _printable_grid(self) -> tuple[np.ndarray, np.ndarray]:
        if self._grid is None:
            levels = np.append(np.arange(0, 256, 8), 255)
            rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3).astype(np.float64)
            self._grid = (rgb, self.printed_lab(rgb))
        return self._grid

    def text_build(self, color: str) -> tuple[Cmyk, float]:
        """The build of a colour for small text: one ink when one is close enough, else two."""
        one, difference = self.nearest(color, 1)
        if difference <= ONE_INK_DE:
            return one, difference
        return self.nearest(color, SMALL_TEXT_INKS)


# Outside the gamut many colours print alike: of those within this ΔE00 of the best, the one
# nearest the colour asked for is painted, so that neighbouring gradient stops stay neighbours.
TIE_DE = 0.1


def nearest_best(candidates: np.ndarray, errors: np.ndarray, near: np.ndarray) -> np.ndarray:
    """Of ``candidates`` (sRGB) with ``errors`` (ΔE00), one within TIE_DE of the least, the
    nearest to ``near``."""
    good = errors <= errors.min() + TIE_DE
    distance = np.where(good, np.linalg.norm(candidates - near, axis=-1), np.inf)
    found: np.ndarray = candidates[int(np.argmin(distance))]
    return found


def around(centre: np.ndarray, reach: int, step: int) -> np.ndarray:
    """The sRGB colours up to ``reach`` from ``centre`` in each channel, ``step`` apart."""
    offsets = np.arange(-reach, reach + 1, step)
    axes = [np.clip(centre[i] + offsets, 0, 255) for i in range(3)]
    return np.unique(np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3), axis=0)


def _builds(chosen: Sequence[int], axes: Sequence[np.ndarray]) -> np.ndarray:
    mesh = np.meshgrid(*axes, indexing="ij")
    builds = np.zeros((mesh[0].size, 4))
    for ink, values in zip(chosen, mesh, strict=True):
        builds[:, ink] = values.ravel()
    return np.unique(builds, axis=0)


@functools.lru_cache(maxsize=4)
def _cached(path: str, _mtime: int, _size: int) -> Press:
    return Press(Path(path).read_bytes())


def shipped() -> Press | None:
    """The press of the project this package runs from (a source checkout), when it has one."""
    return Press.find(Path(__file__).resolve().parents[3])
