"""Visual regression: the key pages look as they did when tests/golden/ was last approved.

The references are small renders (45 dpi) of the cover, the contents, the first attribute page
and the worksheet. A page passes when at most 0.2 % of its pixels differ by more than the
anti-aliasing threshold. After an intended change of the look, look at the new renders, then
update the references with:

    python build.py proof --update-golden
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from portrait.designer.proof import (
    GOLDEN,
    GOLDEN_MAX_CHANGED,
    changed_mask,
    diff_image,
    diff_pages,
    golden_renders,
    png,
    render_pages,
)
from portrait.project import Project

REPO = Path(__file__).resolve().parents[1]
KEY_PAGES = ("cover", "contents", "attribute", "worksheet")
UPDATE = "python build.py proof --update-golden"


@pytest.fixture(scope="session")
def renders(full_pdf: bytes) -> dict[str, Image.Image]:
    return golden_renders(Project.at(REPO), full_pdf)


def assert_like_golden(name: str, actual: Image.Image, artefacts: Path) -> None:
    golden_path = REPO / GOLDEN / f"{name}.png"
    assert golden_path.is_file(), f"no reference {GOLDEN / name}.png: run `{UPDATE}`"
    with Image.open(golden_path) as golden:
        golden = golden.convert("RGB")
    assert actual.size == golden.size, f"{name}: page size changed; if intended, run `{UPDATE}`"
    mask = changed_mask(golden, actual)
    fraction = mask.histogram()[255] / (mask.width * mask.height)
    if fraction > GOLDEN_MAX_CHANGED:
        artefacts.mkdir(parents=True, exist_ok=True)
        (artefacts / f"{name}-actual.png").write_bytes(png(actual))
        (artefacts / f"{name}-diff.png").write_bytes(png(diff_image(actual, diff_pages(golden, actual))))
        pytest.fail(
            f"{name}: {fraction:.2%} of the page changed (tolerance {GOLDEN_MAX_CHANGED:.2%}); "
            f"see {artefacts}; if the change is intended, run `{UPDATE}`"
        )


@pytest.mark.parametrize("name", KEY_PAGES)
def test_key_page_matches_golden(name: str, renders: dict[str, Image.Image], tmp_path: Path):
    assert_like_golden(name, renders[name], tmp_path)


def test_watcher_pdf_key_pages_match_golden_too(watched, tmp_path: Path):
    pdf = watched.pdf.read_bytes()
    for name, image in golden_renders(watched.project, pdf).items():
        assert_like_golden(name, image, tmp_path)


def test_district_cover_matches_golden(tmp_path: Path):
    from _editions import district_edition

    from portrait.designer.proof import GOLDEN_DPI

    cover = render_pages(district_edition("screen"), GOLDEN_DPI)[0]
    assert_like_golden("district-cover", cover, tmp_path)


def test_every_reference_is_a_key_page(renders: dict[str, Image.Image]):
    assert sorted(p.stem for p in (REPO / GOLDEN).glob("*.png")) == sorted([*renders, "district-cover"])
    assert sorted(renders) == sorted(KEY_PAGES)


def test_renders_are_deterministic(full_pdf: bytes):
    first, second = render_pages(full_pdf, 30), render_pages(full_pdf, 30)
    assert [png(p) for p in first] == [png(p) for p in second]


def test_the_comparison_catches_a_small_real_change(renders: dict[str, Image.Image], tmp_path: Path):
    """The tolerance is tight enough to see a changed word or colour block."""
    changed = renders["contents"].copy()
    changed.paste((200, 30, 120), (40, 120, 120, 140))  # about a word's worth of pixels
    with pytest.raises(pytest.fail.Exception, match="of the page changed"):
        assert_like_golden("contents", changed, tmp_path)
