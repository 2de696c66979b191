"""The base of every input model, and the small types that several input files share.

Declared once so that content, brand, cover and district files follow the same rules: an unknown
key is a typo (so an error with a "did you mean"), and a value read from a file is never changed
afterwards.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SLUG = 60
HEX_COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class Model(BaseModel):
    """Base for every input model: unknown keys are errors, values are immutable, and text is
    stripped of the surrounding blanks that YAML block scalars leave."""

    # Attribute docstrings become the JSON Schema's descriptions (/api/schema, docs/reference/district-file.md).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, use_attribute_docstrings=True)


Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=MAX_SLUG)]
"""A folder or anchor name: lower-case letters, digits and single hyphens."""
HexColor = Annotated[str, Field(pattern=HEX_COLOR_PATTERN)]
"""A colour as ``#rrggbb``."""


class Dated(Model):
    """A content item that may say until when it holds (``valid_until: 2026-06-30``): after that
    date a build warns and the edition is a draft (portrait.inputs.content)."""

    valid_until: date | None = None
    """The last day on which the item is true (e.g. a call to action for one school year)."""

    @field_validator("valid_until", mode="before")
    @classmethod
    def _a_date(cls, value: object) -> object:
        if value is None or type(value) is date:
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError(f"valid_until must be a date written YYYY-MM-DD (e.g. 2026-06-30), not {value!r}")
