"""The screen editions read by software that is not ours: Poppler's ``pdfinfo -struct-text``
(the structure tree as a reader's software walks it) and the ``pdfua`` checker (a partial PDF/UA-1
validator, independent of portrait.check). veraPDF, the reference, cannot be installed here (see
the README's conformance section)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from _editions import ROOT, district_edition, edition  # noqa: E402
from test_preflight import _tagging_pdf  # noqa: E402

from portrait.check.facts import read_facts  # noqa: E402
from portrait.inputs.load import load_inputs  # noqa: E402
from portrait.project import Project  # noqa: E402

EDITIONS = {"portrait": lambda: edition("screen").pdf, "district": lambda: district_edition("screen")}


def _write(tmp_path: Path, pdf: bytes) -> Path:
    path = tmp_path / "edition.pdf"
    path.write_bytes(pdf)
    return path


# Poppler


@pytest.fixture(scope="module")
def pdfinfo() -> str:
    found = shutil.which("pdfinfo")
    if found is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed; `make system` installs it")
    return found


class Node:
    """One line of ``pdfinfo -struct-text`` and the lines indented below it."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.children: list[Node] = []

    @property
    def is_content(self) -> bool:  # text ("...") or an annotation (Object n 0)
        return self.line.startswith(('"', "Object "))

    @property
    def is_element(self) -> bool:
        return not self.is_content and not self.line.startswith("/")

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def texts(self) -> list[str]:
        return [n.line[1:-1] for n in self.walk() if n.line.startswith('"')]


def _structure(pdfinfo: str, path: Path) -> Node:
    """pdfinfo's structure tree, as a tree."""
    out = subprocess.run([pdfinfo, "-struct-text", str(path)], capture_output=True, text=True, check=True)
    assert not out.stderr.strip(), out.stderr  # Poppler reads the tree without complaint
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    for raw in out.stdout.splitlines():
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip())
        while stack[-1][0] >= indent:
            stack.pop()
        node = Node(raw.strip())
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


@pytest.mark.parametrize("name", list(EDITIONS))
def test_poppler_reads_no_dots_no_empty_elements_and_scoped_headers(pdfinfo: str, tmp_path: Path, name: str) -> None:
    tree = _structure(pdfinfo, _write(tmp_path, EDITIONS[name]()))
    texts = tree.texts()
    assert not re.search(r"(\.\s*){4}", "".join(texts))  # no leader dots (a lone "." ends a sentence)
    empty = [n.line for n in tree.walk() if n.is_element and n is not tree and not any(c.is_content for c in n.walk())]
    assert empty == []
    scopes = [c.line for n in tree.walk() if n.line.startswith("TH ") for c in n.children if c.line.startswith("/")]
    assert sorted(scopes) == ["/Scope /Column"] * 5 + ["/Scope /Row"] * 5


@pytest.mark.parametrize("name", list(EDITIONS))
def test_poppler_reads_each_contents_entry_as_its_title_and_page_number(
    pdfinfo: str, tmp_path: Path, name: str
) -> None:
    pdf = EDITIONS[name]()
    tree = _structure(pdfinfo, _write(tmp_path, pdf))
    contents = next(n for n in tree.walk() if n.line == "Sect" and n.children[0].texts() == ["Contents"])
    entries = []
    for body in (n for n in contents.walk() if n.line == "LBody (block)"):
        link = next(c for c in body.children if c.line.startswith("Link"))  # then, maybe, a nested list
        entries.append(" ".join("".join(link.texts()).split()))
        # One annotation per entry (one tab stop), the Link's own kid: no other in the entry.
        assert [c.line.startswith("Object ") for c in link.children].count(True) == 1, link.line
        assert sum(n.line.startswith("Object ") for n in link.walk()) == 1
    # The printed page numbers: the Portrait's pages counted from its cover (a district's foreword
    # is not numbered, so its contents print the same numbers).
    pages = {title: page + 1 for level, title, page in read_facts(edition("screen").pdf).outline}
    content = load_inputs(Project.at(ROOT)).content
    expected = [f"{section.title} {pages[section.title]}" for section in content.sections]
    expected += [f"{n}. {a.name} {pages[a.name]}" for n, a in enumerate(content.attributes, start=1)]
    assert sorted(entries) == sorted(expected)


# pdfua


@pytest.mark.slow
@pytest.mark.parametrize("name", list(EDITIONS))
def test_the_pdfua_checker_finds_nothing_in_the_screen_editions(tmp_path: Path, name: str) -> None:
    validate = pytest.importorskip("pdfua").validate
    report = validate(str(_write(tmp_path, EDITIONS[name]())))
    assert [f"{f.rule_id}: {f.message}" for f in report.findings] == []
    # One of its checks (UA-14-001, empty headings) cannot run on WeasyPrint's files (pdfua
    # 0.1.3 fails on a /K array); portrait's heading rule covers what it would.
    assert {o.rule_id for o in report.skipped} <= {"UA-14-001"}
    assert len(report.outcomes) - len(report.skipped) >= 11


@pytest.mark.slow
def test_the_pdfua_checker_finds_what_weasyprint_alone_leaves(tmp_path: Path) -> None:
    """The same checker fails WeasyPrint's own tagging of the test file that portrait's finisher
    repairs (tests/check/test_preflight.py): it can fail, and it agrees with our rules."""
    validate = pytest.importorskip("pdfua").validate
    report = validate(str(_write(tmp_path, _tagging_pdf(None))))
    found = {f.rule_id for f in report.findings}
    assert {"UA-01-003", "UA-15-003"} <= found
    assert re.search(r"1 image/form paint", " ".join(f.message for f in report.findings))
