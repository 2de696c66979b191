"""The one door through which WeasyPrint reads files: only the project's own folders.

Every stylesheet, font and image a template or content file refers to goes through
``ProjectFetcher``. Anything else (the network, ``/etc/passwd``, a symlink out of the project)
stops the build with a message naming the URL.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from portrait.errors import UnsafeResourceError


class RefusedResource(FatalURLFetchingError):  # type: ignore[misc]  # WeasyPrint has no type hints
    """Raised inside WeasyPrint; a BaseException there, so that rendering stops at once."""


class ProjectFetcher(URLFetcher):  # type: ignore[misc]
    def __init__(self, roots: Iterable[Path]):
        super().__init__(allowed_protocols=("file",), fail_on_errors=True)
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.fetched: list[Path] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return _data_response(url)  # bytes carried in the URL itself: nothing is read
        path = self.resolve(url)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise RefusedResource(f"cannot read {path}: {exc.strerror}") from None
        self.fetched.append(path)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body, {"Content-Type": mime})

    def resolve(self, url: str) -> Path:
        """The file ``url`` names, if it is inside one of the roots; refuse anything else."""
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise RefusedResource(f"refused to fetch {url!r}: only files inside the project are read")
        if parts.netloc not in ("", "localhost"):
            raise RefusedResource(f"refused to fetch {url!r}: remote file URL")
        path = Path(unquote(parts.path)).resolve()  # resolves symlinks, so a link cannot escape
        if not any(path.is_relative_to(root) for root in self.roots):
            allowed = ", ".join(str(r) for r in self.roots)
            raise RefusedResource(f"refused to read {path}: outside the project's folders ({allowed})")
        if not path.is_file():
            raise RefusedResource(f"file not found: {path}")
        return path


def _data_response(url: str) -> URLFetcherResponse:
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise RefusedResource(f"malformed data: URL ({url[:40]}...)")
    mime = header.split(";")[0] or "text/plain"
    try:
        body = base64.b64decode(payload, validate=True) if header.endswith(";base64") else unquote(payload).encode()
    except ValueError:
        raise RefusedResource(f"malformed data: URL ({url[:40]}...)") from None
    return URLFetcherResponse(url, body, {"Content-Type": mime})


def as_build_error(exc: FatalURLFetchingError) -> UnsafeResourceError:
    return UnsafeResourceError(str(exc.args[0] if exc.args else exc))
