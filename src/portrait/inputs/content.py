"""The publication's content: typed models of the YAML files under ``content/``.

``publication.yaml`` holds the metadata and lists the section files in order; each section file
has a ``kind`` that decides which keys it takes and which template lays it out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from portrait.errors import InputError, Problem
from portrait.inputs.build_date import build_time
from portrait.inputs.markdown import PlainText, RichText, to_html, typeset
from portrait.inputs.models import Dated, Model, Slug
from portrait.inputs.yaml_source import KeyPath, YamlSource, dotted, read_yaml, validate
from portrait.project import Project


def _block(value: str) -> RichText:
    return to_html(value)


def _inline(value: str) -> RichText:
    return to_html(value, inline=True)


Markdown = Annotated[str, AfterValidator(_block)]
"""Markdown paragraphs, lists, emphasis and links (see portrait.inputs.markdown)."""
InlineMarkdown = Annotated[str, AfterValidator(_inline)]
"""One line of Markdown: emphasis and links only."""
Text = Annotated[str, Field(min_length=1), AfterValidator(typeset)]
"""Plain text, printed as written (no Markdown), with the same quotes and dashes as Markdown."""


# Blocks: the pieces a chapter is made of, in reading order. `type` picks the kind.


class TextBlock(Dated):
    type: Literal["text"]
    text: Markdown
    placeholder: bool = False
    """True for text that stands in for wording we do not have yet; printed in a marked box."""


class LeadBlock(Dated):
    type: Literal["lead"]
    text: Markdown
    placeholder: bool = False


class QuoteBlock(Dated):
    type: Literal["quote"]
    text: Text
    name: Text
    roles: list[Text] = []
    style: Literal["pull", "inline"] = "inline"
    source: Text
    """Where the quote is printed (the page or document), so that it can be checked; not printed."""
    subject: Text
    """What the speaker is talking about in the source (e.g. the Portrait of a Leader): the quote
    belongs only where the page is about that. Not printed."""


class CalloutBlock(Dated):
    type: Literal["callout"]
    title: Text
    text: Markdown


class StatementBlock(Dated):
    type: Literal["statement"]
    text: Text


class FigureStatBlock(Dated):
    type: Literal["figure-stat"]
    figure: Text
    label: Text


Block = Annotated[
    TextBlock | LeadBlock | QuoteBlock | CalloutBlock | StatementBlock | FigureStatBlock,
    Field(discriminator="type"),
]


# Attributes of a leader.


class Passage(Model):
    text: Markdown
    placeholder: bool = False


class ItemList(Model):
    items: list[InlineMarkdown] = Field(min_length=1)
    placeholder: bool = False


class Prompts(Model):
    prompts: list[Text] = Field(min_length=1)
    placeholder: bool = False


class Attribute(Model):
    id: Slug
    name: Text
    tagline: Text
    description: Passage
    looks_like: ItemList
    in_action: Passage
    reflection: Prompts


class Resource(Dated):
    title: Text
    summary: Text
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith("https://"):
            raise ValueError("resource links must start with https://")
        return url


# Sections: `kind` decides the template and the keys a section takes.


class SectionBase(Dated):
    id: Slug
    title: Text
    eyebrow: Text | None = None
    """A short label printed above the title."""


class Chapter(SectionBase):
    kind: Literal["chapter"]
    blocks: list[Block] = Field(min_length=1)


class CallToAction(SectionBase):
    kind: Literal["call-to-action"]
    blocks: list[Block] = Field(min_length=1)


class Colophon(SectionBase):
    kind: Literal["colophon"]
    blocks: list[Block] = []


class AttributesSection(SectionBase):
    kind: Literal["attributes"]
    intro: list[Block] = []
    attributes: list[Attribute] = Field(min_length=1)

    @field_validator("attributes")
    @classmethod
    def _unique_ids(cls, attributes: list[Attribute]) -> list[Attribute]:
        ids = [a.id for a in attributes]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"attribute ids must be unique; repeated: {', '.join(duplicates)}")
        return attributes


class Worksheet(Model):
    """The self-rating table: one row per attribute, one column per step of the scale."""

    instructions: Text | None = None
    """How to fill it in, printed above it."""
    caption: Text
    scale: list[Text] = Field(min_length=2, max_length=6)
    """The steps of the self-rating, first to last."""
    notes_label: Text
    placeholder: bool = False
    """True while the scale and its wording stand in for the published worksheet's."""


class ReflectionSection(SectionBase):
    kind: Literal["reflection"]
    intro: list[Block] = []
    worksheet: Worksheet


class ResourcesSection(SectionBase):
    kind: Literal["resources"]
    intro: list[Block] = []
    resources: list[Resource] = Field(min_length=1)


Section = Annotated[
    Chapter | CallToAction | Colophon | AttributesSection | ReflectionSection | ResourcesSection,
    Field(discriminator="kind"),
]


class SectionFile(Model):
    """One file of ``content/sections/`` (a wrapper so the union's tag is checked)."""

    section: Section


class BackCover(Model):
    statement: Text
    text: Text


class Publication(Model):
    """``content/publication.yaml``; after loading, ``sections`` holds the section models."""

    title: Text
    subtitle: Text
    subtitle_note: Text | None = None
    """Where the subtitle comes from, when that is not the publisher; printed in the colophon."""
    tagline: Text | None = None
    description: Text
    publisher: Text
    network: Text
    edition: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    language: Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
    keywords: list[Text] = []
    back_cover: BackCover
    sections: list[Annotated[str, Field(pattern=r"^[a-z0-9-]+\.yaml$")]] = Field(min_length=1)


@dataclass(frozen=True)
class Placeholder:
    """Where one `placeholder: true` is: the line of that flag and the key of what it marks."""

    file: str
    line: int | None
    key: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.key}" if self.line else f"{self.file}: {self.key}"


@dataclass(frozen=True)
class Expired:
    """A content item whose ``valid_until`` is before the build date: the line of that key and
    the key of the item. Like a placeholder, it makes the edition a draft."""

    file: str
    line: int | None
    key: str
    valid_until: date

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key} (valid until {self.valid_until.isoformat()})"


class Content(BaseModel):
    """Everything under ``content/``, validated: the input of the templates."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    publication: Publication
    sections: list[Chapter | CallToAction | Colophon | AttributesSection | ReflectionSection | ResourcesSection]
    placeholders: tuple[Placeholder, ...] = ()
    """Every text that stands in for the published wording; while there is one, the edition is a draft."""
    expired: tuple[Expired, ...] = ()
    """Every item whose ``valid_until`` is before the build date; while there is one, the edition is a draft."""
    warnings: tuple[Problem, ...] = ()
    """What looks wrong without stopping the build (printed by `build`)."""

    @property
    def draft(self) -> bool:
        return bool(self.placeholders or self.expired)

    @property
    def attributes(self) -> list[Attribute]:
        for section in self.sections:
            if isinstance(section, AttributesSection):
                return list(section.attributes)
        return []


def load_content(project: Project, today: date | None = None) -> Content:
    """Read and validate every content file; report the problems of all files together.

    ``today``: the date against which ``valid_until`` is checked (by default the build date,
    portrait.inputs.build_date)."""
    problems: list[Problem] = []
    notes = _Notes(today or build_time(project).date())
    pub_path = project.content / "publication.yaml"
    pub_source = read_yaml(pub_path, project.relative(pub_path))
    publication: Publication | None = None
    try:
        publication = validate(Publication, pub_source)
        notes.read(publication, pub_source.file, pub_source.line_of, pub_source.warnings)
        names = list(publication.sections)
    except InputError as exc:
        # Keep going, so that the section files' problems are reported in the same run.
        problems.extend(exc.problems)
        names = _section_names_anyway(project, pub_source.data)

    sections = []
    for name in names:
        path = project.content / "sections" / name
        try:
            source = read_yaml(path, project.relative(path))
            wrapped = YamlSource(source.file, {"section": source.data})
            wrapped.lines = {("section", *k): v for k, v in source.lines.items()} | {(): 1}
            section = validate(SectionFile, wrapped).section
            notes.read(section, source.file, source.line_of, source.warnings)
            sections.append(section)
        except InputError as exc:
            problems.extend(_unwrap_section_key(exc.problems))

    if publication is not None and not problems:
        problems.extend(_cross_checks(project, publication, sections))
    if problems:
        raise InputError(problems)
    assert publication is not None
    return Content(
        publication=publication,
        sections=sections,
        placeholders=tuple(notes.placeholders),
        expired=tuple(notes.expired),
        warnings=(*notes.warnings, *notes.repeated_quotes()),
    )


class _Notes:
    """What load_content learns besides the models: placeholders and warnings, with their lines."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.placeholders: list[Placeholder] = []
        self.expired: list[Expired] = []
        self.warnings: list[Problem] = []
        self.quotes: list[tuple[str, int | None, str, QuoteBlock]] = []

    def read(self, model: BaseModel, file: str, line_of: Callable[[KeyPath], int | None], found: list[Problem]) -> None:
        self.warnings.extend(found)  # the YAML reader's (folded blocks with blank lines)
        for path, value in _walk(model, ()):
            key = dotted(path) or None
            if isinstance(value, BaseModel) and getattr(value, "placeholder", False) is True:
                self.placeholders.append(Placeholder(file, line_of((*path, "placeholder")), key or "placeholder"))
            if isinstance(value, QuoteBlock):
                self.quotes.append((file, line_of(path), key or "", value))
            until = getattr(value, "valid_until", None) if isinstance(value, BaseModel) else None
            if until is not None and until < self.today:
                line = line_of((*path, "valid_until"))
                self.expired.append(Expired(file, line, key or "valid_until", until))
                self.warnings.append(
                    Problem(
                        file,
                        f"valid until {until.isoformat()}, before the build date {self.today.isoformat()}: "
                        "the edition is a draft and `release --final` refuses it",
                        line=line,
                        key=key,
                        fix="bring the item up to date and change or remove its `valid_until` (or remove the item)",
                    )
                )
            if isinstance(value, PlainText):
                syntax = _markdown_in(value)
                if syntax:
                    self.warnings.append(
                        Problem(
                            file,
                            f"{syntax} is Markdown, but this field is plain text: it prints as written",
                            line=line_of(path),
                            key=key,
                            fix="remove the Markdown (docs/designer.md, Content, lists the fields that take it)",
                        )
                    )
            if isinstance(value, PlainText | RichText) and _PLACEHOLDER_WORD.match(str(value)):
                self.warnings.append(
                    Problem(
                        file,
                        "the text starts with \u201cPlaceholder\u201d: the label is printed from `placeholder: true`",
                        line=line_of(path),
                        key=key,
                        fix="remove the word from the text and mark what it belongs to with `placeholder: true`",
                    )
                )

    def repeated_quotes(self) -> list[Problem]:
        """A warning for every quote whose words are printed already (the same quote, or a part of
        one): a quote repeated elsewhere reads as said about that page's subject."""
        found = []
        for i, (file, line, key, quote) in enumerate(self.quotes):
            words = _words(quote.text)
            for earlier_file, earlier_line, _, earlier in self.quotes[:i]:
                other = _words(earlier.text)
                if f" {words} " in f" {other} " or f" {other} " in f" {words} ":
                    where = f"{earlier_file}:{earlier_line}" if earlier_line else earlier_file
                    found.append(
                        Problem(
                            file,
                            f"{quote.name}’s quote is printed twice (also at {where})",
                            line=line,
                            key=key,
                            fix="print a quote once, where the page is about its `subject` "
                            f"({quote.subject}); remove the other",
                        )
                    )
                    break
        return found


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _walk(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    """Every value inside a validated model with its key path in the file (tags do not appear:
    a block's path is ``blocks[2]`` whatever its type)."""
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i))


# The Markdown people write in a plain field by habit, and what to call it in a warning.
_MARKDOWN_SYNTAX = (
    (re.compile(r"(?<![\w*])\*\*?[^\s*][^*]*?\*\*?(?![\w*])"), "`*emphasis*`"),
    (re.compile(r"(?<![\w_])__?[^\s_][^_]*?__?(?![\w_])"), "`_emphasis_`"),
    (re.compile(r"\[[^\]]+\]\([^)\s]+\)"), "a link `[text](address)`"),
    (re.compile(r"`[^`]+`"), "`code`"),
)
_PLACEHOLDER_WORD = re.compile(r"^[*_\s]*placeholder\b", re.IGNORECASE)


def _markdown_in(text: str) -> str | None:
    for pattern, name in _MARKDOWN_SYNTAX:
        if pattern.search(text):
            return name
    return None


def _section_names_anyway(project: Project, data: object) -> list[str]:
    listed = data.get("sections") if isinstance(data, dict) else None
    if isinstance(listed, list) and all(isinstance(n, str) and re.fullmatch(r"[a-z0-9-]+\.yaml", n) for n in listed):
        return listed
    return sorted(p.name for p in (project.content / "sections").glob("*.yaml"))


def _unwrap_section_key(problems: list[Problem]) -> list[Problem]:
    out = []
    for p in problems:
        key = p.key
        if key is not None:
            key = re.sub(r"^section\.?", "", key) or None
        out.append(Problem(p.file, p.message, line=p.line, key=key, fix=p.fix))
    return out


def _cross_checks(project: Project, publication: Publication, sections: list[Any]) -> list[Problem]:
    problems = []
    pub_file = project.relative(project.content / "publication.yaml")
    seen: dict[str, str] = {}
    for name, section in zip(publication.sections, sections, strict=False):
        if section.id in seen:
            problems.append(
                Problem(
                    f"content/sections/{name}",
                    f"section id `{section.id}` is also used by {seen[section.id]}",
                    key="id",
                    fix="give every section a different id",
                )
            )
        seen[section.id] = name
    kinds = [s.kind for s in sections]
    if "reflection" in kinds and "attributes" not in kinds:
        problems.append(
            Problem(
                pub_file,
                "a reflection section needs an attributes section to reflect on",
                key="sections",
                fix="list the attributes section file too",
            )
        )
    return problems
