"""Session fixtures shared by the designer's-loop tests (imported by those test modules).

Builds are the expensive part of these tests: each kind is made once per session.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portrait.project import Project

REPO = Path(__file__).resolve().parents[1]
EPOCH = "1740000000"  # 2025-02-19T21:20:00Z: every build in these tests has the same date


def copy_inputs(dest: Path) -> Project:
    """A copy of the project's inputs that a test may change without harm."""
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, dest / name)
    return Project.at(dest)


@pytest.fixture(scope="session")
def fixed_epoch():
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    yield EPOCH
    mp.undo()


@pytest.fixture(scope="session")
def full_pdf(fixed_epoch: str) -> bytes:
    """The Portrait as `python build.py build` makes it (one layout of the whole document)."""
    from portrait.pipeline import load_inputs
    from portrait.render import Renderer

    project = Project.at(REPO)
    return Renderer(project, load_inputs(project)).portrait().pdf


@pytest.fixture(scope="session")
def watched(tmp_path_factory: pytest.TempPathFactory, fixed_epoch: str):
    """A watcher over a copy of the project, after its first (cold) build."""
    from portrait.watch import Watcher

    project = copy_inputs(tmp_path_factory.mktemp("watched"))
    watcher = Watcher(project)
    outcome = watcher.rebuild()
    assert outcome.ok, outcome.message
    return watcher
