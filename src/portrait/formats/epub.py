"""The EPUB 3.3 edition: reflowable, accessible (EPUB Accessibility 1.1, WCAG 2.1 AA), with the
printed booklet's page numbers (a page-list and epub:type="pagebreak" markers), reproducible.

The OCF container is written here with ``zipfile`` (``mimetype`` first and stored, entries in a
fixed order with the build date as their time); the package document, nav and content documents
come from ``templates/reflow/``. Content documents are the HTML the section templates render,
parsed and written back as XML (XHTML).
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from datetime import UTC
from typing import TYPE_CHECKING, Any

from lxml import etree

from portrait.formats import Format
from portrait.formats.reflow import Reflow, fragments, link_targets, made_by_reflow, mark_pages, page_id, point_links
from portrait.formats.zipped import zip_bytes

if TYPE_CHECKING:
    from portrait.inputs.district import Edition

MEDIA_TYPE = "application/epub+zip"
CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""
_EPUB_TYPES = {"cover": "cover", "frontmatter": "frontmatter", "bodymatter": "bodymatter", "backmatter": "backmatter"}
SUMMARY = (
    "The publication's text in reading order, with headings, lists and a table for the reflection "
    "worksheet whose rows and columns have headers. Images have text alternatives; the cover's "
    "decorative art is left out. A table of contents, landmarks and the page numbers of the printed "
    "edition help navigation. Text and background colours meet WCAG 2.1 AA contrast. No hazards."
)


def make_epub(reflow: Reflow, edition: Edition | None) -> bytes:
    """The EPUB file of the Portrait (``edition`` None) or of a district's edition."""
    i = reflow.inputs
    publication = i.content.publication
    language = publication.language
    docs = reflow.documents(edition, "epub")
    file_of = {d.id: f"{d.id}.xhtml" for d in docs}
    targets = link_targets(reflow, docs, file_of)
    labels = _page_labels(reflow, edition)
    files: list[tuple[str, bytes]] = []
    manifest: list[dict[str, str]] = [
        {"id": "nav", "href": "nav.xhtml", "media_type": "application/xhtml+xml", "properties": "nav"},
        {"id": "css", "href": "portrait.css", "media_type": "text/css", "properties": ""},
    ]
    pages: list[dict[str, str]] = []
    for doc in docs:
        # A shared document comes out the same for every edition with the same documents.
        key = ("epub", doc.id, tuple(file_of), tuple(sorted(labels.items())))
        if doc.shared and key in reflow.memo:
            xhtml, placed = reflow.memo[key]
        else:
            xhtml, placed = _document(reflow, doc, language, targets, file_of, labels)
            if doc.shared:
                reflow.memo[key] = (xhtml, placed)
        pages += [{"label": label, "href": f"{file_of[doc.id]}#{page_id(label)}"} for label in placed]
        files.append((f"EPUB/{file_of[doc.id]}", xhtml))
        manifest.append({"id": f"doc-{doc.id}", "href": file_of[doc.id], "media_type": "application/xhtml+xml"})
    contents_label = labels.get("contents")
    if contents_label:
        pages.insert(
            1 if pages and pages[0]["label"] == labels.get("cover") else 0,
            {
                "label": contents_label,
                "href": f"nav.xhtml#{page_id(contents_label)}",
            },
        )
    pages.sort(key=lambda p: _order(p, docs, file_of))
    toc = []
    for section in i.content.sections:
        entry: dict[str, Any] = {"title": section.title, "href": f"{targets.get(section.id, '')}#{section.id}"}
        entry["children"] = [
            {"title": f"{n}. {a.name}", "href": f"{targets.get(a.id, '')}#{a.id}"}
            for n, a in enumerate(getattr(section, "attributes", None) or [], start=1)
        ]
        toc.append(entry)
    if edition is not None and edition.foreword:
        toc.insert(0, {"title": edition.foreword.title, "href": "foreword.xhtml", "children": []})
    first_body = next(d for d in docs if d.role == "bodymatter")
    landmarks = [
        {"type": "cover", "href": "cover.xhtml", "title": "Cover"},
        {"type": "toc", "href": "nav.xhtml#toc", "title": "Contents"},
        {"type": "bodymatter", "href": file_of[first_body.id], "title": "Start of content"},
    ]
    nav = reflow.render(
        "reflow/epub-nav.xhtml.j2",
        language=language,
        toc=toc,
        landmarks=landmarks,
        pages=pages,
        contents_page=contents_label,
        contents_page_id=page_id(contents_label) if contents_label else "",
    )
    assets = reflow.fonts(edition)
    logo = reflow.logo(edition)
    if logo is not None:
        assets = [logo, *assets]
    for n, asset in enumerate(assets):
        manifest.append({"id": f"asset-{n}", "href": asset.path, "media_type": asset.media_type})
    spine = ["doc-cover"]
    spine += [f"doc-{d.id}" for d in docs[1:] if d.role == "frontmatter"]
    spine += ["nav"] + [f"doc-{d.id}" for d in docs[1:] if d.role != "frontmatter"]
    built = i.built
    slug = edition.slug if edition is not None else ""
    identifier = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"portrait-of-a-leader/{publication.version}/{slug}"))
    opf = reflow.render(
        "reflow/epub-package.opf.j2",
        language=language,
        identifier=identifier,
        title=reflow.title(edition),
        publication=publication,
        date=built.strftime("%Y-%m-%d"),
        modified=built.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        has_images=logo is not None,
        features=[
            "structuralNavigation",
            "tableOfContents",
            "readingOrder",
            "pageNavigation",
            "displayTransformability",
            *(["alternativeText"] if logo is not None else []),
        ],
        summary=SUMMARY,
        page_source=f"{publication.title}, screen PDF, version {publication.version}",
        manifest=manifest,
        spine=spine,
    )
    files += [
        ("EPUB/package.opf", opf.encode()),
        ("EPUB/nav.xhtml", nav.encode()),
        ("EPUB/portrait.css", reflow.stylesheet("epub", edition).encode()),
        *((f"EPUB/{a.path}", a.data) for a in assets),
    ]
    return ocf(files, built)


def _document(
    reflow: Reflow, doc: Any, language: str, targets: dict[str, str], file_of: dict[str, str], labels: dict[str, str]
) -> tuple[bytes, list[str]]:
    """One content document as XHTML, and the page labels whose markers it holds."""
    elements = fragments(doc.body)
    point_links(elements, targets, file_of[doc.id])
    placed = mark_pages(elements, labels)
    body = "\n".join(etree.tostring(e, method="xml", encoding="unicode") for e in elements)
    body = re.sub(r'data-pagebreak="([^"]*)"', r'epub:type="pagebreak" role="doc-pagebreak" aria-label="\1"', body)
    xhtml = reflow.render(
        "reflow/epub-document.xhtml.j2",
        language=language,
        title=doc.title,
        doc=doc,
        body=body,
        epub_type=_EPUB_TYPES[doc.role],
    )
    return xhtml.encode(), placed


def _order(page: dict[str, str], docs: list[Any], file_of: dict[str, str]) -> int:
    """Reading order of a page-list entry: its document's place in the spine (nav after the
    cover and foreword)."""
    name = page["href"].split("#")[0]
    order = {file_of[d.id]: n * 2 for n, d in enumerate(docs)}
    if name == "nav.xhtml":
        front = [n for n, d in enumerate(docs) if d.role in ("cover", "frontmatter")]
        return max(front) * 2 + 1
    return order[name]


def _page_labels(reflow: Reflow, edition: Edition | None) -> dict[str, str]:
    """The printed page of each anchor: the Portrait's, an edition's cover and foreword (its
    front pages are numbered i, ii... in the PDF: only the first is known without laying them out)."""
    labels = dict(reflow.page_map)
    if edition is not None and edition.foreword:
        labels["foreword"] = "i"
    return labels


def ocf(files: list[tuple[str, bytes]], built: Any) -> bytes:
    """The OCF zip: ``mimetype`` first and stored, then META-INF/container.xml and ``files`` in
    the order given, each dated ``built`` (reproducible: no time, user or system of the build)."""
    entries = [("mimetype", MEDIA_TYPE.encode(), True), ("META-INF/container.xml", CONTAINER.encode(), False)]
    return zip_bytes(entries + [(name, data, precompressed(name)) for name, data in files], built)


def precompressed(name: str) -> bool:
    """Files stored as they are: WOFF2 fonts, PNG and JPEG images are compressed already."""
    return name.endswith((".woff2", ".png", ".jpg"))


def check_epub(data: bytes) -> list[str]:
    """A fast structural check every build runs (EPUBCheck and Ace run in the tests): the
    container, the mimetype, the package document and that every manifest item is there."""
    problems = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return ["not a zip file"]
    names = archive.namelist()
    first = archive.infolist()[0] if names else None
    if first is None or first.filename != "mimetype" or first.compress_type != zipfile.ZIP_STORED:
        problems.append("mimetype is not the first entry, stored")
    elif archive.read("mimetype") != MEDIA_TYPE.encode():
        problems.append("mimetype is not application/epub+zip")
    if "EPUB/package.opf" not in names:
        return [*problems, "no EPUB/package.opf"]
    opf = etree.fromstring(archive.read("EPUB/package.opf"))
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    for item in opf.iterfind(".//opf:manifest/opf:item", ns):
        if f"EPUB/{item.get('href')}" not in names:
            problems.append(f"manifest item {item.get('href')} is missing")
    for name in names:
        if name.endswith((".xhtml", ".opf")):
            try:
                etree.fromstring(archive.read(name))
            except etree.XMLSyntaxError as exc:
                problems.append(f"{name}: not well-formed XML ({exc})")
    return problems


EPUB = Format(
    name="epub",
    title="EPUB",
    suffix=".epub",
    media_type=MEDIA_TYPE,
    make=made_by_reflow(make_epub, check_epub, "epub"),
)

FORMATS = (EPUB,)
