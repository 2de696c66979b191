"""The build date: the one place that decides which date a build prints and stamps.

SOURCE_DATE_EPOCH when set (reproducible builds); otherwise the time of the last commit, so that
building one commit twice gives the same bytes; otherwise now. The build cache reuses a file only
when this date is fixed (a build dated 'now' differs every time).
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

from portrait.errors import InputError, Problem
from portrait.project import Project


def source_epoch(project: Project) -> str | None:
    """The build date in seconds since 1970, as given (SOURCE_DATE_EPOCH, else the last commit's
    time); None when neither is known and the build is dated now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return epoch
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def build_time(project: Project) -> datetime:
    """The date printed in and stamped on the PDF."""
    epoch = source_epoch(project)
    if epoch is not None:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError):
            raise InputError(
                Problem(
                    "SOURCE_DATE_EPOCH",
                    f"not a number of seconds: {epoch!r}",
                    fix="unset it or set it to e.g. 1735689600",
                )
            ) from None
    return datetime.now(UTC).replace(microsecond=0)
