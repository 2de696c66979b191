"""Re-laying out only what changed: the publication as a chain of separately laid-out parts.

Laying out the whole Portrait takes seconds; a designer who edits one paragraph should not wait
for that. So the watcher splits the publication's HTML (rendered by the same templates as a full
build) into parts, one per top-level element of ``<body>`` (the cover, the contents, each section,
each attribute page, the back cover), lays out each part as its own WeasyPrint document and keeps
the laid-out parts in memory, keyed by the hash of their HTML. An edit re-lays out the parts whose
HTML changed; the pages are then combined into one PDF, where WeasyPrint resolves links and
bookmarks over all pages.

What a full layout gets from the whole document, each part is given explicitly:
- its first page number: ``@page :first { counter-reset: page N }`` (N counted from the page counts
  of the parts before it; when a part's page count changes, the parts after it are laid out
  again with their new numbers);
- the running elements (``<div class="running-…">``, carried into the page margins), repeated in
  every part;
- the page numbers that ``target-counter(attr(href url), page)`` (the contents) would look up in
  other parts: written into the links as ``data-page-number`` and shown by a copy of the same CSS
  rule with ``attr(data-page-number)`` in place of ``target-counter()``.

Cutting there is right when each top-level element starts a new page, as the templates arrange
(``.section`` and ``.attribute`` break before, the cover and contents break after, the back cover
is a named page). Should a stylesheet drop such a break, ``join_unbroken`` sees it in the computed
styles and lays the element out together with the part before it. Text directly inside
``<body>`` keeps the body whole. tests/render/test_incremental.py checks that the result is the same
publication as a full build (pages, text, page numbers, links, bookmarks; today even the same
bytes).
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from weasyprint import Document
from weasyprint.text.fonts import FontConfiguration

from portrait.project import Project
from portrait.render.html import environment
from portrait.render.layout import render_document
from portrait.render.renderer import Renderer

if TYPE_CHECKING:
    from portrait.inputs.load import Inputs

RUNNING_CLASS_PREFIX = "running-"
VOID_ELEMENTS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
TARGET_COUNTER = re.compile(r"target-counter\(\s*attr\(\s*href(?:\s+url)?\s*\)\s*,\s*page\s*\)")
# A CSS rule (no nested blocks) whose declarations use target-counter(attr(href), page).
TARGET_COUNTER_RULE = re.compile(r"([^{}@;]+)\{([^{}]*" + TARGET_COUNTER.pattern + r"[^{}]*)\}")
STYLESHEET_LINK = re.compile(r"<link\s+rel=\"stylesheet\"\s+href=\"([^\"]+)\"")
INTERNAL_LINK = re.compile(r"<a\s+href=\"#([^\"]+)\"")


@dataclass(frozen=True)
class SplitHtml:
    """The publication's HTML cut at the top-level elements of its body."""

    head: str  # from the start up to and including <body ...>
    running: str  # the running elements, repeated in every part
    parts: tuple[str, ...]  # one top-level element each, in document order
    tail: str  # </body> and what follows


class _TopLevel(HTMLParser):
    """Finds where each top-level element of <body> starts and ends (as string offsets)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self._line_starts = [0]
        for match in re.finditer("\n", html):
            self._line_starts.append(match.end())
        self.body_start = self.body_end = -1
        self.elements: list[tuple[int, int, str]] = []  # (start, end, class attribute)
        self._depth = 0
        self._current: tuple[int, str] | None = None
        self.loose_text = False  # text directly in <body>, outside any element
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.body_start = self._offset() + len(self.get_starttag_text() or "")
            return
        if self.body_start < 0 or self.body_end >= 0:
            return
        if self._depth == 0:
            self._current = (self._offset(), dict(attrs).get("class") or "")
        if tag not in VOID_ELEMENTS:
            self._depth += 1
        elif self._depth == 0:
            self._close_element(self._offset() + len(self.get_starttag_text() or ""))

    def handle_data(self, data: str) -> None:
        if self.body_start >= 0 and self.body_end < 0 and self._depth == 0 and data.strip():
            self.loose_text = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.body_start >= 0 and self.body_end < 0 and self._depth == 0:
            start = self._offset()
            self._current = (start, dict(attrs).get("class") or "")
            self._close_element(start + len(self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "body":
            self.body_end = self._offset()
            return
        if self.body_start < 0 or self.body_end >= 0 or tag in VOID_ELEMENTS:
            return
        self._depth -= 1
        if self._depth == 0:
            end = self._offset()
            end = self.rawdata.index(">", end) + 1
            self._close_element(end)

    def _close_element(self, end: int) -> None:
        assert self._current is not None
        start, classes = self._current
        self.elements.append((start, end, classes))
        self._current = None


def split_html(html: str) -> SplitHtml:
    found = _TopLevel(html)
    if found.body_start < 0 or found.body_end < 0 or found._depth != 0:
        raise ValueError("the publication's HTML has no well-formed <body>")
    if found.loose_text:
        # Text between the top-level elements belongs to no part: lay out the body whole.
        body = html[found.body_start : found.body_end].strip()
        return SplitHtml(html[: found.body_start], "", (body,), html[found.body_end :])
    running, parts = [], []
    for start, end, classes in found.elements:
        element = html[start:end]
        if any(c.startswith(RUNNING_CLASS_PREFIX) for c in classes.split()):
            running.append(element)
        else:
            parts.append(element)
    return SplitHtml(
        head=html[: found.body_start],
        running="\n".join(running),
        parts=tuple(parts),
        tail=html[found.body_end :],
    )


FORCED_BREAKS = frozenset({"page", "left", "right", "recto", "verso"})


def join_unbroken(split: SplitHtml, documents: list[Document]) -> SplitHtml:
    """``split`` with each part that would not start a new page joined to the part before.

    A full layout starts a new page before an element when it or the element before it forces
    a break, or when their named pages differ (CSS Paged Media). ``documents`` are the parts
    laid out one by one, in which both elements' computed styles can be read.
    """
    groups = [[split.parts[0]]] if split.parts else []
    for index in range(1, len(split.parts)):
        before = _body_child(documents[index - 1], last=True)
        first = _body_child(documents[index], last=False)
        forced = (
            before is None
            or first is None
            or first.style["break_before"] in FORCED_BREAKS
            or before.style["break_after"] in FORCED_BREAKS
            or first.style["page"] != before.style["page"]
        )
        if forced:
            groups.append([split.parts[index]])
        else:
            groups[-1].append(split.parts[index])
    parts = tuple("\n".join(group) for group in groups)
    return split if parts == split.parts else replace(split, parts=parts)


def _body_child(document: Document, last: bool) -> Any:
    """The first box of the part's element on its first page, or the last on its last page.

    Reads WeasyPrint's page boxes (as render.py does); tests/render/test_incremental.py checks it.
    """
    if not document.pages:
        return None
    page = document.pages[-1 if last else 0]
    for html_box in page._page_box.children:
        if getattr(html_box, "element_tag", None) != "html":
            continue
        for body in html_box.children:
            if getattr(body, "element_tag", None) == "body" and body.children:
                return body.children[-1 if last else 0]
    return None


def page_number_rules(head: str, read: Callable[[Path], str]) -> str:
    """Copies of the CSS rules that use ``target-counter(attr(href), page)``, with
    ``attr(data-page-number)`` in its place, from the stylesheets ``head`` links or embeds."""
    sheets = [m.group(1) for m in re.finditer(r"<style>(.*?)</style>", head, re.S)]
    for href in STYLESHEET_LINK.findall(head):
        parts = urlsplit(href)
        if parts.scheme == "file":
            sheets.append(read(Path(unquote(parts.path))))
    rules = []
    for sheet in sheets:
        sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
        for selector, body in TARGET_COUNTER_RULE.findall(sheet):
            rules.append(f"{selector.strip()} {{{TARGET_COUNTER.sub('attr(data-page-number)', body)}}}")
    return "\n".join(rules)


@dataclass(frozen=True)
class Assembled:
    html: str  # the whole publication's HTML, as a full build renders it
    pdf: bytes
    pages: int
    laid_out: int  # parts laid out in this build (the others came from the cache)
    parts: int


class IncrementalRenderer:
    """Lays out the publication part by part, keeping laid-out parts between builds.

    One per watcher. Layouts are cached by the hash of the part's HTML and of the stylesheets,
    fonts and images in templates/ and assets/ (they can change without the HTML changing).
    """

    MAX_CACHED = 96

    def __init__(self, project: Project):
        self.project = project
        self.env = environment(project)
        self._resources = ""
        self.font_config = FontConfiguration()
        self.image_cache: dict[Any, Any] = {}
        self._layouts: OrderedDict[str, Document] = OrderedDict()
        self._anchor_pages: dict[str, int] = {}  # from the last build: a first guess for the next
        self._layout_count = 0

    @property
    def anchor_pages(self) -> dict[str, int]:
        """The page number of every id in the last build's PDF."""
        return dict(self._anchor_pages)

    def render(self, inputs: Inputs, resources_digest: str) -> Assembled:
        """The main Portrait's PDF. ``resources_digest`` hashes templates/ and assets/."""
        # The HTML and the writing (PDF options, font check) are a full build's own, from the
        # Renderer; only the layout differs.
        writer = Renderer(self.project, inputs)
        writer.env = self.env  # keep the compiled templates between builds
        # Parts are laid out from HTML that links its stylesheets (their rules are copied and
        # changed per part); the preview shows it too. The /ID is a full build's: from its HTML.
        html = writer.html(linked=True)
        if resources_digest != self._resources:
            # A stylesheet, font or image changed: WeasyPrint's font and image caches may hold
            # the old files. Layouts made with the old files stay cached under the old digest,
            # so undoing the change is instant.
            self.font_config = FontConfiguration()
            self.image_cache = {}
            self._resources = resources_digest
        split = split_html(html)
        rules = page_number_rules(split.head, lambda p: p.read_text(encoding="utf-8"))
        self._layout_count = 0
        documents = self._settle(split, rules)
        # A part whose first element does not start a new page in a full layout (a stylesheet
        # dropped a break) must share its first page with the part before: lay the two out as
        # one part instead. One round suffices: the boundaries left were all forced.
        joined = join_unbroken(split, documents)
        if joined != split:
            split = joined
            documents = self._settle(split, rules)
        pages = [page for document in documents for page in document.pages]
        combined = documents[0].copy(pages)
        pdf = writer.write(combined, writer.html()).pdf
        return Assembled(html, pdf, len(pages), self._layout_count, len(documents))

    def _settle(self, split: SplitHtml, rules: str) -> list[Document]:
        """Lay out every part with page numbers that agree with the parts' page counts.

        Page numbers depend on page counts, and the contents' numbers on the other parts: lay
        out until nothing moves (once when page counts are unchanged; the cache makes a second
        round cost only the parts whose numbers changed).
        """
        anchor_pages = dict(self._anchor_pages)
        for _ in range(6):
            documents, found = self._layout_parts(split, rules, anchor_pages)
            if found == anchor_pages:
                self._anchor_pages = anchor_pages
                return documents
            anchor_pages = found
        raise RuntimeError("page numbers did not settle after 6 rounds of layout")

    def _layout_parts(
        self, split: SplitHtml, rules: str, anchor_pages: dict[str, int]
    ) -> tuple[list[Document], dict[str, int]]:
        documents: list[Document] = []
        found: dict[str, int] = {}
        number = 1
        for part in split.parts:
            html = self._part_html(split, part, number, rules, anchor_pages)
            document = self._layout(html)
            for index, page in enumerate(document.pages):
                for anchor in page.anchors:
                    found.setdefault(anchor, number + index)
            documents.append(document)
            number += len(document.pages)
        return documents, found

    def _part_html(self, split: SplitHtml, part: str, first_page: int, rules: str, anchor_pages: dict[str, int]) -> str:
        style = f"@page :first {{ counter-reset: page {first_page} }}"
        if rules and INTERNAL_LINK.search(part):
            style += "\n" + rules

            def numbered(match: re.Match[str]) -> str:
                page = anchor_pages.get(match.group(1))
                return match.group(0) if page is None else f'{match.group(0)} data-page-number="{page}"'

            part = INTERNAL_LINK.sub(numbered, part)
        head = split.head.replace("</head>", f"<style>{style}</style>\n</head>", 1)
        return f"{head}\n{split.running}\n{part}\n{split.tail}"

    def _layout(self, html: str) -> Document:
        key = hashlib.sha256(f"{self._resources}\n{html}".encode()).hexdigest()
        document = self._layouts.get(key)
        if document is not None:
            self._layouts.move_to_end(key)
            return document
        document = render_document(
            html,
            self.project.templates,
            self.project.readable_roots,
            font_config=self.font_config,
            cache=self.image_cache,
        )
        self._layout_count += 1
        self._layouts[key] = document
        while len(self._layouts) > self.MAX_CACHED:
            self._layouts.popitem(last=False)
        return document
