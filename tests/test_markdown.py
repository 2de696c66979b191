"""The Markdown subset: what renders, what is shown as text, what is refused."""

import pytest

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
