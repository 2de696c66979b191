"""The inks each piece of small text prints in.

Type under 12 pt in three or four process inks blurs as soon as the plates are slightly out of
register, so print shops ask for it in one ink (black text in K alone) or a two-ink build. This
reads the page content of a print file operator by operator (pikepdf's parser: the print rules
run on print files only) and, for every text-showing operator, works out the type's size as
printed (font size × text matrix × CTM, through form XObjects) and the inks of its fill colour:
DeviceCMYK and CMYK ICC colours by their non-zero components, grey by K, and RGB by what the
press's profile makes of it (``press``; without one, any colour but white counts as four inks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pikepdf

from portrait.content_stream import IDENTITY, Matrix, matrix, multiply
from portrait.inputs.press import SMALL_TEXT_PT, Cmyk, Press

MAX_DEPTH = 8
_TEXT_SHOWS = frozenset({"Tj", "TJ", "'", '"'})


@dataclass(frozen=True)
class SmallText:
    page: int  # 0-based
    size: float  # points, as printed
    inks: int
    colour: str  # as the file gives it: "DeviceCMYK 0.99 0.84 0.02 0.52"


@dataclass
class _State:
    ctm: Matrix = IDENTITY
    space: str = "DeviceGray"  # DeviceGray, DeviceRGB, DeviceCMYK, or "other" (patterns, Lab...)
    colour: tuple[float, ...] = (0.0,)


class _Reader:
    def __init__(self, press: Press | None) -> None:
        self.press = press
        self.found: list[SmallText] = []
        self._rgb_inks: dict[tuple[float, ...], int] = {}

    def read(self, page: int, stream: Any, resources: Any, state: _State, depth: int) -> None:
        stack: list[_State] = []
        state = _State(state.ctm, state.space, state.colour)
        text_matrix = IDENTITY
        size = 0.0
        for instruction in pikepdf.parse_content_stream(stream):
            operands, op = instruction.operands, str(instruction.operator)
            if op == "q":
                stack.append(_State(state.ctm, state.space, state.colour))
            elif op == "Q":
                if stack:
                    state = stack.pop()
            elif op == "cm":
                state.ctm = multiply(matrix(operands), state.ctm)
            elif op in ("g", "rg", "k"):
                state.space = {"g": "DeviceGray", "rg": "DeviceRGB", "k": "DeviceCMYK"}[op]
                state.colour = tuple(float(v) for v in operands)
            elif op == "cs":
                state.space = _space(resources, operands[0])
                state.colour = {"DeviceGray": (0.0,), "DeviceRGB": (0.0,) * 3, "DeviceCMYK": (0.0, 0.0, 0.0, 1.0)}.get(
                    state.space, ()
                )
            elif op in ("sc", "scn"):
                if state.space != "other":
                    state.colour = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name))
            elif op == "BT":
                text_matrix = IDENTITY
            elif op == "Tm":
                text_matrix = matrix(operands)
            elif op == "Tf":
                size = float(operands[1])
            elif op in _TEXT_SHOWS:
                m = multiply(text_matrix, state.ctm)
                printed = abs(size) * math.hypot(m[2], m[3])
                if 0 < printed < SMALL_TEXT_PT - 0.01:
                    inks = self.inks(state)
                    if inks > 2:
                        colour = f"{state.space} " + " ".join(f"{v:g}" for v in state.colour)
                        self.found.append(SmallText(page, round(printed, 2), inks, colour))
            elif op == "Do" and depth < MAX_DEPTH:
                xobject = _named(resources, "/XObject", operands[0])
                if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
                    ctm = multiply(matrix(xobject.get("/Matrix", IDENTITY)), state.ctm)
                    inner = _State(ctm, state.space, state.colour)
                    self.read(page, xobject, xobject.get("/Resources", resources), inner, depth + 1)

    def inks(self, state: _State) -> int:
        values = state.colour
        if state.space == "DeviceCMYK" and len(values) == 4:
            return sum(1 for v in values if v > 0.005)
        if state.space == "DeviceGray" and len(values) == 1:
            return 0 if values[0] >= 0.999 else 1
        if state.space == "DeviceRGB" and len(values) == 3:
            if min(values) >= 0.999:
                return 0
            if self.press is None:
                return 4
            if values not in self._rgb_inks:
                color = "#" + "".join(f"{round(v * 255):02x}" for v in values)
                build: Cmyk = self.press.to_cmyk([color])[0]
                self._rgb_inks[values] = sum(1 for v in build if v > 0.5)
            return self._rgb_inks[values]
        return 0  # patterns, Lab, separations: not judged here


def _named(resources: Any, category: str, name: Any) -> Any:
    if not isinstance(resources, pikepdf.Dictionary):
        return None
    group = resources.get(category)
    return group.get(str(name)) if isinstance(group, pikepdf.Dictionary) else None


def _space(resources: Any, name: Any) -> str:
    text = str(name)
    if text in ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK"):
        return text[1:]
    space = _named(resources, "/ColorSpace", name)
    if isinstance(space, pikepdf.Array) and len(space) >= 1:
        family = str(space[0])
        if family == "/ICCBased" and len(space) >= 2 and isinstance(space[1], pikepdf.Stream):
            components = int(space[1].get("/N", 0))
            return {1: "DeviceGray", 3: "DeviceRGB", 4: "DeviceCMYK"}.get(components, "other")
        if family in ("/DeviceGray", "/DeviceRGB", "/DeviceCMYK"):
            return family[1:]
    elif isinstance(space, pikepdf.Name):
        return _space(resources, space)
    return "other"


def small_text(pdf: pikepdf.Pdf, press: Press | None) -> list[SmallText]:
    """Every text-showing operator under 12 pt whose colour prints in more than two inks."""
    reader = _Reader(press)
    for index, page in enumerate(pdf.pages):
        reader.read(index, page, page.obj.get("/Resources"), _State(), 0)
    return reader.found
