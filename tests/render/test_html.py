"""Template rendering: strict variables, escaping, brand tokens and the cover's portraits."""

import pytest
from PIL import Image

from portrait.errors import BuildError
from portrait.inputs.load import load_inputs
from portrait.render.html import Page, render_html


def html_of(project) -> str:
    i = load_inputs(project)
    return render_html(project, Page(i.content, i.brand, i.cover, i.built))


def test_html_has_language_metadata_and_brand_properties(project):
    html = html_of(project)
    assert '<html lang="en-US">' in html
    assert "<title>Portrait of a Leader (Draft)</title>" in html
    assert "--color-sky: #3fa9f5;" in html
    assert html.count('class="circle circle-portrait"') == 5


def test_text_from_content_is_escaped(tmp_project):
    path = tmp_project.content / "sections" / "why.yaml"
    path.write_text(path.read_text().replace('name: "Dr. Jeni Gotto"', 'name: "<b>Dr. Jeni Gotto</b> & co"'))
    html = html_of(tmp_project)
    assert "&lt;b&gt;Dr. Jeni Gotto&lt;/b&gt; &amp; co" in html
    assert "<b>Dr. Jeni Gotto</b>" not in html


def test_a_misspelt_template_variable_fails_with_the_template_and_line(tmp_project):
    path = tmp_project.templates / "partials" / "back-cover.html.j2"
    path.write_text(path.read_text().replace("publication.back_cover.statement", "publication.back_cover.statment"))
    with pytest.raises(BuildError, match=r"templates/partials/back-cover.html.j2:\d+: template error: .*statment"):
        html_of(tmp_project)


def test_a_template_syntax_error_names_file_and_line(tmp_project):
    path = tmp_project.templates / "sections" / "chapter.html.j2"
    path.write_text(path.read_text().replace("{% endfor %}", "{% endfo %}"))
    with pytest.raises(BuildError, match=r"templates/sections/chapter.html.j2:\d+: template syntax error"):
        html_of(tmp_project)


def test_a_photo_dropped_into_assets_portraits_goes_on_the_cover(tmp_project):
    Image.new("RGB", (600, 600), (200, 120, 90)).save(tmp_project.assets / "portraits" / "portrait-0-photo.jpg")
    html = html_of(tmp_project)
    assert (tmp_project.assets / "portraits" / "portrait-0-photo.jpg").as_uri() in html


def test_cover_without_portraits_is_a_clear_error(tmp_project):
    for svg in (tmp_project.assets / "portraits").iterdir():
        svg.unlink()
    from portrait.errors import InputError

    with pytest.raises(InputError, match="no portrait images"):
        load_inputs(tmp_project)
