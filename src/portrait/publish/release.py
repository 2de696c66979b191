"""Release artifacts: every edition built into ``output/release/<version>/``, with a manifest and
checksums that anyone can verify.

A release is reproducible: the same commit gives the same bytes (dates from SOURCE_DATE_EPOCH or
the commit's time, /IDs derived from the inputs, no absolute paths, stable ordering), so two
releases of one commit have identical SHA256SUMS. CI splits the work across machines with
``--shard K/N`` and puts the parts together with ``--gather``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portrait.errors import BuildError, InputError, Problem
from portrait.project import Project
from portrait.publish.atomic import write_atomic
from portrait.publish.produce import Target, produce

if TYPE_CHECKING:
    from portrait.formats.maker import EditionMaker
    from portrait.inputs.district import Edition

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
NOTES = "RELEASE-NOTES.md"
PART = "manifest-part-{k}-of-{n}.json"


@dataclass(frozen=True)
class Artifact:
    """One file of a release, as listed in the manifest."""

    file: str  # relative to the release folder
    edition: str  # "portrait" or "district"
    variant: str  # "screen" or "print"
    district: str | None
    district_name: str | None
    pages: int
    bytes: int
    sha256: str
    conformance: str | None
    preflight: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Job:
    """One file of the release: what it is, and the target that makes it."""

    target: Target
    edition: str  # "portrait" or "district"
    district: str | None = None
    district_name: str | None = None


NO_CHANGELOG_NOTES = "(No CHANGELOG.md in the publication folder: these notes say only the version.)"


def release_dir(project: Project, version: str) -> Path:
    return project.output / "release" / version


CHANGELOG = "CHANGELOG.md"


def notes_for(project: Project, version: str) -> str:
    """The CHANGELOG.md section of ``version``. CHANGELOG.md is optional (a publication folder
    made elsewhere may have none: the notes then say only the version), but one without a
    section for ``version`` is refused: its notes were forgotten."""
    path = project.root / CHANGELOG
    if not path.exists():
        return f"# Portrait of a Leader {version}\n\n{NO_CHANGELOG_NOTES}\n"
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(CHANGELOG, f"cannot be read ({exc})", fix="save it as a UTF-8 text file")) from None
    match = re.search(rf"^## \[{re.escape(version)}\][^\n]*\n(.*?)(?=^## \[|\Z)", text, re.M | re.S)
    if not match or not match[1].strip():
        raise InputError(
            Problem(
                "CHANGELOG.md",
                f"no notes for version {version}",
                fix=f"add a `## [{version}]` section (the version comes from content/publication.yaml)",
            )
        )
    return f"# Portrait of a Leader {version}\n\n{match[1].strip()}\n"


def commit_of(project: Project) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project.root, capture_output=True, text=True, timeout=5, check=True
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def run_jobs(
    project: Project,
    maker: EditionMaker,
    jobs: list[Job],
    folder: Path,
    on_done: Callable[[Artifact], None] | None = None,
) -> list[Artifact]:
    artifacts = []
    for job in jobs:
        (written,) = produce(project, maker, [job.target])  # checked before it is written
        made, fmt = written.made, written.format
        artifact = Artifact(
            file=written.path.relative_to(folder).as_posix(),
            edition=job.edition,
            variant=fmt.name,
            district=job.district,
            district_name=job.district_name,
            # printed pages of a PDF; reading documents (web pages, EPUB content documents) otherwise
            pages=made.pages,
            bytes=len(made.data),
            sha256=hashlib.sha256(made.data).hexdigest(),
            conformance=fmt.variant.conformance if fmt.variant is not None else REFLOWED_CONFORMANCE[fmt.name],
            preflight={
                "profile": made.report.profile,
                "passed": made.report.passed,
                "rules": {r.rule: r.detail for r in made.report.results},
            },
        )
        artifacts.append(artifact)
        if on_done:
            on_done(artifact)
    return artifacts


def write_part(folder: Path, shard: tuple[int, int], header: dict[str, Any], artifacts: list[Artifact]) -> Path:
    k, n = shard
    payload = {**header, "shard": f"{k}/{n}", "files": [asdict(a) for a in artifacts]}
    return write_atomic(folder / PART.format(k=k, n=n), _json(payload))


def gather(folder: Path) -> list[Artifact]:
    """Join the shards' parts into manifest.json and SHA256SUMS, checking every file's hash."""
    parts = sorted(folder.glob("manifest-part-*-of-*.json"))
    if not parts:
        raise BuildError(f"no manifest parts in {folder}: run `build.py release --shard K/N` first")
    payloads = [json.loads(p.read_text()) for p in parts]
    totals = {re.search(r"-of-(\d+)", p.name)[1] for p in parts}  # type: ignore[index]
    if len(totals) != 1:
        raise BuildError(f"manifest parts from different shard counts: {sorted(p.name for p in parts)}")
    (total,) = totals
    found = sorted(int(re.search(r"part-(\d+)-of", p.name)[1]) for p in parts)  # type: ignore[index]
    if found != list(range(1, int(total) + 1)):
        raise BuildError(f"missing shard parts: have {found}, need 1..{total}")
    headers = {
        json.dumps({k: v for k, v in p.items() if k not in ("files", "shard")}, sort_keys=True) for p in payloads
    }
    if len(headers) != 1:
        raise BuildError("manifest parts come from different versions or commits; rebuild them together")
    artifacts = [Artifact(**f) for p in payloads for f in p["files"]]
    files = [a.file for a in artifacts]
    if len(files) != len(set(files)):
        raise BuildError(
            "a file appears in more than one shard: " + ", ".join(sorted({f for f in files if files.count(f) > 1}))
        )
    header = json.loads(headers.pop())
    finish(folder, header, artifacts)
    for p in parts:
        p.unlink()
    return artifacts


def finish(folder: Path, header: dict[str, Any], artifacts: list[Artifact]) -> None:
    artifacts = sorted(artifacts, key=lambda a: a.file)
    problems = verify_files(folder, artifacts)
    if problems:
        raise BuildError("checksums do not match the files:\n" + "\n".join(f"  {p}" for p in problems))
    write_atomic(folder / MANIFEST, _json({**header, "files": [asdict(a) for a in artifacts]}))
    write_atomic(folder / SUMS, "".join(f"{a.sha256}  {a.file}\n" for a in artifacts).encode())


def verify(folder: Path) -> list[str]:
    """Problems found re-hashing the files of a finished release (empty when all is well)."""
    sums = folder / SUMS
    if not sums.is_file():
        return [f"{SUMS} is missing in {folder}"]
    manifest = json.loads((folder / MANIFEST).read_text())
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums.read_text().splitlines() if line}
    problems = verify_files(folder, [Artifact(**f) for f in manifest["files"]])
    for a in manifest["files"]:
        if listed.get(a["file"]) != a["sha256"]:
            problems.append(f"{a['file']}: {SUMS} and {MANIFEST} disagree")
    extra = sorted(set(listed) - {a["file"] for a in manifest["files"]})
    problems.extend(f"{name}: in {SUMS} but not in {MANIFEST}" for name in extra)
    return problems


def verify_files(folder: Path, artifacts: list[Artifact]) -> list[str]:
    problems = []
    for a in artifacts:
        path = folder / a.file
        if not path.is_file():
            problems.append(f"{a.file}: missing")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != a.sha256 or len(data) != a.bytes:
            problems.append(f"{a.file}: sha256 or size differs from the manifest")
    return problems


def _json(payload: Any) -> bytes:
    return (json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def plan(project: Project, shard: tuple[int, int], folder: Path) -> list[Job]:
    """Every file of the release that ``shard`` builds, in a stable order: the PDFs (screen and
    print) of the main Portrait (in shard 1) and of each of the shard's districts, then their
    web editions and EPUBs."""
    from portrait.finish.variants import VARIANTS
    from portrait.formats import formats
    from portrait.inputs.district import district_slugs, load_edition
    from portrait.publish.batch import select_shard

    editions: list[Edition | None] = [None] if shard[0] == 1 else []
    editions += [load_edition(project, slug) for slug in select_shard(district_slugs(project), shard)]
    jobs: list[Job] = []
    for pdfs in (True, False):
        for edition in editions:
            for fmt in formats().values():
                # a release's PDFs are the default variants (screen is PDF/UA-1), one file each
                if fmt.is_pdf != pdfs or (fmt.variant is not None and fmt.variant not in VARIANTS.values()):
                    continue
                if edition is None:
                    jobs.append(Job(Target(fmt.output(folder), fmt), "portrait"))
                else:
                    target = Target(fmt.output(folder, edition.slug), fmt, edition)
                    jobs.append(Job(target, "district", district=edition.slug, district_name=edition.name))
    return jobs


# What the reflowable editions claim (the EPUB in its package metadata); the web edition claims none.
REFLOWED_CONFORMANCE = {"epub": "EPUB 3.3; EPUB Accessibility 1.1 - WCAG 2.1 Level AA", "web": None}


def refuse_draft(placeholders: Sequence[Any], expired: Sequence[Any] = ()) -> None:
    """A final release is no draft: it prints no placeholder and no item past its ``valid_until``.
    List every one (file:line: key) as an input error."""
    problems = [
        Problem(
            p.file,
            "a placeholder: `release --final` refuses a draft",
            line=p.line,
            key=p.key,
            fix="put the published wording in and remove `placeholder: true` (or release without --final)",
        )
        for p in placeholders
    ]
    problems += [
        Problem(
            e.file,
            f"valid until {e.valid_until.isoformat()}, before the build date: `release --final` refuses a draft",
            line=e.line,
            key=e.key,
            fix="bring the item up to date and change or remove its `valid_until` (or release without --final)",
        )
        for e in expired
    ]
    if problems:
        raise InputError(problems)


def make_release(
    project: Project,
    shard: tuple[int, int] | None = None,
    *,
    on_done: Callable[[Artifact], None] | None = None,
    final: bool = False,
) -> tuple[Path, list[Artifact]]:
    """Build the release (or one shard of it) into output/release/<version>/.

    ``final``: refuse a draft (content with a placeholder) before building anything."""
    from portrait.inputs.load import load_inputs

    inputs = load_inputs(project)
    placeholders = inputs.content.placeholders
    expired = inputs.content.expired
    if final:
        refuse_draft(placeholders, expired)
    version = inputs.content.publication.version
    notes = notes_for(project, version)
    folder = release_dir(project, version)
    header = {
        "title": inputs.content.publication.title,
        "version": version,
        "commit": commit_of(project),
        "source_date": inputs.built.isoformat(),
        # Every edition prints the shared content: one placeholder makes all of them drafts.
        "draft": inputs.content.draft,
        "placeholders": [{"file": p.file, "line": p.line, "key": p.key} for p in placeholders],
        # Items past their valid_until on the build date (also a draft).
        "expired": [
            {"file": e.file, "line": e.line, "key": e.key, "valid_until": e.valid_until.isoformat()} for e in expired
        ],
    }
    whole = shard is None
    shard = shard or (1, 1)
    from portrait.formats.maker import EditionMaker

    # One maker: each format's shared pages are laid out once for every edition. A release reads
    # every page of every edition back for its check (not by parts): what is published is checked whole.
    maker = EditionMaker(project, inputs, whole_file_check=True)
    artifacts = run_jobs(project, maker, plan(project, shard, folder), folder, on_done)
    if shard[0] == 1:
        write_atomic(folder / NOTES, notes.encode())
    if whole:
        finish(folder, header, artifacts)
    else:
        write_part(folder, shard, header, artifacts)
    return folder, artifacts
