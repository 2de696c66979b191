"""The tool installed from a wheel builds a publication folder that is not this checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _project import EPOCH, REPO
from pypdf import PdfReader


@pytest.mark.slow
def test_the_wheel_builds_a_publication_folder_found_upward_from_the_current_one(tmp_path: Path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, REPO],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("portrait-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "portrait/api.py" in names and not any(n.startswith(("content/", "templates/", "tests/")) for n in names)
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, wheel],
        check=True,
        capture_output=True,
        timeout=300,
    )
    publication = tmp_path / "publication"
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, publication / name)
    inside = publication / "content" / "sections"  # run from a folder below the root
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "SOURCE_DATE_EPOCH": EPOCH, "HOME": str(tmp_path)}
    where = subprocess.run(
        [sys.executable, "-c", "import portrait; print(portrait.__file__)"],
        cwd=inside,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    result = subprocess.run(
        [sys.executable, "-m", "portrait", "build", "--screen-only"],
        cwd=inside,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    pdf = publication / "output" / "portrait-of-a-leader.pdf"
    assert "Portrait of a Leader" in PdfReader(pdf).pages[0].extract_text()
    version = subprocess.run(
        [sys.executable, "-m", "portrait", "--version"], cwd=inside, env=env, capture_output=True, text=True
    )
    assert version.stdout.splitlines()[0].startswith("portrait ") and "1.0.0" in version.stdout


def test_outside_any_publication_the_tool_says_what_to_do(tmp_path: Path):
    from io import StringIO

    from portrait.cli import main

    err = StringIO()
    cwd = Path.cwd()
    try:
        import os

        os.chdir(tmp_path)
        assert main(["build"], StringIO(), err) == 1
    finally:
        os.chdir(cwd)
    assert "no content/publication.yaml here or in any folder above" in err.getvalue()
    assert "--root" in err.getvalue()
