"""portrait: builds KnowledgeWorks' *Portrait of a Leader* and its district editions from
content, templates and brand assets.

The pipeline passes plain data from stage to stage::

    inputs/ (YAML → models) → render/ (HTML → WeasyPrint pages) → finish/ (variant's PDF)
        → check/ (facts, preflight) → publish/ (atomic write, cache, batches, releases)

Front ends (the command line, the studio) use only the names in ``__all__`` below: the calls of
portrait.api, and the types and helpers they need, imported when first used (``_LAZY``), so that
``import portrait`` stays fast. tests/test_front_ends.py holds them to it.
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

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
from portrait.errors import BuildError, ExitCode, InputError, PortraitError, Problem
from portrait.finish.variants import (
    ALL_VARIANTS,
    PRINT,
    SCREEN,
    SCREEN_UA2,
    SCREEN_VARIANTS,
    VARIANTS,
    Variant,
    screen_variant,
)
from portrait.formats import OFFERED as FORMAT_NAMES
from portrait.formats import Format, Made
from portrait.formats.maker import EditionMaker
from portrait.project import MARKER, Project
from portrait.raster import rasterise

if TYPE_CHECKING:
    from portrait.check.facts import PdfFacts, read_facts
    from portrait.check.preflight import Report
    from portrait.designer.proof import MAX_DPI, MIN_DPI, PROOFS
    from portrait.inputs.brand import font_files, load_brand
    from portrait.inputs.content import load_content
    from portrait.inputs.district import DISTRICT_FILE, District, Edition, check_slug, load_district, make_edition
    from portrait.inputs.district_csv import COLUMNS, REQUIRED
    from portrait.inputs.load import Inputs
    from portrait.inputs.logo import MAX_LOGO_BYTES, sniff
    from portrait.inputs.yaml_source import MAX_YAML_BYTES, parse_yaml
    from portrait.paths import os_problem
    from portrait.publish.batch import BatchResult, EditionResult, Source, parse_shard, select_shard
    from portrait.publish.release import CHANGELOG, MANIFEST, Artifact

# Names of the stages that front ends need, by the module that defines them; imported on first use.
_LAZY = {
    "portrait.check.facts": ("PdfFacts", "read_facts"),
    "portrait.check.preflight": ("Report",),
    "portrait.designer.proof": ("MAX_DPI", "MIN_DPI", "PROOFS"),
    "portrait.inputs.brand": ("font_files", "load_brand"),
    "portrait.inputs.content": ("load_content",),
    "portrait.inputs.district": ("DISTRICT_FILE", "District", "Edition", "check_slug", "load_district", "make_edition"),
    "portrait.inputs.district_csv": ("COLUMNS", "REQUIRED"),
    "portrait.inputs.load": ("Inputs",),
    "portrait.inputs.logo": ("MAX_LOGO_BYTES", "sniff"),
    "portrait.inputs.yaml_source": ("MAX_YAML_BYTES", "parse_yaml"),
    "portrait.paths": ("os_problem",),
    "portrait.publish.batch": ("BatchResult", "EditionResult", "Source", "parse_shard", "select_shard"),
    "portrait.publish.release": ("CHANGELOG", "MANIFEST", "Artifact"),
}
_LAZY_MODULE = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULE:
        value = getattr(importlib.import_module(_LAZY_MODULE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'portrait' has no attribute {name!r}")


try:
    __version__ = version("portrait")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = [
    "FORMAT_NAMES",
    "ALL_VARIANTS",
    "SCREEN_UA2",
    "SCREEN_VARIANTS",
    "screen_variant",
    "PdfFacts",
    "read_facts",
    "Report",
    "MAX_DPI",
    "MIN_DPI",
    "PROOFS",
    "font_files",
    "load_brand",
    "load_content",
    "DISTRICT_FILE",
    "District",
    "Edition",
    "check_slug",
    "load_district",
    "make_edition",
    "COLUMNS",
    "REQUIRED",
    "Inputs",
    "MAX_LOGO_BYTES",
    "sniff",
    "MAX_YAML_BYTES",
    "parse_yaml",
    "os_problem",
    "BatchResult",
    "EditionResult",
    "Source",
    "parse_shard",
    "select_shard",
    "CHANGELOG",
    "MANIFEST",
    "Artifact",
    "MARKER",
    "ExitCode",
    "rasterise",
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
    "release_folder",
    "verify_release",
    "watch",
]
