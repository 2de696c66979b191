"""The press: the print edition's CMYK output profile and the colours as it prints them.

Round trips go through LittleCMS (Pillow's ImageCms, relative colorimetric), as any RIP or
viewer that honours the output intent would, and are measured with our CIEDE2000.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from _project import REPO as ROOT
from PIL import Image, ImageCms

from portrait.designer.proof import delta_e
from portrait.inputs.brand import load_brand, print_builds, print_css
from portrait.inputs.district import gamut_notice
from portrait.inputs.press import PROFILE, SMALL_TEXT_INKS, Press, css_cmyk, inks
from portrait.project import Project

# assets/color/make-profile.sh makes this file (colprof of ArgyllCMS 2.3.1 from FOGRA39L.ti3);
# a rebuilt or replaced profile changes the print edition's colours: update this on purpose.
PROFILE_SHA256 = "56bae3e5cb064b9602d07bbcd260e01e63ba816fe34447324a90b66c6a6b1bbc"


@pytest.fixture(scope="module")
def press() -> Press:
    return Press.of(ROOT)


def round_trip(color: str) -> tuple[int, int, int]:
    """sRGB → the profile's CMYK → sRGB, in 8 bits, as LittleCMS does it."""
    cmyk = ImageCms.ImageCmsProfile(str(ROOT / PROFILE))
    srgb = ImageCms.createProfile("sRGB")
    intent = ImageCms.Intent.RELATIVE_COLORIMETRIC
    there = ImageCms.buildTransform(srgb, cmyk, "RGB", "CMYK", intent)
    back = ImageCms.buildTransform(cmyk, srgb, "CMYK", "RGB", intent)
    pixel = Image.new("RGB", (1, 1), color)
    return ImageCms.applyTransform(ImageCms.applyTransform(pixel, there), back).getpixel((0, 0))


def de00(a: str | tuple[int, int, int], b: tuple[int, int, int]) -> float:
    rgb = Image.new("RGB", (1, 1), a).getpixel((0, 0)) if isinstance(a, str) else a
    return float(delta_e(np.array(rgb), np.array(b)))


def test_the_profile_is_the_one_the_script_makes() -> None:
    data = (ROOT / PROFILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == PROFILE_SHA256
    assert "colprof" in (ROOT / "assets" / "color" / "make-profile.sh").read_text()


@pytest.mark.parametrize(
    "color",
    [
        "#e8177d",  # pink
        "#1f2a5a",  # navy
        "#0b63a8",  # blue-text
        "#3e78c8",  # a mid blue
        "#eb348c",  # the pink of the issue
        "#b0105e",  # magenta-text
        "#f06ba8",  # rose
        "#fbd3e6",  # blush
        "#bfe3fb",  # mist
        "#2b2f3a",  # ink
        "#808080",
        "#ffffff",
    ],
)
def test_in_gamut_colours_round_trip_within_de00_2(color: str) -> None:
    assert de00(color, round_trip(color)) <= 2.0


def test_saturated_colours_print_without_black(press: Press) -> None:
    """The old profile's ramp black generation put K20 into the cover's pink (and greyed it)."""
    for color in ("#e8177d", "#f06ba8", "#3e78c8", "#3fa9f5"):
        assert press.to_cmyk([color])[0][3] == 0, color


def test_the_ink_limit_is_300_percent(press: Press) -> None:
    assert press.ink_limit == 300
    darkest = press.to_cmyk(["#000000", "#1f2a5a", "#2b2f3a"])
    assert all(sum(build) <= 301 for build in darkest)


def test_out_of_gamut_colours_are_reported_with_the_nearest_printable(press: Press) -> None:
    sky = press.gamut("#3fa9f5")  # the brand's sky blue: brighter than cyan ink on paper
    assert not sky.in_gamut and 3 < sky.delta_e < 4
    (notice,) = gamut_notice(press, "colors.primary", "#00ff00")
    assert notice.startswith("colors.primary #00ff00 is outside the press's gamut")
    assert "it prints as #" in notice and "ΔE00" in notice
    assert gamut_notice(press, "colors.primary", "#1f2a5a") == []


def test_small_text_builds_have_one_or_two_inks(press: Press) -> None:
    black, difference = press.text_build("#1b1f2a")
    assert inks(black) <= SMALL_TEXT_INKS
    magenta, difference = press.text_build("#b0105e")
    assert inks(magenta) == 2 and difference < 2  # C0 M100 Y0 K33
    white, _ = press.text_build("#ffffff")
    assert white == (0, 0, 0, 0)


def test_brand_colours_print_as_their_builds(press: Press) -> None:
    project = Project.at(ROOT)
    brand = load_brand(project)
    builds = print_builds(brand, press)
    assert set(builds) == set(brand.hexes)
    assert builds["pink"] == (0, 97, 8, 0)  # brand.yaml's own build, not a conversion
    css = print_css(brand, press)
    assert f"--color-pink: {css_cmyk((0, 97, 8, 0))};" in css
    assert "--color-navy: device-cmyk(1 0.99 0 0);" in css  # navy's two-ink build for text
    assert "--fill-navy: device-cmyk(1 0.86 0 0.54);" in css
    # every build the brand gives prints close to its screen colour, except the two colours the
    # press cannot print (violet, sky) and the two-ink text builds
    for name, build in brand.builds.items():
        (printed,) = press.to_rgb([build])
        limit = {"violet": 7.0, "sky": 3.5, "ink": 5.5}.get(name, 1.5)
        assert de00(brand.hexes[name], Image.new("RGB", (1, 1), printed).getpixel((0, 0))) <= limit, name


def test_printable_colours_print_at_least_as_close_as_the_profiles_clipping(press: Press) -> None:
    from portrait.designer.proof import ciede2000, lab

    colours = np.array([[0xE8, 0x17, 0x7D], [0x3F, 0xA9, 0xF5], [0x8A, 0x5C, 0xC7], [0x2C, 0x5D, 0x99]], float)
    painted = press.printable(colours)
    chosen = ciede2000(press.printed_lab(painted), lab(colours))
    clipped = ciede2000(press.printed_lab(colours), lab(colours))
    assert np.all(chosen <= clipped + 1e-9)
    assert chosen[0] < 0.5 and chosen[3] < 0.5  # in the gamut: as good as exact
    assert chosen[1] < 3.3 < clipped[1]  # the sky blue: 3.2, not the clipping's 3.4


def test_the_print_edition_paints_gradients_and_scrims_for_the_press(press: Press) -> None:
    brand = load_brand(Project.at(ROOT))
    css = print_css(brand, press)
    for name in ("gradient-cover", "gradient-band", "scrim-cover", "scrim-back", "scrim-panel"):
        assert f"--{name}: linear-gradient(" in css, name
    cover = css.split("--scrim-cover: ")[1].split(";")[0]
    assert cover.startswith("linear-gradient(180deg, ") and cover.count("rgba(") >= 13  # every 4 %
    panel = css.split("--scrim-panel: ")[1].split(";")[0]
    assert "rgba(" not in panel  # one opacity: composited with the gradient into opaque stops


def test_a_district_colour_the_press_cannot_print_is_a_notice(tmp_project: Project) -> None:
    from portrait.inputs.district import load_edition

    path = tmp_project.content / "districts" / "example-cedar-ridge" / "district.yaml"
    path.write_text(path.read_text().replace('primary: "#0f6b4f"', 'primary: "#ff6600"'))
    edition = load_edition(tmp_project, "example-cedar-ridge")
    assert (
        "colors.primary #ff6600 is outside the press's gamut (Portrait CMYK (FOGRA39L, ArgyllCMS, TAC 300%)):"
        " it prints as #ed6a20 (C0 M70 Y100 K0), ΔE00 3.23 (more than 2 is visible side by side)"
    ) in edition.notices
    assert edition.print_colors[0] == ("colors.primary", "#ff6600", "#ed6a20", "C0 M70 Y100 K0", 3.23)
    assert "--color-district: device-cmyk(0 0.7 1 0);" in edition.print_css
    # the text shade is a one- or two-ink build
    text = edition.print_css.split("--color-district-text: device-cmyk(")[1].split(")")[0].split()
    assert sum(float(v) > 0 for v in text) <= SMALL_TEXT_INKS


def test_the_shipped_districts_print_their_colours(project: Project) -> None:
    from portrait.inputs.district import district_slugs, load_edition

    for slug in district_slugs(project):
        edition = load_edition(project, slug)
        assert not [n for n in edition.notices if "gamut" in n], slug
        assert all(de <= 1.5 for *_, de in edition.print_colors), edition.print_colors
