"""District logos: untrusted files made safe and small enough to place on the cover.

A logo arrives from outside the project. Before the renderer sees it:

- its path must name a file inside the district's folder (no ``..``, no absolute path, no
  symlink), within ``MAX_LOGO_BYTES``;
- its content must be what its name says (magic bytes, not the extension);
- an SVG is parsed with DTDs and entities forbidden, then rebuilt from an allow-list of
  elements and attributes: no script, no event handler, no ``<image>``, no ``<foreignObject>``,
  and no reference (``href``, ``url()``) other than a ``#fragment`` inside the file;
- a PNG or JPEG is checked for its pixel count *before* it is decoded (a decompression bomb is
  refused), then scaled down to what the placed size needs at 300 dpi.

The result travels inside the edition's HTML as a ``data:`` URI; the file in the district's
folder is never given to WeasyPrint. Nothing here writes: a caller that builds many editions may
pass a ``LogoStore`` (portrait.publish.logos) that keeps processed raster logos between runs.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import math
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Protocol
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeET
import PIL
from defusedxml import DefusedXmlException
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_LOGO_BYTES = 5 * 1024 * 1024
MAX_LOGO_PIXELS = 40_000_000  # e.g. 8000 × 5000; larger files are refused before decoding
# A raster logo is scaled down to at most this box (inches) at 300 dpi: a press needs no more.
PLACED_WIDTH_IN, PLACED_HEIGHT_IN, DPI = 1.5, 1.5, 300
# Where the cover draws the logo, the largest of its places (templates/styles/edition.css
# .district-plate: its size less padding and the 6pt ring), in inches: a disc, or for a logo
# wider than WIDE_RATIO × its height, a rounded plate. tests/inputs/test_logo_resolution.py
# checks these against the resolution the preflight measures in a built edition.
RING_IN = 2 * 6 / 72
LOGO_BOX_IN = (1.75 - 2 * 0.28 - RING_IN, 1.75 - 2 * 0.28 - RING_IN)
WIDE_LOGO_BOX_IN = (2.45 - 2 * 0.2 - RING_IN, 1.4 - 2 * 0.16 - RING_IN)
WIDE_RATIO = 1.15


def logo_box(width: int, height: int) -> tuple[float, float]:
    """The box (inches) the cover draws a logo of ``width`` × ``height`` in."""
    return WIDE_LOGO_BOX_IN if width > height * WIDE_RATIO else LOGO_BOX_IN


def placed_dpi(width: int, height: int) -> float:
    """The resolution a logo of ``width`` × ``height`` pixels has where the cover draws it
    (``object-fit: contain`` in ``logo_box``): what the preflight will measure."""
    from portrait.check.resolution import effective_dpi

    box_w, box_h = logo_box(width, height)
    scale = min(box_w / width, box_h / height)  # inches per pixel
    return effective_dpi((width, height), (width * scale, height * scale))


MAX_SVG_ELEMENTS = 20_000
MAX_SVG_DEPTH = 100  # elements inside elements; drawing programs write a few dozen at most
SUFFIXES = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Elements a logo may use. Anything else (script, foreignObject, image, iframe, animate, set,
# a, text: text would need fonts we do not ship) is refused with a message saying why.
ALLOWED_ELEMENTS = {
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "title",
    "desc",
    "metadata",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "linearGradient",
    "radialGradient",
    "stop",
    "clipPath",
    "mask",
    "pattern",
    "style",
}
# Elements dropped silently: harmless editor leftovers (Inkscape, Illustrator) whose content
# we do not render.
DROPPED_ELEMENTS = {"metadata", "title", "desc"}
REFUSED_ELEMENTS = {
    "script": "it contains a script",
    "foreignObject": "it embeds HTML (<foreignObject>)",
    "image": "it embeds or links an image (<image>); export the logo as plain shapes or as PNG",
    "text": "it contains text (<text>), which needs fonts the edition does not ship; "
    "convert the text to outlines (paths) in your drawing program",
    "tspan": "it contains text (<tspan>); convert the text to outlines",
    "a": "it contains a link (<a>)",
    "iframe": "it embeds a page (<iframe>)",
    "animate": "it contains animation",
    "set": "it contains animation",
    "animateTransform": "it contains animation",
    "animateMotion": "it contains animation",
    "feImage": "it loads an image in a filter (<feImage>)",
}
ALLOWED_ATTRIBUTES = {
    "id",
    "class",
    "style",
    "version",
    "viewBox",
    "preserveAspectRatio",
    "x",
    "y",
    "width",
    "height",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "d",
    "points",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "opacity",
    "color",
    "display",
    "visibility",
    "clip-path",
    "clip-rule",
    "mask",
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "patternUnits",
    "patternContentUnits",
    "patternTransform",
    "clipPathUnits",
    "maskUnits",
    "maskContentUnits",
    "href",
    "type",
    "media",
}
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_DANGER = re.compile(r"@import|expression\s*\(|javascript:|behavior\s*:", re.IGNORECASE)


class LogoError(ValueError):
    """What is wrong with a logo, in words for the person who supplied it."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message)
        self.fix = fix


@dataclass(frozen=True)
class Logo:
    data: bytes  # the processed image, safe to hand to the renderer
    kind: str  # "svg", "png" or "jpeg"
    width: int  # pixels (for SVG: the viewBox width, rounded)
    height: int
    notices: tuple[str, ...] = ()

    def data_uri(self) -> str:
        """The processed logo as a ``data:`` URI. WeasyPrint names images after their URL; a file
        URL would carry the checkout's path into the PDF, and the same commit built in two
        folders would give different bytes."""
        mime = {"svg": "image/svg+xml", "png": "image/png", "jpeg": "image/jpeg"}[self.kind]
        return f"data:{mime};base64,{base64.b64encode(self.data).decode()}"


class LogoStore(Protocol):
    """Processed logos kept between runs, by ``processing_key``. Decoding, checking, scaling
    and encoding a raster logo takes about 20 ms; reading the result back, well under one."""

    def get(self, key: str) -> Logo | None: ...

    def put(self, key: str, logo: Logo) -> None: ...


def processing_key(data: bytes, kind: str) -> str:
    """What a processed logo depends on: the file's bytes and kind, this module's code (its
    limits and sizes) and the Pillow that decodes and encodes it."""
    digest = hashlib.sha256()
    for part in (_code_digest(), PIL.__version__.encode(), kind.encode(), data):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


@cache
def _code_digest() -> bytes:
    return hashlib.sha256(Path(__file__).read_bytes()).digest()


def logo_source(folder: Path, name: str) -> Path:
    """The file ``name`` in ``folder``; refuse names that could leave it."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if not name or pure.is_absolute() or re.match(r"^[A-Za-z]:", name) or len(pure.parts) != 1:
        raise LogoError(
            f"`{name}` is not a file name in the district's folder",
            fix="put the logo beside district.yaml and write just its name, e.g. logo.svg",
        )
    if pure.name in (".", ".."):
        raise LogoError(f"`{name}` is not a file name", fix="write the logo's file name, e.g. logo.svg")
    suffix = pure.suffix.lower()
    if suffix not in SUFFIXES:
        raise LogoError(
            f"`{name}` is not an SVG, PNG or JPEG file name",
            fix="use a logo ending in .svg, .png, .jpg or .jpeg",
        )
    path = folder / pure.name
    if path.is_symlink():
        raise LogoError(f"`{name}` is a symbolic link", fix="copy the logo file itself into the folder")
    if not path.is_file():
        raise LogoError(
            f"the logo file `{name}` is not in the district's folder",
            fix=f"put {name} beside district.yaml, or fix the name",
        )
    if not path.resolve().is_relative_to(folder.resolve()):
        raise LogoError(f"`{name}` is outside the district's folder", fix="copy the logo into the folder")
    return path


def read_logo_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        raise LogoError(
            f"the logo is {size / 1024 / 1024:.1f} MB; the limit is {MAX_LOGO_BYTES // 1024 // 1024} MB",
            fix="export a smaller file",
        )
    if size == 0:
        raise LogoError("the logo file is empty", fix="export the logo again")
    return path.read_bytes()


def sniff(data: bytes) -> str | None:
    """What the bytes are, by their content."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype")) and b"<svg" in data[:65536].lower():
        return "svg"
    return None


def process_logo(source: Path, store: LogoStore | None = None) -> Logo:
    """Check ``source`` and make the safe copy the renderer will use. Nothing is written here:
    the copy travels inside the HTML as a ``data:`` URI. A raster logo already processed is
    taken from ``store``, and a newly processed one is put there.

    The file's size and its kind (by content, against its name) are checked every time."""
    data = read_logo_bytes(source)
    expected = SUFFIXES[source.suffix.lower()]
    actual = sniff(data)
    if actual is None:
        raise LogoError(
            f"`{source.name}` is not an SVG, PNG or JPEG image (its content is not)",
            fix="export the logo again as SVG, PNG or JPEG",
        )
    if actual != expected:
        raise LogoError(
            f"`{source.name}` is named as {expected.upper()} but its content is {actual.upper()}",
            fix=f"rename it to end in .{'jpg' if actual == 'jpeg' else actual}",
        )
    if actual == "svg":
        # Sanitising an SVG costs about as much as reading a stored copy would: nothing to keep.
        body, width, height = sanitize_svg(data)
        return Logo(body, actual, width, height)
    key = processing_key(data, actual)
    kept = store.get(key) if store is not None else None
    if kept is not None:
        return kept
    body, width, height, notices = scale_raster(data, actual)
    logo = Logo(body, actual, width, height, tuple(notices))
    if store is not None:
        store.put(key, logo)
    return logo


# SVG


def sanitize_svg(data: bytes) -> tuple[bytes, int, int]:
    """The SVG rebuilt from allowed elements and attributes; its viewBox size."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise LogoError(
            "the SVG declares a DTD or entities, which are not allowed in a logo",
            fix="export the SVG again without a DOCTYPE",
        ) from None
    except ElementTree.ParseError as exc:
        raise LogoError(f"the SVG is not well-formed XML ({exc})", fix="export the SVG again") from None
    if _local(root.tag) != "svg":
        raise LogoError("the file's root element is not <svg>", fix="export the logo as SVG")
    _check_depth(root)
    clean = _clean(root)
    assert clean is not None
    _check_expansion(clean)
    width, height = _size(clean)
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    return ElementTree.tostring(clean, encoding="utf-8", xml_declaration=True), width, height


def _check_depth(svg: ElementTree.Element) -> None:
    """Refuse elements nested deeper than MAX_SVG_DEPTH (counted without recursion): the cleaner,
    the serialiser and the renderer all walk the tree recursively."""
    stack = [(svg, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_SVG_DEPTH:
            raise LogoError(
                f"the SVG nests elements more than {MAX_SVG_DEPTH} levels deep",
                fix="flatten the groups in your drawing program (ungroup), or export the logo as PNG",
            )
        stack.extend((child, depth + 1) for child in element)


def _check_expansion(svg: ElementTree.Element) -> None:
    """Refuse SVGs that would take the renderer forever: too many elements, or <use> elements
    that point at groups holding more <use> elements (the SVG form of an entity bomb)."""
    elements = list(svg.iter())
    if len(elements) > MAX_SVG_ELEMENTS:
        raise LogoError(
            f"the SVG has {len(elements):,} elements; a logo may have at most {MAX_SVG_ELEMENTS:,}",
            fix="simplify the drawing or export it as PNG",
        )
    ids = {el.get("id"): el for el in elements if el.get("id")}
    for use in svg.iter(f"{{{SVG_NS}}}use"):
        ref = (use.get("href") or use.get(f"{{{XLINK_NS}}}href") or "").strip()[1:]
        target = ids.get(ref)
        if target is not None and any(_local(el.tag) == "use" for el in target.iter()):
            raise LogoError(
                "the SVG has <use> elements that repeat other <use> elements",
                fix="export a plain SVG (expand or 'unlink' clones in your drawing program)",
            )


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if text.startswith("{") else text


def _namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def _clean(element: ElementTree.Element) -> ElementTree.Element | None:
    name = _local(element.tag)
    namespace = _namespace(str(element.tag))
    if namespace not in (None, SVG_NS):
        return None  # editor data (Inkscape's sodipodi:namedview etc.): never rendered
    if name in REFUSED_ELEMENTS:
        raise LogoError(
            f"the SVG cannot be used because {REFUSED_ELEMENTS[name]}",
            fix="export a plain SVG (shapes and colours only)",
        )
    if name not in ALLOWED_ELEMENTS:
        raise LogoError(
            f"the SVG uses the element <{name}>, which a logo may not contain",
            fix="export a plain SVG (shapes and colours only)",
        )
    if name in DROPPED_ELEMENTS:
        return None
    clean = ElementTree.Element(f"{{{SVG_NS}}}{name}")
    for key, value in element.attrib.items():
        attr = _local(key)
        attr_ns = _namespace(key)
        if attr.lower().startswith("on"):
            raise LogoError(
                f"the SVG has an event handler (`{attr}` on <{name}>), i.e. a script",
                fix="export a plain SVG (shapes and colours only)",
            )
        if attr_ns not in (None, XLINK_NS) or attr not in ALLOWED_ATTRIBUTES:
            continue  # editor attributes (inkscape:label, data-*): dropped
        if attr == "href":
            _check_reference(value, f"<{name} href>")
            clean.set(f"{{{XLINK_NS}}}href" if attr_ns == XLINK_NS else "href", value)
            continue
        _check_css(value, f"`{attr}` on <{name}>")
        clean.set(attr, value)
    if name == "style":
        _check_css(element.text or "", "<style>")
        clean.text = element.text
    for child in element:
        kept = _clean(child)
        if kept is not None:
            clean.append(kept)
    return clean


def _check_reference(value: str, where: str) -> None:
    if not re.fullmatch(r"#[A-Za-z_][\w.:-]*", value.strip()):
        raise LogoError(
            f"the SVG refers to `{value[:80]}` ({where}); a logo may only refer to parts of itself (#id)",
            fix="export the logo with everything embedded as shapes",
        )


def _check_css(value: str, where: str) -> None:
    if _CSS_DANGER.search(value):
        raise LogoError(
            f"the SVG's {where} contains CSS that loads or runs something",
            fix="export a plain SVG (shapes and colours only)",
        )
    for match in _URL.finditer(value):
        _check_reference(match.group(2), where)


def _size(svg: ElementTree.Element) -> tuple[int, int]:
    box = svg.get("viewBox")
    if box:
        parts = re.split(r"[\s,]+", box.strip())
        try:
            w, h = float(parts[2]), float(parts[3])
        except (IndexError, ValueError):
            raise LogoError(
                f"the SVG's viewBox `{box}` is not four numbers",
                fix='write e.g. viewBox="0 0 200 100"',
            ) from None
    else:
        try:
            w = float(re.sub(r"(px|pt)?$", "", svg.get("width", "")))
            h = float(re.sub(r"(px|pt)?$", "", svg.get("height", "")))
        except ValueError:
            raise LogoError(
                "the SVG has no viewBox and no numeric width and height, so its shape is unknown",
                fix='add viewBox="0 0 W H" to the <svg> element',
            ) from None
        svg.set("viewBox", f"0 0 {w:g} {h:g}")
    if w <= 0 or h <= 0:
        raise LogoError("the SVG's width or height is zero", fix="export the logo again")
    # The placed box sets the size; the file's own width/height would fight it.
    for attr in ("width", "height"):
        svg.attrib.pop(attr, None)
    return max(1, round(w)), max(1, round(h))


# PNG and JPEG


def scale_raster(data: bytes, kind: str) -> tuple[bytes, int, int, list[str]]:
    """Decode safely, then scale down to the placed size at 300 dpi."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            # Image.open reads only the header: the pixel count is known before decoding.
            width, height = image.size
            if width * height > MAX_LOGO_PIXELS:
                raise LogoError(
                    f"the logo is {width} × {height} pixels; the limit is {MAX_LOGO_PIXELS:,} pixels",
                    fix="export a smaller image",
                )
            # WeasyPrint sets LOAD_TRUNCATED_IMAGES for the whole process when it is imported;
            # a truncated logo must be refused, not printed with a grey band.
            truncated_ok, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
            try:
                image.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok
    except LogoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoError("the logo has too many pixels to decode safely", fix="export a smaller image") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LogoError(f"the {kind.upper()} file cannot be read ({exc})", fix="export the logo again") from None
    # A photo's EXIF orientation (a phone or camera JPEG) turns the pixels as a browser shows
    # them; the copy made below carries no EXIF, so nothing turns them again. The size that counts
    # for the cover's box and the resolution is the turned one.
    with contextlib.suppress(OSError, ValueError, SyntaxError, KeyError, TypeError):
        image = ImageOps.exif_transpose(image)
    width, height = image.size
    notices = resolution_notices(width, height)
    box_w, box_h = logo_box(width, height)
    # At most 1.5 in (or the wide plate) at 300 dpi: never below what the print preflight needs.
    need_w = max(round(PLACED_WIDTH_IN * DPI), math.ceil(box_w * DPI))
    need_h = max(round(PLACED_HEIGHT_IN * DPI), math.ceil(box_h * DPI))
    image.thumbnail((need_w, need_h), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if kind == "png":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        # No optimize=True: WeasyPrint decodes this copy and compresses the pixels again when it
        # writes the PDF, so a smaller file here saves nothing and costs 7 ms a logo.
        image.save(out, "PNG")
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=90)
    return out.getvalue(), image.width, image.height, notices


def resolution_notices(width: int, height: int) -> list[str]:
    """The preflight's resolution rule (``check.resolution``) applied to a raster logo of
    ``width`` × ``height`` pixels before anything is rendered: a logo too coarse for the screen
    edition is refused (a ``LogoError``); one too coarse for print gets a notice."""
    from portrait.check.resolution import MIN_PRINT_DPI, MIN_SCREEN_DPI, too_coarse

    dpi = placed_dpi(width, height)
    box_w, box_h = logo_box(width, height)

    def pixels_for(minimum: float) -> str:  # the same shape, scaled to reach ``minimum``
        return f"{math.ceil(width * minimum / dpi)} × {math.ceil(height * minimum / dpi)}"

    if too_coarse(dpi, "screen"):
        raise LogoError(
            f"the logo is {width} × {height} pixels: {dpi:.0f} dpi where the cover places it "
            f"({box_w:.2f} × {box_h:.2f} in), below the {MIN_SCREEN_DPI:.0f} dpi the screen edition needs",
            fix=f"export the logo at {pixels_for(MIN_SCREEN_DPI)} pixels or more "
            f"({pixels_for(MIN_PRINT_DPI)} for print), or as SVG",
        )
    if too_coarse(dpi, "print"):
        return [
            f"the logo is {width} × {height} pixels: {dpi:.0f} dpi where the cover places it; the print "
            f"edition (--print) needs {MIN_PRINT_DPI:.0f} dpi and will fail its preflight: export it at "
            f"{pixels_for(MIN_PRINT_DPI)} pixels or more, or as SVG"
        ]
    return []
