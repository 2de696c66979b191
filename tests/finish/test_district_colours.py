"""The colours a district edition actually paints, read from the PDF's content streams.

A light district colour (example-lakeshore's gold, #f6c445, 1.63:1 on white) must not carry
text: the edition sets its text in the darker shade the build derived (4.5:1), and uses the
colour as given only for rings, bands and circles. Checking the stylesheet or the HTML would not
catch a stylesheet that sets text in the wrong custom property; the PDF does.
"""

from __future__ import annotations

import io
from collections import Counter

import pikepdf
import pytest
from _editions import edition, project_inputs  # noqa: E402
from pypdf import PdfReader

from portrait.inputs.colors import palette  # noqa: E402
from portrait.inputs.district import load_edition  # noqa: E402

SLUG = "example-lakeshore"
TEXT_SHOWING = {"Tj", "TJ", "'", '"'}


def rgb255(operands) -> tuple[int, ...]:
    return tuple(round(float(v) * 255) for v in operands)


def hex_rgb(color: str) -> tuple[int, ...]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def paints(page: pikepdf.Page) -> tuple[Counter, Counter]:
    """(fill colours of text shown, fill colours of everything else filled) on ``page``,
    following q/Q and form XObjects; colours as 0–255 RGB."""
    text: Counter = Counter()
    other: Counter = Counter()

    def walk(instructions, resources, fill: tuple[int, ...] | None, depth: int) -> None:
        stack: list = []
        xobjects = resources.get("/XObject", {}) if resources is not None else {}
        for operands, operator in ((i.operands, str(i.operator)) for i in instructions):
            if operator == "q":
                stack.append(fill)
            elif operator == "Q" and stack:
                fill = stack.pop()
            elif operator in ("rg", "sc", "scn") and len(operands) == 3:
                fill = rgb255(operands)
            elif operator == "g" and len(operands) == 1:
                fill = rgb255(operands * 3)
            elif operator in TEXT_SHOWING and fill is not None:
                text[fill] += 1
            elif operator in ("f", "F", "f*", "B", "B*", "b", "b*") and fill is not None:
                other[fill] += 1
            elif operator == "Do" and depth < 8:
                xobject = xobjects.get(str(operands[0]))
                if xobject is not None and xobject.get("/Subtype") == "/Form":
                    walk(pikepdf.parse_content_stream(xobject), xobject.get("/Resources"), fill, depth + 1)

    walk(pikepdf.parse_content_stream(page), page.obj.get("/Resources"), None, 0)
    return text, other


@pytest.fixture(scope="module")
def lakeshore():
    project, _ = project_inputs()
    district = load_edition(project, SLUG)
    pdf = edition("screen").renderer.edition(district).pdf
    return district, pikepdf.open(io.BytesIO(pdf)), PdfReader(io.BytesIO(pdf))


def test_lakeshore_needs_a_darker_shade():
    shades = palette("#f6c445")
    assert shades.text != shades.given == "#f6c445"


@pytest.mark.parametrize(("page", "what"), [(0, "cover"), (1, "foreword"), (-1, "back cover")])
def test_text_in_the_district_colour_uses_the_darker_shade(lakeshore, page: int, what: str):
    district, pdf, reader = lakeshore
    assert district.foreword is not None and district.foreword.title in reader.pages[1].extract_text()
    assert district.contact is not None and "example.org/lakeshore" in reader.pages[-1].extract_text()
    shades = palette("#f6c445")
    given, darker = hex_rgb(shades.given), hex_rgb(shades.text)
    text, other = paints(pdf.pages[page])
    assert text[darker] > 0, f"the {what} sets no text in the darker shade {shades.text}: {text}"
    assert text[given] == 0, f"the {what} sets text in the light colour as given, {shades.given}"
    if what == "cover":
        # the ring, band and disc use the colour as given
        assert other[given] > 0, f"the cover paints nothing in {shades.given}: {other}"
