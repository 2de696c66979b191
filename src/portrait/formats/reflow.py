"""What the web and EPUB editions share: the publication cut into reading documents, rendered by
the same Jinja section templates as the PDF (``templates/sections/``, ``partials/blocks``,
``partials/foreword``), with a reflowable stylesheet (``templates/styles/reflow.css``), the brand's
fonts as WOFF2 subsets, and the printed page of each section (for the EPUB's page-list).

One ``Reflow`` per project and inputs: the shared work (stylesheet, font subsets, the page map)
is done once, and each edition only renders its documents.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import lxml.html
from lxml import etree

from portrait.errors import BuildError
from portrait.inputs.brand import color_tokens, css_family, font_files
from portrait.project import Project
from portrait.render.html import Page, document_title, draft_context, environment

if TYPE_CHECKING:
    from weasyprint import Document

    from portrait.formats import Made
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.district import Edition
    from portrait.inputs.load import Inputs

STYLESHEET = "reflow.css"
# Fallback families after the brand's own (a reader's device may refuse web fonts).
_FALLBACK = {"sans": "system-ui, sans-serif", "display": "system-ui, sans-serif", "serif": "Georgia, serif"}
# Characters every subset keeps, besides those of the content: printable ASCII and Latin-1, so
# that most districts' names need no subset of their own.
_BASE_CHARS = frozenset(range(0x20, 0x7F)) | frozenset(range(0xA0, 0x100)) | frozenset(map(ord, "‘’“”–—…·•→"))
_LOGO_TYPES = {"svg": ("svg", "image/svg+xml"), "png": ("png", "image/png"), "jpeg": ("jpg", "image/jpeg")}


@dataclass(frozen=True)
class Doc:
    """One reading document: a web page, an EPUB content document."""

    id: str  # the file's stem; also the id of its first anchor's document
    title: str  # for <title>, the nav and the landmarks
    role: str  # "cover", "frontmatter", "bodymatter", "backmatter"
    body: str  # HTML as the templates render it (links not yet pointed at other files)
    shared: bool = False  # the same in every edition: its template does not read `edition`


@dataclass(frozen=True)
class Asset:
    path: str  # inside the edition (images/logo.svg, fonts/x.woff2)
    data: bytes
    media_type: str


def page_label_text(label: Any) -> str:
    """A page label (portrait.finish.page_labels.PageLabel) as a viewer shows it."""
    if label.style == "decimal":
        return f"{label.prefix}{label.number}"
    if label.style == "roman":
        return f"{label.prefix}{_roman(label.number)}"
    return str(label.prefix)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l")):
        while n >= value:
            out, n = out + letters, n - value
    for value, letters in ((40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


class Reflow:
    """Renders the reading documents of the Portrait and its district editions."""

    def __init__(
        self,
        project: Project,
        inputs: Inputs,
        page_map: dict[str, str] | None = None,
        *,
        disk_cache: bool = True,
        layout: Callable[[], Document] | None = None,
    ):
        """``page_map``: the printed page of each anchor, if known (see ``page_map``);
        ``disk_cache``: keep the page map and font subsets in output/.cache/ (the studio, which
        writes nothing into the project, says no); ``layout``: the screen layout of the Portrait
        that this process has (or will have) anyway, for a page map not kept on disk."""
        self._layout = layout
        self.project = project
        self.inputs = inputs
        self.env = environment(project)
        self._page_map = page_map
        self.disk_cache = disk_cache
        # What every edition shares, made once: the bodies of the sections whose templates do not
        # read the edition, and what a format makes of them (portrait.formats.epub, .web).
        self.memo: dict[Any, Any] = {}

    # -- shared, once per Reflow ------------------------------------------------------------

    @property
    def page_map(self) -> dict[str, str]:
        """The printed page (its label: "Cover", "2", ...) of each anchor that starts a page of
        the screen PDF of the Portrait; see ``page_map``."""
        if self._page_map is None:
            self._page_map = page_map(self.project, self.inputs, self._layout)
        return self._page_map

    def page(self, edition: Edition | None, variant: str) -> Page:
        i = self.inputs
        return Page(i.content, i.brand, i.cover, i.built, edition=edition, variant=variant)

    def title(self, edition: Edition | None) -> str:
        """The title, exactly as the PDF's (a district's name, " (Draft)" while placeholders remain)."""
        return document_title(self.page(edition, "screen"))

    @property
    def draft(self) -> bool:
        """The one rule the PDF follows too (portrait.inputs.content.Content.draft)."""
        return bool(self.inputs.content.draft)

    def tokens(self, edition: Edition | None) -> dict[str, str]:
        """The brand's tokens (and the district's colours) as the stylesheet's var() values."""
        brand = self.inputs.brand
        tokens = color_tokens(brand)
        for role in brand.fonts:
            tokens[f"font-{role}"] = f'"{css_family(role)}", {_FALLBACK.get(role, "sans-serif")}'
        navy = brand.hexes.get("navy", "#1f2a5a")
        tokens.update(
            {
                "color-district": navy,
                "color-district-text": navy,
                "color-district-fill": navy,
                "color-district-on": "#ffffff",
                "color-district-2": navy,
            }
        )
        if edition is not None:
            tokens.update(dict(re.findall(r"--([a-z0-9-]+):\s*([^;]+);", edition.css)))
        return tokens

    def stylesheet(self, fmt: str, edition: Edition | None) -> str:
        """``templates/styles/reflow.css`` (and ``<fmt>.css`` when there is one) with every
        var() written out: EPUB reading systems do not all know custom properties."""
        tokens = self.tokens(edition)
        key = ("css", fmt, tuple(sorted(tokens.items())))
        if key in self.memo:
            return str(self.memo[key])
        parts = []
        for name in (STYLESHEET, f"{fmt}.css"):
            path = self.project.templates / "styles" / name
            if path.is_file():
                parts.append(path.read_text(encoding="utf-8"))
        css = self.font_faces() + "\n".join(parts)

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in tokens:
                raise BuildError(f"templates/styles/{STYLESHEET}: var(--{name}) is not a brand token")
            return tokens[name]

        self.memo[key] = re.sub(r"var\(--([a-z0-9-]+)\)", value, css)
        return str(self.memo[key])

    def font_faces(self) -> str:
        faces = []
        for role, family in self.inputs.brand.fonts.items():
            for f in family.files:
                faces.append(
                    "@font-face {\n"
                    f'  font-family: "{css_family(role)}";\n'
                    f'  src: url("fonts/{Path(f.file).stem}.woff2") format("woff2");\n'
                    f"  font-weight: {f.weight};\n"
                    f"  font-style: {f.style};\n"
                    "  font-display: swap;\n"
                    "}\n"
                )
        return "".join(faces)

    @cached_property
    def _content_chars(self) -> frozenset[int]:
        text = "".join(lxml.html.fromstring(d.body).text_content() for d in self.documents(None, "epub"))
        return _BASE_CHARS | frozenset(map(ord, text))

    def fonts(self, edition: Edition | None) -> list[Asset]:
        """The brand's fonts as WOFF2 subsets: the content's characters, ASCII and Latin-1, and
        the district's own (a subset is made once per set of characters and kept in
        output/.cache/webfonts/)."""
        chars = self._content_chars
        if edition is not None:
            chars = chars | frozenset(map(ord, _edition_text(edition)))
        key = ("fonts", chars)
        if key not in self.memo:
            self.memo[key] = [
                Asset(f"fonts/{p.stem}.woff2", _woff2_subset(self.project, p, chars, self.disk_cache), "font/woff2")
                for p in font_files(self.project, self.inputs.brand)
            ]
        return list(self.memo[key])

    def _shared_kind(self, kind: str) -> bool:
        """Whether a section kind's template (and the blocks it imports) never reads the edition."""
        key = ("shared-kind", kind)
        if key not in self.memo:
            loader = self.env.loader
            assert loader is not None
            sources = [
                loader.get_source(self.env, n)[0] for n in (f"sections/{kind}.html.j2", "partials/blocks.html.j2")
            ]
            self.memo[key] = not any(re.search(r"\bedition\b", source) for source in sources)
        return bool(self.memo[key])

    def ids_of(self, doc: Doc) -> list[str]:
        """The ids in ``doc`` (kept for a shared document)."""
        key = ("ids", doc.id, doc.shared)
        if doc.shared and key in self.memo:
            return list(self.memo[key])
        ids = [
            node.get("id")
            for element in fragments(doc.body)
            for node in element.iter()
            if isinstance(node.tag, str) and node.get("id")
        ]
        if doc.shared:
            self.memo[key] = ids
        return ids

    # -- per edition --------------------------------------------------------------------------

    def logo(self, edition: Edition | None) -> Asset | None:
        if edition is None:
            return None
        extension, media_type = _LOGO_TYPES[edition.logo_kind]
        data = base64.b64decode(edition.logo_uri.split(",", 1)[1])
        return Asset(f"images/logo.{extension}", data, media_type)

    def documents(self, edition: Edition | None, variant: str) -> list[Doc]:
        """The publication in reading order: cover, foreword, each section, back cover. The
        PDF's contents page is the EPUB's nav and the web edition's contents."""
        logo = self.logo(edition)
        if edition is not None and logo is not None:
            edition = replace(edition, logo_uri=logo.path)
        page = self.page(edition, variant)
        content = self.inputs.content
        context = {
            "publication": content.publication,
            "sections": content.sections,
            "attributes": content.attributes,
            "brand": self.inputs.brand,
            "built": self.inputs.built,
            "edition": edition,
            "document_title": document_title(page),
            "variant": variant,
            **draft_context(content),
        }
        docs = [Doc("cover", content.publication.title, "cover", self._render("cover", context))]
        if edition is not None and edition.foreword:
            docs.append(Doc("foreword", edition.foreword.title, "frontmatter", self._render("foreword", context)))
        for section in content.sections:
            role = "backmatter" if section.kind == "colophon" else "bodymatter"
            shared = self._shared_kind(section.kind)
            key = ("body", variant, section.id)
            if not shared or key not in self.memo:
                body = self._render("section", {**context, "section": section})
                if not shared:
                    docs.append(Doc(section.id, section.title, role, body))
                    continue
                self.memo[key] = body
            docs.append(Doc(section.id, section.title, role, self.memo[key], shared=True))
        docs.append(Doc("back-cover", "Back cover", "backmatter", self._render("back-cover", context)))
        return docs

    def _render(self, chapter: str, context: dict[str, Any]) -> str:
        try:
            return self.env.get_template("reflow/chapter.html.j2").render(chapter=chapter, **context)
        except jinja2.TemplateError as exc:
            raise BuildError(f"templates/reflow: template error: {exc}") from None

    def render(self, template: str, **context: Any) -> str:
        try:
            return self.env.get_template(template).render(**context)
        except jinja2.TemplateError as exc:
            raise BuildError(f"templates/{template}: template error: {exc}") from None


def _edition_text(edition: Edition) -> str:
    parts = [edition.name, edition.footer_name, edition.state or "", edition.cover_line or ""]
    if edition.foreword:
        parts += [edition.foreword.title, str(edition.foreword.body)]
        parts += [f"{s.name} {s.role}" for s in edition.foreword.signed]
    if edition.contact:
        parts += [edition.contact.website or "", edition.contact.email or ""]
    return "".join(parts)


# -- documents as trees ---------------------------------------------------------------------------


def fragments(html: str) -> list[Any]:
    """The elements of an HTML fragment (whitespace between them dropped)."""
    return [e for e in lxml.html.fragments_fromstring(html.strip()) if not isinstance(e, str)]


def link_targets(reflow: Reflow, docs: list[Doc], file_of: dict[str, str]) -> dict[str, str]:
    """Every id in ``docs`` → the file it is in (``file_of``: a document's id → its file name)."""
    return {anchor: file_of[doc.id] for doc in docs for anchor in reflow.ids_of(doc)}


def point_links(elements: list[Any], targets: dict[str, str], here: str) -> None:
    """``#id`` links (the contents', a foreword's) point at the file that holds the id."""
    for element in elements:
        for node in element.iter("a"):
            href = node.get("href", "")
            if href.startswith("#") and href[1:] in targets and targets[href[1:]] != here:
                node.set("href", targets[href[1:]] + href)


def mark_pages(elements: list[Any], labels: dict[str, str]) -> list[str]:
    """Put a page-break marker (``data-pagebreak``; the EPUB writes it as epub:type="pagebreak")
    at the start of the section or article whose anchor starts a printed page; the labels placed."""
    placed = []
    for element in elements:
        for node in list(element.iter()):
            anchor = node.get("id") if isinstance(node.tag, str) else None
            if anchor not in labels:
                continue
            box = node
            while box.getparent() is not None and box.tag not in ("section", "article"):
                box = box.getparent()
            marker = etree.Element("span")
            marker.set("data-pagebreak", labels[anchor])
            marker.set("id", page_id(labels[anchor]))
            box.insert(0, marker)
            marker.tail = box.text
            box.text = None
            placed.append(labels[anchor])
    return placed


def page_id(label: str) -> str:
    return "page-" + re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


# -- the printed pages ----------------------------------------------------------------------------


def page_map(project: Project, inputs: Inputs, layout: Callable[[], Document] | None = None) -> dict[str, str]:
    """The label of the screen PDF's page on which each page's first anchor falls, for the
    Portrait as laid out by the PDF renderer: {"cover": "Cover", "contents": "2", ...}.

    The mapping is per anchor: the ids the templates give sections, attributes and covers. Today
    every printed page starts with one; a page that held no anchor (a section running onto a
    second page) would have no entry. The layout takes a few seconds, so the result is kept in
    output/.cache/page-map/, keyed by the HTML and stylesheets it was laid out from."""
    from portrait.finish.variants import SCREEN
    from portrait.inputs.brand import brand_css
    from portrait.render.html import render_html, stylesheet_files

    # The key is made without loading WeasyPrint (a second of imports): the HTML and CSS the
    # screen Renderer lays out (portrait.render.renderer.Renderer.html and .style_sources).
    i = inputs
    extra = {"notes_pages": max(SCREEN.page_multiple - 1, 0)}
    page = Page(i.content, i.brand, i.cover, i.built, variant=SCREEN.name, extra=extra, linked_stylesheets=False)
    page = replace(page, variant_stylesheets=SCREEN.stylesheets)
    html = render_html(project, page)
    css = brand_css(project, i.brand) + "".join(
        path.read_text(encoding="utf-8") for path in stylesheet_files(project, SCREEN.stylesheets)
    )
    key = hashlib.sha256((html + css).replace(project.root.as_uri(), "").encode()).hexdigest()[:32]
    cache = project.output / ".cache" / "page-map" / f"{key}.json"
    try:
        return dict(json.loads(cache.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        pass
    if layout is None:
        from portrait.render.renderer import Renderer

        layout = lambda: Renderer(project, inputs).shared()[1]  # noqa: E731
    result = page_map_of(layout())
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1), encoding="utf-8")
    tmp.replace(cache)
    return result


def page_map_of(document: Document) -> dict[str, str]:
    """The label of each page of a laid-out WeasyPrint document, by the first anchor on it."""
    from portrait.render.renderer import _page_labels

    result: dict[str, str] = {}
    for page, label in zip(document.pages, _page_labels(document), strict=True):
        if page.anchors:
            result[next(iter(page.anchors))] = page_label_text(label)
    return result


# -- fonts ----------------------------------------------------------------------------------------

_SUBSETS: dict[str, bytes] = {}  # by the font's and the characters' hash


def _woff2_subset(project: Project, path: Path, chars: frozenset[int], disk: bool = True) -> bytes:
    """``path`` subset to ``chars`` as WOFF2 (fontTools; brotli compresses), cached in memory
    and in output/.cache/webfonts/."""
    source = path.read_bytes()
    # "v2": subsets of earlier versions carried the time they were made (head.modified).
    digest = hashlib.sha256(source + b"v2" + ",".join(map(str, sorted(chars))).encode()).hexdigest()[:32]
    if digest in _SUBSETS:
        return _SUBSETS[digest]
    cached = project.output / ".cache" / "webfonts" / f"{path.stem}-{digest}.woff2"
    try:
        if not disk:
            raise FileNotFoundError(cached)
        data = cached.read_bytes()
    except OSError:
        from fontTools import subset
        from fontTools.ttLib import TTFont

        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]  # keep the copyright and licence names
        options.notdef_outline = True
        options.drop_tables = [*options.drop_tables, "FFTM"]
        font = TTFont(path, recalcTimestamp=False)  # no build time in the font: reproducible
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(chars))
        subsetter.subset(font)
        import io

        out = io.BytesIO()
        font.flavor = "woff2"
        font.save(out, reorderTables=False)
        data = out.getvalue()
        if disk:  # a cache: a subset that cannot be kept is made again next time
            from portrait.errors import InputError
            from portrait.publish.atomic import write_atomic

            with contextlib.suppress(OSError, InputError):
                write_atomic(cached, data)
    _SUBSETS[digest] = data
    return data


def made_by_reflow(
    make: Callable[[Reflow, Edition | None], bytes], check: Callable[[bytes], list[str]], profile: str
) -> Callable[[EditionMaker, Edition | None, str], Made]:
    """A reading format's ``Format.make``: its file from the maker's ``Reflow``, then its own
    check (a fast structural one; the standards' checkers, EPUBCheck, Ace and axe-core, run in the
    tests) as a report of one rule."""

    def made(maker: EditionMaker, edition: Edition | None, name: str) -> Made:
        import io
        import zipfile

        from portrait.check.preflight import Report, Result
        from portrait.formats import Made

        data = make(maker.reflow(), edition)
        problems = check(data)
        result = Result("format check", not problems, "; ".join(problems) or f"a sound {profile} file")
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        documents = sum(n.endswith(".xhtml") and not n.endswith("nav.xhtml") or n.endswith(".html") for n in names)
        return Made(data, documents, Report(name, profile, [result]))

    return made
