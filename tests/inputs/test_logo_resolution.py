"""One resolution rule for a district's logo and the preflight (check.resolution): new-district
refuses a logo that the screen preflight would refuse, and the resolution the logo check predicts
from where the cover places it is the one the preflight measures in the built edition."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from portrait.check.facts import read_facts
from portrait.check.resolution import MIN_PRINT_DPI, MIN_SCREEN_DPI
from portrait.cli import main
from portrait.finish.variants import SCREEN
from portrait.inputs.logo import LogoError, placed_dpi, process_logo, resolution_notices


def png(path: Path, size: tuple[int, int]) -> Path:
    Image.new("RGB", size, (27, 79, 156)).save(path)
    return path


def test_a_logo_too_coarse_for_the_screen_edition_is_refused_by_new_district(tmp_project, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    logo = png(tmp_path / "small.png", (60, 60))
    argv = ["--root", str(tmp_project.root), "new-district", "small", "--name", "S", "--logo", str(logo)]
    code = main(argv, out, err)
    assert code == 1, err.getvalue()
    assert f"below the {MIN_SCREEN_DPI:.0f} dpi the screen edition needs" in err.getvalue()
    assert "fix: export the logo at 99 × 99 pixels or more (308 × 308 for print), or as SVG" in err.getvalue()
    assert not (tmp_project.content / "districts" / "small").exists()


def test_a_logo_too_coarse_for_print_gets_a_notice_naming_the_print_edition(tmp_path):
    logo = process_logo(png(tmp_path / "mid.png", (200, 200)))
    assert len(logo.notices) == 1 and "the print edition (--print) needs 300 dpi" in logo.notices[0]
    assert resolution_notices(400, 400) == []
    with pytest.raises(LogoError):
        resolution_notices(90, 90)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(120, 120), (500, 160)])  # the disc; the wide plate
def test_the_predicted_resolution_is_the_one_the_preflight_measures(tmp_project, tmp_path, size):
    import portrait

    folder = tmp_project.content / "districts" / "measured"
    folder.mkdir(parents=True)
    png(folder / "logo.png", size)
    (folder / "district.yaml").write_text('name: "Measured Schools"\nlogo: logo.png\n')
    result = portrait.build_edition(tmp_project, "measured", [SCREEN])
    assert result.ok, result.message
    facts = read_facts(result.paths[0].read_bytes())
    cover = [image for image in facts.images if image.page == 0]
    assert cover, "no raster logo on the cover"
    measured = min(image.dpi for image in cover)
    assert measured == pytest.approx(placed_dpi(*size), abs=1.0)
    assert MIN_SCREEN_DPI <= measured < MIN_PRINT_DPI
