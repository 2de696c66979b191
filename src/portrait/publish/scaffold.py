"""``new-district``: a new district folder with the logo copied in and a valid district.yaml."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml

from portrait.errors import InputError, Problem
from portrait.inputs.district import DISTRICT_FILE, check_slug, districts_folder, load_district
from portrait.inputs.district_csv import Sheet, check, read_sheet, stage
from portrait.inputs.logo import LogoError, read_logo_bytes, sniff
from portrait.paths import input_file
from portrait.project import Project

TEMPLATE = """\
# District edition of the Portrait of a Leader. The format is described in docs/network.md
# (district.yaml). Build it with: python build.py district {slug}
name: {name}
logo: {logo}

# Everything below is optional: remove the "# " in front of a key to use it.
# short_name: "..."              # a shorter name for the running footer of every page
# state: "..."                   # printed after the name on the cover
# cover_line: "..."              # a line under the name on the cover
# colors:                        # "#rrggbb"; text uses a darker shade when needed (WCAG AA)
#   primary: "#1b4f9c"
#   secondary: "#f2a900"
# foreword:                      # a page of its own after the cover
#   title: "A message from our superintendent"
#   body: |
#     Markdown paragraphs: *emphasis*, **bold**, lists and https:// links.
#   signed:
#     - name: "..."
#       role: "Superintendent"
# contact:                       # printed on the back cover
#   website: "https://..."
#   email: "..."
"""


def new_district(project: Project, slug: str, name: str, logo: Path) -> tuple[Path, str]:
    """Create ``content/districts/<slug>/``; return the folder and the logo's new name."""
    bad = check_slug(slug)
    if bad:
        raise InputError(bad)
    folder = districts_folder(project) / slug
    shown = project.relative(folder) + "/"
    if folder.exists():
        raise InputError(
            Problem(
                shown,
                "this district folder already exists",
                fix="edit its district.yaml, or choose another name",
            )
        )
    input_file(logo, "logo file (SVG, PNG or JPEG)")
    try:
        data = read_logo_bytes(logo)
    except FileNotFoundError:
        raise InputError(
            Problem(str(logo), "logo file not found", fix="give the path of an SVG, PNG or JPEG file")
        ) from None
    except LogoError as exc:
        raise InputError(Problem(str(logo), str(exc), fix=exc.fix)) from None
    except OSError as exc:
        raise InputError(Problem(str(logo), f"cannot read the logo ({exc.strerror})")) from None
    kind = sniff(data)
    if kind is None:
        raise InputError(
            Problem(
                str(logo),
                "not an SVG, PNG or JPEG image",
                fix="export the logo as SVG, PNG or JPEG",
            )
        )
    logo_name = "logo." + {"svg": "svg", "png": "png", "jpeg": "jpg"}[kind]
    text = TEMPLATE.format(slug=slug, name=_quoted(name), logo=logo_name)

    # Made in a temporary folder and checked there, then moved into place: a logo or name that
    # fails the checks leaves no half-made district behind.
    parent = districts_folder(project)
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".new-{slug}-", dir=parent) as tmp:
        staging = Path(tmp) / slug
        staging.mkdir()
        (staging / logo_name).write_bytes(data)
        (staging / DISTRICT_FILE).write_text(text, encoding="utf-8")
        try:
            load_district(project, slug, staging)
        except InputError as exc:
            raise InputError(
                [Problem(str(logo) if p.key == "logo" else "--name", p.message, fix=p.fix) for p in exc.problems]
            ) from None
        shutil.move(str(staging), folder)
    return folder, logo_name


def _quoted(text: str) -> str:
    # yaml.safe_dump quotes and escapes whatever the name holds (quotes, &, :, Unicode).
    return yaml.safe_dump(text, allow_unicode=True, default_style='"', width=10_000).strip().removesuffix("...").strip()


def new_districts_from_csv(project: Project, path: Path) -> list[Path]:
    """Create a district folder for every row of a CSV file (see portrait.inputs.district_csv);
    return the folders, in the file's order.

    Every row is staged and checked before any is moved into content/districts/: when one row is
    wrong (or its folder exists already) nothing is written and every problem is reported, so
    the file can be fixed and given again. Each folder is then moved into place whole."""
    sheet = read_sheet(path, project.relative(path))
    parent = districts_folder(project)
    parent.mkdir(parents=True, exist_ok=True)
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix=".new-from-csv-", dir=parent) as tmp:
        staged: list[tuple[int, Path, Path]] = []
        for row in sheet.rows:
            target = parent / row.slug
            try:
                if row.slug and not row.problems and target.exists():
                    raise InputError(_exists(project, sheet, row.number, target))
                folder = Path(tmp) / f"row-{row.number}"
                stage(sheet, row, folder)
                check(project, sheet, row, folder)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            staged.append((row.number, folder, target))
        if problems:
            raise InputError(problems)
        for number, folder, target in staged:
            if target.exists():  # made by someone else since the check above
                raise InputError(_exists(project, sheet, number, target))
            os.rename(folder, target)
    return [target for _, _, target in staged]


def _exists(project: Project, sheet: Sheet, number: int, target: Path) -> Problem:
    return sheet.problem(
        number,
        "slug",
        f"{project.relative(target)}/ already exists",
        fix="remove the row (new-district never overwrites a district folder), or give it another slug",
    )
