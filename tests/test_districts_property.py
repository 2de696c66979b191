"""Property tests: district files made up by Hypothesis either build or fail with a clear input
error (exit code 1); never with another exception, never with a traceback."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portrait.errors import BuildError, InputError
from portrait.inputs.district import load_edition

REPO = Path(__file__).resolve().parents[1]
LOGO = REPO / "content" / "districts" / "example-cedar-ridge" / "logo.svg"
SLUG = "generated"
KEYS = ["name", "logo", "colors", "foreword", "contact", "short_name", "state", "cover_line", "nmae", "colour"]

# Text as people (and scripts) write it: letters, punctuation, markup, quotes, emoji, controls.
text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "A & B \"quoted\" 'single'",
            "[x](file:///etc/passwd)",
            "![img](https://example.org/x.png)",
            "# Heading",
            "Ünïcödé Distrïct",
            "  ",
            "",
            "😀 School",
            "{{ 7 * 7 }}",
            "{% include 'x' %}",
            "&lt;b&gt;",
            "line\nbreak",
            "\x00\x07",
        ]
    ),
)
color = st.one_of(st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True), text, st.integers())
scalar = st.one_of(text, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
signer = st.fixed_dictionaries({"name": text, "role": text}, optional={"extra": text})
value_for = {
    "name": text,
    "logo": st.sampled_from(
        ["logo.svg", "logo.svg", "logo.svg", "../logo.svg", "/etc/passwd", "missing.png", "logo.svg/..", ""]
    ),
    "colors": st.one_of(st.fixed_dictionaries({}, optional={"primary": color, "secondary": color}), scalar),
    "foreword": st.one_of(
        st.fixed_dictionaries({"title": text, "body": text}, optional={"signed": st.lists(signer, max_size=3)}),
        scalar,
    ),
    "contact": st.one_of(st.fixed_dictionaries({}, optional={"website": text, "email": text}), scalar),
}
district = st.dictionaries(st.sampled_from(KEYS), scalar, max_size=3).flatmap(
    lambda extra: st.fixed_dictionaries(
        {"name": text},
        optional={k: v for k, v in value_for.items() if k != "name"},
    ).map(lambda d: {**extra, **d})
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("property"))
    folder = project.content / "districts" / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(LOGO, folder / "logo.svg")
    return project, folder


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=district)
def test_generated_district_files_load_or_fail_with_an_input_error(workspace, data):
    project, folder = workspace
    (folder / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        edition = load_edition(project, SLUG)
    except InputError as exc:
        assert exc.problems, "an input error names at least one problem"
        assert all(p.file.startswith("content/districts/generated/") for p in exc.problems), exc
        return
    assert edition.name == str(data["name"]).strip() or edition.name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_bytes_as_district_yaml_fail_with_an_input_error(workspace, raw):
    project, folder = workspace
    path = folder / "district.yaml"
    path.write_bytes(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    with contextlib.suppress(InputError):  # anything else fails the test
        load_edition(project, SLUG)


# Mostly valid districts, with hostile text where text goes: these reach the renderer.
printable = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F), min_size=1, max_size=60)
hostile = st.one_of(printable, st.sampled_from(["<script>alert(1)</script>", 'A & B "Q"', "{{ 7*7 }}", "<b>x</b>"]))
renderable = st.fixed_dictionaries(
    {"name": hostile, "logo": st.just("logo.svg")},
    optional={
        "colors": st.fixed_dictionaries({"primary": st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)}),
        "foreword": st.fixed_dictionaries(
            {
                "title": hostile,
                "body": hostile,
                "signed": st.lists(st.fixed_dictionaries({"name": hostile, "role": hostile}), max_size=2),
            }
        ),
        "contact": st.fixed_dictionaries(
            {"website": st.just("https://example.org/x"), "email": st.just("a@example.org")}
        ),
    },
)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=renderable)
def test_generated_districts_render_or_fail_cleanly(workspace, data, edition_renderer):
    """The whole way to a PDF: an edition is built, or refused with an input or build error."""
    project, folder = workspace
    (folder / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        edition = load_edition(project, SLUG)
        pdf = edition_renderer(project).edition(edition).pdf
    except (InputError, BuildError):
        return
    assert pdf.startswith(b"%PDF-")
    assert b"<script>" not in pdf


@pytest.fixture(scope="module")
def edition_renderer():
    made = {}

    def get(project):
        if "r" not in made:
            from portrait.inputs.load import load_inputs
            from portrait.render.renderer import Renderer

            made["r"] = Renderer(project, load_inputs(project))
        return made["r"]

    return get
