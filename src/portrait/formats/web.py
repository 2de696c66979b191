"""The web edition: a folder of static pages (one per section, the cover as index.html) made
from the same section templates as the PDF, with the brand's fonts as WOFF2 subsets, no request
to any other host and a strict Content-Security-Policy (no inline script or style). It reads
without JavaScript; ``worksheet.js`` only keeps the worksheet's answers in the reader's browser.

It is handed on as one zip (reproducible like the EPUB); the build unpacks it beside the zip.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import lxml.html
from lxml import etree

from portrait.formats import Format
from portrait.formats.epub import precompressed
from portrait.formats.reflow import Reflow, fragments, link_targets, made_by_reflow, point_links
from portrait.formats.zipped import zip_bytes
from portrait.publish.atomic import write_atomic

if TYPE_CHECKING:
    from portrait.inputs.district import Edition

MEDIA_TYPE = "application/zip"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; script-src 'self'; "
    "form-action 'none'; base-uri 'none'"
)
SCRIPT = "worksheet.js"  # optional: keeps the worksheet's answers in the browser
ICON = "icon.svg"


def make_web(reflow: Reflow, edition: Edition | None) -> bytes:
    """The web edition of the Portrait (``edition`` None) or of a district, as a zip."""
    i = reflow.inputs
    publication = i.content.publication
    docs = reflow.documents(edition, "web")
    file_of = {d.id: ("index.html" if d.id == "cover" else f"{d.id}.html") for d in docs}
    targets = link_targets(reflow, docs, file_of)
    title = reflow.title(edition)
    pages = [{"href": file_of[d.id], "title": "Cover" if d.id == "cover" else d.title} for d in docs]
    contents = []
    for section in i.content.sections:
        contents.append(
            {
                "title": section.title,
                "href": file_of[section.id],
                "children": [
                    {"title": f"{n}. {a.name}", "href": f"{file_of[section.id]}#{a.id}"}
                    for n, a in enumerate(getattr(section, "attributes", None) or [], start=1)
                ],
            }
        )
    if edition is not None and edition.foreword:
        contents.insert(0, {"title": edition.foreword.title, "href": "foreword.html", "children": []})
    schema = json.dumps(_schema(reflow, edition, title), ensure_ascii=False, indent=1).replace("</", "<\\/")
    files: list[tuple[str, bytes]] = []
    for n, doc in enumerate(docs):
        key = ("web", doc.id, tuple(file_of))
        if doc.shared and key in reflow.memo:
            body = reflow.memo[key]
        else:
            elements = fragments(doc.body)
            point_links(elements, targets, file_of[doc.id])
            _wrap_tables(elements)
            body = "\n".join(lxml.html.tostring(e, encoding="unicode") for e in elements)
            if doc.shared:
                reflow.memo[key] = body
        html = reflow.render(
            "reflow/web-page.html.j2",
            language=publication.language,
            csp=CSP,
            page_title=title if doc.id == "cover" else f"{doc.title} · {title}",
            title=title,
            publication=publication,
            edition=edition,
            draft=reflow.draft,
            schema=schema,
            script=SCRIPT if doc.body.find('class="worksheet"') >= 0 else None,
            doc=doc,
            body=body,
            contents=contents if doc.id == "cover" else None,
            previous=pages[n - 1] if n > 0 else None,
            next=pages[n + 1] if n + 1 < len(pages) else None,
        )
        files.append((file_of[doc.id], html.encode()))
    files.append(("portrait.css", reflow.stylesheet("web", edition).encode()))
    files += [(name, (reflow.project.templates / "reflow" / name).read_bytes()) for name in (SCRIPT, ICON)]
    logo = reflow.logo(edition)
    assets = ([logo] if logo is not None else []) + reflow.fonts(edition)
    files += [(a.path, a.data) for a in assets]
    return zip_files(sorted(files), i.built)


def _wrap_tables(elements: list[Any]) -> None:
    """A wide table scrolls inside its own box at phone widths, never the page (WCAG 1.4.10);
    the box is a labelled region that takes focus, so a keyboard can scroll it."""
    for element in elements:
        for table in list(element.iter("table")):
            caption = table.find("caption")
            box = etree.Element("div")
            box.set("class", "table-scroll")
            box.set("role", "region")
            box.set("tabindex", "0")
            box.set("aria-label", (caption.text_content() if caption is not None else "Table").strip())
            table.addprevious(box)
            box.append(table)


def _schema(reflow: Reflow, edition: Edition | None, title: str) -> dict[str, Any]:
    """schema.org metadata of the publication (JSON-LD, a data block: no script runs)."""
    p = reflow.inputs.content.publication
    publisher = {"@type": "Organization", "name": p.publisher}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Book",
        "name": title,
        "alternativeHeadline": p.subtitle,
        "description": p.description,
        "inLanguage": p.language,
        "publisher": publisher,
        "author": publisher,
        "bookEdition": f"{edition.name} edition, {p.edition}" if edition is not None else p.edition,
        "version": p.version,
        "datePublished": reflow.inputs.built.strftime("%Y-%m-%d"),
        "keywords": ", ".join(p.keywords),
        "creativeWorkStatus": "Draft" if reflow.draft else "Published",
        "accessMode": ["textual", *(["visual"] if edition is not None else [])],
        "accessModeSufficient": ["textual"],
        "accessibilityFeature": ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"],
        "accessibilityHazard": ["none"],
    }
    return data


def zip_files(files: list[tuple[str, bytes]], built: Any) -> bytes:
    return zip_bytes([(name, data, precompressed(name)) for name, data in files], built)


def check_web(data: bytes) -> list[str]:
    """A fast structural check every build runs (axe-core runs in the tests): an index page,
    every page with a lang, one h1, a main landmark, and nothing loaded from another host."""
    problems = []
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    if "index.html" not in names:
        problems.append("no index.html")
    for name in sorted(n for n in names if n.endswith(".html")):
        tree = lxml.html.fromstring(archive.read(name))
        if not tree.get("lang"):
            problems.append(f"{name}: no lang")
        if len(tree.findall(".//h1")) != 1:
            problems.append(f"{name}: {len(tree.findall('.//h1'))} h1 elements (one expected)")
        if tree.find(".//main") is None:
            problems.append(f"{name}: no main landmark")
        for node in tree.iter():
            for attr in ("src", "href"):
                value = node.get(attr, "") if isinstance(node.tag, str) else ""
                if value.startswith(("http:", "//")) or (value.startswith("https:") and node.tag != "a"):
                    problems.append(f"{name}: loads {value} from another host")
            if isinstance(node.tag, str) and (node.get("style") or node.tag == "style"):
                problems.append(f"{name}: inline style (the CSP forbids it)")
    return problems


def write_web(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path``; a web edition is unpacked beside it too (``…-web/``), the old
    folder replaced whole."""
    write_atomic(path, data)
    folder = path.with_name(path.name.removesuffix(".zip"))
    staging = Path(tempfile.mkdtemp(prefix=".web-", dir=path.parent))
    zipfile.ZipFile(io.BytesIO(data)).extractall(staging)
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


WEB = Format(
    name="web",
    title="Web edition (zip)",
    suffix="-web.zip",
    media_type=MEDIA_TYPE,
    make=made_by_reflow(make_web, check_web, "web"),
    writer=write_web,
)

FORMATS = (WEB,)
