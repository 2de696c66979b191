"""The documentation cannot drift from the command line: every command and option (walked from
the argparse parser) has help text and is documented in README.md or docs/*.md, and the
generated reference docs/reference/cli.md is what docs/gen_reference.py makes today."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest
from _project import REPO

from portrait.cli import parser
from portrait.cli.reference import markdown

REFERENCE = REPO / "docs" / "reference" / "cli.md"


def written_docs() -> str:
    """README.md and docs/*.md written by hand (not the generated reference)."""
    files = [REPO / "README.md", *(p for p in sorted((REPO / "docs").glob("**/*.md")) if p != REFERENCE)]
    return "\n".join(p.read_text("utf-8") for p in files)


def commands() -> list[tuple[str, str | None, argparse.ArgumentParser]]:
    action = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    return [(name, helps.get(name), command) for name, command in action.choices.items()]


@pytest.mark.parametrize(("name", "summary", "command"), commands(), ids=[c[0] for c in commands()])
def test_every_command_and_option_has_help_and_is_documented(name, summary, command):
    docs = written_docs()
    assert summary and len(summary.strip()) > 10, f"`{name}` has no summary in --help"
    assert f"build.py {name}" in docs or f"portrait {name}" in docs, f"`{name}` is not in README.md or docs/"
    for action in command._actions:
        assert action.help and action.help.strip(), f"`{name}` {action.option_strings or action.dest}: no help"
        if action.option_strings and "-h" not in action.option_strings:
            longest = max(action.option_strings, key=len)
            assert f"`{longest}" in docs or f" {longest}" in docs, f"`{name} {longest}` is not documented"


def test_the_committed_reference_is_up_to_date():
    assert REFERENCE.read_text("utf-8") == markdown(), "run: .venv/bin/python docs/gen_reference.py"


def test_the_district_file_reference_names_every_key_of_the_model():
    from portrait.cli.reference import district_file_markdown
    from portrait.inputs.district import Colors, Contact, District, Foreword, Signer

    text = district_file_markdown()
    assert (REPO / "docs" / "reference" / "district-file.md").read_text("utf-8") == text, (
        "run: .venv/bin/python docs/gen_reference.py"
    )
    for prefix, model in (("", District), ("colors.", Colors), ("foreword.", Foreword), ("contact.", Contact)):
        for name in model.model_fields:
            assert f"| `{prefix}{name}` |" in text, f"{prefix}{name}"
    for name in Signer.model_fields:
        assert f"| `foreword.signed[].{name}` |" in text
    assert "| `name` | yes |" in text and "| `foreword_lang` |" in text


def test_the_generator_script_checks_the_committed_file():
    script = REPO / "docs" / "gen_reference.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
