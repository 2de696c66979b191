"""A foreword in another language (``foreword.lang``): its words are tagged with it, in the HTML
(and so hyphenated with its patterns) and as /Lang on its structure elements, which WeasyPrint 70
does not write (portrait.finish.tagging.element_attributes)."""

from __future__ import annotations

import io
import shutil
from functools import cache
from pathlib import Path

import pikepdf
import pytest
from _editions import ROOT, edition, project_inputs

from portrait.errors import InputError
from portrait.inputs.district import load_district, make_edition

SPANISH = "Un mensaje de la superintendente"


def _district(tmp: Path, lang_line: str) -> Path:
    folder = tmp / "example-espanol"
    shutil.copytree(ROOT / "content/districts/example-cedar-ridge", folder)
    text = (folder / "district.yaml").read_text(encoding="utf-8")
    text = text.replace('  title: "A message from our superintendent"', f'  title: "{SPANISH}"\n{lang_line}')
    text = text.replace("In this space a district", "En este espacio un distrito explica")
    (folder / "district.yaml").write_text(text, encoding="utf-8")
    return folder


@cache
def spanish_edition() -> bytes:
    import tempfile

    project, _ = project_inputs()
    with tempfile.TemporaryDirectory() as tmp:
        district, logo = load_district(project, "example-espanol", _district(Path(tmp), "  lang: es"))
        return edition("screen").renderer.edition(make_edition("example-espanol", district, logo)).pdf


def _languages(pdf: bytes) -> list[tuple[str, str | None, str]]:
    """(type, /Lang, first text) of the elements below the foreword's Sect, in reading order."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        found: list[tuple[str, str | None]] = []

        def walk(node: object) -> None:
            if isinstance(node, pikepdf.Array):
                for kid in node:
                    walk(kid)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                found.append((str(node.S), str(node.Lang) if "/Lang" in node else None))
                walk(node.get("/K"))

        walk(doc.Root.StructTreeRoot.K)
        assert str(doc.Root.Lang) == "en-US"  # the document's own language stays
        return found


def test_the_forewords_elements_carry_its_language() -> None:
    tagged = [(kind, lang) for kind, lang in _languages(spanish_edition()) if lang]
    # The title, the body and the signatures: their own elements; what is inside inherits.
    assert tagged == [("/H1", "es"), ("/Div", "es"), ("/Div", "es")]


def test_without_a_language_no_element_has_one() -> None:
    from _editions import district_edition

    assert not [lang for _, lang in _languages(district_edition("screen")) if lang]


def test_the_html_says_so_and_the_body_is_hyphenated_in_spanish(tmp_path: Path) -> None:
    project, _ = project_inputs()
    district, logo = load_district(project, "example-espanol", _district(tmp_path, "  lang: es"))
    html = edition("screen").renderer.html(make_edition("example-espanol", district, logo), parts="edition")
    assert f'<h1 class="section-title" lang="es">{SPANISH}</h1>' in html
    assert '<div class="foreword-body" lang="es">' in html
    css = (ROOT / "templates/styles/edition.css").read_text(encoding="utf-8")
    assert ".foreword-body[lang] { hyphens: auto; }" in css
    import pyphen

    assert "es" in pyphen.LANGUAGES  # the patterns WeasyPrint hyphenates with


@pytest.mark.parametrize("tag", ["es", "es-419", "pt-BR", "zh-Hant-TW", "sr-Latn"])
def test_language_tags_people_write_are_read(tmp_path: Path, tag: str) -> None:
    project, _ = project_inputs()
    district, _ = load_district(project, "example-espanol", _district(tmp_path, f'  lang: "{tag}"'))
    assert district.foreword is not None and district.foreword.lang == tag


@pytest.mark.parametrize("tag", ["spanish", "e", "es_ES", "es-", "en US"])
def test_a_wrong_tag_names_file_line_and_key(tmp_path: Path, tag: str) -> None:
    project, _ = project_inputs()
    with pytest.raises(InputError) as info:
        load_district(project, "example-espanol", _district(tmp_path, f'  lang: "{tag}"'))
    (problem,) = info.value.problems
    assert problem.file.endswith("example-espanol/district.yaml") and problem.key == "foreword.lang"
    assert problem.line == 12  # the line of `lang:`
    assert f"`{tag}` is not a language tag (BCP 47)" in str(problem)


def test_the_spreadsheet_has_a_column_for_it(tmp_path: Path) -> None:
    from portrait.inputs.district_csv import COLUMNS

    assert COLUMNS["foreword_lang"].startswith("foreword.lang")
    studio = (ROOT / "src/portrait/studio/static/index.html").read_text(encoding="utf-8")
    assert 'data-field="foreword.lang"' in studio
    from portrait.studio.engine import district_schema

    assert "lang" in district_schema()["$defs"]["Foreword"]["properties"]
