"""No user mistake is an internal error: every command, given a wrong path, exits with a message
naming the path and the fix, never with exit 4 ("a bug in portrait") or a traceback.

Wrong paths: a missing file, a folder where a file is expected, a file where a folder is
expected, a file that is not a PDF (or not a CSV, not an image), a place that cannot be written.
The checks run before any rendering, so these tests render nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _project import REPO, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portrait.errors import ExitCode


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project copy with things to name wrongly: a text file, a folder, a file with a file
    name under it."""
    root = tmp_path_factory.mktemp("mistakes")
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    (root / "notes.txt").write_text("not a PDF, not a CSV, not an image\n")
    (root / "a-folder").mkdir()
    return root


def wrong_path(place: Path, kind: str, name: str) -> str:
    return {
        "missing": str(place / "no-such" / name),
        "folder": str(place / "a-folder"),
        "under a file": str(place / "notes.txt" / name),
        "not the right kind": str(place / "notes.txt"),
        "unwritable": f"/proc/portrait-nowhere/{name}",  # /proc takes no new files, even as root
        "read-only": f"/sys/{name}",
    }[kind]


# Each command with the arguments where it takes a path; {} is the wrong path.
COMMANDS = [
    ("build", "-o", "{}"),
    ("build", "--print-only", "-o", "{}"),
    ("check", "{}"),
    ("proof", "--pdf", "{}"),
    ("proof", "--against", "{}.pdf"),
    ("district", "--from", "{}"),
    ("new-district", "mistake", "--name", "Mistake", "--logo", "{}"),
    ("new-district", "--from", "{}"),
    ("--root", "{}", "build"),
    ("--root", "{}", "district", "--all"),
]
KINDS = ["missing", "folder", "under a file", "not the right kind", "unwritable", "read-only"]
# Where a wrong path is no mistake at all, and the command would do real work (render).
FINE = {
    ("build", "missing"),
    ("build", "not the right kind"),
}


run = run_cli


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    command=st.sampled_from(COMMANDS),
    kind=st.sampled_from(KINDS),
    name=st.sampled_from(["x.pdf", "district.csv", "logo.png", "out", "é ü.pdf"]),
)
def test_a_wrong_path_is_never_an_internal_error(place: Path, command: tuple[str, ...], kind: str, name: str):
    if (command[0], kind) in FINE:
        return
    path = wrong_path(place, kind, name)
    argv = [a.replace("{}", path) for a in command]
    if argv[0] != "--root":
        argv = ["--root", str(place), *argv]
    code, out, err = run(*argv)
    assert code != ExitCode.INTERNAL_ERROR, err
    assert code != 0, f"{argv} succeeded: {out}"
    assert "Traceback" not in err and "internal error" not in err, err
    said = out + err
    named = [Path(path), Path(path).parent, place / "notes.txt"]
    shown = [str(p) for p in named] + [str(p.relative_to(place)) for p in named if p.is_relative_to(place)]
    assert any(p in said for p in shown), f"{argv}: the message does not name the path:\n{said}"
    if code != ExitCode.BUILD_ERROR:  # check's "readable" rule, documented as exit 3
        assert "fix:" in err or "usage:" in err, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["build", "-o", "{place}/a-folder"], "a-folder: is a folder, not a file"),
        (["build", "-o", "{place}/notes.txt/x.pdf"], "notes.txt: is a file, not a folder"),
        (["proof", "--pdf", "{place}/missing.pdf"], "missing.pdf: no such file"),
        (["proof", "--pdf", "{place}/notes.txt"], "notes.txt: is not a PDF file"),
        (["build", "-o", "/proc/portrait-nowhere/x.pdf"], "/proc/portrait-nowhere"),
        (["build", "-o", "/dev/null"], "/dev/null: is not a regular file"),
    ],
)
def test_the_issue_23_cases_exit_1_naming_the_path_and_the_fix(place: Path, argv: list[str], expected: str):
    code, _, err = run("--root", str(place), *[a.format(place=place) for a in argv])
    assert code == ExitCode.INPUT_ERROR, err
    assert expected in err and "fix:" in err, err


def test_debug_shows_a_traceback_for_every_command(place: Path):
    for argv in (["build", "-o", f"{place}/a-folder"], ["proof", "--pdf", "nope.pdf"], ["district", "nope"]):
        code, out, err = run("--root", str(place), "--debug", *argv)
        assert code in (1, 3), err
        assert "Traceback" in err, f"{argv}: no traceback with --debug:\n{err}"


def test_a_root_without_a_publication_is_refused(place: Path):
    code, _, err = run("--root", str(place / "a-folder"), "district", "--all")
    assert code == ExitCode.INPUT_ERROR and "not a publication folder" in err, err
