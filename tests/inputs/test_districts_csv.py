"""A network's spreadsheet as input: ``district --from FILE.csv`` and ``new-district --from FILE.csv``.

The builds use the example file docs/districts-example/districts.csv (three fictional districts);
the error tests use small files whose every row is wrong, so that nothing is rendered.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from _project import EPOCH, REPO, copy_project
from pypdf import PdfReader

import portrait
from portrait.cli import main
from portrait.inputs.district import load_district
from portrait.project import Project

EXAMPLE = REPO / "docs" / "districts-example" / "districts.csv"
NAMES = {
    "example-aspen-fork": "Example: Aspen Fork School District",
    "example-harbor-point": "Example: Harbor Point Unified School District",
    "example-willow-bend": "Example: Willow Bend Public Schools, Township & County",
}
LOGO = (REPO / "content/districts/example-cedar-ridge/logo.svg").read_bytes()


@dataclass
class Result:
    code: int
    out: str
    err: str


def run(project: Project, *args: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(project.root), *args], out, err)
    return Result(code, out.getvalue(), err.getvalue())


def edition(project: Project, slug: str) -> Path:
    return project.output / "districts" / slug / f"portrait-of-a-leader-{slug}.pdf"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Result, Result]:
    """The example file's editions, built once, and a second run over the same file."""
    project = copy_project(tmp_path_factory.mktemp("csv") / "project")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        first = run(project, "district", "--from", str(EXAMPLE), "--jobs", "2")
        again = run(project, "district", "--from", str(EXAMPLE), "--jobs", "2")
    finally:
        mp.undo()
    return project, first, again


@pytest.mark.slow
def test_a_csv_with_three_rows_builds_three_editions_that_name_their_district(built):
    project, first, _ = built
    assert first.code == 0, first.err
    assert "3 of 3 editions built" in first.out
    for slug, name in NAMES.items():
        reader = PdfReader(edition(project, slug))
        cover = reader.pages[0].extract_text()
        assert name.split(",")[0] in cover, cover
        assert name in (reader.metadata.title or ""), reader.metadata.title
    # Nothing was written into the project's districts: a CSV's rows are staged outside it.
    assert sorted(p.name for p in (project.content / "districts").iterdir()) == [
        "example-cedar-ridge",
        "example-lakeshore",
        "example-north-harbor-valley",
    ]


@pytest.mark.slow
def test_the_csv_columns_reach_the_edition(built):
    project, _, _ = built
    reader = PdfReader(edition(project, "example-aspen-fork"))
    text = "\n".join(page.extract_text() for page in reader.pages[:3])
    assert "A message from our superintendent" in text  # foreword_title
    assert "why it has adopted the" in text  # the foreword file's text
    assert "President, Board of Education" in text  # the second signer's role (a comma inside a cell)
    back = reader.pages[-1].extract_text()
    assert "leadership@example.org" in back and "example.org/aspen-fork" in back


@pytest.mark.slow
def test_an_unchanged_csv_is_skipped(built):
    _, _, again = built
    assert again.code == 0, again.err
    assert "0 of 3 editions built, 3 skipped (up to date)" in again.out


# Wrong files and rows: every message names the file, the row and the column.


def write_csv(folder: Path, text: str, *, bom: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "logos").mkdir(exist_ok=True)
    (folder / "logos" / "ok.svg").write_bytes(LOGO)
    path = folder / "districts.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return copy_project(tmp_path / "project")


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("example-a,Example: A,logos/ok.svg,#12345,,", "primary (D)", "`#12345` is not a colour"),
        ("example-a,Example: A,logos/missing.svg,,,", "logo (C)", "no file `logos/missing.svg`"),
        ("example-a,Example: A,../outside.svg,,,", "logo (C)", "leaves the CSV file's folder"),
        ("example-a,Example: A,/etc/passwd.svg,,,", "logo (C)", "is an absolute path"),
        ("example-a,Example: A,logos/ok.svg,,Name only,", "signers (E)", "is not written as Name|Role"),
        ("example-a,Example: A,logos/ok.svg,,,A title", "foreword (not in the file)", "a foreword needs a title"),
        ("Example A,Example: A,logos/ok.svg,,,", "slug (A)", "is not a valid district folder name"),
        ("example-a,,logos/ok.svg,,,", "name (B)", "is empty"),
        ("example-a,Example: A,logos/ok.txt,,,", "logo (C)", "is not an SVG, PNG or JPEG file name"),
    ],
)
def test_a_bad_row_names_file_row_and_column(project: Project, tmp_path: Path, row: str, column: str, message: str):
    csv_file = write_csv(tmp_path / "sheet", f"slug,name,logo,primary,signers,foreword_title\n{row}\n", bom=True)
    (tmp_path / "outside.svg").write_bytes(LOGO)
    result = run(project, "district", "--from", str(csv_file))
    assert result.code == 1
    assert f"{csv_file}: row 2, column {column}: " in result.err, result.err
    assert message in result.err, result.err
    assert "fix: " in result.err
    assert not (project.output / "districts").exists()


def test_a_symbolic_link_out_of_the_folder_is_refused(project: Project, tmp_path: Path):
    csv_file = write_csv(tmp_path / "sheet", "slug,name,logo\nexample-a,Example: A,logos/link.svg\n")
    (tmp_path / "outside.svg").write_bytes(LOGO)
    os.symlink(tmp_path / "outside.svg", tmp_path / "sheet" / "logos" / "link.svg")
    result = run(project, "district", "--from", str(csv_file))
    assert result.code == 1
    assert "row 2, column logo (C): `logos/link.svg` is or passes through a symbolic link" in result.err


def test_a_row_is_checked_as_a_district_yaml_is(project: Project, tmp_path: Path):
    # Rules of district.yaml that the CSV reader knows nothing of: contact addresses, logo content.
    (tmp_path / "sheet" / "logos").mkdir(parents=True)
    (tmp_path / "sheet" / "logos" / "bad.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>')
    csv_file = write_csv(
        tmp_path / "sheet",
        "slug,name,logo,website,email\n"
        "example-a,Example: A,logos/ok.svg,http://www.example.org,office@example.org\n"
        "example-b,Example: B,logos/bad.svg,,not-an-address\n",
    )
    result = run(project, "district", "--from", str(csv_file))
    assert result.code == 1
    assert "row 2, column website (D): `http://www.example.org` is not a web address starting with https://" in (
        result.err
    )
    assert "row 3, column email (E): `not-an-address` is not an e-mail address" in result.err
    assert "row 3, column logo (C): " in result.err and "script" in result.err


def test_an_unknown_column_is_an_error_with_a_did_you_mean(project: Project, tmp_path: Path):
    csv_file = write_csv(tmp_path / "sheet", "slug,nmae,logo,colour,phone\nexample-a,A,logos/ok.svg,,\n")
    result = run(project, "district", "--from", str(csv_file))
    assert result.code == 1
    assert f"{csv_file}: row 1, column B: unknown column `nmae`" in result.err
    assert "did you mean `name`?" in result.err
    assert "row 1, column D: unknown column `colour`" in result.err and "did you mean `primary`?" in result.err
    assert "row 1, column E: unknown column `phone`" in result.err
    assert "the required column `name` is missing" in result.err


def test_rows_are_numbered_as_a_spreadsheet_shows_them(project: Project, tmp_path: Path):
    # A cell with a line break is still one row; an empty row still counts.
    csv_file = write_csv(
        tmp_path / "sheet",
        'slug,name,logo\nexample-a,"Example:\nA",logos/ok.svg\n\nexample-b,Example: B,logos/gone.svg\n',
    )
    result = run(project, "district", "--from", str(csv_file))
    assert "row 2, column name (B): must be one line of text" in result.err, result.err
    assert "row 4, column logo (C): no file `logos/gone.svg`" in result.err, result.err


def test_a_duplicate_slug_is_an_error(project: Project, tmp_path: Path):
    csv_file = write_csv(
        tmp_path / "sheet", "slug,name,logo\nexample-a,Example: A,logos/gone.svg\nexample-a,Example: B,logos/ok.svg\n"
    )
    result = run(project, "new-district", "--from", str(csv_file))
    assert result.code == 1
    assert "row 3, column slug (A): `example-a` is also the slug of row 2" in result.err


def test_usage_errors(project: Project):
    assert run(project, "district", "--all", "--from", "x.csv").code == 2
    assert run(project, "new-district", "example-a", "--from", "x.csv").code == 2
    assert run(project, "new-district", "example-a").code == 2
    missing = run(project, "district", "--from", "nothing-here.csv")
    assert missing.code == 1 and "nothing-here.csv: no such file" in missing.err


# new-district --from


def test_new_district_from_a_csv_writes_nothing_when_a_row_is_wrong(project: Project, tmp_path: Path):
    csv_file = write_csv(
        tmp_path / "sheet",
        "slug,name,logo,primary\nexample-a,Example: A,logos/ok.svg,\nexample-b,Example: B,logos/ok.svg,red\n",
    )
    before = sorted(os.listdir(project.content / "districts"))
    result = run(project, "new-district", "--from", str(csv_file))
    assert result.code == 1
    assert "row 3, column primary (D): `red` is not a colour" in result.err
    assert sorted(os.listdir(project.content / "districts")) == before  # no folder, no staging left


def test_new_district_from_a_csv_refuses_an_existing_folder(project: Project, tmp_path: Path):
    csv_file = write_csv(tmp_path / "sheet", "slug,name,logo\nexample-lakeshore,Example: Other,logos/ok.svg\n")
    yaml_before = (project.content / "districts/example-lakeshore/district.yaml").read_bytes()
    result = run(project, "new-district", "--from", str(csv_file))
    assert result.code == 1
    assert "row 2, column slug (A): content/districts/example-lakeshore/ already exists" in result.err
    assert (project.content / "districts/example-lakeshore/district.yaml").read_bytes() == yaml_before


@pytest.mark.slow
def test_new_district_from_a_csv_writes_folders_that_build(project: Project, monkeypatch: pytest.MonkeyPatch):
    result = run(project, "new-district", "--from", str(EXAMPLE))
    assert result.code == 0, result.err
    for slug, name in NAMES.items():
        folder = project.content / "districts" / slug
        assert sorted(p.name for p in folder.iterdir())[0] == "district.yaml"
        district, _ = load_district(project, slug)
        assert district.name == name
    assert not [p for p in (project.content / "districts").iterdir() if p.name.startswith(".")]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    built = run(project, "district", "example-willow-bend", "--jobs", "1")
    assert built.code == 0, built.err
    assert NAMES["example-willow-bend"] in (PdfReader(edition(project, "example-willow-bend")).metadata.title or "")
    # The folder holds what the row held: building the same row from the file finds it up to date.
    with portrait.districts_from_csv(project, EXAMPLE) as sources:
        again = portrait.build_editions(project, [s for s in sources if s.slug == "example-willow-bend"], jobs=1)
    assert [r.skipped for r in again.results] == [True]


def test_a_wrong_foreword_language_names_row_and_column(project: Project, tmp_path: Path):
    (tmp_path / "sheet").mkdir(parents=True)
    (tmp_path / "sheet" / "f.md").write_text("Nuestros líderes crecen juntos.\n", encoding="utf-8")
    csv_file = write_csv(
        tmp_path / "sheet",
        "slug,name,logo,foreword_title,foreword,signers,foreword_lang\n"
        "example-a,Example: A,logos/ok.svg,Un mensaje,f.md,Nombre|Cargo,spanish\n",
    )
    result = run(project, "district", "--from", str(csv_file))
    assert result.code == 1
    assert "row 2, column foreword_lang (G): `spanish` is not a language tag (BCP 47)" in result.err, result.err
