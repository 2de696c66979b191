"""The spelling check of `make lint`: codespell, en-US, over what the publication prints.

It runs as `make lint` runs it (the paths of the Makefile's SPELLING, pyproject's [tool.codespell]
with the word list spelling-words.txt)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _project import REPO as ROOT

CODESPELL = Path(sys.executable).parent / "codespell"

pytestmark = pytest.mark.skipif(not CODESPELL.exists(), reason="codespell is not installed (the dev extra)")


def spelling_paths() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"^SPELLING := (.+)$", makefile, re.M)
    assert found, "the Makefile names the paths of the spelling check in SPELLING"
    assert "$(VENV)/bin/codespell $(SPELLING)" in makefile  # and make lint runs it
    return found.group(1).split()


def codespell(root: Path, *paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CODESPELL), *paths], cwd=root, capture_output=True, text=True, timeout=120)


def project_copy(tmp_path: Path) -> Path:
    for name in ("content", "templates"):
        shutil.copytree(ROOT / name, tmp_path / name)
    (tmp_path / "docs").mkdir()
    for name in ("pyproject.toml", "spelling-words.txt", "docs/content.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_content_and_templates_are_spelled_en_us():
    paths = spelling_paths()
    assert {"content", "templates"} <= set(paths)
    assert all((ROOT / p).exists() for p in paths), paths  # codespell passes a missing path silently
    done = codespell(ROOT, *paths)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_british_spelling_fails_the_check_with_file_and_line(tmp_path):
    root = project_copy(tmp_path)
    colophon = root / "content/sections/colophon.yaml"
    colophon.write_text(colophon.read_text().replace("Acknowledgments:", "Acknowledgements:"))
    style = root / "templates/sections/colophon.html.j2"
    style.write_text(style.read_text().replace("labeled", "labelled"))
    done = codespell(root, *spelling_paths())
    assert done.returncode != 0
    assert "content/sections/colophon.yaml:13: Acknowledgements ==> Acknowledgments" in done.stdout
    assert "labelled ==> labeled" in done.stdout


def test_a_word_in_the_project_word_list_is_not_flagged(tmp_path):
    root = project_copy(tmp_path)
    (root / "content/sections/colophon.yaml").write_text(
        (root / "content/sections/colophon.yaml").read_text().replace("Acknowledgments:", "Acknowledgements:")
    )
    assert codespell(root, "content").returncode != 0
    with (root / "spelling-words.txt").open("a") as words:
        words.write("acknowledgements\n")
    done = codespell(root, "content")
    assert done.returncode == 0, done.stdout
