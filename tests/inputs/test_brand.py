"""Brand tokens become CSS custom properties; missing fonts are errors."""

import pytest

from portrait.errors import InputError
from portrait.inputs.brand import brand_css, load_brand


def test_tokens_become_custom_properties(project):
    css = brand_css(project, load_brand(project))
    assert "--color-pink: #e8177d;" in css
    assert "--gradient-cover: linear-gradient(160deg, #e8177d 0%" in css
    assert "--text-base: 10pt;" in css and "--space-3: 12pt;" in css
    assert '--font-sans: "portrait-sans";' in css
    assert css.count("@font-face") == 9


def test_missing_font_file_is_an_input_error(tmp_project):
    (tmp_project.assets / "fonts" / "Inter-Bold.otf").unlink()
    with pytest.raises(InputError) as caught:
        load_brand(tmp_project)
    (problem,) = caught.value.problems
    assert problem.file == "assets/brand.yaml" and "assets/fonts/Inter-Bold.otf does not exist" in problem.message


def test_gradient_must_use_known_colours(tmp_project):
    path = tmp_project.assets / "brand.yaml"
    path.write_text(path.read_text().replace('{ color: violet, at: "46%" }', '{ color: purple, at: "46%" }'))
    with pytest.raises(InputError, match="gradient `cover` uses colour `purple`"):
        load_brand(tmp_project)


def test_bad_colour_names_the_key(tmp_project):
    path = tmp_project.assets / "brand.yaml"
    path.write_text(path.read_text().replace('pink: { hex: "#e8177d", cmyk: [0, 97, 8, 0] }', 'pink: "hotpink"'))
    with pytest.raises(InputError) as caught:
        load_brand(tmp_project)
    assert str(caught.value.problems[0]).startswith("assets/brand.yaml:10: colors.pink.hex:")
