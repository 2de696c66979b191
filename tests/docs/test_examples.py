"""Every example in README.md and docs/*.md runs (Sybil parses the Markdown).

- ```python blocks run, in a temporary copy of the project (the current folder while they run).
- ```sh / ```shell / ```bash blocks: each line `python build.py ...`, `.venv/bin/python build.py
  ...` or `portrait ...` runs (the CLI's main, in process) in a temporary copy and must exit 0;
  ```console blocks also compare what a `$ ` command prints with the lines shown under it
  (`...` stands for any text).
- A block that cannot run here says why in an HTML comment directly before it:
  `<!-- not-runnable: starts a server -->`; one that takes more than a few seconds:
  `<!-- slow: builds every edition -->` (run with the slow tests).

Any other line in a shell block fails the test with the fix: mark the block, or make it runnable.
"""

from __future__ import annotations

import io
import re
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from _project import REPO
from sybil import Document, Example, Region
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

from portrait.cli import main

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]
LANGUAGES = {"python": "python", "py": "python", "sh": "shell", "shell": "shell", "bash": "shell", "console": "console"}
MARK = re.compile(r"<!--\s*(not-runnable|slow):\s*(?P<reason>(?:(?!-->).)*?)\s*-->\s*\Z", re.S)
PREFIXES = (("python", "build.py"), (".venv/bin/python", "build.py"), ("portrait",))
COPIED = ("content", "templates", "assets", "docs", "CHANGELOG.md")


@dataclass(frozen=True)
class Block:
    language: str  # python, shell or console
    source: str
    mark: str | None  # "not-runnable", "slow" or None
    reason: str


def parse_blocks(document: Document):
    """Sybil parser: a Region per fenced python or shell block, with the mark before it."""
    for region in FencedCodeBlockLexer(language=r"[\w-]+")(document):
        language = LANGUAGES.get(str(region.lexemes["language"]))
        if language is None:
            continue
        before = MARK.search(document.text, max(0, region.start - 400), region.start)
        mark = before.group(1) if before else None
        reason = before.group("reason") if before else ""
        yield Region(region.start, region.end, Block(language, str(region.lexemes["source"]), mark, reason), evaluate)


def evaluate(example: Example) -> None:
    block: Block = example.parsed
    where = f"{Path(example.path).name}:{example.line}"
    if block.language == "python":
        namespace: dict[str, object] = {"__name__": "__example__"}
        exec(compile(block.source, where, "exec"), namespace)  # noqa: S102 (the documentation's own code)
        return
    for command, expected in commands(block):
        argv = shlex.split(command, comments=True)
        prefix = next((p for p in PREFIXES if tuple(argv[: len(p)]) == p), None)
        if prefix is None:
            pytest.fail(
                f"{where}: `{command}` cannot run in the tests: make it a `python build.py ...` command, "
                "or put <!-- not-runnable: why --> (or <!-- slow: why -->) directly before the block"
            )
        out, err = io.StringIO(), io.StringIO()
        code = main(argv[len(prefix) :], stdout=out, stderr=err)
        said = out.getvalue() + err.getvalue()
        assert code == 0, f"{where}: `{command}` exited {code}:\n{said}"
        if expected is not None:
            pattern = ".*?".join(re.escape(part) for part in expected.strip().split("..."))
            assert re.fullmatch(pattern, said.strip(), re.S), f"{where}: `{command}` printed\n{said}\nnot\n{expected}"


def commands(block: Block) -> list[tuple[str, str | None]]:
    """The commands of a block (continuation lines joined), each with the output it shows (console
    blocks) or None."""
    text = block.source.replace("\\\n", " ")
    if block.language != "console":
        return [
            (line.strip(), None) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
        ]
    found: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            found.append((line[2:].strip(), []))
        elif found:
            found[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in found]


def examples() -> list[object]:
    params = []
    for path in DOCUMENTS:
        for example in Document.parse(str(path), parse_blocks):
            block: Block = example.parsed
            name = f"{path.relative_to(REPO)}:{example.line}"
            marks = [pytest.mark.slow] if block.mark == "slow" else []
            params.append(pytest.param(example, id=name, marks=marks))
    return params


@pytest.mark.parametrize("example", examples())
def test_example(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    block: Block = example.parsed
    if block.mark == "not-runnable":
        pytest.skip(f"not runnable: {block.reason}")
    root = tmp_path / "project"
    root.mkdir()
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("reference"))
        elif source.is_file():
            shutil.copy(source, root / name)
    monkeypatch.chdir(root)
    monkeypatch.setattr(sys, "argv", [str(root / "build.py")])  # as `python build.py` in a checkout
    example.evaluate()


def test_every_shell_or_python_block_is_collected():
    """The parser sees the blocks a reader sees (a change of fence style must not hide one)."""
    text = (REPO / "README.md").read_text()
    fences = re.findall(r"^```(python|sh|shell|bash|console)\s*$", text, re.M)
    collected = [p for p in examples() if str(p.id).startswith("README.md:")]  # type: ignore[attr-defined]
    assert len(collected) == len(fences)
