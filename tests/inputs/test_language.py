"""A district's text that reads as another language than its tag is a notice (a warning), shown
by ``check``, ``district`` and the studio alike (portrait.inputs.language).

The texts below are test texts, written for these tests: no district wrote them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _project import run_cli

from portrait.inputs.district import DISTRICT_FILE, load_edition
from portrait.inputs.language import detect, language_notices
from portrait.project import Project

SLUG = "example-cedar-ridge"
SPANISH = (
    "Nos alegra compartir este retrato con todas nuestras escuelas. Cada directora y cada maestro "
    "trabaja cada día para que los estudiantes aprendan con confianza, con curiosidad y con alegría."
)
ENGLISH = (
    "We are glad to share this portrait with all of our schools. Every principal and every teacher "
    "works each day so that students learn with confidence, with curiosity and with joy."
)
SHORT = "Bienvenidos, directores y maestros"


def set_foreword(project: Project, body: str, lang: str | None) -> Path:
    path = project.content / "districts" / SLUG / DISTRICT_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["foreword"]["body"] = body
    data["foreword"].pop("lang", None)
    if lang:
        data["foreword"]["lang"] = lang
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def language(notices: tuple[str, ...]) -> list[str]:
    return [n for n in notices if " reads as " in n]


run = run_cli


def test_the_detector_is_deterministic_and_abstains_on_short_text() -> None:
    assert detect(SPANISH) == detect(SPANISH)
    code, confidence = detect(SPANISH) or ("", 0.0)
    assert code == "es" and confidence >= 0.9
    assert detect(SHORT) is None


def test_an_untagged_spanish_foreword_warns_naming_file_and_key(tmp_project: Project) -> None:
    set_foreword(tmp_project, SPANISH, None)
    (notice,) = language(load_edition(tmp_project, SLUG).notices)
    shown = f"content/districts/{SLUG}/district.yaml"
    assert notice.startswith(f"{shown}: foreword.body reads as Spanish (es, confidence 0.")
    assert "foreword.lang is not set, so it is announced as English" in notice
    assert "set `foreword.lang: es`" in notice


def test_a_spanish_foreword_tagged_en_warns(tmp_project: Project) -> None:
    set_foreword(tmp_project, SPANISH, "en")
    (notice,) = language(load_edition(tmp_project, SLUG).notices)
    assert "foreword.body reads as Spanish" in notice and "not as its tag `foreword.lang: en` (English)" in notice
    assert "set `foreword.lang: es`" in notice


@pytest.mark.parametrize("tag", ["es", "es-419", "ES-mx"])
def test_a_spanish_foreword_tagged_es_does_not_warn(tmp_project: Project, tag: str) -> None:
    set_foreword(tmp_project, SPANISH, tag)
    assert language(load_edition(tmp_project, SLUG).notices) == []


def test_an_english_foreword_tagged_es_warns(tmp_project: Project) -> None:
    set_foreword(tmp_project, ENGLISH, "es")
    (notice,) = language(load_edition(tmp_project, SLUG).notices)
    assert "foreword.body reads as English (en, confidence" in notice
    assert "not as its tag `foreword.lang: es` (Spanish)" in notice
    assert "set `foreword.lang: en`; otherwise fix the tag or the text" in notice


def test_a_short_text_does_not_warn(tmp_project: Project) -> None:
    set_foreword(tmp_project, SHORT, "en")
    assert language(load_edition(tmp_project, SLUG).notices) == []
    assert language_notices("district.yaml", "cover_line", SHORT, None, None) == []


def test_a_long_cover_line_in_another_language_warns() -> None:
    (notice,) = language_notices("district.yaml", "cover_line", SPANISH, None, None)
    assert notice.startswith("district.yaml: cover_line reads as Spanish")
    assert "only the foreword can have a language of its own" in notice


def test_the_shipped_districts_read_as_their_tags(project: Project) -> None:
    from portrait.inputs.district import district_slugs

    for slug in district_slugs(project):
        assert language(load_edition(project, slug).notices) == [], slug


def test_check_shows_the_warning_and_passes(tmp_project: Project) -> None:
    path = set_foreword(tmp_project, SPANISH, None)
    root = str(tmp_project.root)
    for given in (path, path.parent):
        code, out, err = run("--root", root, "check", str(given))
        assert code == 0, err
        assert f"{SLUG}: district inputs check passed, 1 notice" in out
        assert f"notice: {SLUG}: content/districts/{SLUG}/district.yaml: foreword.body reads as Spanish" in err
    code, out, err = run("--root", root, "-q", "check", str(path))  # a warning: shown even when quiet
    assert code == 0 and out == "" and "foreword.body reads as Spanish" in err
    set_foreword(tmp_project, SPANISH, "es")
    code, out, err = run("--root", root, "check", str(path))
    assert code == 0 and err == "" and out == f"{SLUG}: district inputs check passed\n"


def test_check_fails_a_district_with_problems(tmp_project: Project) -> None:
    path = set_foreword(tmp_project, SPANISH, "not a tag")
    code, out, err = run("--root", str(tmp_project.root), "check", str(path))
    assert code != 0 and "is not a language tag" in err and "1 of 1 files fail" in out


@pytest.mark.slow
def test_district_shows_the_warning(tmp_project: Project) -> None:
    set_foreword(tmp_project, ENGLISH, "es")
    code, out, err = run("--root", str(tmp_project.root), "district", SLUG, "--jobs", "1")
    assert code == 0, err
    assert "notices:" in out
    assert f"  {SLUG}: content/districts/{SLUG}/district.yaml: foreword.body reads as English" in out
