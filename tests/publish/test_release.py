"""Releases: manifest and checksums agree with the files, two releases are identical, shards
cover everything exactly once, and tampering is caught."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from _project import EPOCH

from portrait.errors import BuildError, InputError
from portrait.publish import release
from portrait.publish.batch import parse_shard, select_shard


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A release of a copy of the project, made twice (in two folders) from the same inputs.

    The copies keep two of the example districts, to keep the suite fast."""
    from conftest import copy_project

    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        results = []
        for name in ("first", "second"):
            project = copy_project(tmp_path_factory.mktemp(name))
            shutil.rmtree(project.content / "districts" / "example-north-harbor-valley")
            shutil.copy(release.Path(__file__).resolve().parents[2] / "CHANGELOG.md", project.root)
            results.append((project, *release.make_release(project)))
        return results
    finally:
        mp.undo()


def test_every_edition_is_in_the_release(released):
    _, _, artifacts = released[0]
    kinds = {(a.edition, a.variant, a.district) for a in artifacts}
    assert ("portrait", "screen", None) in kinds and ("portrait", "print", None) in kinds
    districts = {a.district for a in artifacts if a.district}
    assert districts == {"example-cedar-ridge", "example-lakeshore"}
    # every edition in all four formats
    assert {a.variant for a in artifacts if a.district == "example-lakeshore"} == {"screen", "print", "web", "epub"}
    assert ("portrait", "epub", None) in kinds and ("portrait", "web", None) in kinds
    for a in artifacts:
        assert (
            a.conformance
            == {
                "screen": "PDF/UA-1",
                "print": "PDF/X-4",
                "epub": "EPUB 3.3; EPUB Accessibility 1.1 - WCAG 2.1 Level AA",
                "web": None,
            }[a.variant]
        )
        assert a.preflight["passed"] and a.preflight["profile"] == a.variant


def test_manifest_and_checksums_agree_with_the_files(released):
    project, folder, artifacts = released[0]
    manifest = json.loads((folder / release.MANIFEST).read_text())
    assert manifest["version"] == "1.0.0" and manifest["source_date"] == "2025-02-19T21:20:00+00:00"
    # The content has placeholders: a draft, each placeholder with its file and line.
    assert manifest["draft"] is True
    assert {"file": "content/sections/attributes.yaml", "line": 12, "key": "intro[1]"} in manifest["placeholders"]
    assert len(manifest["placeholders"]) == 24
    sums = dict(reversed(line.split("  ")) for line in (folder / release.SUMS).read_text().splitlines())
    assert {f["file"] for f in manifest["files"]} == set(sums)
    for entry in manifest["files"]:
        data = (folder / entry["file"]).read_bytes()
        assert entry["sha256"] == sums[entry["file"]] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data) and entry["pages"] > 0
    assert release.verify(folder) == []
    assert (folder / release.NOTES).read_text().startswith("# Portrait of a Leader 1.0.0\n")


def test_sha256sum_can_check_the_release(released):
    _, folder, _ = released[0]
    result = subprocess.run(["sha256sum", "-c", release.SUMS], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_releases_of_the_same_inputs_are_byte_identical(released):
    (_, first, _), (_, second, _) = released
    assert (first / release.SUMS).read_bytes() == (second / release.SUMS).read_bytes()
    assert (first / release.MANIFEST).read_bytes() == (second / release.MANIFEST).read_bytes()


def test_no_absolute_paths_or_host_names_in_the_release(released):
    import socket

    project, folder, _ = released[0]
    paths = [str(project.root).encode(), b"/tmp/", b"/home/", b"/root/", b"file:"]
    import zipfile

    def files():
        for path in folder.rglob("*"):
            if path.suffix in (".epub", ".zip"):  # the EPUB and the web edition: look inside
                archive = zipfile.ZipFile(path)
                yield from ((f"{path.name}:{n}", n, archive.read(n)) for n in archive.namelist())
            elif path.is_file():
                yield path.name, path.name, path.read_bytes()

    for shown, name, data in files():
        # a short host name (e.g. "vm") occurs by chance in compressed bytes: look in text files
        text = name.endswith((".json", ".md", ".html", ".xhtml", ".opf", ".css", ".js", ".xml", "SUMS"))
        needles = [*paths, socket.gethostname().encode()] if text else paths
        for needle in needles:
            assert needle not in data, (shown, needle)


def test_verify_catches_a_tampered_file(released, tmp_path):
    _, folder, _ = released[0]
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    pdf = next(copy.rglob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"%tampered\n")
    problems = release.verify(copy)
    assert problems and "sha256 or size differs" in problems[0]


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_cover_every_name_exactly_once(n):
    names = [f"district-{i:02d}" for i in range(20)]
    chosen = [name for k in range(1, n + 1) for name in select_shard(names, (k, n))]
    assert sorted(chosen) == sorted(names)


@pytest.mark.parametrize("text", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_bad_shard_specs_are_refused(text):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)


def test_a_sharded_release_gathers_into_the_same_files_as_a_whole_one(released, tmp_path):
    """Three shards, each on its own "machine" (folder), gathered: the same SHA256SUMS."""
    from conftest import copy_project

    project, whole, _ = released[0]
    parts = copy_project(tmp_path / "sharded")
    shutil.rmtree(parts.content / "districts" / "example-north-harbor-valley")
    shutil.copy(project.root / "CHANGELOG.md", parts.root)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        built = [release.make_release(parts, (k, 3))[1] for k in (1, 2, 3)]
    finally:
        mp.undo()
    districts = [a.district for shard in built for a in shard if a.variant == "screen" and a.district]
    assert sorted(districts) == sorted(set(districts)) and len(districts) == 2
    folder = release.release_dir(parts, "1.0.0")
    release.gather(folder)
    assert (folder / release.SUMS).read_bytes() == (whole / release.SUMS).read_bytes()


def test_gather_refuses_missing_shards(tmp_path):
    (tmp_path / "manifest-part-1-of-3.json").write_text('{"files": [], "version": "1"}')
    with pytest.raises(BuildError, match="missing shard parts"):
        release.gather(tmp_path)


def test_a_version_without_changelog_notes_is_refused(tmp_project):
    (tmp_project.root / "CHANGELOG.md").write_text("# Changelog\n\n## [0.9.0]\n\nOld.\n")
    with pytest.raises(InputError, match="no notes for version 1.0.0"):
        release.notes_for(tmp_project, "1.0.0")


# Gathering shards: made-up parts over small files, as two CI machines would leave them.

HEADER = {"title": "Portrait of a Leader", "version": "1.0.0", "commit": "abc123", "source_date": "2025-02-19"}


def _artifact(folder, name: str, data: bytes) -> dict:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {
        "file": name,
        "edition": "district",
        "variant": "screen",
        "district": name.split("/")[1] if "/" in name else None,
        "district_name": None,
        "pages": 16,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "conformance": "PDF/UA-1",
        "preflight": {"passed": True},
    }


def _part(folder, k: int, n: int, files: list[dict], **header) -> None:
    payload = {**HEADER, **header, "shard": f"{k}/{n}", "files": files}
    (folder / release.PART.format(k=k, n=n)).write_text(json.dumps(payload))


def _two_shards(folder) -> tuple[dict, dict]:
    a = _artifact(folder, "districts/a/portrait-of-a-leader-a.pdf", b"%PDF-a")
    b = _artifact(folder, "districts/b/portrait-of-a-leader-b.pdf", b"%PDF-b")
    return a, b


def test_gather_joins_good_parts(tmp_path):
    a, b = _two_shards(tmp_path)
    _part(tmp_path, 1, 2, [a])
    _part(tmp_path, 2, 2, [b])
    artifacts = release.gather(tmp_path)
    assert [x.file for x in artifacts] == [a["file"], b["file"]]
    assert release.verify(tmp_path) == []
    assert not list(tmp_path.glob("manifest-part-*"))  # the parts are consumed


def test_gather_refuses_a_file_in_two_shards(tmp_path):
    a, b = _two_shards(tmp_path)
    _part(tmp_path, 1, 2, [a, b])
    _part(tmp_path, 2, 2, [b])
    with pytest.raises(BuildError, match=r"a file appears in more than one shard: districts/b/"):
        release.gather(tmp_path)
    assert not (tmp_path / release.MANIFEST).exists() and not (tmp_path / release.SUMS).exists()


@pytest.mark.parametrize("key", ["version", "commit", "source_date", "title"])
def test_gather_refuses_parts_of_different_versions_or_commits(tmp_path, key):
    a, b = _two_shards(tmp_path)
    _part(tmp_path, 1, 2, [a])
    _part(tmp_path, 2, 2, [b], **{key: "something else"})
    with pytest.raises(BuildError, match="manifest parts come from different versions or commits"):
        release.gather(tmp_path)
    assert not (tmp_path / release.MANIFEST).exists()


def test_gather_refuses_parts_of_different_shard_counts(tmp_path):
    a, b = _two_shards(tmp_path)
    _part(tmp_path, 1, 2, [a])
    _part(tmp_path, 2, 3, [b])
    with pytest.raises(BuildError, match="manifest parts from different shard counts"):
        release.gather(tmp_path)


@pytest.mark.parametrize("tamper", ["changed", "grown", "missing"])
def test_gather_refuses_a_tampered_or_missing_file(tmp_path, tamper):
    a, b = _two_shards(tmp_path)
    _part(tmp_path, 1, 2, [a])
    _part(tmp_path, 2, 2, [b])
    path = tmp_path / b["file"]
    if tamper == "changed":
        path.write_bytes(b"%PDF-x")  # same size, other bytes
    elif tamper == "grown":
        path.write_bytes(path.read_bytes() + b"\n")
    else:
        path.unlink()
    expected = f"{b['file']}: missing" if tamper == "missing" else f"{b['file']}: sha256 or size differs"
    with pytest.raises(BuildError, match="checksums do not match the files") as caught:
        release.gather(tmp_path)
    assert expected in str(caught.value)
    assert not (tmp_path / release.MANIFEST).exists() and not (tmp_path / release.SUMS).exists()
    assert len(list(tmp_path.glob("manifest-part-*"))) == 2  # kept, to gather again once fixed


def test_verify_catches_sums_and_manifest_that_disagree(tmp_path):
    a, b = _two_shards(tmp_path)
    _part(tmp_path, 1, 1, [a, b])
    release.gather(tmp_path)
    sums = tmp_path / release.SUMS
    sums.write_text(sums.read_text().replace(a["sha256"], "0" * 64) + "1" * 64 + "  extra.pdf\n")
    assert release.verify(tmp_path) == [
        f"{a['file']}: SHA256SUMS and manifest.json disagree",
        "extra.pdf: in SHA256SUMS but not in manifest.json",
    ]
    sums.unlink()
    assert release.verify(tmp_path) == [f"SHA256SUMS is missing in {tmp_path}"]


def _git(cwd, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-03-01T12:00:00Z", "GIT_COMMITTER_DATE": "2025-03-01T12:00:00Z"}
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.mark.slow
def test_releases_of_one_commit_in_separate_processes_are_byte_identical(tmp_path):
    """Two clones of one commit (different paths), each released by its own process: one dated by
    the last commit (no SOURCE_DATE_EPOCH), one with SOURCE_DATE_EPOCH set to the commit's time.
    The manifests and SHA256SUMS are the same bytes, dated by the commit."""
    from conftest import REPO, copy_project

    origin = copy_project(tmp_path / "origin").root
    shutil.rmtree(origin / "content" / "districts")  # the Portrait alone keeps this to two files
    shutil.copy(REPO / "CHANGELOG.md", origin)
    _git(origin, "init", "-q")
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "release")
    epoch = _git(origin, "log", "-1", "--format=%ct")
    folders = []
    for name, extra in (("by-commit", {}), ("by-epoch", {"SOURCE_DATE_EPOCH": epoch})):
        clone = tmp_path / name
        _git(tmp_path, "clone", "-q", str(origin), str(clone))
        env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | extra
        done = subprocess.run(
            [sys.executable, str(REPO / "build.py"), "--root", str(clone), "release"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        folders.append(clone / "output" / "release" / "1.0.0")
    first, second = folders
    for name in (release.SUMS, release.MANIFEST, release.NOTES):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    manifest = json.loads((first / release.MANIFEST).read_text())
    assert manifest["source_date"] == "2025-03-01T12:00:00+00:00"
    assert manifest["commit"] == _git(origin, "rev-parse", "HEAD")
    assert len(manifest["files"]) == 4  # screen, print, web, epub
