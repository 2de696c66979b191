"""Paths a person names (on the command line or through the API), checked before any work starts.

A missing file, a folder where a file is expected, a file where a folder is expected, a file that
is not a PDF or a place that cannot be written is the user's mistake, not a bug: each is an
``InputError`` naming the path and the fix (exit 1), never an ``OSError`` escaping as an internal
error. ``os_problem`` turns an ``OSError`` met while writing into the same kind of message, so
that the writer every command uses (``build.atomic.write_atomic``) reports it the same way.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from portrait.errors import InputError, Problem

PDF_MAGIC = b"%PDF-"
# A PDF's header may follow a little junk; readers look in the first kilobyte.
PDF_HEADER_WINDOW = 1024


def input_file(path: Path, what: str = "file") -> Path:
    """``path`` if it is a readable file; else an ``InputError`` saying what is wrong with it."""
    if path.is_dir():
        raise InputError(Problem(str(path), "is a folder, not a file", fix=f"name a {what} inside it"))
    if not path.exists():
        fix = f"check the path (a relative path starts from {Path.cwd()})"
        if path.is_symlink():
            raise InputError(Problem(str(path), "is a symbolic link to a file that does not exist", fix=fix))
        _parent_not_folder(path, f"name a {what} that exists")
        raise InputError(Problem(str(path), "no such file", fix=fix))
    if not os.access(path, os.R_OK):
        raise InputError(Problem(str(path), "cannot be read (permission denied)", fix="make it readable"))
    return path


def pdf_file(path: Path) -> Path:
    """``path`` if it is a readable file that starts as a PDF does."""
    input_file(path, "PDF file")
    try:
        with path.open("rb") as handle:
            head = handle.read(PDF_HEADER_WINDOW)
    except OSError as exc:
        raise InputError(os_problem(exc, path, "read")) from None
    if PDF_MAGIC not in head:
        raise InputError(Problem(str(path), "is not a PDF file (it does not start with %PDF-)", fix="name a PDF file"))
    return path


def output_file(path: Path, probe: bool = False) -> Path:
    """``path`` if a file can be written there: it is not a folder, and the nearest existing
    folder above it is a folder that can be written. ``probe``: also create (and remove) a
    temporary file in that folder, for what permissions do not show (root on a read-only file
    system, /proc): worth it before a long render, not for every file written."""
    if path.is_dir():
        raise InputError(
            Problem(
                str(path),
                "is a folder, not a file",
                fix=f"name a file to write, e.g. {path / 'portrait-of-a-leader.pdf'}",
            )
        )
    if path.exists() and not path.is_file():  # replacing /dev/null or a pipe would break it
        raise InputError(
            Problem(str(path), "is not a regular file (a device, a pipe or a socket)", fix="name a file to write")
        )
    folder = _parent_not_folder(path, "choose a place inside a folder (or move that file away)")
    if folder is not None and not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            Problem(str(folder), "cannot be written (permission denied)", fix="write elsewhere, or make it writable")
        )
    if probe and folder is not None:
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            why, _ = _WHY.get(exc.errno or 0, (exc.strerror or str(exc), ""))
            raise InputError(
                Problem(
                    str(path),
                    f"cannot be written: its folder {folder} takes no new files ({why})",
                    fix="write somewhere else (a folder of yours)",
                )
            ) from None
    return path


def _parent_not_folder(path: Path, fix: str) -> Path | None:
    """The nearest existing folder above ``path``; an ``InputError`` if that is a file instead."""
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(Problem(str(parent), "is a file, not a folder", fix=fix))
            return parent
    return None


_WHY = {
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.EISDIR: ("is a folder, not a file", "name a file"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose a place inside a folder"),
    errno.EEXIST: ("already exists and is not a folder", "move it away or choose another place"),
    errno.EACCES: ("permission denied", "choose a place you may write to, or change its permissions"),
    errno.EPERM: ("operation not permitted", "choose a place you may write to"),
    errno.EROFS: ("is on a read-only file system", "choose another place"),
    errno.ENOSPC: ("no space left on the device", "free some space, or choose another place"),
    errno.ENAMETOOLONG: ("the name is too long", "choose a shorter name"),
}


def os_problem(exc: OSError, path: Path, action: str = "write") -> Problem:
    """An ``OSError`` met while reading or writing ``path``, as a problem naming the path."""
    # The folder or file that refused, when it is the path or a folder above it (not a
    # temporary file beside it, which the user never named).
    named = Path(exc.filename) if isinstance(exc.filename, str) and exc.filename else path
    where = str(named) if named in (path, *path.parents) else str(path)
    message, fix = _WHY.get(exc.errno or 0, (exc.strerror or str(exc), "check the path"))
    if Path(where) != path:
        message += f" (while trying to {action} {path})"
    return Problem(where, f"cannot {action}: {message}" if Path(where) == path else message, fix=fix)
