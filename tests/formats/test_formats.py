"""The web and EPUB editions (portrait.formats), without external checkers: reproducible, the
same text as the PDF, the printed page numbers, drafts, districts, the command line."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from _editions import edition, project_inputs
from _reflowed import XHTML, epub, examples, reflow, spine, web, words
from lxml import etree, html

from portrait.cli import main
from portrait.formats import formats
from portrait.formats.epub import check_epub, make_epub
from portrait.formats.reflow import Reflow, page_label_text
from portrait.formats.web import check_web, make_web
from portrait.inputs.district import load_edition
from portrait.render.html import document_title


def test_formats_name_their_files(tmp_path):
    table = formats()
    assert table["epub"].output(tmp_path).name == "portrait-of-a-leader.epub"
    assert table["web"].output(tmp_path, "x").relative_to(tmp_path).as_posix() == (
        "districts/x/portrait-of-a-leader-x-web.zip"
    )


@pytest.mark.parametrize("slug", [None, "example-lakeshore"])
def test_two_builds_are_byte_identical(slug):
    """Two fresh makers (nothing shared but the font subsets on disk) give the same bytes."""
    project, inputs = project_inputs()
    edition_ = load_edition(project, slug) if slug else None
    first, second = Reflow(project, inputs), Reflow(project, inputs)
    assert make_epub(first, edition_) == make_epub(second, edition_)
    assert make_web(first, edition_) == make_web(second, edition_)


def test_epub_container():
    data = epub()
    archive = zipfile.ZipFile(io.BytesIO(data))
    first = archive.infolist()[0]
    assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert archive.namelist()[1] == "META-INF/container.xml"
    assert {i.date_time for i in archive.infolist()} == {(2025, 2, 19, 21, 20, 0)}  # the build date
    assert check_epub(data) == []
    assert check_epub(b"not a zip") == ["not a zip file"]


def test_epub_accessibility_metadata():
    opf = zipfile.ZipFile(io.BytesIO(epub("example-cedar-ridge"))).read("EPUB/package.opf").decode()
    for prop in ("accessMode", "accessModeSufficient", "accessibilityFeature", "accessibilityHazard"):
        assert f'property="schema:{prop}"' in opf
    assert '<meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.1 Level AA</meta>' in opf
    assert "alternativeText" in opf and ">visual<" in opf  # the district's logo, with alt text


def test_page_list_is_the_pdfs_page_labels():
    """Each page of the screen PDF whose page starts with an anchor is in the page-list, under
    the label a viewer shows for it, in order, and its marker is where the section starts."""
    pdf = edition("screen").reader()
    labels = list(pdf.page_labels)
    data = epub()
    archive = zipfile.ZipFile(io.BytesIO(data))
    nav = etree.fromstring(archive.read("EPUB/nav.xhtml"))
    page_list = nav.find(f".//{XHTML}nav[@id='page-list']")
    entries = [(a.text, a.get("href")) for a in page_list.iter(f"{XHTML}a")]
    assert [label for label, _ in entries] == labels
    for label, href in entries:
        name, anchor = href.split("#")
        doc = etree.fromstring(archive.read(f"EPUB/{name}"))
        marker = doc.find(f".//*[@id='{anchor}']")
        assert marker is not None
        assert marker.get("aria-label") == label
        assert marker.get("{http://www.idpf.org/2007/ops}type") == "pagebreak"


def test_district_page_list_has_the_foreword():
    nav = zipfile.ZipFile(io.BytesIO(epub("example-cedar-ridge"))).read("EPUB/nav.xhtml").decode()
    assert '<a href="foreword.xhtml#page-i">i</a>' in nav


def _pdf_tagged_text(pdf: bytes, tmp_path) -> str:
    """The text the PDF's structure tree reads out, in its order (Poppler's pdfinfo, an
    independent reader): running heads and page numbers are artifacts, so they are not in it.
    The contents page (the EPUB's nav, the web edition's contents) is left out."""
    import json
    import shutil
    import subprocess

    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    path = tmp_path / "edition.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True, text=True, check=True).stdout
    blocks: list[list[str]] = []
    for line in lines.splitlines():
        if re.match(r"^  \S", line):
            blocks.append([])
        quoted = re.match(r'^\s+(".*")$', line)
        if quoted and blocks:
            blocks[-1].append(json.loads(quoted.group(1)))
    return " ".join(" ".join(b) for b in blocks if not (b and b[0] == "Contents"))


def _without_numerals(ws: list[str]) -> list[str]:
    # The attributes' numerals are decorative (aria-hidden) and drawn where the layout puts them.
    return [w for w in ws if not w.isdigit()]


def assert_same_words(actual: list[str], pdf: list[str]) -> None:
    """The same words in the same order; spaces may differ (a PDF's text runs need not carry the
    space between two blocks)."""
    if "".join(actual) != "".join(pdf):
        import difflib

        ops = difflib.SequenceMatcher(None, pdf, actual, autojunk=False).get_opcodes()
        shown = [
            f"{op}: pdf {' '.join(pdf[i1:i2])!r} / here {' '.join(actual[j1:j2])!r}"
            for op, i1, i2, j1, j2 in ops
            if op != "equal"
        ]
        pytest.fail("the text differs from the PDF's:\n" + "\n".join(shown[:20]))


def test_epub_and_web_have_the_pdfs_text_in_its_order(tmp_path):
    pdf_words = _without_numerals(words(_pdf_tagged_text(edition("screen").pdf, tmp_path)))
    bodies = [doc.find(f"{XHTML}body") for name, doc in spine(epub()) if name != "nav.xhtml"]
    epub_words = _without_numerals(words(" ".join(" ".join(body.itertext()) for body in bodies)))
    assert_same_words(epub_words, pdf_words)
    archive = zipfile.ZipFile(io.BytesIO(web()))
    pages = ["index.html", *(f"{s.id}.html" for s in reflow().inputs.content.sections), "back-cover.html"]
    web_text = []
    for name in pages:
        main_ = html.fromstring(archive.read(name)).find(".//main")
        contents = main_.find(".//nav")  # the web edition's contents (the PDF's contents page)
        if contents is not None:
            contents.drop_tree()
        web_text.append(" ".join(main_.itertext()))
    assert_same_words(_without_numerals(words(" ".join(web_text))), pdf_words)


def test_drafts_say_so_as_the_pdf_does():
    r = reflow()
    assert r.draft  # the content has placeholders today
    title = document_title(r.page(None, "screen"))
    assert title.endswith(" (Draft)")
    opf = zipfile.ZipFile(io.BytesIO(epub())).read("EPUB/package.opf").decode()
    assert f"<dc:title>{title}</dc:title>" in opf
    index = zipfile.ZipFile(io.BytesIO(web())).read("index.html").decode()
    assert f"<title>{title}</title>" in index
    assert '<span class="cover-draft-word">Draft</span>' in index
    colophon = zipfile.ZipFile(io.BytesIO(web())).read("colophon.html").decode()
    assert "(draft)" in colophon and 'class="draft-notice"' in colophon


@pytest.mark.parametrize("slug", examples())
def test_district_editions_carry_the_district(slug):
    project, _ = project_inputs()
    e = load_edition(project, slug)
    for data, css_name in ((epub(slug), "EPUB/portrait.css"), (web(slug), "portrait.css")):
        archive = zipfile.ZipFile(io.BytesIO(data))
        css = archive.read(css_name).decode()
        text_shade = re.search(r"--color-district-text:\s*([^;]+);", e.css).group(1)
        given = re.search(r"--color-district:\s*([^;]+);", e.css).group(1)
        assert text_shade in css and given in css
        assert "var(--" not in css
        everything = " ".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(("html", "xhtml")))
        assert e.name.replace("&", "&amp;") in everything
        assert f'alt="{e.name} logo"'.replace("&", "&amp;") in everything
        if e.foreword:
            assert e.foreword.title in everything
        if e.contact and e.contact.email:
            assert f"mailto:{e.contact.email}" in everything
    assert check_web(web(slug)) == [] and check_epub(epub(slug)) == []


def test_lakeshore_text_uses_the_darker_shade():
    css = zipfile.ZipFile(io.BytesIO(epub("example-lakeshore"))).read("EPUB/portrait.css").decode()
    assert "#987007" in css  # the shade the PDF prints its text in (README, District editions)


def test_web_edition_is_self_contained():
    data = web()
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert check_web(data) == []
    names = archive.namelist()
    assert names == sorted(names)
    assert all(n.endswith(".woff2") for n in names if n.startswith("fonts/"))
    page = archive.read("reflection.html").decode()
    assert "Content-Security-Policy" in page and "unsafe-inline" not in page
    assert '<script src="worksheet.js" defer></script>' in page
    assert 'type="radio"' in page and "<textarea" in page and '<th scope="col"' in page
    tree = html.fromstring(archive.read("index.html"))
    assert tree.get("lang") == "en-US"
    assert tree.find(".//a[@class='skip-link']").get("href") == "#main"
    assert tree.find(".//meta[@property='og:title']") is not None
    assert "application/ld+json" in archive.read("index.html").decode()


def test_page_map_key_is_the_renderers_html():
    """portrait.formats.reflow.page_map keys its cache by the screen Renderer's HTML, made without
    WeasyPrint: it must stay the same HTML."""
    from portrait.finish.variants import SCREEN
    from portrait.render.html import Page, render_html

    project, inputs = project_inputs()
    renderer = edition("screen").renderer
    i = inputs
    page = Page(
        i.content,
        i.brand,
        i.cover,
        i.built,
        variant=SCREEN.name,
        variant_stylesheets=SCREEN.stylesheets,
        extra={"notes_pages": 0},
        linked_stylesheets=False,
    )
    assert render_html(project, page) == renderer.html()


def test_page_labels_as_text():
    from portrait.finish.page_labels import PageLabel

    labels = (PageLabel("none", "Cover"), PageLabel("roman", "", 4), PageLabel("decimal", "", 2))
    assert [page_label_text(x) for x in labels] == ["Cover", "iv", "2"]


def test_cli_format_usage_errors(capsys):
    assert main(["build", "--format", "pdf"]) == 2
    assert "unknown format `pdf`" in capsys.readouterr().err
    assert main(["build", "--format", "web", "--screen-only"]) == 2


@pytest.mark.slow
def test_cli_builds_epub_and_web(tmp_project, capsys):
    assert main(["--root", str(tmp_project.root), "build", "--format", "epub,web"]) == 0
    out = capsys.readouterr().out
    assert "portrait-of-a-leader.epub" in out
    assert (tmp_project.output / "portrait-of-a-leader.epub").is_file()
    assert (tmp_project.output / "portrait-of-a-leader-web" / "index.html").is_file()
    assert not (tmp_project.output / "portrait-of-a-leader.pdf").exists()
    code = main(["--root", str(tmp_project.root), "district", "example-cedar-ridge", "--format", "epub"])
    assert code == 0
    district = tmp_project.output / "districts" / "example-cedar-ridge"
    assert (district / "portrait-of-a-leader-example-cedar-ridge.epub").is_file()


def test_an_expired_item_makes_the_web_cover_say_what_the_pdf_cover_says(monkeypatch):
    """The cover's reason for a draft is one partial for every format (partials/draft-reason)."""
    from portrait.inputs.load import load_inputs

    project, _ = project_inputs()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01, after the cohort's valid_until
    inputs = load_inputs(project)
    assert inputs.content.expired and inputs.content.placeholders
    index = zipfile.ZipFile(io.BytesIO(make_web(Reflow(project, inputs, disk_cache=False), None))).read("index.html")
    assert b"Draft</span> with placeholder text and out-of-date content</p>" in index


def test_a_new_format_is_its_own_make_and_nothing_else(tmp_project):
    """A format the code has never heard of (plain text) is made, checked and written by the
    same maker and produce() as every other: a failed check writes nothing."""
    from portrait.check.preflight import Report, Result
    from portrait.errors import BuildError
    from portrait.formats import Format, Made
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.load import load_inputs
    from portrait.publish.produce import Target, produce

    def make(maker: EditionMaker, edition, name: str) -> Made:
        title = maker.reflow().title(edition)  # what the reading formats keep warm
        return Made(title.encode(), 1, Report(name, "txt", [Result("titled", "Portrait" in title, title)]))

    text = Format("txt", "Plain text", ".txt", "text/plain", make)
    maker = EditionMaker(tmp_project, load_inputs(tmp_project))
    (written,) = produce(tmp_project, maker, [Target(text.output(tmp_project.output), text)])
    assert written.path.name == "portrait-of-a-leader.txt"
    assert b"Portrait of a Leader" in written.path.read_bytes()

    untitled = Format(
        "txt",
        "Plain text",
        "-bad.txt",
        "text/plain",
        lambda m, e, n: Made(b"", 0, Report(n, "txt", [Result("titled", False, "no title")])),
    )
    with pytest.raises(BuildError, match="titled: no title"):
        produce(tmp_project, maker, [Target(untitled.output(tmp_project.output), untitled)])
    assert not untitled.output(tmp_project.output).exists()
