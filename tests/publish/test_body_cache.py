"""The district editions' shared body is kept between runs (portrait.publish.body_cache).

A ``district`` run after a ``build`` reads the written body instead of laying it out; a change to
the content or to the code, a corrupt or foreign entry, or ``--force`` lays it out again; an
edition made from a kept body is the same file, byte for byte, as one made from a fresh one.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from portrait.cli import main
from portrait.project import Project
from portrait.publish import body_cache, cache
from portrait.publish.body_cache import BodyStore, body_key
from portrait.render.renderer import Renderer
from portrait.render.shared_body import SharedBody

SLUG = "example-cedar-ridge"
BODY = SharedBody(b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"%%EOF\n", 12, ("contents", "why-it-matters"))


# The store on its own: what it gives back, and what it refuses.


def _store(tmp_path: Path, shared: str | None = "a" * 64, variant: str = "screen") -> BodyStore:
    return BodyStore(tmp_path / "body" / f"{variant}.bin", body_key(shared, variant))


def test_a_kept_body_is_read_back_whole(tmp_path: Path):
    store = _store(tmp_path)
    assert store.read() is None  # nothing kept yet
    store.write(BODY)
    assert store.read() == BODY
    assert [p.name for p in store.path.parent.iterdir()] == ["screen.bin"]  # no temporary file left


def test_a_body_of_other_inputs_or_another_variant_is_not_used(tmp_path: Path):
    _store(tmp_path).write(BODY)
    assert _store(tmp_path, shared="b" * 64).read() is None
    other = BodyStore(_store(tmp_path).path, body_key("a" * 64, "print"))  # the print key, the screen file
    assert other.read() is None


def test_a_build_dated_now_keeps_nothing(tmp_path: Path):
    store = _store(tmp_path, shared=None)
    store.write(BODY)
    assert not store.path.exists()
    assert store.read() is None


def test_a_store_that_does_not_reuse_reads_nothing_but_keeps_what_it_writes(tmp_path: Path):
    forced = BodyStore(_store(tmp_path).path, _store(tmp_path).key, reuse=False)
    forced.write(BODY)
    assert forced.read() is None
    assert _store(tmp_path).read() == BODY


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-1], id="truncated PDF"),
        pytest.param(lambda data: data[:-20] + b"X" + data[-19:], id="a byte of the PDF changed"),
        pytest.param(lambda data: data.split(b"\n", 1)[0], id="header only"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"\x00\xff" * 50, id="garbage"),
        pytest.param(lambda data: b"{not json}\n" + data.split(b"\n", 1)[1], id="header not JSON"),
        pytest.param(lambda data: b"[1, 2]\n" + data.split(b"\n", 1)[1], id="header not an object"),
        pytest.param(lambda data: data.replace(b'"pages": 12', b'"pages": "12"'), id="pages not a number"),
        pytest.param(lambda data: data.replace(b'"pages": 12', b'"pages": 0'), id="no pages"),
        pytest.param(lambda data: data.replace(b'"anchors": ["contents"', b'"anchors": [3'), id="anchor not a string"),
        pytest.param(lambda data: data.replace(body_cache.FORMAT.encode(), b"portrait-body-0"), id="older format"),
        pytest.param(lambda data: data.replace(b'"size": ', b'"length": '), id="a field missing"),
    ],
)
def test_a_damaged_entry_is_never_used(tmp_path: Path, damage):
    store = _store(tmp_path)
    store.write(BODY)
    data = store.path.read_bytes()
    damaged = damage(data)
    assert damaged != data
    store.path.write_bytes(damaged)
    assert store.read() is None


def test_an_unreadable_entry_is_not_used(tmp_path: Path):
    store = _store(tmp_path)
    store.path.mkdir(parents=True)  # a folder where the file should be: reading it fails
    assert store.read() is None
    store.write(BODY)  # cannot replace a folder: the run goes on without keeping the body
    assert store.read() is None


# The commands: build, then district, in-process on a copy of the project.


@pytest.fixture
def project(own_package_project: Project) -> Project:
    return own_package_project


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each layout of the shared Portrait in this process (the variant's name)."""
    calls: list[str] = []
    shared = Renderer.shared

    def counted(self: Renderer):
        if self._shared is None:
            calls.append(self.variant.name)
        return shared(self)

    monkeypatch.setattr(Renderer, "shared", counted)
    return calls


def _run(project: Project, *args: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(project.root), *args], out, err)
    assert code == 0, out.getvalue() + err.getvalue()


def _edition(project: Project, *flags: str) -> bytes:
    """A new build of the edition (its earlier file and records removed): its PDF."""
    shutil.rmtree(project.output / "districts", ignore_errors=True)
    shutil.rmtree(project.output / ".cache" / "districts", ignore_errors=True)
    _run(project, "district", SLUG, "--jobs", "1", *flags)
    return (project.output / "districts" / SLUG / f"portrait-of-a-leader-{SLUG}.pdf").read_bytes()


def _kept(project: Project) -> Path:
    return project.output / ".cache" / "body" / "screen.bin"


@pytest.mark.slow
def test_a_district_run_after_a_build_does_not_lay_the_body_out(project: Project, layouts: list[str]):
    _run(project, "build", "--screen-only")
    assert layouts == ["screen"]  # the Portrait's one layout, whose body is kept
    assert _kept(project).is_file()
    kept = _edition(project)
    assert layouts == ["screen"]  # none more
    # The same file as an edition whose body is laid out and written in the same run.
    _kept(project).unlink()
    assert _edition(project) == kept
    assert layouts == ["screen", "screen"]
    assert _kept(project).is_file()  # kept by the district run for the next one


@pytest.mark.slow
def test_a_content_change_lays_the_body_out_again(project: Project, layouts: list[str]):
    _run(project, "build", "--screen-only")
    before = _kept(project).read_bytes()
    why = project.content / "sections" / "why.yaml"
    why.write_text(why.read_text(encoding="utf-8").replace("leader", "leaders", 1), encoding="utf-8")
    _edition(project)
    assert layouts == ["screen", "screen"]
    assert _kept(project).read_bytes() != before  # replaced by the new body
    _edition(project)
    assert layouts == ["screen", "screen"]  # and used by the next run


@pytest.mark.slow
def test_a_code_change_lays_the_body_out_again(project: Project, layouts: list[str]):
    _run(project, "build", "--screen-only")
    renderer = cache.PACKAGE / "render" / "renderer.py"
    renderer.write_text(renderer.read_text(encoding="utf-8") + "\n# a change\n", encoding="utf-8")
    _edition(project)
    assert layouts == ["screen", "screen"]


@pytest.mark.slow
def test_a_corrupt_body_is_laid_out_again_not_used(project: Project, layouts: list[str]):
    _run(project, "build", "--screen-only")
    good = _edition(project)
    data = bytearray(_kept(project).read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte of the PDF
    _kept(project).write_bytes(bytes(data))
    assert _edition(project) == good
    assert layouts == ["screen", "screen"]


@pytest.mark.slow
def test_force_lays_the_body_out_again(project: Project, layouts: list[str]):
    _run(project, "build", "--screen-only")
    _edition(project, "--force")
    assert layouts == ["screen", "screen"]
    _run(project, "build", "--screen-only", "--force")
    assert layouts == ["screen", "screen", "screen"]
