"""Writing outputs so that a failed or interrupted build never leaves a broken file behind.

Each file is written to a temporary file in the same folder and renamed over the target: a reader
sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from portrait.errors import InputError
from portrait.paths import os_problem, output_file


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all. A place that cannot be written (a folder,
    a file where a folder should be, no permission) is an ``InputError`` naming it."""
    output_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise InputError(os_problem(exc, path)) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(os_problem(exc, path)) from None
        raise
    return path
