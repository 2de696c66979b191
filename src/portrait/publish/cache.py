"""Skipping a build whose inputs have not changed.

A build's output depends on every file in content/, templates/ and assets/, on the portrait
package's own source, on the build date (SOURCE_DATE_EPOCH, else the last commit's time; see
portrait.inputs.build_date) and on the WeasyPrint version. All of them are hashed into one key, stored
next to the output with the hash of the bytes written (``output/.cache/<name>.json``). When both
match, the build is skipped.

A batch of district editions (portrait.publish.batch) hashes the same inputs once without
content/districts/, and combines that key with a hash of each district's own folder
(``edition_key``): a new logo rebuilds one edition, a content change rebuilds them all.

This module is on the path of a build that does nothing, so it imports nothing heavy: no
WeasyPrint. A no-op ``python build.py build`` stays a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from portrait.inputs.build_date import source_epoch
from portrait.project import Project
from portrait.publish.atomic import write_atomic

PACKAGE = Path(__file__).resolve().parents[1]  # the whole portrait package
CACHE_FOLDER = ".cache"
# Bump when the meaning of the key changes, so that old records never match.
KEY_VERSION = "1"
# Files that are never inputs: editor droppings and bytecode.
IGNORED_SUFFIXES = (".pyc", ".swp", ".swo", "~", ".tmp")
IGNORED_NAMES = frozenset({".DS_Store", "__pycache__", ".git"})
TEMPLATE_SUFFIX = ".j2"


def input_files(project: Project, exclude: Sequence[Path] = ()) -> list[Path]:
    """Every file a build may read, in a stable order; nothing inside the folders ``exclude``."""
    files: list[Path] = []
    for root in (*project.readable_roots, PACKAGE):
        files.extend(_walk(root, exclude))
    return sorted(files)


def _walk(root: Path, exclude: Sequence[Path] = ()) -> Iterable[Path]:
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_NAMES and Path(folder, d) not in exclude)
        for name in names:
            if name in IGNORED_NAMES or name.endswith(IGNORED_SUFFIXES):
                continue
            yield Path(folder, name)


def files_digest(paths: Iterable[Path], relative_to: Path) -> str:
    """A hash of the files' names (relative to ``relative_to``) and contents."""
    digest = hashlib.sha256()
    for path in paths:
        try:
            name = str(path.relative_to(relative_to))
        except ValueError:
            name = str(path)
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def resources_digest(project: Project) -> str:
    """A hash of what a layout reads besides its HTML: stylesheets, fonts and images in
    templates/ and assets/ (the Jinja templates only matter through the HTML they make)."""
    files = sorted(
        f for root in (project.templates, project.assets) for f in _walk(root) if f.suffix != TEMPLATE_SUFFIX
    )
    return files_digest(files, project.root)


def input_key(project: Project, exclude: Sequence[Path] = ()) -> str | None:
    """The key of a build of ``project`` now, or None when its output cannot be reused.

    ``exclude``: folders whose files are not inputs of this build (a batch of district editions
    leaves out content/districts/ and hashes each edition's own folder; see ``edition_key``)."""
    epoch = source_epoch(project)
    if epoch is None:  # dated 'now': the output differs every time, nothing to reuse
        return None
    digest = hashlib.sha256()
    for part in (
        f"key-version={KEY_VERSION}",
        f"build-epoch={epoch}",
        f"weasyprint={_version('weasyprint')}",
        f"pydyf={_version('pydyf')}",
        f"python={sys.version_info[:3]}",
        f"files={files_digest(input_files(project, exclude), project.root)}",
    ):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def folder_digest(folder: Path) -> str | None:
    """A hash of the files in one folder (a district's: district.yaml and its logo), or None
    when it cannot stand for the folder: missing, unreadable, or holding a symbolic link (which
    the district's checks refuse, so such a folder is never taken as up to date)."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    files = sorted(_walk(folder))
    if any(f.is_symlink() for f in files):
        return None
    try:
        return files_digest(files, folder)
    except OSError:
        return None


def edition_key(shared: str | None, slug: str, folder: str | None) -> str | None:
    """The key of one district edition: the batch's shared key (``input_key`` without
    content/districts/, computed once per batch), the slug, the digest of the district's own
    folder, and the version of pikepdf that joins the edition's parts."""
    if shared is None or folder is None:
        return None
    digest = hashlib.sha256()
    for part in (f"shared={shared}", f"slug={slug}", f"folder={folder}", f"pikepdf={_version('pikepdf')}"):
        digest.update(part.encode() + b"\n")
    return digest.hexdigest()


def variant_key(key: str | None, variant: str) -> str | None:
    """The key a file of ``variant`` is recorded under. The screen and print editions keep the
    build's key; a variant that writes the same file as another (``screen-ua2`` writes the
    screen edition's) gets its own, so that one is never taken for the other."""
    if key is None or variant in ("screen", "print"):
        return key
    return hashlib.sha256(f"{key}\nvariant={variant}".encode()).hexdigest()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


@dataclass(frozen=True)
class Record:
    """What the last build of one output wrote, and from which inputs."""

    key: str
    sha256: str
    pages: int
    warnings: tuple[str, ...] = ()  # the content's warnings: an unchanged build prints them again

    @classmethod
    def path_for(cls, output: Path, records: Path | None = None) -> Path:
        """The record of ``output``: in ``records`` if given, else in .cache/ beside it."""
        return (records or output.parent / CACHE_FOLDER) / f"{output.name}.json"

    @classmethod
    def read(cls, output: Path, records: Path | None = None) -> Record | None:
        try:
            data = json.loads(cls.path_for(output, records).read_text(encoding="utf-8"))
            warnings = tuple(str(w) for w in data.get("warnings", []))
            return cls(key=str(data["key"]), sha256=str(data["sha256"]), pages=int(data["pages"]), warnings=warnings)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, output: Path, records: Path | None = None) -> None:
        record = {"key": self.key, "sha256": self.sha256, "pages": self.pages, "warnings": list(self.warnings)}
        text = json.dumps(record, indent=2)
        write_atomic(self.path_for(output, records), text.encode() + b"\n")


def up_to_date(output: Path, key: str | None, records: Path | None = None) -> Record | None:
    """The record of ``output`` if it was built from inputs with ``key`` and is unchanged since."""
    if key is None:
        return None
    record = Record.read(output, records)
    if record is None or record.key != key:
        return None
    try:
        data = output.read_bytes()
    except OSError:
        return None
    return record if hashlib.sha256(data).hexdigest() == record.sha256 else None


def remember(
    output: Path,
    key: str | None,
    pdf: bytes,
    pages: int,
    warnings: tuple[str, ...] = (),
    records: Path | None = None,
) -> None:
    """Record that ``output`` holds ``pdf``, built from inputs with ``key``."""
    if key is None:
        Record.path_for(output, records).unlink(missing_ok=True)
        return
    Record(key, hashlib.sha256(pdf).hexdigest(), pages, warnings).write(output, records)
