"""The shared body of the district editions, kept on disk between runs.

Every district edition joins its own pages to the same body (the Portrait's pages from contents
to colophon, written without the district's footer line; see portrait.render.renderer and
portrait.finish.assemble). Laying that body out and writing it is most of the fixed cost of a
``district`` run, and its inputs rarely change between two runs. So the written body is kept in
``output/.cache/body/<variant>.bin`` with what an edition needs from the body's layout besides the
PDF: its page count and the anchors on its pages (an edition's foreword may link to them), and its
pages scanned for the check by parts (portrait.content_stream.scan_pages), so that they are
scanned once per key.

The key is the shared inputs' key (portrait.publish.cache.input_key without content/districts/:
content, templates, assets, the portrait package's own files, the build date, the versions of
Python, WeasyPrint and pydyf), the variant, and this file's format version. An entry is used only
if its key matches and its PDF's hash is the one recorded with it; anything else (a stale entry,
a truncated or corrupt file, a file from an older format) is ignored and the body is laid out
again. Each entry is one file, written atomically (portrait.publish.atomic): a reader sees an old
entry or a new one, never a mix of two.

Like portrait.publish.cache, this module imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from portrait.errors import InputError
from portrait.project import Project
from portrait.publish.atomic import write_atomic
from portrait.publish.cache import CACHE_FOLDER
from portrait.render.shared_body import SharedBody

# Bump when what is stored, or how it is made, changes without a change to the package's files
# (which are part of the key already).
FORMAT = "portrait-body-2"
FOLDER = "body"


def body_key(shared: str | None, variant: str) -> str | None:
    """The key of the body of ``variant`` built from shared inputs with key ``shared`` (None: a
    build dated 'now', never reused)."""
    if shared is None:
        return None
    digest = hashlib.sha256()
    for part in (f"format={FORMAT}", f"shared={shared}", f"variant={variant}"):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


@dataclass(frozen=True)
class BodyStore:
    """The kept body of one variant, under one key. ``read`` gives it back only if it is whole and
    made from the same inputs; ``write`` replaces whatever was kept for the variant. A store that
    does not ``reuse`` (``--force``) reads nothing but still keeps what is written."""

    path: Path
    key: str | None
    reuse: bool = True

    @classmethod
    def of(cls, project: Project, variant: str, shared: str | None, reuse: bool = True) -> BodyStore:
        return cls(project.output / CACHE_FOLDER / FOLDER / f"{variant}.bin", body_key(shared, variant), reuse)

    def read(self) -> SharedBody | None:
        if self.key is None or not self.reuse:
            return None
        try:
            data = self.path.read_bytes()
        except OSError:
            return None
        return _decode(data, self.key)

    def write(self, body: SharedBody) -> None:
        if self.key is None:
            return
        # A cache: when it cannot be written (write_atomic says why), the next run lays the body out again.
        with contextlib.suppress(OSError, InputError):
            write_atomic(self.path, _encode(body, self.key))


def _encode(body: SharedBody, key: str) -> bytes:
    header: dict[str, object] = {
        "format": FORMAT,
        "key": key,
        "sha256": hashlib.sha256(body.pdf).hexdigest(),
        "size": len(body.pdf),
        "pages": body.pages,
        "anchors": list(body.anchors),
    }
    if body.scanned is not None:
        from portrait.content_stream import known_to_json

        header["scanned"] = known_to_json(list(body.scanned))
    return json.dumps(header, sort_keys=True).encode() + b"\n" + body.pdf


def _decode(data: bytes, key: str) -> SharedBody | None:
    """The body in ``data`` if it is a whole entry of this format under ``key``, else None."""
    line, newline, pdf = data.partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(line)
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key:
            return None
        pages, anchors = header["pages"], header["anchors"]
        whole = header["size"] == len(pdf) and header["sha256"] == hashlib.sha256(pdf).hexdigest()
    except (ValueError, KeyError, TypeError):
        return None
    if not whole or type(pages) is not int or pages < 1 or not isinstance(anchors, list):
        return None
    if not all(isinstance(a, str) for a in anchors):
        return None
    from portrait.content_stream import known_from_json

    try:  # the body's pages scanned for the check by parts: scanned again if they are not whole
        scanned = tuple(known_from_json(header["scanned"])) if "scanned" in header else None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        scanned = None
    return SharedBody(pdf, pages, tuple(anchors), scanned)
