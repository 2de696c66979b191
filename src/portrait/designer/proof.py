"""Proofs: every page as a PNG, a contact sheet, and what changed since another version.

``python build.py proof`` renders the current PDF's pages (pypdfium2) into ``output/proofs/``.
With ``--against REF`` it also builds (or reads) the other version and writes, for each page that
changed, the new page faded with red boxes around the regions that differ, plus a summary
listing the changed, added and removed pages. REF is a path to a PDF or a git ref; a ref is
exported with ``git archive`` into a temporary folder and built there with that commit's own
code, with the same build date as the current build so that only real changes show.

The same page renders back the visual regression tests (tests/golden/, see ``KEY_PAGES``).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
from PIL import Image, ImageDraw

from portrait.errors import BuildError, InputError, Problem
from portrait.finish.variants import SCREEN
from portrait.project import Project
from portrait.publish.atomic import write_atomic

PROOFS = "proofs"
MIN_DPI, MAX_DPI = 10, 600  # a page PNG from a thumbnail to a press proof
# A pixel "changed" when its colour differs by more than this CIEDE2000 ΔE (ΔE00): about 2.3 is
# the smallest difference people notice side by side, so a brand colour moved by a visible amount
# counts even where no channel moved by much (the pink #e8177d moved by 32 in one channel is
# ΔE00 3.2 to 7.5; the old test, any channel by more than 40 of 255, saw none of it).
PIXEL_THRESHOLD = 3.0
# Changed pixels are grouped into cells of this many pixels before boxing regions, so that one
# changed word gets one box rather than one per glyph.
CELL = 12
CONTACT_COLUMNS = 5
CONTACT_WIDTH = 220  # pixels per thumbnail
GOLDEN = Path("tests") / "golden"
GOLDEN_DPI = 45
# Visual regression tolerance: at most this fraction of a key page's pixels may change.
GOLDEN_MAX_CHANGED = 0.002


def render_pages(pdf: bytes | Path, dpi: int, name: str = "the PDF") -> list[Image.Image]:
    """Every page of ``pdf`` as an RGB image at ``dpi``; a file pdfium cannot open is an
    ``InputError`` naming it (``name``)."""
    from portrait.raster import rasterise

    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    return [image for _, image in rasterise(data, dpi=dpi, name=name)]


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def contact_sheet(pages: Sequence[Image.Image], columns: int = CONTACT_COLUMNS) -> Image.Image:
    """All pages as thumbnails on a grey sheet, numbered, in reading order."""
    if not pages:
        return Image.new("RGB", (CONTACT_WIDTH, CONTACT_WIDTH), "#8a919b")
    thumbs = [_thumbnail(p) for p in pages]
    cell_w = CONTACT_WIDTH + 24
    cell_h = max(t.height for t in thumbs) + 40
    rows = (len(thumbs) + columns - 1) // columns
    sheet = Image.new("RGB", (cell_w * min(columns, len(thumbs)) + 24, cell_h * rows + 16), "#8a919b")
    draw = ImageDraw.Draw(sheet)
    for index, thumb in enumerate(thumbs):
        x = 24 + (index % columns) * cell_w
        y = 16 + (index // columns) * cell_h
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb.width, y + thumb.height), outline="#3b424c")
        draw.text((x, y + thumb.height + 6), f"{index + 1}", fill="#ffffff")
    return sheet


def _thumbnail(page: Image.Image) -> Image.Image:
    height = round(page.height * CONTACT_WIDTH / page.width)
    return page.resize((CONTACT_WIDTH, height), Image.Resampling.LANCZOS)


@dataclass(frozen=True)
class PageDiff:
    changed_fraction: float  # of the page's pixels
    boxes: tuple[tuple[int, int, int, int], ...]  # (left, top, right, bottom) of changed regions

    @property
    def changed(self) -> bool:
        return bool(self.boxes)


def changed_mask(old: Image.Image, new: Image.Image, threshold: float = PIXEL_THRESHOLD) -> Image.Image:
    """A 1-bit image of the pixels whose colours differ by more than ``threshold`` (CIEDE2000 ΔE).

    Pages of different sizes are compared over the larger size (what one lacks counts as changed).
    """
    size = (max(old.width, new.width), max(old.height, new.height))
    a = np.asarray(_on_canvas(old.convert("RGB"), size), dtype=np.uint8)
    b = np.asarray(_on_canvas(new.convert("RGB"), size), dtype=np.uint8)
    changed = np.zeros(a.shape[:2], dtype=bool)
    differ = np.any(a != b, axis=2)  # ΔE only where the pixels differ at all: most stay the same
    if differ.any():
        changed[differ] = delta_e(a[differ], b[differ]) > threshold
    return Image.fromarray(changed.astype(np.uint8) * 255).convert("1")


# sRGB (D65) to CIE XYZ, and the D65 white point.
_RGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_WHITE = np.array([0.95047, 1.0, 1.08883])


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of 8-bit sRGB colours (an array of shape (..., 3))."""
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _RGB_TO_XYZ.T / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e(rgb1: np.ndarray, rgb2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference between 8-bit sRGB colours, element by element (Sharma, Wu and
    Dalal, 2005: the formula and its test data)."""
    return ciede2000(lab(rgb1), lab(rgb2))


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp = L2 - L1
    dCp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    Lp_mean = (L1 + L2) / 2
    cp_mean = (c1p + c2p) / 2
    h_sum = h1p + h2p
    hp_mean = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(hp_mean - 30))
        + 0.24 * np.cos(np.radians(2 * hp_mean))
        + 0.32 * np.cos(np.radians(3 * hp_mean + 6))
        - 0.20 * np.cos(np.radians(4 * hp_mean - 63))
    )
    d_theta = 30 * np.exp(-(((hp_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    s_l = 1 + 0.015 * (Lp_mean - 50) ** 2 / np.sqrt(20 + (Lp_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    delta: np.ndarray = np.sqrt(
        (dLp / s_l) ** 2 + (dCp / s_c) ** 2 + (dHp / s_h) ** 2 + r_t * (dCp / s_c) * (dHp / s_h)
    )
    return delta


def _on_canvas(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    canvas = Image.new("RGB", size, "#ff00ff")
    canvas.paste(image, (0, 0))
    return canvas


def diff_pages(old: Image.Image, new: Image.Image, threshold: float = PIXEL_THRESHOLD) -> PageDiff:
    mask = changed_mask(old, new, threshold)
    total = mask.width * mask.height
    changed = mask.histogram()[255]
    if not changed:
        return PageDiff(0.0, ())
    return PageDiff(changed / total, tuple(_regions(mask)))


def _regions(mask: Image.Image) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of clusters of changed cells (8-connected), in page pixels."""
    cols = (mask.width + CELL - 1) // CELL
    rows = (mask.height + CELL - 1) // CELL
    # A cell is changed when any pixel in it is: max-downsample through a box filter.
    small = mask.convert("L").reduce(CELL) if mask.width >= CELL else mask.convert("L")
    small = small.resize((cols, rows)) if small.size != (cols, rows) else small
    data = small.load()
    assert data is not None
    seen: set[tuple[int, int]] = set()
    boxes = []
    for y in range(rows):
        for x in range(cols):
            if (x, y) in seen or not data[x, y]:
                continue
            stack, cluster = [(x, y)], []
            seen.add((x, y))
            while stack:
                cx, cy = stack.pop()
                cluster.append((cx, cy))
                for dx in (-1, 0, 1):
                    for dy in (-1, 0, 1):
                        nx, ny = cx + dx, cy + dy
                        if 0 <= nx < cols and 0 <= ny < rows and (nx, ny) not in seen and data[nx, ny]:
                            seen.add((nx, ny))
                            stack.append((nx, ny))
            xs = [c[0] for c in cluster]
            ys = [c[1] for c in cluster]
            boxes.append(
                (
                    min(xs) * CELL,
                    min(ys) * CELL,
                    min((max(xs) + 1) * CELL, mask.width),
                    min((max(ys) + 1) * CELL, mask.height),
                )
            )
    return boxes


def diff_image(new: Image.Image, diff: PageDiff) -> Image.Image:
    """The new page faded, with red boxes around the regions that changed."""
    faded = Image.blend(new, Image.new("RGB", new.size, "white"), 0.6)
    draw = ImageDraw.Draw(faded)
    for left, top, right, bottom in diff.boxes:
        region = new.crop((left, top, right, bottom))
        faded.paste(region, (left, top))  # the changed region itself at full strength
        pad = 3
        draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), outline="#e00000", width=3)
    return faded


@dataclass(frozen=True)
class PageChange:
    page: int  # 1-based
    status: str  # "changed", "added" or "removed"
    changed_fraction: float = 1.0
    regions: int = 0


@dataclass
class ProofReport:
    pages: int
    folder: Path
    against: str | None = None
    against_pages: int = 0
    changes: list[PageChange] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"proofs of {self.pages} pages in {self.folder}"]
        if self.against is None:
            return lines[0]
        if not self.changes:
            lines.append(f"no page differs from {self.against} ({self.against_pages} pages)")
            return "\n".join(lines)
        lines.append(
            f"{len(self.changes)} of {max(self.pages, self.against_pages)} pages differ from "
            f"{self.against} ({self.against_pages} pages):"
        )
        for c in self.changes:
            if c.status == "changed":
                detail = f"{c.regions} region(s), {c.changed_fraction:.2%} of the page"
            else:
                detail = "not in the other version" if c.status == "added" else "no longer there"
            lines.append(f"  page {c.page}: {c.status}: {detail}")
        return "\n".join(lines)


def compare(old: Sequence[Image.Image], new: Sequence[Image.Image]) -> tuple[list[PageChange], dict[int, Image.Image]]:
    """Page-by-page changes from ``old`` to ``new``, and a diff image for each changed page."""
    changes, images = [], {}
    for index in range(max(len(old), len(new))):
        number = index + 1
        if index >= len(old):
            changes.append(PageChange(number, "added"))
            images[number] = new[index]
        elif index >= len(new):
            changes.append(PageChange(number, "removed"))
            images[number] = Image.blend(old[index], Image.new("RGB", old[index].size, "white"), 0.6)
        else:
            diff = diff_pages(old[index], new[index])
            if diff.changed:
                changes.append(PageChange(number, "changed", diff.changed_fraction, len(diff.boxes)))
                images[number] = diff_image(new[index], diff)
    return changes, images


def write_proofs(
    pdf: bytes, folder: Path, dpi: int, against: tuple[str, bytes] | None = None, name: str = "the PDF"
) -> ProofReport:
    """PNGs of every page, a contact sheet and, with ``against``, the visual diff."""
    pages = render_pages(pdf, dpi, name)
    _clear_pngs(folder)
    for index, image in enumerate(pages, 1):
        write_atomic(folder / f"page-{index:02d}.png", png(image))
    write_atomic(folder / "contact-sheet.png", png(contact_sheet(pages)))
    report = ProofReport(len(pages), folder)
    diff_folder = folder / "diff"
    _clear_pngs(diff_folder)
    if against is not None:
        other_name, other_pdf = against
        old = render_pages(other_pdf, dpi, other_name)
        report.against, report.against_pages = other_name, len(old)
        report.changes, images = compare(old, pages)
        for number, image in images.items():
            write_atomic(diff_folder / f"page-{number:02d}.png", png(image))
        if images:
            ordered = [images[n] for n in sorted(images)]
            write_atomic(diff_folder / "contact-sheet.png", png(contact_sheet(ordered)))
        write_atomic(diff_folder / "summary.txt", (report.summary() + "\n").encode())
        data = {
            "against": other_name,
            "pages": report.pages,
            "against_pages": report.against_pages,
            "changes": [asdict(c) for c in report.changes],
        }
        write_atomic(diff_folder / "summary.json", json.dumps(data, indent=2).encode() + b"\n")
    return report


def _run_print_proof(project: Project, *, dpi: int, pdf: Path | None, against: str | None, out: TextIO) -> int:
    """``proof --print``: the print edition's soft proof beside the screen edition."""
    from portrait.finish.variants import PRINT
    from portrait.publish.portrait import build_portrait

    if against is not None:
        raise InputError(Problem("--against", "not with --print", fix="compare versions without --print"))
    screen, printed = build_portrait(project, [SCREEN, PRINT])
    for built in (screen, printed):
        print(f"{'up to date' if built.skipped else 'built'}: {project.relative(built.path)}", file=out)
    print_pdf = pdf.read_bytes() if pdf is not None else printed.path.read_bytes()
    folder = project.output / PRINT_PROOFS
    pages = write_soft_proof(print_pdf, screen.path.read_bytes(), folder, dpi)
    compared = [p for p in pages if p.screen_page is not None]
    worst = max(compared, key=lambda p: p.median)
    print(
        f"soft proof of {len(pages)} print pages in {project.relative(folder)}: ΔE00 to the screen edition,"
        f" median {min(p.median for p in compared):.1f}–{worst.median:.1f} per page"
        f" (highest on page {worst.print_page}), 95th percentile up to {max(p.p95 for p in compared):.1f}",
        file=out,
    )
    return 0


def _clear_pngs(folder: Path) -> None:
    """Stale pages of a longer earlier PDF must not pass for current ones."""
    if folder.is_dir():
        for old in folder.glob("*.png"):
            old.unlink()
        for name in ("summary.txt", "summary.json"):
            (folder / name).unlink(missing_ok=True)


def other_version(project: Project, ref: str, build_epoch: str | None) -> tuple[str, bytes]:
    """The PDF to compare with: a file, or the Portrait built from git ref ``ref``."""
    path = Path(ref)
    if path.suffix.lower() == ".pdf" or path.exists():
        from portrait.paths import pdf_file

        try:
            return str(path), pdf_file(path).read_bytes()
        except OSError as exc:
            raise InputError(Problem(ref, f"cannot read the PDF to compare with ({exc.strerror})")) from None
    return f"git {ref}", build_git_ref(project, ref, build_epoch)


def build_git_ref(project: Project, ref: str, build_epoch: str | None) -> bytes:
    """The Portrait as commit ``ref`` builds it, with that commit's own code and inputs."""
    git = ["git", "-C", str(project.root)]
    try:
        commit = _run([*git, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"]).strip()
        prefix = _run([*git, "rev-parse", "--show-prefix"]).strip()
        archive = subprocess.run(
            [*git, "archive", "--format=tar", commit], capture_output=True, check=True, timeout=120
        ).stdout
    except subprocess.CalledProcessError:
        raise InputError(
            Problem(
                "--against",
                f"{ref!r} is neither a PDF file nor a git commit of {project.root}",
                fix="give a path to a PDF, or a branch, tag or commit (e.g. HEAD~1, main)",
            )
        ) from None
    except OSError as exc:
        raise BuildError(f"cannot run git to export {ref!r}: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="portrait-proof-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        root = Path(tmp) / prefix
        out = Path(tmp) / "against.pdf"
        env = dict(os.environ)
        if build_epoch:
            env["SOURCE_DATE_EPOCH"] = build_epoch  # the same date as ours: only real changes show
        result = subprocess.run(
            [sys.executable, str(root / "build.py"), "build", "-o", str(out)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0 or not out.is_file():
            raise BuildError(
                f"building {ref} ({commit[:10]}) for the comparison failed:\n"
                + (result.stderr or result.stdout).strip()
            )
        return out.read_bytes()


def _run(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


# Visual regression tests --------------------------------------------------------------------


def key_pages(project: Project, pdf: bytes) -> dict[str, int]:
    """The pages the visual regression tests watch, by name → 0-based page index: the cover, the
    contents, the first page of each section, each attribute page and the back cover.

    Found through the PDF's named destinations (the HTML ids), so that they follow the content.
    """
    from pypdf import PdfReader

    from portrait.inputs.content import load_content

    content = load_content(project)
    anchors = {"cover": "cover", "contents": "contents"}
    for section in content.sections:
        anchors[f"section-{section.id}"] = section.id
    for attribute in content.attributes:
        anchors[f"attribute-{attribute.id}"] = attribute.id
    anchors["back-cover"] = "back-cover"
    reader = PdfReader(io.BytesIO(pdf))
    destinations = reader.named_destinations
    pages: dict[str, int] = {}
    for name, anchor in anchors.items():
        page = reader.get_destination_page_number(destinations[anchor]) if anchor in destinations else None
        if page is None:
            raise BuildError(f"key page {name!r}: no #{anchor} in the PDF")
        pages[name] = page
    return pages


def golden_renders(project: Project, pdf: bytes) -> dict[str, Image.Image]:
    pages = render_pages(pdf, GOLDEN_DPI)
    return {name: pages[index] for name, index in key_pages(project, pdf).items()}


# The district edition whose cover is a reference too (one of the shipped examples).
GOLDEN_DISTRICT = "example-cedar-ridge"
# The build date of the references: the tests' (tests/_editions.py), printed in the colophon.
GOLDEN_EPOCH = "1740000000"


def golden_pdf(project: Project) -> tuple[bytes, Image.Image | None]:
    """The Portrait and the example district's cover, rendered for the references: dated
    GOLDEN_EPOCH like every build in the tests, so that the colophon's date matches."""
    from portrait.formats import pdf_format
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.district import load_edition
    from portrait.inputs.load import load_inputs

    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = GOLDEN_EPOCH
    try:
        # Made (and preflighted) as every build makes them, written nowhere but the references.
        maker, screen = EditionMaker(project, load_inputs(project)), pdf_format(SCREEN)
        pdf = maker.make(screen).checked().data
        cover = None
        if (project.content / "districts" / GOLDEN_DISTRICT).is_dir():
            edition = maker.make(screen, load_edition(project, GOLDEN_DISTRICT)).checked().data
            cover = render_pages(edition, GOLDEN_DPI)[0]
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return pdf, cover


def write_golden(project: Project, pdf: bytes, district_cover: Image.Image | None) -> list[Path]:
    """Rewrite tests/golden/ from ``pdf``: one PNG per key page and the district cover; references
    of pages that no longer exist are removed."""
    folder = project.root / GOLDEN
    written = []
    renders = golden_renders(project, pdf)
    if district_cover is not None:
        renders["district-cover"] = district_cover
    for name, image in renders.items():
        written.append(write_atomic(folder / f"{name}.png", png(image)))
    for stale in folder.glob("*.png"):
        if stale.stem not in renders:
            stale.unlink()
    return written


# Soft proof of the print edition -----------------------------------------------------------

PRINT_PROOFS = Path(PROOFS) / "print"
HEAT_MAX = 10.0  # ΔE00 shown at full red in the heat map


@dataclass(frozen=True)
class SoftProofPage:
    print_page: int  # 1-based
    screen_page: int | None  # the same page in the screen edition; None for a print-only notes page
    median: float = 0.0  # ΔE00 between the screen render and the soft proof, over the page
    p95: float = 0.0
    image: Image.Image | None = field(default=None, compare=False, repr=False)  # screen | proof | heat


def page_pairs(screen_pages: int, print_pages: int) -> list[tuple[int | None, int]]:
    """(screen index, print index) of each print page: the print edition is the screen edition
    with notes pages before its back cover (up to a multiple of 4)."""
    extra = print_pages - screen_pages
    pairs: list[tuple[int | None, int]] = [(i, i) for i in range(screen_pages - 1)]
    pairs += [(None, i) for i in range(screen_pages - 1, screen_pages - 1 + extra)]
    pairs.append((screen_pages - 1, print_pages - 1))
    return pairs


def soft_proof_pages(print_pdf: bytes, dpi: int) -> list[Image.Image]:
    """The print edition's pages as the press prints them, on screen: Ghostscript separates each
    page into the output intent's CMYK (transparency groups and DefaultRGB included), cut at the
    TrimBox, and LittleCMS shows those inks through the same profile."""
    from portrait.check.separation import output_profile, separate
    from portrait.inputs.press import Press

    profile = output_profile(print_pdf)
    if profile is None:
        raise InputError(Problem("--print", "the PDF has no PDF/X output intent to proof against"))
    press = Press(profile)
    return [press.proof(page) for page in separate(print_pdf, dpi, profile, trim=True, smooth=True)]


def soft_proof(print_pdf: bytes, screen_pdf: bytes, dpi: int) -> list[SoftProofPage]:
    """Each print page's soft proof beside the screen render of the same page, with a heat map
    of their difference (ΔE00) and its median and 95th percentile."""
    from portrait.check.separation import render_rgb

    proofs = soft_proof_pages(print_pdf, dpi)
    screens = render_rgb(screen_pdf, dpi)
    result = []
    for screen_index, print_index in page_pairs(len(screens), len(proofs)):
        proof = proofs[print_index]
        if screen_index is None:
            result.append(SoftProofPage(print_index + 1, None, image=_triptych(None, proof, None)))
            continue
        screen = screens[screen_index]
        size = (min(screen.width, proof.width), min(screen.height, proof.height))
        a = np.asarray(screen.crop((0, 0, *size)), dtype=np.uint8)
        b = np.asarray(proof.crop((0, 0, *size)), dtype=np.uint8)
        difference = delta_e(a, b)
        heat = heat_map(difference)
        result.append(
            SoftProofPage(
                print_index + 1,
                screen_index + 1,
                round(float(np.median(difference)), 2),
                round(float(np.percentile(difference, 95)), 2),
                image=_triptych(screen, proof, heat),
            )
        )
    return result


def heat_map(difference: np.ndarray) -> Image.Image:
    """ΔE00 per pixel: white at 0, yellow at half of HEAT_MAX, red from HEAT_MAX up."""
    t = np.clip(difference / HEAT_MAX, 0, 1)
    red = np.full_like(t, 255.0)
    green = np.where(t < 0.5, 255, 255 * (1 - (t - 0.5) * 2))
    blue = np.where(t < 0.5, 255 * (1 - t * 2), 0)
    return Image.fromarray(np.stack([red, green, blue], axis=-1).astype(np.uint8))


def _triptych(screen: Image.Image | None, proof: Image.Image, heat: Image.Image | None) -> Image.Image:
    gap, label = 12, 18
    width, height = proof.size
    sheet = Image.new("RGB", (width * 3 + gap * 4, height + label + gap * 2), "#8a919b")
    draw = ImageDraw.Draw(sheet)
    for column, (image, title) in enumerate(
        ((screen, "screen edition"), (proof, "print edition, soft proof"), (heat, "dE00: white 0, yellow 5, red 10+"))
    ):
        x = gap + column * (width + gap)
        draw.text((x, gap // 2), title if image is not None else "no screen page", fill="#ffffff")
        if image is not None:
            sheet.paste(image, (x, gap + label))
    return sheet


def write_soft_proof(print_pdf: bytes, screen_pdf: bytes, folder: Path, dpi: int) -> list[SoftProofPage]:
    pages = soft_proof(print_pdf, screen_pdf, dpi)
    _clear_pngs(folder)
    for page in pages:
        assert page.image is not None
        write_atomic(folder / f"page-{page.print_page:02d}.png", png(page.image))
    lines = ["print page  screen page  median ΔE00  95th percentile ΔE00"]
    for page in pages:
        if page.screen_page is None:
            lines.append(f"{page.print_page:>10}  {'—':>11}  (a notes page of the print edition only)")
        else:
            lines.append(f"{page.print_page:>10}  {page.screen_page:>11}  {page.median:>11.2f}  {page.p95:>20.2f}")
    write_atomic(folder / "summary.txt", ("\n".join(lines) + "\n").encode())
    data = [{"print_page": p.print_page, "screen_page": p.screen_page, "median": p.median, "p95": p.p95} for p in pages]
    write_atomic(folder / "summary.json", json.dumps(data, indent=2).encode() + b"\n")
    return pages


def run_proof(
    project: Project,
    *,
    out: TextIO,
    against: str | None = None,
    dpi: int = 72,
    pdf: Path | None = None,
    update_golden: bool = False,
    print_edition: bool = False,
) -> int:
    from portrait.inputs.build_date import source_epoch
    from portrait.paths import pdf_file
    from portrait.publish.portrait import build_portrait

    if not MIN_DPI <= dpi <= MAX_DPI:
        raise InputError(Problem("--dpi", f"{dpi} is out of range", fix=f"use {MIN_DPI} to {MAX_DPI} (72 is good)"))
    if update_golden:
        if pdf is not None:
            raise InputError(Problem("--pdf", "not with --update-golden", fix="the references are rendered afresh"))
        for path in write_golden(project, *golden_pdf(project)):
            print(f"golden: {project.relative(path)}", file=out)
        return 0
    if pdf is not None:
        pdf_file(pdf)  # before anything is built or compared
    if against is not None and (Path(against).suffix.lower() == ".pdf" or Path(against).exists()):
        pdf_file(Path(against))
    if print_edition:
        return _run_print_proof(project, dpi=dpi, pdf=pdf, against=against, out=out)
    if pdf is None:
        (built,) = build_portrait(project, [SCREEN])
        print(
            f"{'up to date' if built.skipped else 'built'}: {project.relative(built.path)}",
            file=out,
        )
        pdf = built.path
    data = pdf.read_bytes()
    other = other_version(project, against, source_epoch(project)) if against else None
    report = write_proofs(data, project.output / PROOFS, dpi, other, str(pdf))
    print(report.summary().replace(str(report.folder), project.relative(report.folder)), file=out)
    return 0
