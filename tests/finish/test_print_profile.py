"""The print edition's output profile can be swapped by replacing its file (docs/conformance.md):
the PDF embeds the new profile byte for byte. The output intent keeps naming FOGRA39, whatever
the profile: that name is a constant of the print variant, not read from the profile."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
import pytest
from _editions import ROOT, edition

from portrait.finish.variants import OUTPUT_CONDITION, PRINT
from portrait.inputs.load import load_inputs
from portrait.project import Project
from portrait.render.renderer import Renderer

PROFILE = Path("assets/color/portrait-cmyk-fogra39.icc")
SHIPPED = b"Portrait CMYK (FOGRA39L, ArgyllCMS)"
SWAPPED = b"Swapped CMYK profile for a test run"  # as long as SHIPPED: the tag's length stays


def _embedded_profile(pdf: bytes) -> tuple[bytes, str]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        (intent,) = doc.Root.OutputIntents
        return intent.DestOutputProfile.read_bytes(), str(intent.OutputConditionIdentifier)


def test_the_shipped_profile_is_self_built_and_named_fogra39() -> None:
    data, identifier = _embedded_profile(edition("print").pdf)
    assert data == (ROOT / PROFILE).read_bytes()
    assert SHIPPED in data  # its description: built here, not a registered FOGRA39 profile
    assert identifier == OUTPUT_CONDITION == "FOGRA39"


@pytest.mark.slow
def test_a_swapped_profile_is_embedded_as_it_is(tmp_path: Path) -> None:
    for name in ("content", "templates", "assets"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shipped = (ROOT / PROFILE).read_bytes()
    assert len(SWAPPED) == len(SHIPPED) and SHIPPED in shipped
    swapped = shipped.replace(SHIPPED, SWAPPED).replace(
        SHIPPED.decode().encode("utf-16-be"), SWAPPED.decode().encode("utf-16-be")
    )
    assert swapped != shipped
    (tmp_path / PROFILE).write_bytes(swapped)
    project = Project.at(tmp_path)
    pdf = Renderer(project, load_inputs(project), PRINT).portrait().pdf
    data, identifier = _embedded_profile(pdf)
    assert data == swapped
    assert identifier == "FOGRA39"  # not read from the profile: change OUTPUT_CONDITION as well
