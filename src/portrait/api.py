"""The library API: the calls every front end uses (the command line, the watcher, the studio,
the release workflow and the benchmarks).

Each call takes a ``Project`` (``Project.find()`` or ``Project.at(folder)``) and plain values, and
raises ``InputError`` (bad input: fix the files), ``BuildError`` (valid input, but the output could
not be made or failed its checks) or returns plain data. The heavy stages (WeasyPrint, pydantic)
are imported inside the calls, so that ``import portrait`` and an up-to-date build stay fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from portrait.finish.variants import PRINT, SCREEN, Variant
from portrait.project import Project

if TYPE_CHECKING:
    from portrait.check.preflight import Report
    from portrait.formats import Format
    from portrait.inputs.district import Edition
    from portrait.inputs.load import Inputs
    from portrait.publish.batch import BatchResult, EditionResult, Source
    from portrait.publish.portrait import PortraitFile
    from portrait.publish.reflowed import FormatFile
    from portrait.publish.release import Artifact


def load_inputs(project: Project) -> Inputs:
    """Read and validate content/, the brand and the cover; one InputError lists every problem."""
    from portrait.inputs.load import load_inputs as load

    return load(project)


def load_edition(project: Project, slug: str) -> Edition:
    """Read and validate ``content/districts/<slug>/`` (district.yaml and its logo)."""
    from portrait.inputs.district import load_edition as load

    return load(project, slug)


def check_district(project: Project, path: Path) -> Edition:
    """Read and validate a district folder, or the folder of a district.yaml, wherever it is; the
    edition's notices are its warnings (colours the press cannot print, text in another language)."""
    from portrait.inputs.district import edition_at

    return edition_at(project, path.parent if path.is_file() else path)


def district_slugs(project: Project) -> list[str]:
    """Every district folder in content/districts/, sorted."""
    from portrait.inputs.district import district_slugs as slugs

    return slugs(project)


def build_portrait(
    project: Project,
    variants: Sequence[Variant] = (SCREEN, PRINT),
    *,
    output: Path | None = None,
    force: bool = False,
) -> list[PortraitFile]:
    """Build the Portrait in each variant into output/ (``output`` names the first file, the
    others go beside it). A file whose inputs have not changed is kept unless ``force``."""
    from portrait.publish.portrait import build_portrait as build

    return build(project, variants, output=output, force=force)


def build_editions(
    project: Project,
    districts: Sequence[str | Source],
    *,
    variants: Sequence[Variant] = (SCREEN,),
    jobs: int | None = None,
    on_result: Callable[[EditionResult], None] | None = None,
    force: bool = False,
) -> BatchResult:
    """Build the district editions of ``districts`` (slugs of folders in content/districts/, or
    the sources of ``districts_from_csv``) on ``jobs`` worker processes (default: every core).
    One district's failure never stops the others: each gets a result. An edition whose inputs
    have not changed since its files were written is skipped (``skipped`` result) unless ``force``."""
    from portrait.publish.batch import build_editions as build

    return build(project, list(districts), jobs=jobs, variants=variants, on_result=on_result, force=force)


def build_edition(
    project: Project, slug: str, variants: Sequence[Variant] = (SCREEN,), *, force: bool = False
) -> EditionResult:
    """Build one district's edition in this process (skipped when up to date, unless ``force``)."""
    return build_editions(project, [slug], variants=variants, jobs=1, force=force).results[0]


def build_formats(
    project: Project,
    formats: Sequence[str],
    districts: Sequence[str | Source] = (),
    *,
    portrait: bool = True,
    output: Path | None = None,
) -> list[FormatFile]:
    """The web and EPUB editions (``formats``: "web", "epub") of the Portrait (unless not
    ``portrait``) and of ``districts`` into output/ (see docs/web-and-epub.md). Each file passes
    its format's check before it is written; a district's failure is in its FormatFile."""
    from portrait.formats import formats as known
    from portrait.publish.reflowed import build_formats as build

    table = known()
    return build(project, [table[name] for name in formats], districts, portrait=portrait, output=output)


def districts_from_csv(
    project: Project, path: Path, shard: tuple[int, int] | None = None
) -> AbstractContextManager[list[Source]]:
    """The districts of a CSV file, one per row, to give ``build_editions`` inside the ``with``
    block (each row is checked as a district.yaml is; see docs/network.md). A wrong
    file or header raises InputError; a wrong row fails its own edition, naming row and column."""
    from portrait.publish.batch import csv_sources

    return csv_sources(project, path, shard)


def new_districts_from_csv(project: Project, path: Path) -> list[Path]:
    """Create ``content/districts/<slug>/`` for every row of a CSV file, logo copied in; nothing
    is written when any row is wrong or its folder exists (InputError naming every row)."""
    from portrait.publish.scaffold import new_districts_from_csv as scaffold

    return scaffold(project, path)


def check_pdf(pdf: Path | bytes, variant: Variant | None = None, *, name: str | None = None) -> Report:
    """The preflight of a PDF file (or its bytes) against ``variant``'s rules; by default the
    rules of what the file claims to be (PDF/X: print, otherwise screen)."""
    from portrait.check.preflight import check, check_file

    profile = variant.name if variant else "auto"
    if isinstance(pdf, bytes):
        return check(pdf, name or "PDF", profile)
    return check_file(pdf, profile, shown_as=name)


def make_release(
    project: Project,
    shard: tuple[int, int] | None = None,
    *,
    on_done: Callable[[Artifact], None] | None = None,
    final: bool = False,
) -> tuple[Path, list[Artifact]]:
    """Build every file of the release (or shard K of N) into output/release/<version>/, with
    manifest.json (``draft`` and its placeholders), SHA256SUMS and release notes once whole.
    ``final`` refuses a draft: an InputError lists every placeholder and every item past its
    ``valid_until``."""
    from portrait.publish.release import make_release as make

    return make(project, shard, on_done=on_done, final=final)


def gather_release(project: Project) -> tuple[Path, list[Artifact]]:
    """Join the shards' manifest parts of the current version into manifest.json and SHA256SUMS."""
    from portrait.publish.release import gather

    folder = release_folder(project)
    return folder, gather(folder)


def verify_release(project: Project) -> tuple[Path, list[str]]:
    """Re-hash the current version's release files; the problems found (none: all is well)."""
    from portrait.publish.release import verify

    folder = release_folder(project)
    return folder, verify(folder)


def release_folder(project: Project) -> Path:
    """``output/release/<version>/`` for the version in content/publication.yaml."""
    from portrait.inputs.content import load_content
    from portrait.publish.release import release_dir

    return release_dir(project, load_content(project).publication.version)


def new_district(project: Project, slug: str, name: str, logo: Path) -> tuple[Path, str]:
    """Create ``content/districts/<slug>/`` with the logo copied in and a valid district.yaml;
    the folder and the logo's new file name."""
    from portrait.publish.scaffold import new_district as scaffold

    return scaffold(project, slug, name, logo)


def watch(project: Project, port: int = 8000, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Rebuild the Portrait on every change and serve a live preview on 127.0.0.1:``port``."""
    from portrait.designer.watch import watch as run

    return run(project, port=port, out=out, err=err)


def proof(
    project: Project,
    *,
    out: TextIO,
    against: str | None = None,
    dpi: int = 72,
    pdf: Path | None = None,
    update_golden: bool = False,
    print_edition: bool = False,
) -> int:
    """PNG proofs of every page and a contact sheet in output/proofs/, with a visual diff
    against a git ref or another PDF; or rewrite the golden pages of the visual tests. With
    ``print_edition``: the print edition's soft proof beside the screen edition, in
    output/proofs/print/."""
    from portrait.designer.proof import run_proof

    return run_proof(
        project,
        against=against,
        dpi=dpi,
        pdf=pdf,
        update_golden=update_golden,
        out=out,
        print_edition=print_edition,
    )


def edition_formats() -> dict[str, Format]:
    """Every format an edition is made in, by name: "screen" and "print" (PDF), "web", "epub"."""
    from portrait.formats import formats

    return formats()
