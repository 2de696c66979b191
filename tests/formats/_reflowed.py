"""The web and EPUB editions of the Portrait and of every example district, made once per test
process (dated like tests/_editions.py) for the tests that read them."""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache

from _editions import project_inputs
from lxml import etree

from portrait.formats.epub import make_epub
from portrait.formats.reflow import Reflow
from portrait.formats.web import make_web
from portrait.inputs.district import district_slugs, load_edition

XHTML = "{http://www.w3.org/1999/xhtml}"
OPF = {"o": "http://www.idpf.org/2007/opf"}


@cache
def reflow() -> Reflow:
    project, inputs = project_inputs()
    return Reflow(project, inputs)


def examples() -> list[str]:
    project, _ = project_inputs()
    return [slug for slug in district_slugs(project) if slug.startswith("example-")]


@cache
def epub(slug: str | None = None) -> bytes:
    r = reflow()
    return make_epub(r, load_edition(r.project, slug) if slug else None)


@cache
def web(slug: str | None = None) -> bytes:
    r = reflow()
    return make_web(r, load_edition(r.project, slug) if slug else None)


def spine(data: bytes) -> list[tuple[str, etree._Element]]:
    """The EPUB's content documents in reading order: (name, parsed)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    opf = etree.fromstring(archive.read("EPUB/package.opf"))
    items = {i.get("id"): i.get("href") for i in opf.iterfind(".//o:item", OPF)}
    return [
        (items[ref.get("idref")], etree.fromstring(archive.read("EPUB/" + items[ref.get("idref")])))
        for ref in opf.iterfind(".//o:itemref", OPF)
    ]


def words(text: str) -> list[str]:
    """The words of a text, case-folded (the PDF's small capitals are upper-case letters), a word
    broken at a hyphen at the end of a line joined again."""
    text = re.sub(r"(\w)-\s+(\w)", r"\1-\2", text.replace("\u00ad", ""))
    return [w.casefold() for w in re.findall(r"[\w’'-]+", text)]
