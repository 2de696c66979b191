"""Page content read operator by operator: what is painted outside marked content, and the text
of each marked-content sequence.

PDF/UA-1 asks that every piece of content is either real content (a marked-content sequence with
an MCID that the structure tree reaches) or an artifact (Matterhorn checkpoint 01-003). Finding
paints outside any marked-content sequence needs the content streams read operator by operator;
the text of each sequence is what a screen reader reads for the structure element that owns it.

A scanner of its own rather than a parser's list of operators: the preflight runs on every file the
build writes, and a parser makes an object of every operand of every operator (pypdf's, in Python,
took about 0.3 s for the 16-page Portrait). This one lets a regular expression skip what it does
not need (numbers, colours, positions) and reads only strings, marked-content operators, fonts and
paints. The pages and their resources are pikepdf's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pikepdf

# A transformation matrix [a b c d e f] (ISO 32000-1 8.3.4), as the page content gives it.
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def matrix(operands: Any) -> Matrix:
    """The six numbers of a ``cm`` operator or a ``/Matrix`` entry."""
    a, b, c, d, e, f = (float(v) for v in operands)
    return (a, b, c, d, e, f)


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n``: the matrix that a ``cm`` of ``m`` makes of the current matrix ``n``."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


MAX_FORM_DEPTH = 8

_WHITE = rb"\x00\t\n\x0c\r "
_WS = rb"[\x00\t\n\x0c\r ]+"
_REGULAR = rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]"
_AFTER_DELIMITER = rb"(?<![^\x00\t\n\x0c\r ()<>\[\]{}%])"  # not inside a name, number or keyword
_END = rb"(?!" + _REGULAR + rb")"
# A literal string with up to two levels of balanced parentheses inside (deeper nesting does not
# occur in real files; unbalanced ones are written escaped).
_LITERAL = rb"\((?:[^()\\]|\\.|\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))*\)"
_HEX = rb"<[0-9A-Fa-f\x00\t\n\x0c\r ]*>"
_NUMBER = rb"[-+]?(?:\d+\.?\d*|\.\d+)"
# The tokens the scanner needs. Everything between them (numbers, names, other operators) is
# skipped, which is safe because strings (whose bytes could look like operators) are tokens, and
# an operator must start after white space or a delimiter other than "/" (so /S is not S).
_TOKEN = re.compile(
    b"|".join(
        [
            rb"%[^\r\n]*",  # a comment
            rb"(?P<array>\[(?:[^\]()]|" + _LITERAL + rb")*\])",
            rb"(?P<string>" + _LITERAL + b"|" + _HEX + b")",
            rb"/MCID" + _WS + rb"(?P<mcid>\d+)",
            b"/(?P<font>" + _REGULAR + b"+)" + _WS + _NUMBER + _WS + b"Tf" + _END,
            b"/(?P<xobject>" + _REGULAR + b"+)" + _WS + b"Do" + _END,
            _AFTER_DELIMITER + rb"(?P<operator>BDC|BMC|EMC|BI|Tj|TJ|sh|f\*?|F|S|s|B\*?|b\*?|'|\")" + _END,
        ]
    ),
    re.DOTALL,
)
_TEXT_SHOWS = frozenset({b"Tj", b"TJ", b"'", b'"'})
_HEX_BODY = re.compile(rb"<([0-9A-Fa-f\x00\t\n\x0c\r ]*)>")
_STRING = re.compile(rb"(?P<literal>" + _LITERAL + rb")|(?P<hex>" + _HEX + rb")", re.DOTALL)
_INLINE_IMAGE_END = re.compile(rb"[" + _WHITE + rb"]EI(?=[" + _WHITE + rb"]|$)")
_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(\r\n|[\r\n])|(.))", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass
class PageContent:
    # Operators that paint (Do, sh, TJ, f, S, BI...) outside any marked-content sequence.
    unmarked: list[str] = field(default_factory=list)
    text: dict[int, str] = field(default_factory=dict)  # MCID → its text, in drawing order


@dataclass
class Lookups:
    """What a scan read from a content stream's resources, and what it found there: the whole of
    what its result depends on besides the stream's bytes. A stream scanned again with resources
    that answer each lookup the same way gives the same ``PageContent``.

    ``fonts``: name → (its ToUnicode map, whether it is a composite font, the codes the stream
    shows that the map lacks); ``forms``: name → None when it is no form XObject, else the hash
    of the form's content and what the form's scan looked up in turn."""

    fonts: dict[bytes, tuple[dict[bytes, str] | None, bool, frozenset[bytes]]] = field(default_factory=dict)
    forms: dict[bytes, tuple[bytes, Lookups] | None] = field(default_factory=dict)


@dataclass(frozen=True)
class KnownPage:
    """A page scanned once in another file (a joined edition's body page, in the body): its
    content, the hash of the bytes scanned, what the scan looked up, and the one change the join
    may make to it: content streams before and after the page's own (``wrap``), which paint
    nothing outside an artifact, read no font and name no form in a marked-content sequence."""

    content: PageContent
    digest: bytes
    lookups: Lookups
    wrap: tuple[bytes, bytes]


def read_pages(pages: Iterable[pikepdf.Page], known: dict[int, KnownPage] | None = None) -> list[PageContent]:
    """The marked content of each of pikepdf's ``pages`` (their form XObjects included).

    The pages' /Resources are read from the pages themselves: pikepdf.open pushes what a page
    inherits from the page tree down to the page (its default, inherit_page_attributes).

    ``known``: pages (by index) scanned before in another file. Such a page is not scanned again
    if it is that page: the same content bytes, wrapped as ``KnownPage.wrap`` says, and resources
    that answer the scan's every lookup as before. Any other page is scanned."""
    fonts: dict[tuple[int, int], dict[bytes, str] | None] = {}  # shared: every page uses the same fonts
    results = []
    for index, page in enumerate(pages):
        before = known.get(index) if known else None
        if before is not None and _is_known(page, before, fonts):
            results.append(before.content)
            continue
        result = PageContent()
        _Scanner(result, fonts).scan(page_content(page), page.obj.get("/Resources"), [], 0)
        results.append(result)
    return results


def scan_pages(pages: Iterable[pikepdf.Page]) -> list[KnownPage | None]:
    """Each page scanned as ``read_pages`` does, with what it looked up: a ``KnownPage`` for
    ``read_pages`` to reuse where the same page is in another file, wrapped by
    ``(b"", b"")`` until ``KnownPage.wrap`` is set; None for a page whose scan cannot be reused
    (its marked-content sequences are not closed at its end: what follows it would change)."""
    fonts: dict[tuple[int, int], dict[bytes, str] | None] = {}
    found: list[KnownPage | None] = []
    for page in pages:
        result, lookups = PageContent(), Lookups()
        data = page_content(page)
        marks: list[int | None] = []
        _Scanner(result, fonts, lookups).scan(data, page.obj.get("/Resources"), marks, 0)
        found.append(KnownPage(result, _digest(data), lookups, (b"", b"")) if not marks else None)
    return found


def known_to_json(pages: list[KnownPage | None]) -> list[Any]:
    """``pages`` (as ``scan_pages`` gives them, unwrapped) as JSON values, for a cache on disk:
    ``known_from_json`` reads them back. The text maps of fonts are written once each."""
    maps: list[dict[str, str]] = []
    index: dict[int, int] = {}

    def lookups(found: Lookups) -> dict[str, Any]:
        fonts = []
        for name, (font_map, two_byte, missing) in found.fonts.items():
            if font_map is not None and id(font_map) not in index:
                index[id(font_map)] = len(maps)
                maps.append({code.hex(): text for code, text in font_map.items()})
            where = index[id(font_map)] if font_map is not None else None
            fonts.append([name.hex(), where, two_byte, sorted(code.hex() for code in missing)])
        forms = [
            [name.hex(), None if form is None else [form[0].hex(), lookups(form[1])]]
            for name, form in found.forms.items()
        ]
        return {"fonts": fonts, "forms": forms}

    encoded: list[Any] = []
    for page in pages:
        if page is None:
            encoded.append(None)
            continue
        content = {"unmarked": page.content.unmarked, "text": [[k, v] for k, v in page.content.text.items()]}
        encoded.append({"content": content, "digest": page.digest.hex(), "lookups": lookups(page.lookups)})
    return [maps, encoded]


def known_from_json(data: Any) -> list[KnownPage | None]:
    """What ``known_to_json`` wrote. Raises ValueError, KeyError or TypeError if it is not that."""
    maps_data, pages = data
    maps = [{bytes.fromhex(code): _str(text) for code, text in entries.items()} for entries in maps_data]

    def lookups(found: dict[str, Any]) -> Lookups:
        fonts: dict[bytes, tuple[dict[bytes, str] | None, bool, frozenset[bytes]]] = {}
        for name, where, two_byte, missing in found["fonts"]:
            font_map = maps[where] if where is not None else None
            fonts[bytes.fromhex(name)] = (font_map, bool(two_byte), frozenset(bytes.fromhex(c) for c in missing))
        forms: dict[bytes, tuple[bytes, Lookups] | None] = {}
        for name, form in found["forms"]:
            forms[bytes.fromhex(name)] = None if form is None else (bytes.fromhex(form[0]), lookups(form[1]))
        return Lookups(fonts, forms)

    known: list[KnownPage | None] = []
    for page in pages:
        if page is None:
            known.append(None)
            continue
        content = PageContent([_str(op) for op in page["content"]["unmarked"]])
        content.text = {int(mcid): _str(text) for mcid, text in page["content"]["text"]}
        known.append(KnownPage(content, bytes.fromhex(page["digest"]), lookups(page["lookups"]), (b"", b"")))
    return known


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a string: {value!r}")
    return value


def wrapped(pages: list[KnownPage | None], head: bytes, tail: bytes) -> list[KnownPage | None]:
    """``pages`` as another file holds them with content streams ``head`` and ``tail`` around
    their own (a joined edition's body pages, around which the join paints the footer line).
    Checked here rather than trusted: the wrap must paint nothing outside a marked-content
    sequence, show no text, look up nothing, and close what it opens. Otherwise no page is known."""
    for data in (head, head + b"\n" + tail + b"\n"):
        result, lookups = PageContent(), Lookups()
        marks: list[int | None] = []
        _Scanner(result, {}, lookups).scan(data, pikepdf.Dictionary(), marks, 0)
        if result.unmarked or result.text or lookups.fonts or lookups.forms or marks:
            return [None for _ in pages]
    return [replace(page, wrap=(head, tail)) if page is not None else None for page in pages]


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _is_known(page: pikepdf.Page, known: KnownPage, fonts: dict[tuple[int, int], dict[bytes, str] | None]) -> bool:
    """Whether scanning ``page`` would give ``known.content``: its content is the known bytes
    inside the known wrap, and its resources answer every lookup of the known scan alike."""
    contents = page.obj.get("/Contents")
    streams: list[Any] = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    if not all(isinstance(s, pikepdf.Stream) for s in streams):
        return False
    head, tail = known.wrap
    if head or tail:
        if len(streams) < 3 or streams[0].read_bytes() != head or streams[-1].read_bytes() != tail:
            return False
        streams = streams[1:-1]
    # The bytes a scan of the page alone reads (page_content): one stream as it is, several each
    # followed by a newline. The wrap is separated from them by newlines too, so no token spans it.
    data = streams[0].read_bytes() if len(streams) == 1 else b"".join(s.read_bytes() + b"\n" for s in streams)
    return _digest(data) == known.digest and _same_lookups(known.lookups, page.obj.get("/Resources"), fonts)


def _same_lookups(lookups: Lookups, resources: Any, fonts: dict[tuple[int, int], dict[bytes, str] | None]) -> bool:
    if not isinstance(resources, pikepdf.Dictionary):
        resources = pikepdf.Dictionary()
    scanner = _Scanner(PageContent(), fonts)
    for name, (font_map, two_byte, missing) in lookups.fonts.items():
        font = _named(resources, "/Font", name)
        if (isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == "/Type0") != two_byte:
            return False
        now = scanner._font_map(font)
        if (now is None) != (font_map is None):
            return False
        if font_map is not None and now is not font_map:
            # A merged font (portrait.finish.fonts) maps more codes: the same text for every code
            # the known scan decoded, and still nothing for those it found no text for.
            assert now is not None
            if any(now.get(code) != text for code, text in font_map.items()) or any(c in now for c in missing):
                return False
    for name, form in lookups.forms.items():
        xobject = _named(resources, "/XObject", name)
        is_form = isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form"
        if form is None or not is_form:
            if (form is None) != (not is_form):
                return False
            continue
        digest, inner = form
        if _digest(xobject.read_bytes()) != digest:
            return False
        if not _same_lookups(inner, xobject.get("/Resources", resources), fonts):
            return False
    return True


def page_content(page: pikepdf.Page) -> bytes:
    """The bytes of a page's content: its stream, or the streams of its array one after another,
    each followed by a newline so that its last token does not run into the next one's first."""
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Stream):
        return contents.read_bytes()
    if isinstance(contents, pikepdf.Array):
        return b"".join(s.read_bytes() + b"\n" for s in contents if isinstance(s, pikepdf.Stream))
    return b""


def painted_xobjects(data: bytes) -> set[str]:
    """The names (``/Name``) of the XObjects a content stream paints with ``Do``. Strings are
    tokens of their own, so text that reads "/x Do" is not taken for a paint."""
    return {"/" + m.group("xobject").decode("latin-1") for m in _TOKEN.finditer(data) if m.lastgroup == "xobject"}


class _Scanner:
    def __init__(
        self,
        result: PageContent,
        fonts: dict[tuple[int, int], dict[bytes, str] | None],
        lookups: Lookups | None = None,
    ) -> None:
        self.result = result
        self.fonts = fonts  # font object (number, generation) → its ToUnicode map
        self.lookups = lookups  # where to note what is looked up in the resources (scan_pages)

    def scan(self, data: bytes, resources: Any, marks: list[int | None], depth: int) -> None:
        """Read one content stream. ``marks`` is the stack of open marked-content sequences:
        their MCIDs, or None for a sequence without one (an artifact, or any sequence inside a
        form XObject, whose MCIDs would not be the page's)."""
        if not isinstance(resources, pikepdf.Dictionary):
            resources = pikepdf.Dictionary()
        font_map: dict[bytes, str] | None = None
        two_byte = False
        # Each font as this stream names it: a page selects a font once per line of text, and
        # looking it up in the resources each time was a fifth of the scan.
        selected: dict[bytes, tuple[dict[bytes, str] | None, bool]] = {}
        font_name: bytes | None = None  # the selected font's name in ``resources``
        string = b""  # the last string or array: the operand of a text-showing operator
        mcid: int | None = None  # an /MCID since the last marked-content operator
        pos, end = 0, len(data)
        while pos < end:
            match = _TOKEN.search(data, pos)
            if match is None:
                break
            pos = match.end()
            kind = match.lastgroup
            if kind in ("array", "string"):
                string = match.group()
            elif kind == "mcid":
                mcid = int(match.group(kind))
            elif kind == "font":
                name = match.group(kind)
                if name not in selected:
                    font = _named(resources, "/Font", name)
                    is_type0 = isinstance(font, pikepdf.Dictionary) and font.get("/Subtype") == "/Type0"
                    selected[name] = (self._font_map(font), is_type0)
                    if self.lookups is not None and name not in self.lookups.fonts:
                        self.lookups.fonts[name] = (selected[name][0], is_type0, frozenset())
                font_map, two_byte = selected[name]
                font_name = name
            elif kind == "xobject":
                if not marks:
                    self.result.unmarked.append("Do")
                owner = _innermost_mcid(marks)
                if owner is not None and depth < MAX_FORM_DEPTH:
                    # Text a form paints inside a sequence belongs to that sequence. (A form
                    # painted outside one is already an unmarked Do; in an artifact it is art.)
                    self._form(resources, match.group(kind), owner, depth)
            elif kind == "operator":
                token = match.group(kind)
                if token in (b"BDC", b"BMC"):
                    own = mcid if token == b"BDC" and depth == 0 else None
                    marks.append(own)
                    if own is not None:
                        self.result.text.setdefault(own, "")
                    mcid = None
                elif token == b"EMC":
                    if marks:
                        marks.pop()
                else:
                    if not marks:
                        self.result.unmarked.append(token.decode("latin-1"))
                    owner = _innermost_mcid(marks)
                    if token in _TEXT_SHOWS and owner is not None:
                        shown = _strings(string)
                        self.result.text[owner] += "".join(_decode(s, font_map, two_byte) for s in shown)
                        if self.lookups is not None and font_map is not None and font_name is not None:
                            self._note_missing(font_name, font_map, two_byte, shown)
                    elif token == b"BI":
                        image_end = _INLINE_IMAGE_END.search(data, pos)
                        pos = image_end.end() if image_end else end

    def _form(self, resources: Any, name: bytes, owner: int, depth: int) -> None:
        xobject = _named(resources, "/XObject", name)
        is_form = isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form"
        if self.lookups is not None and name in self.lookups.forms:
            # Scanned again: its lookups are noted already (the same form, the same resources).
            outer, self.lookups = self.lookups, None
            if is_form:
                self.scan(xobject.read_bytes(), xobject.get("/Resources", resources), [owner], depth + 1)
            self.lookups = outer
            return
        if not is_form:
            if self.lookups is not None:
                self.lookups.forms[name] = None
            return
        data = xobject.read_bytes()
        if self.lookups is None:
            self.scan(data, xobject.get("/Resources", resources), [owner], depth + 1)
            return
        outer, inner = self.lookups, Lookups()
        outer.forms[name] = (_digest(data), inner)
        self.lookups = inner
        try:
            self.scan(data, xobject.get("/Resources", resources), [owner], depth + 1)
        finally:
            self.lookups = outer

    def _note_missing(self, name: bytes, font_map: dict[bytes, str], two_byte: bool, shown: list[bytes]) -> None:
        """Note the codes of ``shown`` that font ``name``'s map has no text for."""
        assert self.lookups is not None
        width = 2 if two_byte else 1
        missing = {s[i : i + width] for s in shown for i in range(0, len(s), width)} - font_map.keys()
        if missing:
            kept, type0, before = self.lookups.fonts[name]
            self.lookups.fonts[name] = (kept, type0, before | missing)

    def _font_map(self, font: Any) -> dict[bytes, str] | None:
        if not isinstance(font, pikepdf.Dictionary):
            return None
        if not font.is_indirect:  # a font written inline has no number to remember its map by
            return _to_unicode(font)
        if font.objgen not in self.fonts:
            self.fonts[font.objgen] = _to_unicode(font)
        return self.fonts[font.objgen]


def _to_unicode(font: pikepdf.Dictionary) -> dict[bytes, str] | None:
    unicode_map = font.get("/ToUnicode")
    return _parse_to_unicode(unicode_map.read_bytes()) if isinstance(unicode_map, pikepdf.Stream) else None


def _named(resources: pikepdf.Dictionary, category: str, name: bytes) -> Any:
    entries = resources.get(category)
    return entries.get("/" + name.decode("latin-1")) if isinstance(entries, pikepdf.Dictionary) else None


def _innermost_mcid(marks: list[int | None]) -> int | None:
    for mark in reversed(marks):
        if mark is not None:
            return mark
    return None


def _strings(operand: bytes) -> list[bytes]:
    """The bytes of the strings in ``operand`` (a string, or an array of strings and numbers)."""
    if b"(" not in operand:
        # Hex strings only, as WeasyPrint writes text (one string per glyph): read together.
        bodies = _HEX_BODY.findall(operand)
        joined = b"".join(bodies)
        if all(len(body) % 2 == 0 for body in bodies) and not re.search(rb"[^0-9A-Fa-f]", joined):
            return [bytes.fromhex(joined.decode())]
    found: list[bytes] = []
    for match in _STRING.finditer(operand):
        if match.lastgroup == "hex":
            digits = re.sub(rb"[^0-9A-Fa-f]", b"", match.group()[1:-1])
            found.append(bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()))
        else:
            found.append(_ESCAPE.sub(_unescape, match.group()[1:-1]))
    return found


def _unescape(match: re.Match[bytes]) -> bytes:
    octal, newline, char = match.groups()
    if octal:
        return bytes([int(octal, 8) & 0xFF])
    if newline:
        return b""  # a line continuation
    return _ESCAPES.get(char, char)


def _decode(string: bytes, font_map: dict[bytes, str] | None, two_byte: bool) -> str:
    width = 2 if two_byte else 1
    if font_map is None:
        # No ToUnicode: a simple font's codes are close enough to Latin-1 for the rules that read
        # text (punctuation); a composite font's codes mean nothing without a map.
        return "" if two_byte else string.decode("latin-1")
    return "".join(font_map.get(string[i : i + width], "") for i in range(0, len(string), width))


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.DOTALL)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.DOTALL)
_CHAR_ENTRY = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_RANGE_ENTRY = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])")


def _parse_to_unicode(cmap: bytes) -> dict[bytes, str]:
    """A ToUnicode CMap's bfchar and bfrange entries: character code → text."""
    mapping: dict[bytes, str] = {}
    for block in _BFCHAR.findall(cmap):
        for code, text in _CHAR_ENTRY.findall(block):
            if len(code) % 2 == 0 and len(text) % 2 == 0:
                mapping[bytes.fromhex(code.decode())] = _utf16(bytes.fromhex(text.decode()))
    for block in _BFRANGE.findall(cmap):
        for low_hex, high_hex, target in _RANGE_ENTRY.findall(block):
            low, high = int(low_hex, 16), int(high_hex, 16)
            width = (max(len(low_hex), len(high_hex)) + 1) // 2
            if not 0 <= high - low <= 0xFFFF:
                continue  # not a range a real font has; refuse to expand it
            if target.startswith(b"["):
                texts = [_utf16(bytes.fromhex(h.decode())) for h in re.findall(rb"<((?:[0-9A-Fa-f]{2})+)>", target)]
                for offset, text in enumerate(texts[: high - low + 1]):
                    mapping[(low + offset).to_bytes(width, "big")] = text
            elif len(target) % 2 == 0:
                first = bytes.fromhex(target[1:-1].decode())
                base = int.from_bytes(first, "big")
                for offset in range(high - low + 1):
                    value = (base + offset) % (1 << (8 * len(first)))
                    mapping[(low + offset).to_bytes(width, "big")] = _utf16(value.to_bytes(len(first), "big"))
    return mapping


def _utf16(value: bytes) -> str:
    return value.decode("utf-16-be", "replace")
