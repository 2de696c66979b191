"""A build with nothing changed does no rendering; a change to any input rebuilds."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _project import EPOCH

from portrait.cli import main
from portrait.project import Project
from portrait.publish import cache
from portrait.publish.cache import Record, input_key, remember, up_to_date


@pytest.fixture
def project(own_package_project: Project) -> Project:
    return own_package_project


@pytest.mark.parametrize(
    "relative",
    [
        "content/sections/why.yaml",
        "content/publication.yaml",
        "templates/styles/base.css",
        "templates/sections/chapter.html.j2",
        "assets/brand.yaml",
        "assets/portraits/portrait-1.svg",
        "assets/fonts/Inter-Regular.otf",
        "package/render/renderer.py",
    ],
)
def test_a_change_to_any_input_file_changes_the_key(project: Project, relative: str):
    before = input_key(project)
    path = (project.root.parent if relative.startswith("package/") else project.root) / relative
    path.write_bytes(path.read_bytes() + b"\n")
    assert input_key(project) != before


def test_a_new_or_removed_file_changes_the_key(project: Project):
    before = input_key(project)
    extra = project.content / "sections" / "notes.yaml"
    extra.write_text("id: notes\n")
    with_file = input_key(project)
    assert with_file != before
    extra.unlink()
    assert input_key(project) == before


def test_editor_droppings_do_not_change_the_key(project: Project):
    before = input_key(project)
    (project.content / ".why.yaml.swp").write_bytes(b"x")
    (project.templates / "base.css~").write_bytes(b"x")
    assert input_key(project) == before


def test_build_date_and_tool_versions_are_part_of_the_key(project: Project, monkeypatch: pytest.MonkeyPatch):
    before = input_key(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1740000001")
    assert input_key(project) != before
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    real = cache._version
    monkeypatch.setattr(cache, "_version", lambda d: "0.0" if d == "weasyprint" else real(d))
    assert input_key(project) != before


def test_no_key_when_the_build_date_is_now(project: Project, monkeypatch: pytest.MonkeyPatch):
    """Outside git and without SOURCE_DATE_EPOCH the PDF carries today's date: never reused."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.root.parent))
    assert input_key(project) is None
    out = project.output / "x.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF")
    remember(out, None, b"%PDF", 1)
    assert up_to_date(out, None) is None


def test_record_matches_only_the_same_key_and_bytes(tmp_path: Path):
    out = tmp_path / "out" / "p.pdf"
    out.parent.mkdir()
    out.write_bytes(b"%PDF-one")
    remember(out, "k1", b"%PDF-one", 3)
    assert Record.path_for(out) == tmp_path / "out" / ".cache" / "p.pdf.json"
    assert up_to_date(out, "k1") == Record.read(out)
    assert up_to_date(out, "k2") is None
    out.write_bytes(b"%PDF-two")  # someone replaced the output: rebuild
    assert up_to_date(out, "k1") is None
    out.unlink()
    assert up_to_date(out, "k1") is None


def test_unchanged_build_renders_nothing_and_a_change_rebuilds(project: Project, monkeypatch: pytest.MonkeyPatch):
    import portrait.publish.produce

    root = ["--root", str(project.root)]
    first = io.StringIO()
    assert main([*root, "build", "--screen-only"], stdout=first) == 0
    assert first.getvalue().startswith("built output/portrait-of-a-leader.pdf")

    calls = []
    real_produce = portrait.publish.produce.produce
    monkeypatch.setattr(portrait.publish.produce, "produce", lambda *a, **k: calls.append(a) or real_produce(*a, **k))
    second = io.StringIO()
    assert main([*root, "build", "--screen-only"], stdout=second) == 0
    assert re.match(r"up to date: output/portrait-of-a-leader.pdf \(\d+ pages\)", second.getvalue())
    assert calls == []

    assert main([*root, "build", "--screen-only", "--force"], stdout=io.StringIO()) == 0
    assert len(calls) == 1
    why = project.content / "sections" / "why.yaml"
    why.write_text(why.read_text().replace("capacity", "capacity now"))
    assert main([*root, "build", "--screen-only"], stdout=io.StringIO()) == 0
    assert len(calls) == 2


def test_the_no_op_build_never_imports_weasyprint(project: Project):
    """A fresh process: the cache check must stay light for the no-op build to be fast."""
    pdf = project.output / "portrait-of-a-leader.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(b"%PDF-stand-in")
    remember(pdf, input_key(project), pdf.read_bytes(), 20)
    script = (
        "import sys; from portrait.publish import cache; cache.PACKAGE = cache.Path(sys.argv[2]);"
        "from portrait.cli import main; code = main(['--root', sys.argv[1], 'build', '--screen-only']);"
        "print('weasyprint' in sys.modules, 'pydantic' in sys.modules, code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(project.root), str(cache.PACKAGE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.splitlines()[-1] == "False False 0", result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_build_is_the_default_command_and_is_skipped_when_unchanged(project: Project):
    pdf = project.output / "portrait-of-a-leader.pdf"
    pdf.parent.mkdir()
    for path in (pdf, project.output / "portrait-of-a-leader-print.pdf"):
        path.write_bytes(b"%PDF-stand-in")
        remember(path, input_key(project), path.read_bytes(), 20)
    out = io.StringIO()
    assert main(["--root", str(project.root)], stdout=out) == 0
    assert out.getvalue().startswith("up to date")
