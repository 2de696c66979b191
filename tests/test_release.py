"""Releases: manifest and checksums agree with the files, two releases are identical, shards
cover everything exactly once, and tampering is caught."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from portrait.build import release
from portrait.build.batch import parse_shard, select_shard
from portrait.errors import BuildError, InputError


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A release of a copy of the project, made twice (in two folders) from the same inputs.

    The copies keep two of the example districts, to keep the suite fast."""
    from conftest import copy_project

    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1740000000")
    try:
        results = []
        for name in ("first", "second"):
            project = copy_project(tmp_path_factory.mktemp(name))
            shutil.rmtree(project.content / "districts" / "example-north-harbor-valley")
            shutil.copy(release.Path(__file__).resolve().parents[1] / "CHANGELOG.md", project.root)
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
    for a in artifacts:
        assert a.conformance == {"screen": "PDF/UA-1", "print": "PDF/X-4"}[a.variant]
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
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            # a short host name (e.g. "vm") occurs by chance in compressed bytes: look in text files
            needles = paths if path.suffix == ".pdf" else [*paths, socket.gethostname().encode()]
            for needle in needles:
                assert needle not in data, (path.name, needle)


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
    mp.setenv("SOURCE_DATE_EPOCH", "1740000000")
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
