"""District editions' input: ``content/districts/<slug>/district.yaml`` and the logo beside it.

A district folder is written by people outside the project, so everything in it is checked and
every problem in one folder is reported together, with file, line, key and a fix. The result of
loading a folder is an ``Edition``: plain data the templates use (name, colours as CSS, the sanitised
logo as a data: URI, foreword, contact).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from portrait.errors import InputError, Problem
from portrait.inputs.colors import HEX_COLOR, palette
from portrait.inputs.logo import Logo, LogoError, LogoStore, logo_source, process_logo
from portrait.inputs.markdown import RichText, to_html, typeset
from portrait.inputs.models import MAX_SLUG, SLUG_PATTERN, Model
from portrait.inputs.press import GAMUT_DE, Press, css_cmyk, describe, shipped
from portrait.inputs.yaml_source import YamlSource, problems_from, read_yaml
from portrait.project import Project

DISTRICT_FILE = "district.yaml"
SLUG = re.compile(SLUG_PATTERN)
# The brand colour a district without `colors.primary` gets (the Portrait's navy).
DEFAULT_PRIMARY = "#1f2a5a"
_NEW_DISTRICT_HINT = 'create it with: python build.py new-district {slug} --name "..." --logo PATH'
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_EMAIL = re.compile(
    r"^[^@\s<>()\[\]\\,;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_WEBSITE = re.compile(r"^https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?(?:/[^\s<>\"']*)?$")


def _one_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be one line of text, without line breaks or control characters")
    return value


def _color(value: str) -> str:
    if not re.fullmatch(HEX_COLOR, value):
        raise ValueError(
            f'`{value}` is not a colour written as "#rrggbb" (e.g. "#1b4f9c"); '
            "quote it, since YAML reads an unquoted # as a comment"
        )
    return value.lower()


def _foreword_markdown(value: str) -> RichText:
    # Links only to https:, mailto: and #sections: portrait.inputs.markdown refuses the rest.
    return to_html(value)


ForewordMarkdown = Annotated[str, AfterValidator(_foreword_markdown)]
# Printed like the Portrait's plain fields: curly quotes and dashes (portrait.inputs.markdown.typeset).
Line = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_one_line), AfterValidator(typeset)]
Color = Annotated[str, AfterValidator(_color)]


class Colors(Model):
    primary: Color | None = None
    """The district's main colour: a ring and band on the cover, accents on the foreword."""
    secondary: Color | None = None
    """A second colour: one of the cover's circles."""

    @model_validator(mode="before")
    @classmethod
    def _no_empty(cls, data: Any) -> Any:
        # `primary: #1b4f9c` without quotes is an empty value followed by a YAML comment.
        if isinstance(data, dict):
            empty = [key for key, value in data.items() if value is None]
            if empty:
                raise ValueError(
                    f"`{empty[0]}` is empty; write the colour in quotes, e.g. "
                    f'{empty[0]}: "#1b4f9c" (without quotes, # starts a comment)'
                )
        return data


class Signer(Model):
    name: Line
    """A person who signs the foreword, as printed under it."""
    role: Line
    """Their role, e.g. "Superintendent"."""


# A BCP 47 language tag as people write them: a language (2–3 letters), then an optional script
# (4 letters), region (2 letters or 3 digits) and variants: es, es-419, pt-BR, zh-Hant-TW, sr-Latn.
_LANGUAGE_TAG = re.compile(
    r"[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
)


def _language_tag(value: str) -> str:
    if not _LANGUAGE_TAG.fullmatch(value):
        raise ValueError(f"`{value}` is not a language tag (BCP 47), e.g. es, es-419, fr-CA or vi")
    return value


class Foreword(Model):
    title: Line
    """The foreword's heading, e.g. "A message from our superintendent"."""
    body: ForewordMarkdown
    """Markdown paragraphs; emphasis, lists and https:/mailto: links. Raw HTML is shown as text."""
    signed: list[Signer] = Field(min_length=1, max_length=6)
    """The people who sign it: 1 to 6."""
    lang: Annotated[str, AfterValidator(_language_tag)] | None = None
    """The foreword's language when it is not the Portrait's, as a BCP 47 tag (e.g. es, fr-CA): screen
    readers then read it with that language's voice, and it is hyphenated with its patterns."""


class Contact(Model):
    website: str | None = None
    """The district's website, printed on the back cover: https:// only."""
    email: str | None = None
    """An e-mail address, printed on the back cover."""

    @field_validator("website")
    @classmethod
    def _website(cls, value: str | None) -> str | None:
        if value is not None and not _WEBSITE.fullmatch(value):
            raise ValueError(f"`{value}` is not a web address starting with https:// (e.g. https://www.example.org)")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value):
            raise ValueError(f"`{value}` is not an e-mail address (e.g. office@example.org)")
        return value

    @model_validator(mode="after")
    def _something(self) -> Contact:
        if self.website is None and self.email is None:
            raise ValueError("give a `website`, an `email` or both (or remove `contact`)")
        return self


class District(Model):
    """``district.yaml``: every key a district may write."""

    name: Line
    """The district's full name, as printed on the cover (any Unicode, &, quotes)."""
    logo: Annotated[str, Field(min_length=1, max_length=120)]
    """File name of the logo beside district.yaml: SVG, PNG or JPEG."""
    short_name: (
        Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_one_line), AfterValidator(typeset)] | None
    ) = None
    """A shorter name for the running footer of every page (default: `name`)."""
    state: Line | None = None
    """Printed after the name on the cover, e.g. "Colorado"."""
    cover_line: Line | None = None
    """A line under the district's name on the cover, e.g. "For our principals"."""
    colors: Colors = Colors()
    """The district's colours, "#rrggbb" in quotes (default: the Portrait's navy)."""
    foreword: Foreword | None = None
    """A page after the cover, in the district leaders' words."""
    contact: Contact | None = None
    """Printed on the back cover: at least one of `website` and `email`."""


@dataclass(frozen=True)
class Edition:
    """What the templates need to make one district's edition (see templates/partials/)."""

    slug: str
    name: str
    footer_name: str
    state: str | None
    cover_line: str | None
    css: str
    logo_uri: str
    logo_kind: str
    logo_wide: bool  # wider than tall: the cover plate is a rounded rectangle, not a circle
    foreword: Foreword | None
    contact: Contact | None
    notices: tuple[str, ...] = field(default=())
    print_css: str = ""  # the colours of ``css`` as the press's CMYK builds (the print edition)
    # Each colour the district gives, as printed: (key, screen #rrggbb, printed #rrggbb, build, ΔE00).
    print_colors: tuple[tuple[str, str, str, str, float], ...] = ()


def districts_folder(project: Project) -> Path:
    return project.content / "districts"


def district_slugs(project: Project) -> list[str]:
    """Every district folder, sorted (hidden folders skipped)."""
    folder = districts_folder(project)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def check_slug(slug: str) -> Problem | None:
    if SLUG.fullmatch(slug) and len(slug) <= MAX_SLUG:
        return None
    return Problem(
        f"content/districts/{slug}/",
        f"`{slug}` is not a valid district folder name",
        fix=f"use lower-case letters, digits and hyphens (at most {MAX_SLUG}), e.g. cedar-ridge",
    )


def load_district(
    project: Project, slug: str, folder: Path | None = None, logos: LogoStore | None = None
) -> tuple[District, Logo]:
    """Read and check one district folder; every problem in it is reported together.

    ``folder`` defaults to ``content/districts/<slug>``, which must be a real folder there. A
    caller may pass a folder of its own instead: new-district checks a staging copy, the studio
    a request's temporary folder. ``logos`` keeps processed logos between runs (see
    portrait.inputs.logo.process_logo).
    """
    own_folder = folder is not None
    bad_slug = check_slug(slug)
    if bad_slug:
        raise InputError(bad_slug)
    folder = folder or districts_folder(project) / slug
    path = folder / DISTRICT_FILE
    shown = project.relative(path)
    if not folder.is_dir():
        known = district_slugs(project)
        hint = _nearest(slug, known)
        raise InputError(
            Problem(
                project.relative(folder) + "/",
                "no such district folder",
                fix=f"did you mean `{hint}`?" if hint else _NEW_DISTRICT_HINT.format(slug=slug),
            )
        )
    inside = folder.resolve().is_relative_to(districts_folder(project).resolve())
    if not own_folder and (folder.is_symlink() or not inside):
        raise InputError(
            Problem(
                project.relative(folder) + "/",
                "the district folder is a symbolic link",
                fix="make it a real folder inside content/districts/",
            )
        )
    if path.is_symlink() or (path.exists() and not path.resolve().is_relative_to(folder.resolve())):
        raise InputError(Problem(shown, "district.yaml is a symbolic link", fix="copy the file itself"))
    source = read_yaml(path, shown)
    problems: list[Problem] = []
    district: District | None = None
    if not isinstance(source.data, dict):
        raise InputError(
            Problem(
                shown,
                "the file must be keys and values (name:, logo:, ...)",
                line=1,
                fix='start with a line like: name: "Cedar Ridge Unified School District"',
            )
        )
    try:
        district = District.model_validate(source.data)
    except ValidationError as exc:
        problems.extend(problems_from(exc, District, source))
    logo: Logo | None = None
    raw_logo = source.data.get("logo")
    if isinstance(raw_logo, str) and raw_logo.strip():
        try:
            logo = process_logo(logo_source(folder, raw_logo.strip()), logos)
        except LogoError as exc:
            problems.append(_logo_problem(source, str(exc), exc.fix))
        except OSError as exc:
            problems.append(_logo_problem(source, f"cannot read the logo ({exc.strerror})", None))
    if district is not None:
        problems.extend(_unprintable(project, source, district))
    if problems:
        raise InputError(problems)
    assert district is not None and logo is not None
    return district, logo


def _unprintable(project: Project, source: YamlSource, district: District) -> list[Problem]:
    """Characters no brand font has would be set in a system font, which the build refuses
    after rendering; say so now, naming the field."""
    printable = _printable(project)
    if printable is None:
        return []  # no readable brand: the build reports that problem itself
    fields: list[tuple[tuple[str | int, ...], str]] = [
        (("name",), district.name),
        (("short_name",), district.short_name or ""),
        (("state",), district.state or ""),
        (("cover_line",), district.cover_line or ""),
    ]
    if district.foreword:
        fields.append((("foreword", "title"), district.foreword.title))
        fields.append((("foreword", "body"), str(district.foreword.body)))
        for i, signer in enumerate(district.foreword.signed):
            fields.append((("foreword", "signed", i), f"{signer.name} {signer.role}"))
    problems = []
    for path, text in fields:
        missing = sorted({c for c in text if ord(c) not in printable and not c.isspace()})
        if missing:
            shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in missing[:8])
            problems.append(
                Problem(
                    source.file,
                    f"the brand fonts cannot print these characters: {shown}",
                    line=source.line_of(path),
                    key=".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path).replace(".[", "["),
                    fix="the fonts cover Latin, Greek and Cyrillic scripts; write the text in "
                    "them, or add a font that covers these characters to assets/brand.yaml",
                )
            )
    return problems


def _printable(project: Project) -> frozenset[int] | None:
    try:
        brand_yaml = (project.assets / "brand.yaml").read_bytes()
    except OSError:
        return None  # the build reports a missing brand itself
    return _printable_with(project, brand_yaml)


@functools.lru_cache(maxsize=4)
def _printable_with(project: Project, brand_yaml: bytes) -> frozenset[int] | None:
    """Keyed by brand.yaml's bytes: a batch checks hundreds of districts against one brand, and
    reading and validating it took most of the time of reading a district (5 of 7 ms)."""
    from portrait.inputs.brand import font_files, load_brand

    try:
        files = tuple(font_files(project, load_brand(project)))
    except InputError:
        return None
    return _common_cmap(files)


@functools.lru_cache(maxsize=4)
def _common_cmap(files: tuple[Path, ...]) -> frozenset[int]:
    """Code points that every brand font file has (a name may be set in any of them)."""
    from fontTools.ttLib import TTFont

    common: set[int] | None = None
    for path in files:
        with TTFont(path, lazy=True) as font:
            cmap = set(font.getBestCmap() or {})
        common = cmap if common is None else common & cmap
    return frozenset(common or ())


def _logo_problem(source: YamlSource, message: str, fix: str | None) -> Problem:
    return Problem(source.file, message, line=source.line_of(("logo",)), key="logo", fix=fix)


def _nearest(word: str, choices: list[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def load_edition(project: Project, slug: str, logos: LogoStore | None = None) -> Edition:
    district, logo = load_district(project, slug, logos=logos)
    source = project.relative(districts_folder(project) / slug / DISTRICT_FILE)
    return make_edition(slug, district, logo, press=Press.find(project.root), source=source)


def edition_at(project: Project, folder: Path) -> Edition:
    """The edition of the district folder ``folder`` (named by its folder name), wherever it is:
    what ``check`` says of a district folder or district.yaml."""
    district, logo = load_district(project, folder.name, folder)
    source = project.relative(folder / DISTRICT_FILE)
    return make_edition(folder.name, district, logo, press=Press.find(project.root), source=source)


def make_edition(
    slug: str, district: District, logo: Logo, press: Press | None = None, source: str = DISTRICT_FILE
) -> Edition:
    """The edition of ``district``; ``press`` (default: this checkout's profile) converts its
    colours for the print edition and says which of them the press cannot print. ``source``
    names where the district was written, for the notices that name a key."""
    notices: list[str] = []
    primary = palette(district.colors.primary or DEFAULT_PRIMARY, label="colors.primary")
    notices.extend(primary.notices)
    # The secondary colour only decorates (a cover circle), so it needs no text shade.
    secondary = palette(district.colors.secondary) if district.colors.secondary else None
    press = press or shipped()
    builds = ""
    printed = []
    if press is not None:
        for label, given in (
            ("colors.primary", district.colors.primary),
            ("colors.secondary", district.colors.secondary),
        ):
            if given:
                notices.extend(gamut_notice(press, label, given.lower()))
                check = press.gamut(given.lower())
                printed.append((label, check.color, check.printed, describe(check.build), check.delta_e))
        builds = edition_print_css(press, primary, secondary)
    notices.extend(logo.notices)
    notices.extend(text_language_notices(district, source))
    css = edition_css(primary, secondary)
    return Edition(
        slug=slug,
        name=district.name,
        footer_name=district.short_name or district.name,
        state=district.state,
        cover_line=district.cover_line,
        css=css,
        logo_uri=logo.data_uri(),
        logo_kind=logo.kind,
        logo_wide=logo.width > logo.height * 1.15,
        foreword=district.foreword,
        contact=district.contact,
        notices=tuple(notices),
        print_css=builds,
        print_colors=tuple(printed),
    )


def text_language_notices(district: District, source: str = DISTRICT_FILE) -> list[str]:
    """Notices for the district's free text that reads as another language than its tag (the
    foreword) or than the Portrait's (the cover line); texts too short to judge give none."""
    from portrait.inputs.language import language_notices

    notices = []
    if district.cover_line:
        notices += language_notices(source, "cover_line", district.cover_line, None, None)
    if district.foreword:
        lang = district.foreword.lang
        notices += language_notices(source, "foreword.body", str(district.foreword.body), lang, "foreword.lang")
    return notices


def gamut_notice(press: Press, label: str, color: str) -> list[str]:
    """A notice when the press cannot print ``color``: the ΔE00 and the nearest printable colour."""
    check = press.gamut(color)
    if check.in_gamut:
        return []
    return [
        f"{label} {color} is outside the press's gamut ({press.name}): it prints as {check.printed} "
        f"({describe(check.build)}), ΔE00 {check.delta_e:.2f} (more than {GAMUT_DE:g} is visible side by side)"
    ]


def edition_print_css(press: Press, primary: Any, secondary: Any) -> str:
    """The edition's colours as CMYK builds: as converted by the press, and text in one or two
    inks (small type in four inks blurs when the plates are slightly out of register)."""
    text, _ = press.text_build(primary.text)
    on, _ = press.text_build(primary.on)
    given, fill, second = press.to_cmyk(
        [primary.given, primary.fill, (secondary.given if secondary else primary.given)]
    )
    if primary.fill == primary.text:
        fill = text
    lines = [
        f"  --color-district: {css_cmyk(given)};",
        f"  --color-district-text: {css_cmyk(text)};",
        f"  --color-district-fill: {css_cmyk(fill)};",
        f"  --color-district-on: {css_cmyk(on)};",
        f"  --color-district-2: {css_cmyk(second)};",
    ]
    return ":root {\n" + "\n".join(lines) + "\n}\n"


def edition_css(primary: Any, secondary: Any) -> str:
    """Custom properties the edition's styles use (templates/styles/edition.css)."""
    second = secondary.given if secondary else primary.given
    lines = [
        f"  --color-district: {primary.given};",
        f"  --color-district-text: {primary.text};",
        f"  --color-district-fill: {primary.fill};",
        f"  --color-district-on: {primary.on};",
        f"  --color-district-2: {second};",
    ]
    return ":root {\n" + "\n".join(lines) + "\n}\n"
