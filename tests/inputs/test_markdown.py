"""The Markdown subset: what renders, what is shown as text, what is refused."""

import io
import re

import pytest
import yaml

from portrait.cli import main
from portrait.inputs.markdown import to_html


def test_emphasis_links_and_lists_render():
    html = str(to_html("Some *emphasis*, **strong** and [a link](https://example.org).\n\n- one\n- two").html)
    assert "<em>emphasis</em>" in html and "<strong>strong</strong>" in html
    assert '<a href="https://example.org">a link</a>' in html
    assert "<ul>\n<li>one</li>" in html


def test_raw_html_is_shown_as_text_never_rendered():
    html = str(to_html('Hello <script>alert(1)</script> <img src="x" onerror="y">').html)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_inline_mode_has_no_paragraph():
    assert str(to_html("*a* b", inline=True).html) == "<em>a</em> b"


def test_internal_and_mailto_links_are_allowed():
    html = str(to_html("[contents](#contents) and [mail](mailto:a@example.org)").html)
    assert 'href="#contents"' in html and 'href="mailto:a@example.org"' in html


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("![alt](https://example.org/a.png)", "images are not allowed"),
        ("# Title", r"headings \(#\) are not allowed"),
        ("```\ncode\n```", "code blocks are not allowed"),
        ("    indented code", "indented code blocks are not allowed"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "tables are not allowed in text; write the rows as a list"),
        ("Intro.\n\n| Attribute | Example |\n| :-- | --: |\n| x | y |", "tables are not allowed"),
        ("[x](http://example.org)", r"link `http://example.org` uses http:; links in text must use https:"),
        ("[x](HTTP://example.org/a)", "uses http:"),
        ("[x](javascript:alert(1))", "scheme that is not allowed"),
        ("[x](file:///etc/passwd)", "scheme that is not allowed"),
        ("[x](data:text/html,hi)", "scheme that is not allowed"),
        ("[x](../../etc/passwd)", "is a relative path"),
        ("[x](logo.png)", "is a relative path"),
    ],
)
def test_constructs_outside_the_subset_are_refused(source, message):
    with pytest.raises(ValueError, match=message):
        to_html(source)


def test_pipes_that_are_not_a_table_stay_text():
    html = str(to_html("Either | or, and a|b.").html)
    assert html == "<p>Either | or, and a|b.</p>"


def test_https_links_are_kept_as_written():
    html = str(to_html("[KnowledgeWorks](https://knowledgeworks.org/path?q=1)").html)
    assert html == '<p><a href="https://knowledgeworks.org/path?q=1">KnowledgeWorks</a></p>'


def test_content_with_a_table_fails_the_build_naming_the_file(tmp_project):
    path = tmp_project.content / "sections" / "why.yaml"
    data = yaml.safe_load(path.read_text())
    block = next(i for i, b in enumerate(data["blocks"]) if b.get("type") == "text")
    data["blocks"][block]["text"] = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    err = io.StringIO()
    assert main(["--root", str(tmp_project.root), "build"], stdout=io.StringIO(), stderr=err) == 1
    assert re.search(rf"content/sections/why.yaml:\d+: blocks\[{block}\]\.text: tables are not allowed", err.getvalue())
