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

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
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


def read_pages(pages: Iterable[pikepdf.Page]) -> list[PageContent]:
    """The marked content of each of pikepdf's ``pages`` (their form XObjects included).

    The pages' /Resources are read from the pages themselves: pikepdf.open pushes what a page
    inherits from the page tree down to the page (its default, inherit_page_attributes)."""
    fonts: dict[tuple[int, int], dict[bytes, str] | None] = {}  # shared: every page uses the same fonts
    results = []
    for page in pages:
        result = PageContent()
        _Scanner(result, fonts).scan(page_content(page), page.obj.get("/Resources"), [], 0)
        results.append(result)
    return results


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
    def __init__(self, result: PageContent, fonts: dict[tuple[int, int], dict[bytes, str] | None]) -> None:
        self.result = result
        self.fonts = fonts  # font object (number, generation) → its ToUnicode map

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
                font_map, two_byte = selected[name]
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
                        self.result.text[owner] += "".join(_decode(s, font_map, two_byte) for s in _strings(string))
                    elif token == b"BI":
                        image_end = _INLINE_IMAGE_END.search(data, pos)
                        pos = image_end.end() if image_end else end

    def _form(self, resources: Any, name: bytes, owner: int, depth: int) -> None:
        xobject = _named(resources, "/XObject", name)
        if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
            self.scan(xobject.read_bytes(), xobject.get("/Resources", resources), [owner], depth + 1)

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
