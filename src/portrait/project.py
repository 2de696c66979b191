"""Where things are: the folders of a portrait project."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

PORTRAIT_PDF = "portrait-of-a-leader.pdf"


@dataclass(frozen=True)
class Project:
    """The folders of a project. Every path the pipeline reads is derived from ``root``."""

    root: Path

    @classmethod
    def at(cls, root: str | Path | None = None) -> Project:
        """The project at ``root``, or the one this package was installed from."""
        if root is None:
            root = Path(__file__).resolve().parents[2]
        return cls(Path(root).resolve())

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def assets(self) -> Path:
        return self.root / "assets"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def readable_roots(self) -> tuple[Path, ...]:
        """The only folders whose files may be read while rendering."""
        return (self.content, self.templates, self.assets)

    def relative(self, path: Path) -> str:
        """``path`` as the user sees it: relative to the project root when inside it."""
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)


def source_epoch(project: Project) -> str | None:
    """The build date, in seconds since 1970, as given: SOURCE_DATE_EPOCH when set, else the last
    commit's time (so that building one commit twice gives the same bytes); None outside git."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return epoch
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None
