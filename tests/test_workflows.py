"""The GitHub Actions workflows: actionlint and zizmor find nothing, every action is pinned by
commit, no checkout keeps its credentials, only the publishing job may write, and the publish
step makes a draft release a pre-release."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _project import REPO

WORKFLOWS = REPO / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
BIN = Path(sys.executable).parent  # the venv's scripts: `make test` installs the dev extra there

# The one job that may hold a write permission, and what it may write.
PUBLISHER = ("release.yml", "publish")
PUBLISHER_WRITES = {"contents"}

USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>[^\s#]+)\s*(?P<comment>#.*)?$")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^#\s*v\d+(?:\.\d+)*\s*$")


def linter(name: str) -> Path:
    exe = BIN / name
    if not exe.exists():
        pytest.skip(f"{name} is not installed next to {sys.executable} (pip install -e '.[dev]')")
    return exe


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def steps(workflow: dict):
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def pin_problems(path: Path) -> list[str]:
    """Every `uses:` of a workflow file that is not `owner/repo@<40-hex sha> # vX.Y.Z`."""
    problems = []
    lines = [m for m in map(USES_LINE.match, path.read_text().splitlines()) if m]
    for m in lines:
        ref, comment = m["ref"].strip("'\""), (m["comment"] or "")
        if ref.startswith("./"):
            continue  # an action in this repository: pinned by the commit that runs it
        if not PINNED.match(ref):
            problems.append(f"{path.name}: {ref} is not pinned to a full commit SHA")
        if not VERSION_COMMENT.match(comment):
            problems.append(f"{path.name}: {ref} has no `# vX.Y.Z` comment naming its version")
    # Every `uses:` that YAML sees was read above (none hides in a flow mapping).
    in_yaml = sum("uses" in step for _, step in steps(load(path)))
    if in_yaml != len(lines):
        problems.append(f"{path.name}: {in_yaml} `uses:` in the YAML, {len(lines)} on lines of their own")
    return problems


def test_there_are_workflows():
    assert {p.name for p in WORKFLOW_FILES} >= {"ci.yml", "release.yml"}


def test_actionlint_finds_nothing():
    result = subprocess.run(
        [linter("actionlint"), "-no-color", *WORKFLOW_FILES], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = subprocess.run(
        [linter("zizmor"), "--offline", "--no-progress", "--format=plain", str(WORKFLOWS)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr, result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path):
    assert pin_problems(path) == []


def test_the_pin_check_rejects_a_tag(tmp_path: Path):
    broken = tmp_path / "ci.yml"
    broken.write_text(
        re.sub(r"actions/checkout@[0-9a-f]{40} # v[\d.]+", "actions/checkout@v4", (WORKFLOWS / "ci.yml").read_text())
    )
    assert pin_problems(broken) == [
        "ci.yml: actions/checkout@v4 is not pinned to a full commit SHA",
        "ci.yml: actions/checkout@v4 has no `# vX.Y.Z` comment naming its version",
    ]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_checkout_keeps_its_credentials(path: Path):
    checkouts = [(job, s) for job, s in steps(load(path)) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for job, step in checkouts:
        assert (step.get("with") or {}).get("persist-credentials") is False, f"{path.name}: job {job}"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_only_the_publisher_may_write(path: Path):
    workflow = load(path)
    # The workflow's default grants nothing that can write: `{}` or read-only scopes.
    assert "permissions" in workflow, f"{path.name}: no workflow-level permissions (the default token can write)"
    default = workflow["permissions"]
    assert isinstance(default, dict) and set(default.values()) <= {"read", "none"}, f"{path.name}: {default}"
    for job_id, job in workflow["jobs"].items():
        perms = job.get("permissions", default)
        assert isinstance(perms, dict), f"{path.name}: job {job_id} has permissions: {perms}"
        writes = {scope for scope, level in perms.items() if level == "write"}
        allowed = PUBLISHER_WRITES if (path.name, job_id) == PUBLISHER else set()
        assert writes <= allowed, f"{path.name}: job {job_id} may write {sorted(writes - allowed)}"
    if path.name == PUBLISHER[0]:
        assert workflow["jobs"][PUBLISHER[1]]["permissions"] == {"contents": "write"}


# The publish step, run with a stand-in for `gh` that records its arguments.


def publish_script() -> str:
    job = load(WORKFLOWS / "release.yml")["jobs"]["publish"]
    (step,) = [s for s in job["steps"] if s.get("name") == "Publish the release"]
    return step["run"]


def publish(tmp_path: Path, manifest: dict) -> tuple[subprocess.CompletedProcess, list[str] | None]:
    release = tmp_path / "output" / "release" / "1.2.3"
    (release / "districts").mkdir(parents=True)
    for name in ("portrait-of-a-leader.pdf", "portrait-of-a-leader-print.pdf", "districts/a.pdf"):
        (release / name).write_bytes(b"%PDF-")
    (release / "manifest.json").write_text(json.dumps(manifest))
    (release / "SHA256SUMS").write_text("")
    (release / "RELEASE-NOTES.md").write_text("notes\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "$GH_ARGS"\n')
    gh.chmod(0o755)
    script = tmp_path / "publish.sh"
    script.write_text(publish_script())
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_REF_NAME": "v1.2.3",
        "GH_ARGS": str(tmp_path / "gh-args"),
    }
    # GitHub runs `run:` scripts as `bash --noprofile --norc -eo pipefail {0}`.
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    args_file = tmp_path / "gh-args"
    return result, (args_file.read_text().splitlines() if args_file.exists() else None)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("draft", [True, False])
def test_publish_makes_a_draft_a_prerelease(tmp_path: Path, draft: bool):
    result, args = publish(tmp_path, {"version": "1.2.3", "draft": draft})
    assert result.returncode == 0, result.stdout + result.stderr
    assert args is not None
    d = "output/release/1.2.3"
    assert args[:3] == ["release", "create", "v1.2.3"]
    assert ("--prerelease" in args) is draft
    assert args[-5:] == [
        f"{d}/districts/a.pdf",
        f"{d}/portrait-of-a-leader-print.pdf",
        f"{d}/portrait-of-a-leader.pdf",
        f"{d}/manifest.json",
        f"{d}/SHA256SUMS",
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("manifest", [{"version": "1.2.3"}, {"version": "1.2.3", "draft": "no"}])
def test_publish_stops_without_a_draft_flag(tmp_path: Path, manifest: dict):
    result, args = publish(tmp_path, manifest)
    assert result.returncode != 0
    assert args is None, "gh was called"
    assert '"draft" must be true or false' in result.stdout
