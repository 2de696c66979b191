"""A network's spreadsheet of districts, one row per district (as InDesign's Data Merge takes a CSV).

``district --from FILE.csv`` builds the rows' editions; ``new-district --from FILE.csv`` writes
them as folders in content/districts/. Either way each row is first written as a district folder
(district.yaml and its logo) and checked by ``load_district``, the code that checks a folder in
content/districts/: a row follows exactly the rules of a district.yaml. Problems name the CSV
file, the row as a spreadsheet numbers it (the header is row 1) and the column.

Paths in the file (``logo``, ``foreword``) are relative to the CSV file's folder and must stay in
it: no absolute path, no ``..``, no symbolic link, as in a district folder.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import yaml

from portrait.errors import InputError, Problem
from portrait.inputs.district import DISTRICT_FILE, District, Edition, check_slug, load_district, make_edition
from portrait.inputs.logo import SUFFIXES, LogoError, LogoStore, read_logo_bytes
from portrait.paths import input_file
from portrait.project import Project

# Every column, and what it becomes in district.yaml (the table in docs/network.md).
COLUMNS: dict[str, str] = {
    "slug": "the folder name (content/districts/<slug>/) and the output's name",
    "name": "name",
    "short_name": "short_name",
    "state": "state",
    "cover_line": "cover_line",
    "logo": "logo (the file is copied in as logo.svg, logo.png or logo.jpg)",
    "primary": "colors.primary",
    "secondary": "colors.secondary",
    "foreword_title": "foreword.title",
    "foreword": "foreword.body (the text of the file)",
    "signers": "foreword.signed (Name|Role;Name|Role)",
    "foreword_lang": "foreword.lang (a BCP 47 language tag, e.g. es)",
    "website": "contact.website",
    "email": "contact.email",
}
REQUIRED = ("slug", "name", "logo")
# Columns people expect that district.yaml has no key for: refused with the reason.
NOT_PRINTED = {
    "phone": "an edition prints a website and an e-mail address, no phone number (district.yaml has no phone key)",
}
# Names a person may give a column, for the "did you mean".
_SYNONYMS = {
    name: [column]
    for column, names in {
        "primary": ("color", "colour", "colors", "colours", "primary_color", "primary_colour"),
        "secondary": ("secondary_color", "secondary_colour"),
        "name": ("district", "district_name"),
        "logo": ("logo_file", "logo_path"),
        "foreword": ("foreword_body", "foreword_file", "body"),
    }.items()
    for name in names
}
MAX_CSV_BYTES = 10 * 1024 * 1024
MAX_FOREWORD_BYTES = 200_000
# What new-district --from writes at the top of each district.yaml (and district --from stages).
HEADER = (
    "# A district edition of the Portrait of a Leader, made from a row of a spreadsheet\n"
    "# (new-district --from). The format is described in docs/network.md.\n"
)
_YAML_QUOTING = "; quote it, since YAML reads an unquoted # as a comment"  # not a CSV's concern
# A district.yaml key (its dotted path, list positions left out) → the column it came from.
_KEY_COLUMNS = (
    ("colors.primary", "primary"),
    ("colors.secondary", "secondary"),
    ("colors", "primary"),
    ("foreword.title", "foreword_title"),
    ("foreword.body", "foreword"),
    ("foreword.signed", "signers"),
    ("foreword.lang", "foreword_lang"),
    ("foreword", "foreword"),
    ("contact.website", "website"),
    ("contact.email", "email"),
    ("contact", "website"),
)
_FIXES = {
    "primary": "write the colour as #rrggbb, e.g. #1b4f9c (or leave the cell empty)",
    "secondary": "write the colour as #rrggbb, e.g. #f2a900 (or leave the cell empty)",
    "signers": "write each signer as Name|Role, separated by ; e.g. Ana Diaz|Superintendent;Lee Park|Board President",
}


@dataclass(frozen=True)
class Row:
    """One district's row: its number as a spreadsheet shows it, and its non-empty cells."""

    number: int
    cells: dict[str, str]
    problems: tuple[Problem, ...] = field(default=())  # found while reading the file

    @property
    def slug(self) -> str:
        return self.cells.get("slug", "")

    @property
    def label(self) -> str:
        """The slug, or the row's number when the slug is missing or unusable."""
        return self.slug if self.slug and check_slug(self.slug) is None else f"row-{self.number}"


@dataclass(frozen=True)
class Sheet:
    """A CSV file of districts: where it is, how errors name it, and its rows."""

    path: Path
    shown: str
    columns: tuple[str, ...]
    rows: list[Row]

    @property
    def folder(self) -> Path:
        return self.path.parent

    def problem(self, row: int, column: str, message: str, fix: str | None = None) -> Problem:
        return Problem(self.shown, message, key=f"row {row}, column {self.where(column)}", fix=fix)

    def where(self, column: str) -> str:
        """``primary (G)``: the column's name and its letter in a spreadsheet."""
        if column in self.columns:
            return f"{column} ({_letter(self.columns.index(column))})"
        return f"{column} (not in the file)"


def read_sheet(path: Path, shown: str) -> Sheet:
    """Read and check the file and its header; each row's own problems stay with the row (a batch
    builds the other rows)."""
    input_file(path, "CSV file")
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise InputError(
                Problem(shown, f"the file is {size:,} bytes; the limit is {MAX_CSV_BYTES:,}", fix="split it")
            )
        text = path.read_bytes().decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except FileNotFoundError:
        raise InputError(Problem(shown, "file not found", fix="give the path of a .csv file")) from None
    except IsADirectoryError:
        raise InputError(Problem(shown, "a folder, not a file", fix="give the path of a .csv file")) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(
                shown,
                f"not UTF-8 text (bad byte at offset {exc.start})",
                fix='save it as UTF-8: in Excel, "CSV UTF-8 (Comma delimited)"',
            )
        ) from None
    except OSError as exc:
        raise InputError(Problem(shown, f"cannot read the file ({exc.strerror})")) from None
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(Problem(shown, f"not a readable CSV file ({exc})", fix="save it again as CSV")) from None
    if not records or not any(cell.strip() for cell in records[0]):
        raise InputError(
            Problem(shown, "no header row", key="row 1", fix="start with a row of column names: " + ", ".join(COLUMNS))
        )
    columns = tuple(cell.strip().lower() for cell in records[0])
    sheet = Sheet(path, shown, columns, [])
    _check_header(sheet)
    seen: dict[str, int] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # an empty row (it still counts: row numbers are the spreadsheet's)
        sheet.rows.append(_row(sheet, number, record, seen))
    if not sheet.rows:
        raise InputError(Problem(shown, "no districts: the file has a header row and nothing else"))
    return sheet


def _check_header(sheet: Sheet) -> None:
    problems = []
    if len(sheet.columns) == 1 and (";" in sheet.columns[0] or "\t" in sheet.columns[0]):
        raise InputError(
            Problem(
                sheet.shown,
                "the columns are separated by ; or tabs, not commas",
                key="row 1",
                fix='save it as "CSV UTF-8 (Comma delimited)"',
            )
        )
    for i, column in enumerate(sheet.columns):
        letter = _letter(i)
        if not column:
            continue  # an unnamed column is allowed while it is empty (checked per row)
        if column in NOT_PRINTED:
            problems.append(
                Problem(
                    sheet.shown,
                    f"unknown column `{column}`: {NOT_PRINTED[column]}",
                    key=f"row 1, column {letter}",
                    fix="remove the column",
                )
            )
        elif column not in COLUMNS:
            close = difflib.get_close_matches(column, list(COLUMNS), n=1, cutoff=0.6) or _SYNONYMS.get(column, [])
            fix = f"did you mean `{close[0]}`?" if close else "the columns are: " + ", ".join(COLUMNS)
            problems.append(Problem(sheet.shown, f"unknown column `{column}`", key=f"row 1, column {letter}", fix=fix))
        elif sheet.columns.index(column) != i:
            problems.append(
                Problem(
                    sheet.shown,
                    f"the column `{column}` appears twice (first as column {_letter(sheet.columns.index(column))})",
                    key=f"row 1, column {letter}",
                    fix="keep one of them",
                )
            )
    for column in REQUIRED:
        if column not in sheet.columns:
            problems.append(
                Problem(
                    sheet.shown,
                    f"the required column `{column}` is missing",
                    key="row 1",
                    fix="add a column named " + column + " (" + COLUMNS[column].split(" (")[0] + ")",
                )
            )
    if problems:
        raise InputError(problems)


def _row(sheet: Sheet, number: int, record: list[str], seen: dict[str, int]) -> Row:
    problems = []
    cells: dict[str, str] = {}
    for i, raw in enumerate(record):
        value = raw.strip()
        if not value:
            continue
        if i >= len(sheet.columns) or not sheet.columns[i]:
            problems.append(
                Problem(
                    sheet.shown,
                    f"a value ({value[:30]!r}) in a column that has no name in the header row",
                    key=f"row {number}, column {_letter(i)}",
                    fix="name the column in row 1, or delete the value",
                )
            )
            continue
        cells[sheet.columns[i]] = value
    for column in REQUIRED:
        if column not in cells:
            problems.append(sheet.problem(number, column, "is empty", fix=f"fill in the {column}: {COLUMNS[column]}"))
    slug = cells.get("slug")
    if slug:
        if check_slug(slug):
            problems.append(
                sheet.problem(
                    number,
                    "slug",
                    f"`{slug}` is not a valid district folder name",
                    fix="use lower-case letters, digits and hyphens, e.g. cedar-ridge",
                )
            )
        elif slug in seen:
            problems.append(
                sheet.problem(
                    number, "slug", f"`{slug}` is also the slug of row {seen[slug]}", fix="give each row its own slug"
                )
            )
        else:
            seen[slug] = number
    return Row(number, cells, tuple(problems))


def stage(sheet: Sheet, row: Row, folder: Path) -> None:
    """Write ``row`` as a district folder (district.yaml and the logo) at ``folder``, which must
    not exist. Raise InputError with every problem of the row that stops it being written."""
    problems = list(row.problems)
    cells = row.cells
    data: dict[str, Any] = {}
    for column in ("name", "short_name", "state", "cover_line"):
        if column in cells:
            data[column] = cells[column]
    logo: tuple[str, bytes] | None = None
    if "logo" in cells:
        try:
            # The name first, as in a district folder: an SVG, PNG or JPEG.
            suffix = PurePosixPath(cells["logo"].replace("\\", "/")).suffix.lower()
            if suffix not in SUFFIXES:
                raise InputError(
                    sheet.problem(
                        row.number,
                        "logo",
                        f"`{cells['logo']}` is not an SVG, PNG or JPEG file name",
                        fix="use a logo ending in .svg, .png, .jpg or .jpeg",
                    )
                )
            path = _inside(sheet, row, "logo")
            logo = ("logo" + suffix, read_logo_bytes(path))
            data["logo"] = logo[0]
        except InputError as exc:
            problems.extend(exc.problems)
        except LogoError as exc:
            problems.append(sheet.problem(row.number, "logo", str(exc), fix=exc.fix))
        except OSError as exc:
            problems.append(sheet.problem(row.number, "logo", f"cannot read the logo ({exc.strerror})"))
    colors = {key: cells[key] for key in ("primary", "secondary") if key in cells}
    if colors:
        data["colors"] = colors
    foreword: dict[str, Any] = {}
    if "foreword_title" in cells:
        foreword["title"] = cells["foreword_title"]
    if "foreword" in cells:
        try:
            foreword["body"] = _foreword_text(sheet, row)
        except InputError as exc:
            problems.extend(exc.problems)
    if "signers" in cells:
        try:
            foreword["signed"] = _signers(sheet, row)
        except InputError as exc:
            problems.extend(exc.problems)
    if "foreword_lang" in cells:
        foreword["lang"] = cells["foreword_lang"]
    if foreword:
        data["foreword"] = foreword
    contact = {key: cells[key] for key in ("website", "email") if key in cells}
    if contact:
        data["contact"] = contact
    if problems:
        raise InputError(problems)
    assert logo is not None
    folder.mkdir(parents=True)
    (folder / logo[0]).write_bytes(logo[1])
    (folder / DISTRICT_FILE).write_text(district_yaml(data), encoding="utf-8")


def check(project: Project, sheet: Sheet, row: Row, folder: Path, logos: LogoStore | None = None) -> Edition:
    """The edition of a row staged at ``folder``, checked exactly as a district folder is; its
    problems are named by row and column."""
    try:
        district, logo = load_district(project, row.slug, folder, logos)
    except InputError as exc:
        raise InputError([_as_cell(sheet, row, p) for p in exc.problems]) from None
    return make_edition(row.slug, district, logo, source=f"{sheet.shown}, row {row.number}")


def _as_cell(sheet: Sheet, row: Row, problem: Problem) -> Problem:
    column = _column(problem.key)
    message = problem.message.replace(_YAML_QUOTING, "")
    fix = _FIXES.get(column, problem.fix)
    if message == "this required key is missing":  # only a foreword has parts that can be left out
        message = "is empty, but a foreword needs a title, a text and at least one signer"
        fix = f"fill in {column}, or leave foreword_title, foreword and signers all empty"
    elif problem.key and column in ("signers",) and "[" in problem.key:
        message = f"signer {int(problem.key.split('[')[1].split(']')[0]) + 1}: {message}"
    return sheet.problem(row.number, column, message, fix)


def _column(key: str | None) -> str:
    if not key:
        return "slug"
    plain = key.split("[")[0]
    for prefix, column in _KEY_COLUMNS:
        if plain == prefix or plain.startswith(prefix + "."):
            return column
    return plain if plain in COLUMNS else "slug"


def _inside(sheet: Sheet, row: Row, column: str) -> Path:
    """The file a path cell names, which must be inside the CSV file's folder."""
    given = row.cells[column]
    pure = PurePosixPath(given.replace("\\", "/"))
    if pure.is_absolute() or PureWindowsPath(given).drive:
        raise InputError(
            sheet.problem(
                row.number,
                column,
                f"`{given}` is an absolute path",
                fix="write the path relative to the CSV file's folder, e.g. logos/cedar-ridge.svg",
            )
        )
    if ".." in pure.parts:
        raise InputError(
            sheet.problem(
                row.number,
                column,
                f"`{given}` leaves the CSV file's folder (..)",
                fix="put the file in the CSV file's folder or a folder inside it",
            )
        )
    base = sheet.folder
    path = base
    for part in pure.parts:
        path = path / part
        if path.is_symlink():
            raise InputError(
                sheet.problem(
                    row.number,
                    column,
                    f"`{given}` is or passes through a symbolic link",
                    fix="copy the file itself into the CSV file's folder",
                )
            )
    if not path.is_file():
        raise InputError(
            sheet.problem(
                row.number,
                column,
                f"no file `{given}` in the folder of {sheet.shown}",
                fix="put the file there, or fix the path (relative to the CSV file's folder)",
            )
        )
    if not path.resolve().is_relative_to(base.resolve()):
        raise InputError(sheet.problem(row.number, column, f"`{given}` is outside the CSV file's folder"))
    return path


def _foreword_text(sheet: Sheet, row: Row) -> str:
    path = _inside(sheet, row, "foreword")
    data = path.read_bytes()
    if len(data) > MAX_FOREWORD_BYTES:
        raise InputError(
            sheet.problem(
                row.number, "foreword", f"the file is {len(data):,} bytes; the limit is {MAX_FOREWORD_BYTES:,}"
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            sheet.problem(
                row.number,
                "foreword",
                f"`{row.cells['foreword']}` is not UTF-8 text (bad byte at offset {exc.start})",
                fix="save the file as UTF-8",
            )
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _signers(sheet: Sheet, row: Row) -> list[dict[str, str]]:
    signers = []
    for i, item in enumerate(part.strip() for part in row.cells["signers"].split(";")):
        if not item:
            continue
        name, bar, role = item.partition("|")
        if not bar or "|" in role or not name.strip() or not role.strip():
            raise InputError(
                sheet.problem(
                    row.number,
                    "signers",
                    f"signer {i + 1} (`{item}`) is not written as Name|Role",
                    fix=_FIXES["signers"],
                )
            )
        signers.append({"name": name.strip(), "role": role.strip()})
    return signers


class _Dumper(yaml.SafeDumper):
    """Writes a text of several lines (a foreword) as a literal block, as a person would."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def district_yaml(data: dict[str, Any]) -> str:
    """The district.yaml of a row (keys in the order of District's fields)."""
    order = list(District.model_fields)
    ordered = {key: data[key] for key in order if key in data}
    return HEADER + yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)


def _letter(index: int) -> str:
    """A spreadsheet's name for column ``index`` (0 → A, 26 → AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name
