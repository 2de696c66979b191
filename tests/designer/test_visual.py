"""Visual regression: every kind of page looks as it did when tests/golden/ was last approved.

The references are small renders (45 dpi) of the cover, the contents, the first page of each
section, each attribute page, the back cover and the example district's cover. Pages are compared
in a perceptual colour space: a pixel counts as changed when its colour differs by more than
PIXEL_THRESHOLD (CIEDE2000 ΔE), and a page passes when at most GOLDEN_MAX_CHANGED of its pixels
changed. So a moved word and a brand colour moved by a visible amount both fail, and nothing
else does. After an intended change of the look, look at the new renders, then update the
references with:

    python build.py proof --update-golden
"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from _project import REPO
from PIL import Image

from portrait.designer.proof import (
    GOLDEN,
    GOLDEN_DPI,
    GOLDEN_EPOCH,
    GOLDEN_MAX_CHANGED,
    PIXEL_THRESHOLD,
    changed_mask,
    ciede2000,
    delta_e,
    diff_image,
    diff_pages,
    golden_renders,
    key_pages,
    png,
    render_pages,
)
from portrait.project import Project

UPDATE = "python build.py proof --update-golden"


@pytest.fixture(scope="session")
def renders(full_pdf: bytes) -> dict[str, Image.Image]:
    return golden_renders(Project.at(REPO), full_pdf)


def changed_fraction(golden: Image.Image, actual: Image.Image) -> float:
    mask = changed_mask(golden, actual)
    return mask.histogram()[255] / (mask.width * mask.height)


def assert_like_golden(name: str, actual: Image.Image, artefacts: Path) -> None:
    golden_path = REPO / GOLDEN / f"{name}.png"
    assert golden_path.is_file(), f"no reference {GOLDEN / name}.png: run `{UPDATE}`"
    with Image.open(golden_path) as golden:
        golden = golden.convert("RGB")
    assert actual.size == golden.size, f"{name}: page size changed; if intended, run `{UPDATE}`"
    fraction = changed_fraction(golden, actual)
    if fraction > GOLDEN_MAX_CHANGED:
        artefacts.mkdir(parents=True, exist_ok=True)
        (artefacts / f"{name}-actual.png").write_bytes(png(actual))
        (artefacts / f"{name}-diff.png").write_bytes(png(diff_image(actual, diff_pages(golden, actual))))
        pytest.fail(
            f"{name}: {fraction:.2%} of the page changed by more than ΔE {PIXEL_THRESHOLD:g} "
            f"(tolerance {GOLDEN_MAX_CHANGED:.2%}); see {artefacts}; if the change is intended, run `{UPDATE}`"
        )


def key_page_names() -> list[str]:
    return sorted(p.stem for p in (REPO / GOLDEN).glob("*.png") if p.stem != "district-cover")


@pytest.mark.parametrize("name", key_page_names())
def test_key_page_matches_golden(name: str, renders: dict[str, Image.Image], tmp_path: Path):
    assert_like_golden(name, renders[name], tmp_path)


def test_every_kind_of_page_has_a_reference(renders: dict[str, Image.Image], full_pdf: bytes):
    """One reference per key page and no other: every section's first page, every attribute page
    (by its id, so adding an attribute asks for a reference), the covers and the contents."""
    from portrait.inputs.content import load_content

    content = load_content(Project.at(REPO))
    expected = {"cover", "contents", "back-cover"}
    expected |= {f"section-{s.id}" for s in content.sections}
    expected |= {f"attribute-{a.id}" for a in content.attributes}
    assert set(renders) == expected
    assert key_page_names() == sorted(expected)
    assert (REPO / GOLDEN / "district-cover.png").is_file()
    # the five attribute pages are five different pages, each with its reference
    pages = key_pages(Project.at(REPO), full_pdf)
    attribute_pages = [pages[f"attribute-{a.id}"] for a in content.attributes]
    assert len(set(attribute_pages)) == len(content.attributes) == 5


def test_watcher_pdf_key_pages_match_golden_too(watched, tmp_path: Path):
    pdf = watched.pdf.read_bytes()
    for name, image in golden_renders(watched.project, pdf).items():
        assert_like_golden(name, image, tmp_path)


def test_district_cover_matches_golden(tmp_path: Path):
    from _editions import district_edition

    cover = render_pages(district_edition("screen"), GOLDEN_DPI)[0]
    assert_like_golden("district-cover", cover, tmp_path)


def test_the_references_are_dated_like_the_tests():
    from _editions import EPOCH

    assert GOLDEN_EPOCH == EPOCH


def test_renders_are_deterministic(full_pdf: bytes):
    first, second = render_pages(full_pdf, 30), render_pages(full_pdf, 30)
    assert [png(p) for p in first] == [png(p) for p in second]


# The comparison itself ----------------------------------------------------------------------


def test_ciede2000_matches_the_published_test_data():
    """Pairs from Sharma, Wu and Dalal (2005), Table 1: the formula's reference data."""
    pairs = [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
        ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
        ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
    ]
    lab1 = np.array([p[0] for p in pairs])
    lab2 = np.array([p[1] for p in pairs])
    assert np.round(ciede2000(lab1, lab2), 4).tolist() == [p[2] for p in pairs]


def test_the_comparison_catches_a_small_real_change(renders: dict[str, Image.Image], tmp_path: Path):
    """The tolerance is tight enough to see a changed word or colour block."""
    changed = renders["contents"].copy()
    changed.paste((200, 30, 120), (40, 120, 120, 140))  # about a word's worth of pixels
    with pytest.raises(pytest.fail.Exception, match="of the page changed"):
        assert_like_golden("contents", changed, tmp_path)


def _recolour(image: Image.Image, old: tuple[int, int, int], new: tuple[int, int, int], within: float) -> Image.Image:
    """``image`` with every pixel within ``within`` ΔE of ``old`` moved by (new - old)."""
    pixels = np.asarray(image, dtype=np.int16)
    near = delta_e(pixels.reshape(-1, 3), np.array([old] * pixels[..., 0].size)).reshape(pixels.shape[:2]) < within
    shifted = pixels.copy()
    shifted[near] = np.clip(pixels[near] + (np.array(new) - np.array(old)), 0, 255)
    return Image.fromarray(shifted.astype(np.uint8))


@pytest.mark.parametrize(
    ("old", "shift"),
    [((0xE8, 0x17, 0x7D), (-32, 0, 0)), ((0x3F, 0xA9, 0xF5), (0, -32, 0)), ((0x3F, 0xA9, 0xF5), (0, 0, -32))],
    ids=["pink red -32", "sky green -32", "sky blue -32"],
)
def test_a_brand_colour_moved_by_32_is_seen(renders: dict[str, Image.Image], tmp_path: Path, old, shift):
    """The old test (a channel must move by more than 40 of 255) saw 0 % of these pages change."""
    new = tuple(c + d for c, d in zip(old, shift, strict=True))
    moved = _recolour(renders["cover"], old, new, within=12)
    assert np.max(np.abs(np.asarray(moved, np.int16) - np.asarray(renders["cover"], np.int16))) <= 32
    with pytest.raises(pytest.fail.Exception, match="of the page changed by more than ΔE"):
        assert_like_golden("cover", moved, tmp_path)


def test_differences_nobody_can_see_pass(renders: dict[str, Image.Image], tmp_path: Path):
    """One step of 255 in every channel of every pixel (ΔE00 below 1) is not a change."""
    pixels = np.asarray(renders["cover"], dtype=np.int16)
    nudged = Image.fromarray(np.clip(pixels + np.array([1, -1, 1]), 0, 255).astype(np.uint8))
    assert changed_fraction(renders["cover"], nudged) == 0.0
    assert_like_golden("cover", nudged, tmp_path)


@pytest.mark.slow
def test_a_brand_colour_shift_in_brand_yaml_fails_the_visual_test(tmp_path: Path, fixed_epoch: str, full_pdf: bytes):
    """The real thing: assets/brand.yaml's pink moved by about 11 ΔE00 in a copy of the project,
    the Portrait rendered from it, and the cover compared with its reference (an identical render
    passes: that is test_key_page_matches_golden)."""
    from conftest import copy_project

    from portrait.inputs.load import load_inputs
    from portrait.render.renderer import Renderer

    project = copy_project(tmp_path / "project")
    brand = project.assets / "brand.yaml"
    text = brand.read_text()
    pink = yaml.safe_load(text)["colors"]["pink"]["hex"]  # { hex, cmyk }: the screen colour
    shifted = "#c0178d"  # less red, a little more blue: ΔE00 11
    size = float(delta_e(np.array([_rgb(pink)]), np.array([_rgb(shifted)]))[0])
    assert 10 <= size <= 15, size
    brand.write_text(re.sub(rf'pink: {{ hex: "{pink}"', f'pink: {{ hex: "{shifted}"', text, count=1))
    pdf = Renderer(project, load_inputs(project)).portrait().pdf
    cover = golden_renders(project, pdf)["cover"]
    with pytest.raises(pytest.fail.Exception, match="cover: .* of the page changed by more than ΔE"):
        assert_like_golden("cover", cover, tmp_path / "artefacts")
    assert (tmp_path / "artefacts" / "cover-diff.png").is_file()
    with Image.open(REPO / GOLDEN / "cover.png") as golden:
        assert changed_fraction(golden.convert("RGB"), cover) > 0.05  # the pink end of the gradient
    shutil.rmtree(project.root)


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_update_golden_rewrites_every_reference(tmp_path: Path, monkeypatch):
    """`proof --update-golden` is the one way to accept a change: it renders the references
    afresh (dated like the tests), writes one per key page and removes stale ones."""
    from portrait.designer import proof

    project = Project.at(tmp_path)
    (tmp_path / GOLDEN).mkdir(parents=True)
    (tmp_path / GOLDEN / "attribute.png").write_bytes(b"stale")
    images = {"cover": Image.new("RGB", (4, 4), "white"), "section-why": Image.new("RGB", (4, 4), "pink")}
    monkeypatch.setattr(proof, "golden_pdf", lambda p: (b"%PDF", Image.new("RGB", (4, 4), "navy")))
    monkeypatch.setattr(proof, "golden_renders", lambda p, pdf: dict(images))
    out = io.StringIO()
    assert proof.run_proof(project, against=None, dpi=72, pdf=None, update_golden=True, out=out) == 0
    assert sorted(p.name for p in (tmp_path / GOLDEN).iterdir()) == [
        "cover.png",
        "district-cover.png",
        "section-why.png",
    ]
    assert "golden: tests/golden/cover.png" in out.getvalue()
