"""A raster logo is processed once and read back in later runs (portrait.publish.logos).

The stored copy is the same logo, byte for byte; a changed logo or a broken entry is processed
again; the checks on the file itself (size, kind) run every time.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from portrait.inputs import logo as logo_module
from portrait.inputs.district import load_edition
from portrait.inputs.logo import LogoError, process_logo
from portrait.project import Project
from portrait.publish.logos import LogoCache

LAKESHORE = "example-lakeshore"  # the example district with a PNG logo


def png(colour: str, size: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def no_processing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the raster logo was processed again")

    monkeypatch.setattr(logo_module, "scale_raster", refuse)


def test_a_stored_logo_is_read_back_without_processing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    source = tmp_path / "logo.png"
    source.write_bytes(png("#1b4f9c"))
    store = LogoCache(tmp_path / "cache")
    first = process_logo(source, store)
    assert len(list(store.folder.glob("*.json"))) == 1
    monkeypatch.setattr(logo_module, "scale_raster", lambda *a: pytest.fail("processed again"))
    assert process_logo(source, store) == first  # data, kind, size and notices


def test_a_changed_logo_is_processed_again(tmp_path: Path):
    source = tmp_path / "logo.png"
    store = LogoCache(tmp_path / "cache")
    source.write_bytes(png("#1b4f9c"))
    blue = process_logo(source, store)
    source.write_bytes(png("#f2a900"))
    orange = process_logo(source, store)
    assert orange != blue
    assert Image.open(io.BytesIO(orange.data)).getpixel((10, 10)) == (0xF2, 0xA9, 0x00)
    assert len(list(store.folder.glob("*.json"))) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: "not json",
        lambda entry: json.dumps({**entry, "data": "%%%"}),
        lambda entry: json.dumps({**entry, "kind": "svg"}),  # the bytes are a PNG, not an SVG
        lambda entry: json.dumps({k: v for k, v in entry.items() if k != "width"}),
    ],
    ids=["not-json", "bad-base64", "wrong-kind", "missing-key"],
)
def test_a_broken_entry_is_processed_again_and_replaced(tmp_path: Path, damage):
    source = tmp_path / "logo.png"
    source.write_bytes(png("#1b4f9c"))
    store = LogoCache(tmp_path / "cache")
    made = process_logo(source, store)
    (entry_file,) = store.folder.glob("*.json")
    entry = json.loads(entry_file.read_text())
    entry_file.write_text(damage(entry))
    assert process_logo(source, store) == made
    assert json.loads(entry_file.read_text()) == entry


def test_the_file_is_checked_even_when_a_processed_copy_is_stored(tmp_path: Path):
    source = tmp_path / "logo.jpg"
    source.write_bytes(png("#1b4f9c"))  # PNG bytes under a JPEG name
    store = LogoCache(tmp_path / "cache")
    store.put(logo_module.processing_key(source.read_bytes(), "png"), process_logo(_renamed(source, "logo.png")))
    with pytest.raises(LogoError, match="named as JPEG but its content is PNG"):
        process_logo(source, store)


def _renamed(source: Path, name: str) -> Path:
    copy = source.with_name(name)
    copy.write_bytes(source.read_bytes())
    return copy


def test_an_edition_is_the_same_with_a_stored_logo(tmp_path: Path, no_processing):
    from conftest import copy_project

    project: Project = copy_project(tmp_path / "project")
    store = LogoCache.of(project)
    # Processed once (the fixture refuses processing: undo it for this one call).
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(logo_module, "scale_raster", _original_scale_raster)
        fresh = load_edition(project, LAKESHORE, store)
    assert load_edition(project, LAKESHORE, store) == fresh
    assert [p.parent for p in store.folder.glob("*.json")] == [project.output / ".cache" / "logos"]


_original_scale_raster = logo_module.scale_raster


def test_an_unwritable_store_only_costs_time(tmp_path: Path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder would go")
    source = tmp_path / "logo.png"
    source.write_bytes(png("#1b4f9c"))
    store = LogoCache(blocker)
    assert process_logo(source, store) == process_logo(source)
