"""A batch of district editions skips every edition whose inputs have not changed.

One sequence of runs (``python build.py district --all`` in-process, on a copy of the project with
the three example districts): a first build, an unchanged second run, a new logo for one district,
a content change, and ``--force``. Each run's output is kept for the tests below.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from _project import EPOCH, REPO

from portrait.cli import main
from portrait.inputs.district import districts_folder
from portrait.project import Project
from portrait.publish import batch as batch_module
from portrait.publish import cache
from portrait.publish.cache import edition_key, folder_digest, input_key

EXAMPLES = ["example-cedar-ridge", "example-lakeshore", "example-north-harbor-valley"]


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    built: dict[str, float]  # slug → mtime of its PDF after the run


@dataclass
class Runs:
    project: Project
    first: Run
    unchanged: Run
    new_logo: Run
    content_changed: Run
    forced: Run


def _pdf(project: Project, slug: str) -> Path:
    return project.output / "districts" / slug / f"portrait-of-a-leader-{slug}.pdf"


def _run(project: Project, *args: str) -> Run:
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    code = main(["--root", str(project.root), "district", *args], out, err)
    seconds = time.perf_counter() - start
    mtimes = {slug: _pdf(project, slug).stat().st_mtime_ns for slug in EXAMPLES if _pdf(project, slug).exists()}
    return Run(code, out.getvalue(), err.getvalue(), seconds, mtimes)


def _no_build(*args: object, **kwargs: object) -> None:
    raise AssertionError("an up-to-date batch started a build (workers, inputs or layout)")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    root = tmp_path_factory.mktemp("incremental") / "project"
    for name in ("content", "templates", "assets"):
        shutil.copytree(REPO / name, root / name)
    project = Project.at(root)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        first = _run(project, "--all", "--jobs", "2")
        # Nothing may be laid out, and no worker started, when every edition is up to date.
        with pytest.MonkeyPatch.context() as no_build:
            no_build.setattr(batch_module, "_build", _no_build)
            unchanged = _run(project, "--all", "--jobs", "2")
        logo = root / "content/districts/example-cedar-ridge/logo.svg"
        logo.write_bytes(logo.read_bytes() + b"\n<!-- a new export of the same logo -->\n")
        new_logo = _run(project, "--all", "--jobs", "2")
        publication = root / "content/publication.yaml"
        publication.write_text(publication.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
        content_changed = _run(project, "--all", "--jobs", "2")
        forced = _run(project, "--all", "--jobs", "2", "--force")
    finally:
        mp.undo()
    return Runs(project, first, unchanged, new_logo, content_changed, forced)


def _changed(before: Run, after: Run) -> set[str]:
    return {slug for slug in EXAMPLES if after.built[slug] != before.built[slug]}


@pytest.mark.slow
def test_a_second_run_skips_every_edition_and_says_so(runs: Runs):
    assert runs.first.code == 0, runs.first.err
    assert "3 of 3 editions built in" in runs.first.out
    run = runs.unchanged
    assert run.code == 0, run.err
    assert _changed(runs.first, run) == set()
    for slug in EXAMPLES:
        assert re.search(rf"{slug}\s+│\s+skipped, up to date", run.out), run.out  # the summary table
        assert re.search(rf"\] {slug}: skipped, up to date", run.err), run.err  # the pipe's lines
    assert "0 of 3 editions built, 3 skipped (up to date) in" in run.out
    assert run.seconds < 2.0
    # A skipped edition prints its notices again, as a built one does.
    assert re.search(r"example-lakeshore: colors.primary #f6c445 .* darker shade", run.out)


@pytest.mark.slow
def test_a_new_logo_rebuilds_only_that_district(runs: Runs):
    run = runs.new_logo
    assert run.code == 0, run.err
    assert _changed(runs.unchanged, run) == {"example-cedar-ridge"}
    assert "1 of 3 editions built, 2 skipped (up to date)" in run.out


@pytest.mark.slow
def test_a_content_change_rebuilds_every_edition(runs: Runs):
    run = runs.content_changed
    assert run.code == 0, run.err
    assert _changed(runs.new_logo, run) == set(EXAMPLES)
    assert "3 of 3 editions built in" in run.out


@pytest.mark.slow
def test_a_raster_logo_is_processed_once_for_every_run(runs: Runs):
    # Lakeshore's PNG (the only raster logo): one stored copy, used by the later runs too.
    entries = sorted((runs.project.output / ".cache" / "logos").glob("*.json"))
    assert [json.loads(e.read_text())["kind"] for e in entries] == ["png"]
    assert entries[0].stat().st_mtime_ns < runs.first.built["example-lakeshore"]


@pytest.mark.slow
def test_force_rebuilds_every_edition(runs: Runs):
    run = runs.forced
    assert run.code == 0, run.err
    assert _changed(runs.content_changed, run) == set(EXAMPLES)
    assert "3 of 3 editions built in" in run.out


@pytest.mark.slow
def test_an_edited_or_deleted_output_is_rebuilt(runs: Runs, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    _pdf(runs.project, "example-lakeshore").unlink()
    run = _run(runs.project, "example-lakeshore", "example-north-harbor-valley", "--jobs", "1")
    assert run.code == 0, run.err
    assert "1 of 2 editions built, 1 skipped (up to date)" in run.out
    assert re.search(r"example-north-harbor-valley\s+│\s+skipped", run.out)


@pytest.mark.slow
def test_the_edition_folders_hold_only_pdfs(runs: Runs):
    # The cache's records live in output/.cache/, not in what a district is sent.
    files = sorted(
        p.relative_to(runs.project.output).as_posix() for p in (runs.project.output / "districts").rglob("*")
    )
    assert all(f.endswith(".pdf") or f.count("/") == 1 for f in files), files
    records = list((runs.project.output / ".cache" / "districts").rglob("*.json"))
    assert len(records) == 3


# The key, without rendering anything


@pytest.fixture
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    from conftest import copy_inputs

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    return copy_inputs(tmp_path / "project")


def _key(project: Project, slug: str) -> str | None:
    shared = input_key(project, exclude=(districts_folder(project),))
    return edition_key(shared, slug, folder_digest(districts_folder(project) / slug))


def test_a_district_folder_changes_only_its_own_key(keyed: Project):
    before = {slug: _key(keyed, slug) for slug in EXAMPLES}
    assert None not in before.values() and len(set(before.values())) == 3
    yaml_file = districts_folder(keyed) / "example-lakeshore" / "district.yaml"
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    after = {slug: _key(keyed, slug) for slug in EXAMPLES}
    assert [slug for slug in EXAMPLES if after[slug] != before[slug]] == ["example-lakeshore"]


@pytest.mark.parametrize("relative", ["content/sections/why.yaml", "templates/styles/base.css", "assets/brand.yaml"])
def test_shared_inputs_change_every_key(keyed: Project, relative: str):
    before = {slug: _key(keyed, slug) for slug in EXAMPLES}
    path = keyed.root / relative
    path.write_bytes(path.read_bytes() + b"\n")
    after = {slug: _key(keyed, slug) for slug in EXAMPLES}
    assert all(after[slug] != before[slug] for slug in EXAMPLES)


def test_the_tool_and_the_build_date_are_in_the_key(keyed: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    before = _key(keyed, "example-lakeshore")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1740000001")
    assert _key(keyed, "example-lakeshore") != before
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    package = tmp_path / "package"
    shutil.copytree(cache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE", package)  # a copy of the tool's source that may change
    before = _key(keyed, "example-lakeshore")
    (package / "render" / "renderer.py").write_text("# changed\n", encoding="utf-8")
    assert _key(keyed, "example-lakeshore") != before


def test_a_symbolic_link_in_a_district_folder_is_never_up_to_date(keyed: Project):
    folder = districts_folder(keyed) / "example-cedar-ridge"
    (folder / "notes.svg").symlink_to(folder / "logo.svg")
    assert folder_digest(folder) is None
    assert _key(keyed, "example-cedar-ridge") is None


def test_an_edition_result_holds_no_pdf_bytes():
    # A batch keeps every result until its summary: none may carry a PDF.
    for f in dataclasses.fields(batch_module.EditionResult):
        assert "bytes" not in str(f.type), f
