"""What many tests need, in one place: where the project is, the one date every test build
carries, a throw-away copy of the project, and the command line run in this process."""

from __future__ import annotations

import io
import shutil
from collections.abc import Sequence
from pathlib import Path

from portrait.project import Project

REPO = Path(__file__).resolve().parents[1]
EPOCH = "1740000000"  # 2025-02-19T21:20:00Z: the date of every build in the tests (SOURCE_DATE_EPOCH)
INPUTS = ("content", "templates", "assets")


def copy_project(dest: Path, names: Sequence[str] = INPUTS) -> Project:
    """A copy of the project's inputs (``names``) in ``dest`` that a test may break without harm."""
    for name in names:
        shutil.copytree(REPO / name, dest / name)
    return Project.at(dest)


def run_cli(*argv: str, root: Path | None = None) -> tuple[int, str, str]:
    """``python build.py ARGV`` in this process (with ``--root ROOT`` when given): the exit
    code, what it printed, and what it printed as errors."""
    from portrait.cli import main

    out, err = io.StringIO(), io.StringIO()
    args = ["--root", str(root), *argv] if root is not None else list(argv)
    code = main(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()
