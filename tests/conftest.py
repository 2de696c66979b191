"""Shared fixtures: the real project, throw-away copies of it, and one build per test session."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

from portrait.project import Project

# Property tests: the same examples on every run (a red CI must mean a change broke something,
# not that a new random example turned up); `make explore` runs them with fresh random examples.
settings.register_profile("deterministic", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

sys.path.insert(0, str(Path(__file__).parent))  # tests/_editions.py, the shared builds
from _project import EPOCH, REPO, copy_project  # noqa: E402


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.at(REPO)


copy_inputs = copy_project


@pytest.fixture
def tmp_project(tmp_path: Path) -> Project:
    return copy_project(tmp_path / "project")


@pytest.fixture
def own_package_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A copy of the project dated EPOCH, with the package's source (an input of the build cache)
    copied too, so that a test may change it."""
    from portrait.publish import cache

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    package = tmp_path / "package"
    shutil.copytree(cache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", package)
    return copy_inputs(tmp_path / "project")


@pytest.fixture(scope="session")
def portrait_build():
    """The main Portrait (screen), built once per process with a fixed SOURCE_DATE_EPOCH."""
    from _editions import edition

    return edition("screen")


@pytest.fixture(autouse=True)
def no_weasyprint_warnings(caplog: pytest.LogCaptureFixture):
    """Fail any test during which WeasyPrint logs a warning (an ignored CSS rule, a missing
    image...): a stylesheet or template that WeasyPrint does not fully understand is a defect."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    warnings = [
        r.getMessage() for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING
    ]
    assert not warnings, "WeasyPrint warned:\n" + "\n".join(warnings)


@pytest.fixture(scope="session")
def fixed_epoch():
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    yield EPOCH
    mp.undo()


@pytest.fixture(scope="session")
def full_pdf(portrait_build) -> bytes:
    """The screen Portrait as `python build.py build` makes it (one layout of the whole document)."""
    return portrait_build.pdf


@pytest.fixture(scope="session")
def watched(tmp_path_factory: pytest.TempPathFactory, fixed_epoch: str):
    """A watcher over a copy of the project, after its first (cold) build."""
    from portrait.designer.watch import Watcher

    project = copy_inputs(tmp_path_factory.mktemp("watched"))
    watcher = Watcher(project)
    outcome = watcher.rebuild()
    assert outcome.ok, outcome.message
    return watcher


@contextmanager
def edited(path: Path, change: Callable[[str], str]) -> Iterator[str]:
    """``path`` with ``change`` applied to its text while the block runs, then restored exactly
    (the watcher tests edit a shared copy of the project and must leave it as they found it)."""
    original = path.read_text(encoding="utf-8")
    changed = change(original)
    assert changed != original, f"the edit changes nothing in {path}"
    path.write_text(changed, encoding="utf-8")
    try:
        yield changed
    finally:
        path.write_text(original, encoding="utf-8")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the veraPDF verdicts that tests/check/test_verapdf.py recorded (the Well-Tagged PDF
    and PDF/UA-2 profiles are reported, not asserted). Recorded as a property of the test's
    report, so that it reaches this process from a pytest-xdist worker too."""
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", ()):
            if name in ("verapdf", "verapdf-ua2") and report.when == "call":
                terminalreporter.write_sep("-", "veraPDF")
                terminalreporter.write_line(str(value))
