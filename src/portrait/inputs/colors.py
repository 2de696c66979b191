"""Colour contrast (WCAG 2.1) and accessible shades of a district's brand colour.

A district's colour is used as given where it only decorates (a ring, a band on the cover), but
wherever it carries text it must reach a contrast of 4.5:1 (WCAG 2.1 AA for body text). When the
given colour does not, we darken it just enough, keeping its hue, and say so in the build output.
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass

from portrait.inputs.models import HEX_COLOR_PATTERN

HEX_COLOR = re.compile(HEX_COLOR_PATTERN)
AA_TEXT = 4.5
WHITE = "#ffffff"


def parse_hex(color: str) -> tuple[int, int, int]:
    if not HEX_COLOR.fullmatch(color):
        raise ValueError(f"`{color}` is not a colour written as #rrggbb")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def relative_luminance(color: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in parse_hex(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio, from 1 (same) to 21 (black on white)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def darken_until(color: str, against: str, ratio: float = AA_TEXT) -> str:
    """Darken ``color`` (same hue and saturation) until it contrasts ``ratio`` with ``against``.

    Lightness is searched by bisection, so the result is the lightest shade that passes: as close
    to the district's colour as the rule allows. Black always passes against white.
    """
    if contrast(color, against) >= ratio:
        return color
    r, g, b = (c / 255 for c in parse_hex(color))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)

    def shade(light: float) -> str:
        red, green, blue = colorsys.hls_to_rgb(hue, light, saturation)
        return to_hex((red * 255, green * 255, blue * 255))

    low, high = 0.0, lightness  # low always passes (black), high fails
    for _ in range(30):
        mid = (low + high) / 2
        if contrast(shade(mid), against) >= ratio:
            low = mid
        else:
            high = mid
    return shade(low)


@dataclass(frozen=True)
class Palette:
    """A district colour and the shades derived from it for text."""

    given: str  # as the district wrote it: used where it only decorates
    text: str  # for text on white: ``given`` or a darker shade of it
    fill: str  # background for text: ``given`` when white or ink can be read on it, else ``text``
    on: str  # text colour on ``fill``: white or near-black ink
    notices: tuple[str, ...] = ()


def palette(color: str, *, ink: str = "#1b1f2a", label: str = "colour") -> Palette:
    color = color.lower()
    notices = []
    text = darken_until(color, WHITE)
    if text != color:
        notices.append(
            f"{label} {color} has a contrast of {contrast(color, WHITE):.2f}:1 on white "
            f"(4.5:1 needed for text); text uses the darker shade {text} "
            f"({contrast(text, WHITE):.2f}:1)"
        )
    on = WHITE if contrast(WHITE, color) >= contrast(ink, color) else ink
    fill = color
    if contrast(on, color) < AA_TEXT:
        # Mid-tones (a bright red, say) carry neither white nor black text at 4.5:1.
        fill, on = text, WHITE
        notices.append(f"{label} {color} cannot carry white or dark text at 4.5:1; labels set on it use {text} instead")
    return Palette(color, text, fill, on, tuple(notices))
