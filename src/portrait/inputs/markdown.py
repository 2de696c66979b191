"""The Markdown subset allowed in text fields: paragraphs, emphasis, links and lists.

Every printed text field gets the same typography: curly quotes and apostrophes, en and em dashes
from ``--`` and ``---``, an ellipsis from ``...``. Markdown fields get it from markdown-it's
typographer (``to_html``); plain-text fields from ``typeset``, which runs the same two markdown-it
rules (``smartquotes``, ``replacements``) and nothing else, so ``*`` or ``[`` stay as written.

Raw HTML is shown as text, never rendered. Images, headings, code and tables are refused with a
message (the layout has no style for them in running text; a table printed as rows of pipes would
look like a mistake), and so are links that are not ``https:``, ``mailto:`` or a ``#section`` of
the document: text must never make the renderer fetch anything, and a published link is never
unencrypted ``http:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_SCHEMES = ("https:", "mailto:")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_REFUSED_RULES = {
    "image": "images are not allowed in text; use a figure in the content file",
    "heading": "headings (#) are not allowed in text; the section title is the heading",
    "lheading": "headings (underlined with = or -) are not allowed in text",
    "fence": "code blocks are not allowed in text",
    "code_block": "indented code blocks are not allowed in text; remove the indentation",
    "table": "tables are not allowed in text; write the rows as a list, or ask for a table section kind",
}


@dataclass(frozen=True)
class RichText:
    """A text field: the Markdown the author wrote and the safe HTML made from it."""

    source: str
    html: Markup

    def __str__(self) -> str:
        return self.source

    def __html__(self) -> str:
        return str(self.html)


class PlainText(str):
    """A plain-text field after ``typeset``: printed as it is, Markdown syntax included.

    A ``str`` subclass so that checks after validation (content.py's warnings) can tell a plain
    field from a Markdown field (``RichText``) or an identifier (``str``)."""

    __slots__ = ()


@lru_cache(maxsize=1)
def _typesetter() -> MarkdownIt:
    # "zero": no Markdown rule at all, only plain text; then the typographer's two rules.
    return MarkdownIt("zero", {"typographer": True}).enable(["replacements", "smartquotes"])


def typeset(text: str) -> PlainText:
    """``text`` with the typography of the Markdown fields (quotes, dashes), nothing else."""
    if not text:
        return PlainText(text)
    (inline,) = _typesetter().parseInline(text)
    return PlainText("".join(child.content for child in inline.children or []))


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": True})
    # Tables are parsed (the commonmark preset would print them as lines of pipes) so that
    # ``_check`` can refuse them with a message.
    md.enable(["replacements", "smartquotes", "table"])
    md.disable(["html_block", "html_inline"])
    # Links are checked by ``_check`` with a clear message; let the parser keep every href so the
    # check sees it (markdown-it would otherwise silently drop some schemes).
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def to_html(source: str, *, inline: bool = False) -> RichText:
    """Convert ``source``; raise ValueError (a pydantic-friendly error) if it is outside the subset."""
    md = _parser()
    tokens = md.parseInline(source) if inline else md.parse(source)
    _check(tokens)
    html = md.renderer.render(tokens, md.options, {})
    return RichText(source, Markup(html.strip()))


def _check(tokens: list[Any]) -> None:
    for token in tokens:
        kind = token.type.removesuffix("_open")
        if kind in _REFUSED_RULES:
            raise ValueError(_REFUSED_RULES[kind])
        if token.type == "link_open":
            check_link(str(token.attrs.get("href", "")))
        if token.children:
            _check(token.children)


def check_link(href: str) -> None:
    if href.startswith("#"):
        return
    lowered = href.strip().lower()
    if lowered.startswith(ALLOWED_SCHEMES):
        return
    if lowered.startswith("http:"):
        raise ValueError(f"link `{href}` uses http:; links in text must use https: (or mailto: or #section)")
    if _SCHEME.match(lowered):
        raise ValueError(f"link `{href}` uses a scheme that is not allowed; use https:, mailto: or #section")
    raise ValueError(f"link `{href}` is a relative path; links in text may only go to https:, mailto: or a #section")
