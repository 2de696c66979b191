"""district.yaml: every field, every error, the colour rule, logo handling, sharding, scaffolding.

Fast: nothing here lays out a PDF.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml
from _project import REPO
from PIL import Image

from portrait.cli import main
from portrait.errors import InputError
from portrait.inputs.colors import WHITE, contrast, darken_until, palette, relative_luminance
from portrait.inputs.district import district_slugs, load_district, load_edition
from portrait.inputs.logo import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_ELEMENTS,
    MAX_LOGO_BYTES,
    LogoError,
    placed_dpi,
    process_logo,
    sanitize_svg,
)
from portrait.inputs.markdown import typeset
from portrait.project import Project
from portrait.publish.batch import parse_shard, select_shard

LOGO_SVG = (REPO / "content/districts/example-cedar-ridge/logo.svg").read_bytes()
LOGO_PNG = (REPO / "content/districts/example-lakeshore/logo.png").read_bytes()

VALID = """\
name: "Example: Test Valley School District"
logo: logo.svg
short_name: "Test Valley SD"
state: "Example State"
cover_line: "For our principals"
colors:
  primary: "#1b4f9c"
  secondary: "#f2a900"
foreword:
  title: "A message from our superintendent"
  body: |
    First paragraph with *emphasis* and a [link](https://www.example.org).

    Second paragraph.
  signed:
    - name: "Name of the Superintendent"
      role: "Superintendent"
contact:
  website: "https://www.example.org/test-valley"
  email: "office@example.org"
"""


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project with only a districts folder (loading districts needs nothing else)."""
    (tmp_path / "content" / "districts").mkdir(parents=True)
    return Project.at(tmp_path)


def write_district(
    project: Project,
    text: str,
    slug: str = "test-valley",
    logo: bytes | None = LOGO_SVG,
    logo_name: str = "logo.svg",
) -> Path:
    folder = project.content / "districts" / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "district.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    if logo is not None:
        (folder / logo_name).write_bytes(logo)
    return folder


def problems(project: Project, slug: str = "test-valley") -> list[str]:
    with pytest.raises(InputError) as info:
        load_district(project, slug)
    return [str(p) for p in info.value.problems]


# Every field


def test_every_field_is_read(project: Project):
    write_district(project, VALID)
    edition = load_edition(project, "test-valley")
    assert edition.name == "Example: Test Valley School District"
    assert edition.footer_name == "Test Valley SD"
    assert edition.state == "Example State"
    assert edition.cover_line == "For our principals"
    assert "--color-district: #1b4f9c;" in edition.css
    assert "--color-district-2: #f2a900;" in edition.css
    assert edition.foreword is not None
    assert edition.foreword.title == "A message from our superintendent"
    assert "<em>emphasis</em>" in edition.foreword.body.html
    assert '<a href="https://www.example.org">' in edition.foreword.body.html
    assert [(s.name, s.role) for s in edition.foreword.signed] == [("Name of the Superintendent", "Superintendent")]
    assert edition.contact is not None
    assert edition.contact.website == "https://www.example.org/test-valley"
    assert edition.contact.email == "office@example.org"
    assert edition.logo_kind == "svg"
    # the sanitised copy, inlined: no file path (and so no checkout path) reaches the PDF
    assert edition.logo_uri.startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(edition.logo_uri.split(",", 1)[1])
    assert edition.notices == ()


def test_only_name_and_logo_are_required(project: Project):
    write_district(project, 'name: "Example: Minimal District"\nlogo: logo.svg\n')
    edition = load_edition(project, "test-valley")
    assert edition.foreword is None and edition.contact is None
    assert edition.footer_name == "Example: Minimal District"
    assert "--color-district: #1f2a5a;" in edition.css  # the Portrait's navy


def test_names_keep_any_unicode_ampersands_and_quotes(project: Project):
    name = 'Example: Escuela «Año Nuevo» & "Quotes" <b>District</b> 学区'
    write_district(
        project,
        f"name: {yaml.safe_dump(name, allow_unicode=True).splitlines()[0]}\nlogo: logo.svg\n",
    )
    # Kept, only typeset like every printed text: curly quotes (portrait.inputs.markdown.typeset).
    assert load_edition(project, "test-valley").name == typeset(name)
    assert typeset(name) == "Example: Escuela «Año Nuevo» & “Quotes” <b>District</b> 学区"


def test_raw_html_in_the_foreword_is_shown_as_text(project: Project):
    write_district(project, VALID.replace("Second paragraph.", "<script>alert(1)</script> <b>bold?</b>"))
    html = load_edition(project, "test-valley").foreword.body.html
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Every error: (what the file says, what the message must contain)

FOREWORD = "name: X\nlogo: logo.svg\nforeword:\n  title: T\n  signed:\n    - {name: N, role: R}\n  body: "

BAD_INPUTS = [
    (
        "logo: logo.svg\n",
        ["district.yaml:1: name: this required key is missing", "fix: add `name:` here"],
    ),
    ('name: "X"\n', ["logo: this required key is missing"]),
    ('nmae: "X"\nlogo: logo.svg\n', ["district.yaml:1: nmae: unknown key", "did you mean `name`?"]),
    (
        'name: "X"\nlogo: logo.svg\ncolors:\n  primery: "#123456"\n',
        ["district.yaml:4: colors.primery: unknown key", "did you mean `primary`?"],
    ),
    (
        'name: "X"\nlogo: logo.svg\nforword:\n  title: "T"\n',
        ["forword: unknown key", "did you mean `foreword`?"],
    ),
    (
        'name: "X"\nlogo: logo.svg\ncolors:\n  primary: "#12345"\n',
        ['district.yaml:4: colors.primary: `#12345` is not a colour written as "#rrggbb"'],
    ),
    (
        'name: "X"\nlogo: logo.svg\ncolors:\n  secondary: "blue"\n',
        ["colors.secondary: `blue` is not a colour"],
    ),
    (
        'name: "X"\nlogo: logo.svg\ncolors:\n  primary: #1b4f9c\n',
        ["`primary` is empty; write the colour in quotes"],
    ),
    ('name: ""\nlogo: logo.svg\n', ["name: String should have at least 1 character"]),
    ('name: "Two\\nlines"\nlogo: logo.svg\n', ["name: must be one line of text"]),
    (
        "name: 12\nlogo: logo.svg\n",
        ["name: Input should be a valid string", "fix: write text (put it in quotes)"],
    ),
    (
        'name: "X"\nlogo: logo.svg\nforeword:\n  title: "T"\n  body: "B"\n',
        ["foreword.signed: this required key is missing"],
    ),
    (
        'name: "X"\nlogo: logo.svg\nforeword:\n  title: "T"\n  body: "B"\n  signed: []\n',
        ["foreword.signed: List should have at least 1 item"],
    ),
    (
        "name: X\nlogo: logo.svg\nforeword:\n  title: T\n  body: B\n  signed:\n    - name: N\n",
        ["district.yaml:7: foreword.signed[0].role: this required key is missing"],
    ),
    (
        FOREWORD + '"![x](https://e.org/a.png)"\n',
        ["foreword.body: images are not allowed in text"],
    ),
    (
        FOREWORD + '"[x](javascript:alert(1))"\n',
        ["foreword.body: link `javascript:alert(1)` uses a scheme that is not allowed"],
    ),
    (
        FOREWORD + '"[x](../../etc/passwd)"\n',
        ["link `../../etc/passwd` is a relative path"],
    ),
    (
        FOREWORD + '"[x](http://e.org)"\n',
        ["foreword.body: link `http://e.org` uses http:; links in text must use https:"],
    ),
    (
        'name: "X"\nlogo: logo.svg\ncontact:\n  website: "http://www.example.org"\n',
        ["contact.website: `http://www.example.org` is not a web address starting with https://"],
    ),
    (
        'name: "X"\nlogo: logo.svg\ncontact:\n  email: "not an address"\n',
        ["contact.email: `not an address` is not an e-mail address"],
    ),
    ('name: "X"\nlogo: logo.svg\ncontact: {}\n', ["contact: give a `website`, an `email` or both"]),
    (
        'name: "X"\nlogo: missing.svg\n',
        ["district.yaml:2: logo: the logo file `missing.svg` is not in the district's folder"],
    ),
    (
        'name: "X"\nlogo: ../logo.svg\n',
        ["logo: `../logo.svg` is not a file name in the district's folder"],
    ),
    (
        'name: "X"\nlogo: /etc/passwd\n',
        ["logo: `/etc/passwd` is not a file name in the district's folder"],
    ),
    ('name: "X"\nlogo: logo.gif\n', ["logo: `logo.gif` is not an SVG, PNG or JPEG file name"]),
    ('name: "X"\nlogo: [logo.svg]\n', ["logo: Input should be a valid string"]),
    ('name: "X"\n  logo: logo.svg\n', ["district.yaml:2: invalid YAML"]),
    ("- name: X\n", ["the file must be keys and values"]),
    (
        'name: "X"\nname: "Y"\nlogo: logo.svg\n',
        ["district.yaml:2: name: the key `name` appears twice"],
    ),
    ('name: &a "X"\nlogo: *a\n', ["YAML aliases (*name) are not allowed"]),
]


@pytest.mark.parametrize(("text", "expected"), BAD_INPUTS, ids=[str(i) for i in range(len(BAD_INPUTS))])
def test_bad_input_gets_a_clear_message(project: Project, text: str, expected: list[str]):
    write_district(project, text)
    found = "\n".join(problems(project))
    assert "content/districts/test-valley/district.yaml" in found
    for part in expected:
        assert part in found, f"expected {part!r} in:\n{found}"


def test_several_errors_in_one_file_are_reported_together(project: Project):
    write_district(project, 'nmae: "X"\nlogo: missing.png\ncolors:\n  primary: "red"\ncontact:\n  email: "x"\n')
    found = problems(project)
    assert len(found) == 5, found
    joined = "\n".join(found)
    for part in (
        "name: this required key is missing",
        "nmae: unknown key",
        "colors.primary: `red`",
        "contact.email",
        "logo: the logo file `missing.png`",
    ):
        assert part in joined


def test_the_cli_reports_input_errors_without_a_traceback(project: Project):
    write_district(project, 'name: "X"\nlogo: logo.svg\ncolors:\n  primary: "#12"\n')
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(project.root), "district", "test-valley", "--jobs", "1"], out, err)
    assert code == 1
    assert "Traceback" not in err.getvalue() + out.getvalue()
    assert "district test-valley failed (input error)" in err.getvalue()
    assert "colors.primary: `#12` is not a colour" in err.getvalue()


def test_folder_names_are_checked(project: Project):
    write_district(project, VALID, slug="example-cedar-ridge")
    with pytest.raises(InputError, match="not a valid district folder name"):
        load_district(project, "Bad_Slug")
    with pytest.raises(InputError, match="did you mean `example-cedar-ridge`"):
        load_district(project, "example-cedar-rige")


def test_a_symlinked_logo_is_refused(project: Project, tmp_path: Path):
    outside = tmp_path / "outside.svg"
    outside.write_bytes(LOGO_SVG)
    folder = write_district(project, 'name: "X"\nlogo: logo.svg\n', logo=None)
    os.symlink(outside, folder / "logo.svg")
    assert "logo: `logo.svg` is a symbolic link" in "\n".join(problems(project))


def test_a_png_disguised_as_svg_is_refused(project: Project):
    write_district(project, 'name: "X"\nlogo: logo.svg\n', logo=LOGO_PNG)
    assert "`logo.svg` is named as SVG but its content is PNG" in "\n".join(problems(project))


def test_a_text_file_named_png_is_refused(project: Project):
    write_district(project, 'name: "X"\nlogo: logo.png\n', logo=b"hello, not an image", logo_name="logo.png")
    assert "`logo.png` is not an SVG, PNG or JPEG image" in "\n".join(problems(project))


# Colour contrast (WCAG 2.1)


def test_contrast_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)  # the classic AA grey
    assert contrast("#777777", WHITE) == pytest.approx(4.48, abs=0.01)
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)


@pytest.mark.parametrize(
    "color",
    [
        "#f6c445",
        "#ffffff",
        "#ffd700",
        "#3fa9f5",
        "#e8177d",
        "#ff0000",
        "#00ff00",
        "#777777",
        "#0f6b4f",
        "#000000",
        "#8a5cc7",
        "#fbd3e6",
    ],
)
def test_every_shade_that_carries_text_reaches_aa(color: str):
    p = palette(color)
    assert contrast(p.text, WHITE) >= 4.5
    assert contrast(p.on, p.fill) >= 4.5
    assert p.given == color


def test_a_light_colour_gets_a_darker_shade_of_the_same_hue_and_a_notice():
    p = palette("#f6c445", label="colors.primary")
    assert p.text != "#f6c445"
    assert contrast(p.text, WHITE) == pytest.approx(4.5, abs=0.1)  # as light as the rule allows
    r, g, b = (int(p.text[i : i + 2], 16) for i in (1, 3, 5))
    assert r > g > b  # still a gold, not a grey
    assert p.notices and "colors.primary #f6c445 has a contrast of 1.63:1" in p.notices[0]


def test_a_dark_colour_is_used_as_given_without_a_notice():
    p = palette("#0f6b4f")
    assert (p.text, p.fill, p.on, p.notices) == ("#0f6b4f", "#0f6b4f", WHITE, ())
    assert darken_until("#0f6b4f", WHITE) == "#0f6b4f"


def test_the_build_reports_the_derived_shade(project: Project):
    write_district(project, 'name: "X"\nlogo: logo.svg\ncolors:\n  primary: "#f6c445"\n')
    edition = load_edition(project, "test-valley")
    assert any("darker shade" in n for n in edition.notices)
    assert "--color-district-text: " + palette("#f6c445").text in edition.css


# Logos


def svg(body: str, head: str = "") -> bytes:
    namespaces = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    return f'{head}<svg {namespaces} viewBox="0 0 10 10">{body}</svg>'.encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (svg("<script>alert(1)</script>"), "it contains a script"),
        (svg('<rect width="5" height="5" onload="alert(1)"/>'), "event handler"),
        (svg('<use href="https://evil.example/x.svg#a"/>'), "may only refer to parts of itself"),
        (svg('<use xlink:href="file:///etc/passwd#a"/>'), "may only refer to parts of itself"),
        (
            svg('<rect width="5" height="5" style="fill: url(https://evil.example/p.svg#g)"/>'),
            "may only refer",
        ),
        (svg('<rect width="5" height="5" fill="url(/etc/passwd)"/>'), "may only refer"),
        (
            svg("<style>@import url(https://evil.example/x.css);</style>"),
            "CSS that loads or runs something",
        ),
        (svg('<image href="data:image/png;base64,AAAA" width="5" height="5"/>'), "image"),
        (svg("<foreignObject><p>hi</p></foreignObject>"), "embeds HTML"),
        (svg("<text>Hi</text>"), "convert the text to outlines"),
        (
            svg(
                '<g id="a"><rect width="1" height="1"/></g>'
                '<g id="b"><use href="#a"/><use href="#a"/></g>'
                '<g id="c"><use href="#b"/><use href="#b"/></g>'
            ),
            "<use> elements that repeat other <use> elements",
        ),
        (svg('<g id="a"><use href="#a"/></g>'), "repeat other <use>"),
        (svg("<rect/>" * 20_001), "20,002 elements; a logo may have at most 20,000"),
        (
            svg("<rect/>", head='<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'),
            "DTD or entities",
        ),
        (
            svg("<rect/>", head='<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
            "DTD or entities",
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not well-formed"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>',
            "no viewBox",
        ),
    ],
)
def test_unsafe_or_broken_svgs_are_refused(data: bytes, message: str):
    with pytest.raises(LogoError, match=message):
        sanitize_svg(data)


def test_a_sanitised_svg_keeps_only_allowed_elements_and_attributes():
    data = svg(
        '<sodipodi:namedview xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"/>'
        '<metadata>x</metadata><defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/>'
        "</linearGradient>"
        '</defs><rect data-x="1" width="5" height="5" fill="url(#g)" inkscape:label="a" '
        'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"/><use href="#g"/>',
    )
    clean, width, height = sanitize_svg(data)
    assert (width, height) == (10, 10)
    root = ElementTree.fromstring(clean)
    for element in root.iter():
        assert element.tag.startswith("{http://www.w3.org/2000/svg}")
        assert element.tag.split("}")[1] in ALLOWED_ELEMENTS
        for key in element.attrib:
            assert key.split("}")[-1] in ALLOWED_ATTRIBUTES
    assert b"sodipodi" not in clean and b"inkscape" not in clean and b"data-x" not in clean
    assert b'fill="url(#g)"' in clean


def test_the_example_svg_survives_sanitising(tmp_path: Path):
    before = sorted(tmp_path.rglob("*"))
    logo = process_logo(REPO / "content/districts/example-cedar-ridge/logo.svg")
    assert logo.kind == "svg"
    assert logo.data.count(b"<path") == 3
    assert sorted(tmp_path.rglob("*")) == before  # checking a logo writes nothing


def png_bytes(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white" if mode != "1" else 1).save(out, "PNG")
    return out.getvalue()


def test_rasters_are_scaled_to_300_dpi_of_the_placed_size(tmp_path: Path):
    source = tmp_path / "big.png"
    source.write_bytes(png_bytes((3000, 1500)))
    logo = process_logo(source)
    with Image.open(io.BytesIO(logo.data)) as image:
        # A wide logo goes on the cover's wide plate (1.88 in across): 300 dpi there, not less.
        assert image.size == (566, 283)
        assert placed_dpi(*image.size) >= 300
    jpeg = tmp_path / "photo.jpg"
    Image.new("RGB", (800, 800), "navy").save(jpeg, "JPEG")
    logo = process_logo(jpeg)
    assert logo.kind == "jpeg"
    with Image.open(io.BytesIO(logo.data)) as image:
        assert image.format == "JPEG" and image.size == (450, 450)


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path):
    source = tmp_path / "bomb.png"
    source.write_bytes(png_bytes((12_000, 12_000), mode="1"))  # ~20 KB on disk, 144 megapixels
    assert source.stat().st_size < 100_000
    with pytest.raises(LogoError, match="too many pixels"):
        process_logo(source)


def test_a_logo_over_the_byte_limit_is_refused(tmp_path: Path):
    source = tmp_path / "huge.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_LOGO_BYTES)
    with pytest.raises(LogoError, match="the limit is 5 MB"):
        process_logo(source)


def test_a_truncated_png_is_refused(tmp_path: Path):
    source = tmp_path / "cut.png"
    source.write_bytes(LOGO_PNG[:120])
    with pytest.raises(LogoError, match="cannot be read"):
        process_logo(source)


# Sharding


def test_shards_cover_every_district_exactly_once():
    slugs = [f"district-{i:02d}" for i in range(23)]
    for n in (1, 2, 3, 5, 23, 30):
        shards = [select_shard(reversed(slugs), (k, n)) for k in range(1, n + 1)]
        flat = [s for shard in shards for s in shard]
        assert sorted(flat) == sorted(slugs)
        assert len(flat) == len(set(flat))
        assert max(map(len, shards)) - min(map(len, shards)) <= 1  # balanced
    assert select_shard(slugs, (2, 3))[:2] == ["district-01", "district-04"]  # i % N == K - 1


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "2", "1/2/3"])
def test_bad_shards_are_usage_errors(text: str, project: Project):
    with pytest.raises(ValueError, match="--shard"):
        parse_shard(text)
    err = io.StringIO()
    assert main(["--root", str(project.root), "district", "--all", "--shard", text], io.StringIO(), err) == 2
    assert "--shard" in err.getvalue()


def test_district_needs_slugs_or_all(project: Project):
    err = io.StringIO()
    assert main(["--root", str(project.root), "district"], io.StringIO(), err) == 2
    assert "SLUG" in err.getvalue()


def test_hidden_and_underscore_folders_are_not_districts(project: Project):
    for name in ("b-district", "a-district", ".new-x", "_drafts"):
        (project.content / "districts" / name).mkdir()
    assert district_slugs(project) == ["a-district", "b-district"]


# new-district


def test_new_district_scaffolds_a_valid_folder(project: Project, tmp_path: Path):
    logo = tmp_path / "Our Logo.PNG"
    logo.write_bytes(LOGO_PNG)
    name = 'Example: "Quoted" & Ünïcode: District # 5'
    out = io.StringIO()
    code = main(
        [
            "--root",
            str(project.root),
            "new-district",
            "new-one",
            "--name",
            name,
            "--logo",
            str(logo),
        ],
        out,
        io.StringIO(),
    )
    assert code == 0, out.getvalue()
    folder = project.content / "districts" / "new-one"
    assert sorted(p.name for p in folder.iterdir()) == ["district.yaml", "logo.png"]
    district, _ = load_district(project, "new-one")
    assert district.name == typeset(name)  # curly quotes, as printed
    text = (folder / "district.yaml").read_text()
    for optional in ("# short_name:", "# colors:", "# foreword:", "# contact:"):
        assert optional in text
    assert "portrait district new-one" in out.getvalue()


def test_new_district_refuses_bad_input_and_leaves_nothing(project: Project, tmp_path: Path):
    bad = tmp_path / "logo.svg"
    bad.write_bytes(svg("<script>alert(1)</script>"))
    err = io.StringIO()
    code = main(
        ["--root", str(project.root), "new-district", "new-two", "--name", "X", "--logo", str(bad)],
        io.StringIO(),
        err,
    )
    assert code == 1 and "it contains a script" in err.getvalue()
    assert list((project.content / "districts").iterdir()) == []
    assert (
        main(
            [
                "--root",
                str(project.root),
                "new-district",
                "Bad Slug",
                "--name",
                "X",
                "--logo",
                str(bad),
            ],
            io.StringIO(),
            err,
        )
        == 1
    )
    write_district(project, VALID, slug="taken")
    logo = tmp_path / "ok.svg"
    logo.write_bytes(LOGO_SVG)
    assert (
        main(
            [
                "--root",
                str(project.root),
                "new-district",
                "taken",
                "--name",
                "X",
                "--logo",
                str(logo),
            ],
            io.StringIO(),
            err,
        )
        == 1
    )
    assert "already exists" in err.getvalue()


def test_the_examples_are_valid_and_clearly_examples(project: Project):
    shutil.copytree(REPO / "content" / "districts", project.content / "districts", dirs_exist_ok=True)
    slugs = district_slugs(project)
    assert len(slugs) >= 3
    kinds = set()
    for slug in slugs:
        district, logo = load_district(project, slug)
        assert district.name.startswith("Example:")
        kinds.add(logo.kind)
    assert {"svg", "png"} <= kinds


def test_an_image_over_the_pixel_limit_is_refused_by_its_header(tmp_path: Path):
    source = tmp_path / "large.png"
    source.write_bytes(png_bytes((8_000, 6_000), mode="1"))  # 48 megapixels: under Pillow's own limit
    with pytest.raises(LogoError, match="8000 × 6000 pixels; the limit is 40,000,000"):
        process_logo(source)


def test_characters_the_brand_fonts_lack_are_reported_before_rendering(tmp_path: Path):
    project = Project.at(tmp_path)
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    write_district(project, 'name: "Example: Ñandú Ωmega Школа 学区"\nlogo: logo.svg\n')
    found = "\n".join(problems(project))
    expected = "district.yaml:1: name: the brand fonts cannot print these characters:"
    assert f"{expected} 区 (U+533A), 学 (U+5B66)" in found


def test_a_symlinked_district_folder_is_refused(project: Project, tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "district.yaml").write_text('name: "X"\nlogo: logo.svg\n')
    (outside / "logo.svg").write_bytes(LOGO_SVG)
    os.symlink(outside, project.content / "districts" / "linked")
    with pytest.raises(InputError, match="the district folder is a symbolic link"):
        load_district(project, "linked")


def test_the_network_guide_documents_the_district_commands_and_fields():
    section = (REPO / "docs" / "network.md").read_text(encoding="utf-8")
    for text in (
        "python build.py district SLUG",
        "--all",
        "--jobs",
        "--shard K/N",
        "new-district SLUG",
        "--name",
        "--logo",
        "output/districts/<slug>/portrait-of-a-leader-<slug>.pdf",
    ):
        assert text in section, text
    from portrait.inputs.district import Colors, Contact, District, Foreword, Signer

    pages = section + "".join(page.read_text(encoding="utf-8") for page in sorted((REPO / "docs").glob("**/*.md")))
    for model in (District, Colors, Foreword, Signer, Contact):
        for name in model.model_fields:
            assert f"{name}:" in pages, f"neither README nor docs/*.md documents `{name}`"


def test_a_jpeg_logo_is_turned_by_its_exif_orientation():
    """A phone's JPEG stores its pixels sideways with an EXIF orientation that browsers (and the
    studio's thumbnail) apply: the PDF places the logo the same way up."""
    from portrait.inputs.logo import scale_raster

    image = Image.new("RGB", (400, 200), "white")
    image.paste((200, 0, 0), (0, 0, 200, 200))  # red on the left of the stored pixels
    exif = image.getexif()
    exif[0x0112] = 6  # turn 90° clockwise to show
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    data, width, height, _ = scale_raster(buffer.getvalue(), "jpeg")
    shown = Image.open(io.BytesIO(data)).convert("RGB")
    assert (width, height) == shown.size == (200, 400)
    assert shown.getpixel((100, 50))[0] > 150 and shown.getpixel((100, 350))[1] > 150  # red on top
    assert 0x0112 not in shown.getexif()  # nothing turns it again


def test_an_svg_nested_too_deeply_is_refused_with_the_limit():
    from portrait.inputs.logo import MAX_SVG_DEPTH, LogoError

    def nested(depth: int) -> bytes:
        inner = b"<g>" * depth + b'<rect width="1" height="1"/>' + b"</g>" * depth
        return b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">' + inner + b"</svg>"

    sanitize_svg(nested(MAX_SVG_DEPTH - 2))  # <svg>, the groups and the <rect>: MAX_SVG_DEPTH levels
    with pytest.raises(LogoError, match=f"more than {MAX_SVG_DEPTH} levels"):
        sanitize_svg(nested(1000))
