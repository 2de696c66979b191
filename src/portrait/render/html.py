"""Stage 2: content models → one HTML document, through the Jinja templates in ``templates/``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from portrait.errors import BuildError
from portrait.inputs.brand import Brand, brand_css
from portrait.inputs.content import Content
from portrait.inputs.cover import PlacedCircle
from portrait.project import Project

if TYPE_CHECKING:
    from portrait.inputs.district import Edition

ENTRY_TEMPLATE = "publication.html.j2"


@dataclass(frozen=True)
class Page:
    """Everything a template may use. Templates read nothing else."""

    content: Content
    brand: Brand
    cover: list[PlacedCircle]
    built: datetime
    edition: Edition | None = None  # a district edition (portrait.inputs.district), or None for the main Portrait
    parts: str = "all"  # "all"; "edition": only the pages an edition adds; "notes" (render.py)
    variant: str = "screen"  # "screen" or "print" (portrait.finish.variants)
    variant_stylesheets: tuple[str, ...] = ()  # names in templates/styles/, after STYLESHEETS
    extra: dict[str, Any] = field(default_factory=dict)
    # False: the brand's CSS and the stylesheets are left out of the HTML, for a renderer that
    # gives WeasyPrint the same sheets parsed once (portrait.render.renderer.Renderer.stylesheets).
    linked_stylesheets: bool = True


def environment(project: Project) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(project.templates),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["project_uri"] = project.root.as_uri()
    return env


def render_html(project: Project, page: Page, env: jinja2.Environment | None = None) -> str:
    env = env or environment(project)
    try:
        template = env.get_template(ENTRY_TEMPLATE)
        return template.render(
            publication=page.content.publication,
            sections=page.content.sections,
            attributes=page.content.attributes,
            brand=page.brand,
            brand_css=brand_css(project, page.brand) if page.linked_stylesheets else "",
            cover=page.cover,
            built=page.built,
            edition=page.edition,
            document_title=document_title(page),
            parts=page.parts,
            stylesheets=[p.as_uri() for p in stylesheet_files(project, page.variant_stylesheets)]
            if page.linked_stylesheets
            else [],
            variant=page.variant,
            **draft_context(page.content),
            **page.extra,
        )
    except jinja2.TemplateSyntaxError as exc:
        where = f"templates/{exc.name or exc.filename}:{exc.lineno}"
        raise BuildError(f"{where}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise BuildError(f"{_template_frame(project, exc)}: template error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise BuildError(f"template not found: templates/{exc.name}") from None


def draft_context(content: Any) -> dict[str, Any]:
    """What every template of every format is told about a draft: whether the edition is one,
    its placeholders and its expired items (one place, so that no format says less)."""
    return {"draft": content.draft, "placeholders": content.placeholders, "expired": content.expired}


STYLESHEETS = ("base.css", "cover.css", "sections.css", "edition.css")


def stylesheet_files(project: Project, variant_stylesheets: tuple[str, ...]) -> list[Path]:
    """The stylesheets of a variant in cascade order: the base ones, then the variant's."""
    return [project.templates / "styles" / n for n in (*STYLESHEETS, *variant_stylesheets)]


def document_title(page: Page) -> str:
    """The title a PDF viewer shows (also the XMP dc:title); a district edition names the
    district, and a draft (an edition that prints a placeholder or an item past its
    ``valid_until``) says so."""
    title = page.content.publication.title
    if page.edition is not None:
        title = f"{title}: {page.edition.name} edition"
    return f"{title} (Draft)" if page.content.draft else title


def _template_frame(project: Project, exc: BaseException) -> str:
    """``templates/file.j2:line`` of the innermost template frame of ``exc``."""
    tb = exc.__traceback__
    where = "templates/"
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            where = f"{project.relative(Path(name))}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
