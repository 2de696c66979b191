"""The print edition as the press separates it: Ghostscript renders each page into the output
intent's CMYK, honouring the CMYK transparency groups, DefaultRGB and the output profile.

Two uses: the preflight's total area coverage (the sum of the four inks, per pixel, against the
profile's ink limit) and the soft proof (``python build.py proof --print``), which shows those
separations on screen through the same profile.

pdfium (our page renderer elsewhere) ignores transparency groups' colour spaces and the output
intent, so it cannot show what the press prints; Ghostscript and Poppler do.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image

from portrait.errors import BuildError

GHOSTSCRIPT = "gs"
INSTALL = "install Ghostscript: sudo apt-get install ghostscript (make system does it)"


def ghostscript() -> str | None:
    return shutil.which(GHOSTSCRIPT)


def output_profile(pdf: bytes) -> bytes | None:
    """The ICC profile of the file's PDF/X output intent, as embedded."""
    with pikepdf.open(io.BytesIO(pdf)) as parsed:
        for intent in parsed.Root.get("/OutputIntents", []):
            profile = intent.get("/DestOutputProfile")
            if intent.get("/S") == "/GTS_PDFX" and isinstance(profile, pikepdf.Stream):
                return bytes(profile.read_bytes())
    return None


def separate(pdf: bytes, dpi: float, profile: bytes, *, trim: bool = False, smooth: bool = False) -> list[Image.Image]:
    """Every page of ``pdf`` as a CMYK image in the press's inks (``profile``), by Ghostscript.

    The file's DeviceCMYK is the press's CMYK (PDF/X): the same profile is Ghostscript's default
    CMYK and its output profile, so a build like C0 M100 Y0 K0 comes out unchanged. ``trim``:
    only the TrimBox (the page as cut, without the crop marks); otherwise the MediaBox.
    ``smooth``: anti-aliased edges (for a proof to look at; coverage is measured without)."""
    return _render(pdf, dpi, "tiff32nc", profile, trim=trim, smooth=smooth, mode="CMYK")


def render_rgb(pdf: bytes, dpi: float, *, smooth: bool = True) -> list[Image.Image]:
    """Every page of ``pdf`` as sRGB, by Ghostscript: the screen edition drawn by the same
    rasteriser as the soft proof, so that their difference is colour, not anti-aliasing."""
    return _render(pdf, dpi, "png16m", None, trim=False, smooth=smooth, mode="RGB")


def _render(
    pdf: bytes, dpi: float, device: str, profile: bytes | None, *, trim: bool, smooth: bool, mode: str
) -> list[Image.Image]:
    gs = ghostscript()
    if gs is None:
        raise BuildError(f"Ghostscript (gs) is needed to render the print edition as the press does: {INSTALL}")
    with tempfile.TemporaryDirectory(prefix="portrait-separate-") as tmp:
        folder = Path(tmp)
        (folder / "in.pdf").write_bytes(pdf)
        command = [
            gs,
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-dNOINTERPOLATE",
            f"-sDEVICE={device}",
            f"-r{dpi:g}",
            "-dRenderIntent=1",  # relative colorimetric, the PDF default
            "-sOutputFile=page-%04d.img",
        ]
        if profile is not None:
            (folder / "press.icc").write_bytes(profile)
            command += ["-sOutputICCProfile=press.icc", "-sDefaultCMYKProfile=press.icc"]
        if trim:
            command.append("-dUseTrimBox")
        if smooth:
            command += ["-dTextAlphaBits=4", "-dGraphicsAlphaBits=4"]
        result = subprocess.run([*command, "in.pdf"], cwd=folder, capture_output=True, text=True, timeout=300)
        pages = sorted(folder.glob("page-*.img"))
        if result.returncode != 0 or not pages:
            reason = (result.stderr or result.stdout)[-500:]
            raise BuildError(f"Ghostscript could not render the print edition: {reason}")
        images = []
        for path in pages:
            with Image.open(path) as image:
                image.load()
                images.append(image.convert(mode))
        return images


def coverage(image: Image.Image) -> float:
    """The highest total area coverage on a CMYK page image, in percent (C + M + Y + K)."""
    inks = np.asarray(image, dtype=np.uint16)
    return float(inks.sum(axis=2).max()) * 100 / 255
