"""Where things are: the folders of a publication project.

A project is any folder holding ``content/``, ``templates/`` and ``assets/``; the installed tool
builds whichever one it is pointed at, as mkdocs builds the folder holding ``mkdocs.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from portrait.errors import InputError, Problem

# The file that marks a project's root (the publication's metadata and list of sections).
MARKER = Path("content") / "publication.yaml"


@dataclass(frozen=True)
class Project:
    """The folders of a project. Every path the pipeline reads is derived from ``root``."""

    root: Path

    @classmethod
    def at(cls, root: str | Path | None = None) -> Project:
        """The project at ``root``; without one, the nearest project upward from the current
        folder (see ``find``)."""
        if root is None:
            return cls.find()
        path = Path(root).resolve()
        if not path.is_dir():
            what = "is a file, not a folder" if path.exists() else "no such folder"
            raise InputError(Problem(str(root), what, fix="give --root the folder that holds content/"))
        return cls(path)

    @classmethod
    def find(cls, start: str | Path | None = None) -> Project:
        """The nearest folder from ``start`` (default: the current folder) upward that holds
        ``content/publication.yaml``."""
        here = Path(start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / MARKER).is_file():
                return cls(folder)
        raise InputError(
            Problem(
                str(here),
                f"not inside a publication project: no {MARKER.as_posix()} here or in any folder above",
                fix="run the command inside a folder holding content/, templates/ and assets/, or give --root FOLDER",
            )
        )

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
