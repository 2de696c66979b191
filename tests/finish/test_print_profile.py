"""The print edition embeds the shipped output profile byte for byte, under the registered name
FOGRA39. (A press's own profile swapped in: tests/finish/test_press_profile.py.)"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
from _editions import ROOT, edition

from portrait.finish.variants import OUTPUT_CONDITION

PROFILE = Path("assets/color/portrait-cmyk-fogra39.icc")
SHIPPED = b"Portrait CMYK (FOGRA39L, ArgyllCMS, TAC 300%)"  # its description


def _embedded_profile(pdf: bytes) -> tuple[bytes, str]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        (intent,) = doc.Root.OutputIntents
        return intent.DestOutputProfile.read_bytes(), str(intent.OutputConditionIdentifier)


def test_the_shipped_profile_is_self_built_and_named_fogra39() -> None:
    data, identifier = _embedded_profile(edition("print").pdf)
    assert data == (ROOT / PROFILE).read_bytes()
    assert SHIPPED in data  # its description: built here, not a registered FOGRA39 profile
    assert identifier == OUTPUT_CONDITION == "FOGRA39"
