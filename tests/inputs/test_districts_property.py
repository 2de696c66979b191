"""Property tests: district files made up by Hypothesis either build or fail with a clear input
error (exit code 1); never with another exception, never with a traceback."""

from __future__ import annotations

import contextlib
import io
import shutil

import pikepdf
import pytest
import yaml
from _project import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from portrait.errors import InputError
from portrait.inputs.district import load_edition
from portrait.inputs.markdown import typeset

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
    # The name is printed as written, trimmed of surrounding whitespace and with the typography
    # of every printed field (curly quotes, dashes).
    assert edition.name == typeset(data["name"].strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_any_bytes_as_district_yaml_fail_with_an_input_error(workspace, raw):
    project, folder = workspace
    path = folder / "district.yaml"
    path.write_bytes(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    with contextlib.suppress(InputError):  # anything else fails the test
        load_edition(project, SLUG)


# Mostly valid districts, with hostile text where text goes: these reach the renderer.
printable = st.text(st.characters(min_codepoint=32, max_codepoint=0x24F), min_size=1, max_size=60).filter(
    lambda s: s.strip()
)
hostile = st.one_of(printable, st.sampled_from(["<script>alert(1)</script>", 'A & B "Q"', "{{ 7*7 }}", "<b>x</b>"]))
renderable = st.fixed_dictionaries(
    {"name": hostile, "logo": st.just("logo.svg")},
    optional={
        "colors": st.fixed_dictionaries({"primary": st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)}),
        "foreword": st.fixed_dictionaries(
            {
                "title": hostile,
                "body": hostile,
                "signed": st.lists(st.fixed_dictionaries({"name": hostile, "role": hostile}), min_size=1, max_size=2),
            }
        ),
        "contact": st.fixed_dictionaries(
            {"website": st.just("https://example.org/x"), "email": st.just("a@example.org")}
        ),
    },
)

# What in a PDF can run code or act on opening: none of it may come from a district's text.
ACTIVE_KEYS = ("/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/SubmitForm", "/RichMedia")


def active_content(pdf: bytes) -> list[str]:
    """Keys of every object in ``pdf`` that could run code (pikepdf reads compressed objects too)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return sorted(
            {
                key
                for obj in doc.objects
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)
                for key in ACTIVE_KEYS
                if key in obj
            }
        )


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=renderable)
def test_generated_districts_render_or_fail_cleanly(workspace, data, edition_renderer):
    """The whole way to a PDF: a district file is refused with an input error naming it, or its
    edition is built (a valid file that does not render is a failure), and its text is printed
    as text."""
    project, folder = workspace
    (folder / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        edition = load_edition(project, SLUG)
    except InputError as exc:
        assert all(p.file.startswith("content/districts/generated/") for p in exc.problems), exc
        return
    pdf = edition_renderer(project).edition(edition).pdf
    assert active_content(pdf) == []
    reader = PdfReader(io.BytesIO(pdf))
    cover = words(reader.pages[0].extract_text())
    assert words(edition.name) in cover, (edition.name, cover)


@pytest.mark.slow
def test_markup_in_a_district_name_is_printed_as_text(workspace, edition_renderer):
    """A name that is markup and script is what a reader sees, on the cover and in the footer of
    every shared page; nothing in the PDF can run."""
    project, folder = workspace
    name = "<script>alert(1)</script> & <b>Bold</b>"
    data = {"name": name, "logo": "logo.svg", "short_name": "<i>x</i> {{ 7*7 }}"}
    (folder / "district.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    pdf = edition_renderer(project).edition(load_edition(project, SLUG)).pdf
    assert active_content(pdf) == []
    reader = PdfReader(io.BytesIO(pdf))
    assert name in words(reader.pages[0].extract_text())
    assert "Bold" in reader.pages[0].extract_text()  # a <b> that was interpreted would drop the tags
    footers = [words(page.extract_text()) for page in reader.pages[1:-1]]  # set in capitals
    assert all("<I>X</I> {{ 7*7 }} EDITION" in text for text in footers), footers[:2]
    assert reader.metadata.title == f"Portrait of a Leader: {name} edition (Draft)"


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
