"""District editions read back from the PDF, and a batch in which one district is broken.

One batch per session (``python build.py district --all --jobs 2`` in-process) on a copy of the
project holding the three examples, a district whose name and foreword try to smuggle in markup,
and a broken district.
"""

from __future__ import annotations

import io
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pytest
from _project import EPOCH, REPO
from pypdf import PdfReader

from portrait.check.facts import PdfFacts, read_facts
from portrait.cli import main
from portrait.inputs.colors import parse_hex
from portrait.inputs.content import load_content
from portrait.inputs.district import load_district
from portrait.inputs.markdown import typeset
from portrait.project import Project

EXAMPLES = ["example-cedar-ridge", "example-lakeshore", "example-north-harbor-valley"]
HOSTILE_NAME = 'Example: "Quotes" & <b>Tags</b> District'
HOSTILE = f"""\
name: '{HOSTILE_NAME}'
logo: logo.svg
colors:
  primary: "#7a1fa2"
foreword:
  title: "<i>Not italic</i>"
  body: |
    <script>alert("x")</script> stays text. So does <img src="https://evil.example/x.png">.

    A link to [the introduction](#introduction) of the shared pages.
  signed:
    - name: "A & B"
      role: "<u>Role</u>"
"""
BROKEN = 'name: "Example: Broken District"\nlogo: logo.svg\ncolors:\n  primary: "#12345"\n'


@dataclass
class Batch:
    project: Project
    code: int
    out: str
    err: str

    def pdf(self, slug: str) -> Path:
        return self.project.output / "districts" / slug / f"portrait-of-a-leader-{slug}.pdf"


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    root = tmp_path_factory.mktemp("districts") / "project"
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    logo = (REPO / "content/districts/example-cedar-ridge/logo.svg").read_bytes()
    for slug, text in (("example-hostile", HOSTILE), ("example-broken", BROKEN)):
        folder = root / "content" / "districts" / slug
        folder.mkdir()
        (folder / "district.yaml").write_text(text, encoding="utf-8")
        (folder / "logo.svg").write_bytes(logo)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        out, err = io.StringIO(), io.StringIO()
        code = main(["--root", str(root), "district", "--all", "--jobs", "2"], out, err)
    finally:
        mp.undo()
    return Batch(Project.at(root), code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def facts(batch: Batch) -> dict[str, PdfFacts]:
    return {slug: read_facts(batch.pdf(slug).read_bytes()) for slug in [*EXAMPLES, "example-hostile"]}


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def squash(text: str) -> str:
    """Case and whitespace folded: line breaks and `text-transform` do not matter."""
    return re.sub(r"\s+", "", text).casefold()


def pixels_of(image) -> list[tuple[int, int, int]]:
    return list(getattr(image, "get_flattened_data", image.getdata)())


# The batch


def test_one_broken_district_does_not_stop_the_others(batch: Batch):
    assert batch.code == 1  # an input error
    for slug in [*EXAMPLES, "example-hostile"]:
        assert batch.pdf(slug).is_file(), slug
    assert not batch.pdf("example-broken").exists()
    assert re.search(r"example-broken\s+│\s+input error", batch.out), batch.out
    assert "4 of 5 editions built" in batch.out
    assert "district example-broken failed (input error)" in batch.err
    assert "colors.primary: `#12345` is not a colour" in batch.err
    assert "1 of 5 district editions failed: example-broken" in batch.err
    assert "Traceback" not in batch.err + batch.out


def test_the_batch_reports_the_derived_shade(batch: Batch):
    assert re.search(r"example-lakeshore: colors.primary #f6c445 .* darker shade #[0-9a-f]{6}", batch.out)


def test_no_temporary_files_are_left_behind(batch: Batch):
    leftovers = [p for p in (batch.project.output / "districts").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


# What each edition says


@pytest.mark.parametrize("slug", [*EXAMPLES, "example-hostile"])
def test_cover_names_the_district(batch: Batch, slug: str):
    district, _ = load_district(batch.project, slug)
    assert squash(district.name) in squash(page_texts(batch.pdf(slug))[0])


@pytest.mark.parametrize("slug", [*EXAMPLES, "example-hostile"])
def test_title_metadata_names_the_district(facts: dict[str, PdfFacts], batch: Batch, slug: str):
    district, _ = load_district(batch.project, slug)
    assert facts[slug].metadata["Title"] == f"Portrait of a Leader: {district.name} edition (Draft)"


@pytest.mark.parametrize("slug", EXAMPLES)
def test_every_body_page_carries_the_district_in_its_footer(batch: Batch, slug: str):
    district, _ = load_district(batch.project, slug)
    footer = squash((district.short_name or district.name) + " edition")
    texts = page_texts(batch.pdf(slug))
    first_body = 2 if district.foreword else 1
    body = texts[first_body:-1]
    assert len(body) >= 12
    missing = [i + first_body for i, text in enumerate(body) if footer not in squash(text)]
    assert missing == [], f"pages without the footer: {missing}"
    assert "lead for learners · knowledgeworks" not in " ".join(body).casefold()  # the main footer


def test_the_foreword_is_signed_and_in_the_outline(batch: Batch, facts: dict[str, PdfFacts]):
    text = page_texts(batch.pdf("example-cedar-ridge"))[1]
    for words in (
        "A message from our superintendent",
        "This is example text",
        "Name of the Superintendent",
        "President, Board of Education",
    ):
        assert squash(words) in squash(text), words
    assert (1, "A message from our superintendent", 1) in facts["example-cedar-ridge"].outline
    assert "https://www.example.org/lead-for-learners" in facts["example-cedar-ridge"].external_links


def test_an_edition_without_a_foreword_has_none(batch: Batch, facts: dict[str, PdfFacts]):
    assert facts["example-north-harbor-valley"].pages == facts["example-cedar-ridge"].pages - 1
    assert "superintendent" not in page_texts(batch.pdf("example-north-harbor-valley"))[1].casefold()


def test_contact_details_are_on_the_back_cover(batch: Batch, facts: dict[str, PdfFacts]):
    back = squash(page_texts(batch.pdf("example-cedar-ridge"))[-1])
    assert squash("https://www.example.org/cedar-ridge") in back
    assert squash("leadership@example.org") in back
    links = facts["example-cedar-ridge"].external_links
    assert "https://www.example.org/cedar-ridge" in links and "mailto:leadership@example.org" in links


@pytest.mark.parametrize("slug", EXAMPLES)
def test_outline_and_internal_links_survive(batch: Batch, facts: dict[str, PdfFacts], slug: str):
    f = facts[slug]
    texts = page_texts(batch.pdf(slug))
    content = load_content(batch.project)
    titles = [t for _, t, _ in f.outline]
    assert titles[0] == "Cover" and titles[-1] == "Back cover"
    for section in content.sections:
        entries = [(level, page) for level, title, page in f.outline if title == section.title]
        assert entries, f"{section.title!r} is not in the outline"
        assert squash(section.title) in squash(texts[entries[0][1]]), section.title
    assert len(f.internal_links) >= len(content.sections)
    assert all(target is not None and 0 <= target < f.pages for _, target in f.internal_links)
    # The contents page links to the pages the outline names.
    outline_pages = {page for _, _, page in f.outline}
    assert {target for _, target in f.internal_links} <= outline_pages | set(range(f.pages))


def test_untrusted_markup_is_printed_as_text(batch: Batch):
    texts = page_texts(batch.pdf("example-hostile"))
    assert squash(typeset(HOSTILE_NAME)) in squash(texts[0])  # the name as typeset: curly quotes
    foreword = squash(texts[1])
    for words in (
        "<i>Not italic</i>",
        "<script>alert(“x”)</script> stays text",
        "<u>Role</u>",
        "A & B",
        "<img src=“https://evil.example/x.png”>",
    ):  # quotes are typeset curly
        assert squash(words) in foreword, words


def test_the_cover_shows_the_district_colour_and_logo(batch: Batch):
    for slug, color in (("example-cedar-ridge", "#0f6b4f"), ("example-lakeshore", "#f6c445")):
        pdf = pypdfium2.PdfDocument(str(batch.pdf(slug)))
        try:
            image = pdf[0].render(scale=40 / 72).to_pil().convert("RGB")
        finally:
            pdf.close()
        target = parse_hex(color)
        pixels = pixels_of(image)
        close = sum(1 for p in pixels if sum(abs(a - b) for a, b in zip(p, target, strict=True)) < 30)
        assert close > 0.01 * len(pixels), f"{slug}: only {close} pixels of {color} on the cover"
        # The band at the foot of the cover is white paper, where the district's name is set.
        band = image.crop((0, int(image.height * 0.92), int(image.width * 0.6), image.height))
        whites = sum(1 for p in pixels_of(band) if min(p) > 245)
        assert whites > 0.6 * band.width * band.height


@pytest.mark.slow
def test_rendering_the_same_edition_twice_gives_the_same_bytes(batch: Batch):
    first = batch.pdf("example-lakeshore").read_bytes()
    out, err = io.StringIO(), io.StringIO()
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        code = main(
            ["--root", str(batch.project.root), "district", "example-lakeshore", "--jobs", "1"],
            out,
            err,
        )
    finally:
        mp.undo()
    assert code == 0, err.getvalue()
    assert batch.pdf("example-lakeshore").read_bytes() == first


def test_a_foreword_link_to_a_section_reaches_the_shared_page(batch: Batch, facts: dict[str, PdfFacts]):
    f = facts["example-hostile"]
    targets = [target for source, target in f.internal_links if source == 1]  # from the foreword
    introduction = [page for _, title, page in f.outline if title == "Introduction"]
    assert targets == introduction and len(targets) == 1


def _die(edition: object) -> None:
    os._exit(9)  # as if the kernel had killed the worker


def test_a_worker_that_dies_fails_its_edition_without_hanging(tmp_path: Path, monkeypatch):
    from portrait.publish import batch as batch_module
    from portrait.publish.batch import build_editions

    root = tmp_path / "project"
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    project = Project.at(root)
    monkeypatch.setattr(batch_module, "_render_one", _die)
    result = build_editions(project, EXAMPLES[:2], jobs=2)
    assert [r.failure for r in result.results] == ["internal", "internal"]
    assert "a worker process stopped" in (result.results[0].message or "")
    assert int(result.exit_code) == 4
