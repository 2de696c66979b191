"""Processed raster logos kept between runs, in ``output/.cache/logos/``.

A district's PNG or JPEG logo is decoded, checked, scaled and encoded once (about 20 ms, in the
batch's own process, for every edition it hands out); later runs read the result back. An entry
is named by ``portrait.inputs.logo.processing_key``: the logo's bytes, the processing code and
Pillow's version, so a changed logo or a changed rule is processed again. Entries are never
removed one by one (a few tens of kilobytes each); deleting output/ (``make clean``) empties it.
"""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path

from portrait.errors import InputError
from portrait.inputs.logo import Logo, sniff
from portrait.project import Project
from portrait.publish.atomic import write_atomic
from portrait.publish.cache import CACHE_FOLDER


class LogoCache:
    """A ``portrait.inputs.logo.LogoStore`` of JSON files in one folder."""

    def __init__(self, folder: Path):
        self.folder = folder

    @classmethod
    def of(cls, project: Project) -> LogoCache:
        return cls(project.output / CACHE_FOLDER / "logos")

    def get(self, key: str) -> Logo | None:
        """The logo stored under ``key``; None when there is none, or when the entry is not
        what this store writes (then the logo is processed again and the entry replaced)."""
        try:
            entry = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            logo = Logo(
                base64.b64decode(entry["data"], validate=True),
                str(entry["kind"]),
                int(entry["width"]),
                int(entry["height"]),
                tuple(str(notice) for notice in entry["notices"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return logo if sniff(logo.data) == logo.kind else None

    def put(self, key: str, logo: Logo) -> None:
        entry = {
            "kind": logo.kind,
            "width": logo.width,
            "height": logo.height,
            "notices": list(logo.notices),
            "data": base64.b64encode(logo.data).decode(),
        }
        # A cache that cannot be written (a read-only output/) only costs time.
        with contextlib.suppress(OSError, InputError):
            write_atomic(self.folder / f"{key}.json", json.dumps(entry).encode())
