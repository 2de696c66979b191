"""The command line, called in-process: messages instead of tracebacks, documented exit codes,
and nothing half-written."""

from __future__ import annotations

import re

import pytest
from _project import EPOCH, run_cli

from portrait.cli import parser

run = run_cli


def test_every_command_has_help():
    """(tests/docs/test_cli_docs.py checks that each is documented.)"""
    subparsers = parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    summaries = {action.dest: action.help for action in subparsers._choices_actions}
    for name, sub in subparsers.choices.items():
        # The one-line summary `build.py --help` lists, and help for each of the command's options.
        assert summaries.get(name) and len(summaries[name].strip()) > 10, f"`{name}` has no summary in --help"
        undocumented = [a.option_strings or [a.dest] for a in sub._actions if not (a.help and a.help.strip())]
        assert not undocumented, f"`{name}` options without help: {undocumented}"


def test_bad_content_exits_1_with_a_message_and_no_traceback(tmp_project):
    path = tmp_project.content / "sections" / "why.yaml"
    path.write_text(path.read_text().replace("kind: chapter", "kind: chaptre"))
    code, out, err = run("--root", str(tmp_project.root), "build")
    assert code == 1
    assert "content/sections/why.yaml:1" in err and "did you mean `chapter`?" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(tmp_project):
    path = tmp_project.content / "sections" / "why.yaml"
    path.write_text(path.read_text().replace("kind: chapter", "kind: chaptre"))
    code, _, err = run("--root", str(tmp_project.root), "--debug", "build")
    assert code == 1 and "Traceback" in err


def test_a_template_error_exits_3(tmp_project):
    path = tmp_project.templates / "partials" / "contents.html.j2"
    path.write_text(path.read_text().replace("section.title", "section.titel", 1))
    code, _, err = run("--root", str(tmp_project.root), "build")
    assert code == 3 and "templates/partials/contents.html.j2" in err


def test_a_failed_build_keeps_the_last_good_pdf_and_leaves_no_temp_files(tmp_project):
    out = tmp_project.output / "portrait-of-a-leader.pdf"
    out.parent.mkdir(parents=True)
    out.write_bytes(b"%PDF-last-good")
    page = tmp_project.templates / "partials" / "back-cover.html.j2"
    page.write_text(page.read_text() + '<img src="https://example.org/tracker.png">')
    code, _, err = run("--root", str(tmp_project.root), "build")
    assert code == 3 and "refused to fetch 'https://example.org/tracker.png'" in err
    assert out.read_bytes() == b"%PDF-last-good"
    assert [p.name for p in out.parent.iterdir()] == ["portrait-of-a-leader.pdf"]


@pytest.mark.slow
def test_build_command_writes_the_pdf(tmp_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    code, out, err = run("--root", str(tmp_project.root), "build")
    assert code == 0, err
    assert re.match(r"built output/portrait-of-a-leader.pdf: \d+ pages", out)
    assert (tmp_project.output / "portrait-of-a-leader.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_two_builds_of_the_same_inputs_are_byte_identical(tmp_project, monkeypatch, portrait_build):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    code, _, err = run("--root", str(tmp_project.root), "build")
    assert code == 0, err
    # the session build used the same inputs (from another folder) and the same date
    assert (tmp_project.output / "portrait-of-a-leader.pdf").read_bytes() == portrait_build.pdf
