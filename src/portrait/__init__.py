"""portrait: builds KnowledgeWorks' *Portrait of a Leader* and its district editions from
content, templates and brand assets.

The pipeline passes plain data from stage to stage::

    inputs/ (YAML → models) → render/ (HTML → WeasyPrint pages) → finish/ (variant's PDF)
        → check/ (facts, preflight) → publish/ (atomic write, cache, batches, releases)

Front ends call only the functions below (see portrait.api).
"""

from importlib.metadata import PackageNotFoundError, version

from portrait.api import (
    build_edition,
    build_editions,
    build_formats,
    build_portrait,
    check_district,
    check_pdf,
    district_slugs,
    districts_from_csv,
    edition_formats,
    gather_release,
    load_edition,
    load_inputs,
    make_release,
    new_district,
    new_districts_from_csv,
    proof,
    release_folder,
    verify_release,
    watch,
)
from portrait.errors import BuildError, InputError, PortraitError, Problem
from portrait.finish.variants import PRINT, SCREEN, VARIANTS, Variant
from portrait.formats import Format, Made
from portrait.formats.maker import EditionMaker
from portrait.project import Project
from portrait.raster import rasterise

try:
    __version__ = version("portrait")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "PRINT",
    "SCREEN",
    "VARIANTS",
    "BuildError",
    "EditionMaker",
    "Format",
    "InputError",
    "Made",
    "PortraitError",
    "Problem",
    "Project",
    "Variant",
    "__version__",
    "build_edition",
    "build_editions",
    "build_formats",
    "build_portrait",
    "check_district",
    "check_pdf",
    "district_slugs",
    "districts_from_csv",
    "edition_formats",
    "gather_release",
    "load_edition",
    "load_inputs",
    "make_release",
    "new_district",
    "new_districts_from_csv",
    "proof",
    "rasterise",
    "release_folder",
    "verify_release",
    "watch",
]
