"""A renderer parses its stylesheets once (portrait.render.renderer.Renderer.stylesheets): the
PDF's /ID covers their text, and a stylesheet that cannot be read is an error naming it."""

from __future__ import annotations

import io

import pikepdf
import pytest
from _project import EPOCH

from portrait.errors import BuildError
from portrait.inputs.load import load_inputs
from portrait.render.renderer import Renderer


def notes_pdf_id(project) -> bytes:
    """The /ID of the notes pages written alone: a small layout that uses every stylesheet."""
    renderer = Renderer(project, load_inputs(project))
    with pikepdf.open(io.BytesIO(renderer.write(renderer.notes(), "notes").pdf)) as pdf:
        return bytes(pdf.trailer.ID[0])


def test_a_stylesheet_change_changes_the_pdf_id(tmp_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    before = notes_pdf_id(tmp_project)
    assert notes_pdf_id(tmp_project) == before
    sheet = tmp_project.templates / "styles" / "sections.css"
    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n/* a designer's note */\n", encoding="utf-8")
    assert notes_pdf_id(tmp_project) != before


def test_a_missing_stylesheet_is_an_error_naming_it(tmp_project):
    (tmp_project.templates / "styles" / "cover.css").unlink()
    with pytest.raises(BuildError, match=r"templates/styles/cover\.css: cannot read the stylesheet"):
        Renderer(tmp_project, load_inputs(tmp_project)).portrait()


def test_the_html_links_its_stylesheets_only_when_asked(project):
    renderer = Renderer(project, load_inputs(project))
    assert 'rel="stylesheet"' not in renderer.html() and "<style>" not in renderer.html()
    linked = renderer.html(linked=True)
    assert linked.count('rel="stylesheet"') == 4 and "<style>" in linked
