"""The one rule for raster images: enough pixels for where they are placed.

The preflight applies it to every image a PDF draws (``check.facts`` measures where); a district's
logo is judged by the same function before anything is rendered, from the box the cover places it
in (``inputs.logo.LOGO_BOX_IN``), so that ``new-district`` refuses a logo the screen preflight
would refuse, and says which editions a coarse logo cannot make.
"""

from __future__ import annotations

MIN_SCREEN_DPI = 96.0
MIN_PRINT_DPI = 300.0
MIN_DPI = {"screen": MIN_SCREEN_DPI, "print": MIN_PRINT_DPI}


def effective_dpi(pixels: tuple[int, int], placed_in: tuple[float, float]) -> float:
    """The resolution of an image of ``pixels`` drawn ``placed_in`` inches wide and high: the
    lower of the two axes, to 0.1 dpi."""
    return round(min(pixels[0] / placed_in[0], pixels[1] / placed_in[1]), 1)


def too_coarse(dpi: float, profile: str) -> bool:
    """Whether an image drawn at ``dpi`` fails the ``profile`` ("screen" or "print") preflight."""
    return dpi < MIN_DPI[profile]
