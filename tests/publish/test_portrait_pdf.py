"""The Portrait PDF read back as a reader's software sees it: text, pages, metadata, outline,
links, fonts, and the cover's colours."""

from __future__ import annotations

import io
import math
import re
from html import unescape

import pypdfium2
import pytest
import yaml
from _project import REPO
from PIL import ImageStat
from pypdf import PdfReader

from portrait.inputs.content import load_content

LETTER = (612.0, 792.0)


@pytest.fixture(scope="module")
def reader(portrait_build) -> PdfReader:
    return PdfReader(io.BytesIO(portrait_build.pdf))


@pytest.fixture(scope="module")
def page_texts(reader) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def normalise(text: str) -> str:
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip()


def plain(value: object) -> str:
    """The words of a text field as they are printed (Markdown rendered, tags dropped)."""
    html_text = getattr(value, "html", None)
    if html_text is None:
        return normalise(str(value))
    return normalise(unescape(re.sub(r"<[^>]+>", " ", str(html_text))))


def test_every_page_is_us_letter(portrait_build):
    assert portrait_build.facts.page_sizes == [LETTER] * portrait_build.facts.pages
    assert 16 <= portrait_build.facts.pages <= 32


def test_every_section_title_and_its_opening_words_are_in_the_pdf(project, page_texts):
    text = normalise(" ".join(page_texts))
    for section in load_content(project).sections:
        assert normalise(section.title) in text, section.title
        for block in getattr(section, "blocks", []) + getattr(section, "intro", []):
            words = plain(getattr(block, "text", ""))[:60]
            assert words in text, (section.id, words)


def test_quotes_and_attributions_are_printed(page_texts):
    text = normalise(" ".join(page_texts))
    assert "the work we start today continues to serve students for years to come" in text
    assert "Dr. Jeni Gotto" in text and "Superintendent, Westminster Public Schools, Westminster, Colorado" in text
    assert "It is a call to action and a roadmap." in text
    assert "Estrada" in text and "Teaching and Learning Coordinator, Mesa Public Schools, Mesa, Arizona" in text


def test_attributes_have_name_and_tagline_on_their_own_page(project, page_texts):
    for attribute in load_content(project).attributes:
        pages = [t for t in page_texts if attribute.tagline in t and "ATTRIBUTE" in t and attribute.name in t]
        assert pages, attribute.name


def test_metadata(portrait_build, reader):
    meta = portrait_build.facts.metadata
    assert meta["Title"] == "Portrait of a Leader (Draft)"
    assert meta["Author"] == "KnowledgeWorks, Lead for Learners network"
    assert meta["Subject"].startswith("A shared vision for the skills educators need")
    assert "competency-based learning" in meta["Keywords"]
    assert portrait_build.facts.language == "en-US"


def test_creation_date_comes_from_source_date_epoch(portrait_build):
    assert portrait_build.facts.metadata["CreationDate"].startswith("D:20250219212000")
    assert portrait_build.facts.metadata["ModDate"].startswith("D:20250219212000")


def test_bookmarks_for_every_section_and_attribute(project, portrait_build, page_texts):
    outline = portrait_build.facts.outline
    content = load_content(project)
    titles = [(level, title) for level, title, _ in outline]
    for section in content.sections:
        assert (1, section.title) in titles
    for attribute in content.attributes:
        assert (2, attribute.name) in titles
    for _level, title, page in outline:
        if title not in ("Cover", "Back cover"):
            assert normalise(title)[:30] in normalise(page_texts[page]), (title, page)


def test_contents_links_land_on_their_pages_and_print_the_right_numbers(project, portrait_build, reader, page_texts):
    facts = portrait_build.facts
    contents_page = next(i for i, t in enumerate(page_texts) if t.startswith("Contents") or " Contents " in t[:40])
    links = {target for source, target in facts.internal_links if source == contents_page}
    content = load_content(project)
    names = {s.title for s in content.sections} | {a.name for a in content.attributes}
    assert links == {page for level, title, page in facts.outline if title in names}
    contents_text = page_texts[contents_page]
    for section in content.sections:
        target = next(p for level, t, p in facts.outline if t == section.title)
        assert target in links
        # the printed number after the dotted leader is the target's page number
        entry = re.search(re.escape(section.title[:25]) + r".*?(\d+)", contents_text)
        assert entry and int(entry.group(1)) == target + 1, section.title


def test_all_fonts_are_embedded_brand_fonts(portrait_build):
    programs = {f.program for f in portrait_build.facts.fonts}
    assert all(f.embedded for f in portrait_build.facts.fonts)
    assert programs <= {
        "Inter-Regular",
        "Inter-Italic",
        "Inter-SemiBold",
        "Inter-Bold",
        "Inter-BoldItalic",
        "InterDisplay-Bold",
        "InterDisplay-SemiBold",
        "EBGaramond12-Regular",
        "EBGaramond12-Italic",
    }
    assert {"Inter-Regular", "InterDisplay-Bold", "EBGaramond12-Italic"} <= programs


def test_page_numbers_in_the_footer(page_texts):
    for index in range(2, len(page_texts) - 1):
        assert re.search(rf"\b{index + 1}\b", page_texts[index][-80:]), index


def _pixel(image, x: float, y: float) -> tuple[int, int, int]:
    return image.getpixel((int(x * image.width), int(y * image.height)))[:3]


def test_cover_fades_from_bright_pink_to_sky_blue(portrait_build):
    pdf = pypdfium2.PdfDocument(portrait_build.pdf)
    image = pdf[0].render(scale=30 / 72).to_pil().convert("RGB")
    top_left = _pixel(image, 0.03, 0.02)
    bottom_right = _pixel(image, 0.97, 0.5)  # above the navy scrim that carries the title
    assert top_left[0] > 200 and top_left[2] < 160 and top_left[0] - top_left[1] > 120, top_left  # pink
    assert bottom_right[2] > 200 and bottom_right[0] < 120, bottom_right  # sky blue


def test_cover_holds_portraits_in_circles(portrait_build):
    """Each circle of assets/cover.yaml with `portrait: true` holds an illustration (hundreds of
    colours where the gradient has a few dozen), inside a light ring, and is round: just outside
    the ring, and in the corners of its bounding square, the gradient shows."""
    dpi = 60
    image = pypdfium2.PdfDocument(portrait_build.pdf)[0].render(scale=dpi / 72).to_pil().convert("RGB")
    circles = [c for c in yaml.safe_load((REPO / "assets" / "cover.yaml").read_text())["circles"] if c.get("portrait")]
    assert len(circles) == 5
    gradient = image.crop((10, 10, 60, 60))
    assert len(gradient.getcolors(10_000)) < 60 and max(ImageStat.Stat(gradient).stddev) < 10
    for circle in circles:
        cx, cy, r = circle["x"] * dpi, circle["y"] * dpi, circle["d"] / 2 * dpi

        def at(radius: float, angle: float, cx: float = cx, cy: float = cy) -> tuple[int, int, int]:
            return image.getpixel((int(cx + radius * math.cos(angle)), int(cy + radius * math.sin(angle))))

        inside = image.crop((int(cx - 0.6 * r), int(cy - 0.6 * r), int(cx + 0.6 * r), int(cy + 0.6 * r)))
        assert len(inside.getcolors(100_000)) > 200, circle  # an illustration, not a flat disc
        assert sum(ImageStat.Stat(inside).stddev) / 3 > 25, circle
        ring = [at(0.97 * r, i * math.pi / 4) for i in range(8)]
        assert all(min(p) > 200 for p in ring), (circle, ring)  # light ring and background
        beyond = [at(1.27 * r, math.pi / 4 + i * math.pi / 2) for i in range(4)]  # the square's corners
        assert all(max(p) - min(p) > 60 for p in beyond), (circle, beyond)  # saturated gradient
