"""Page labels: what a viewer's page box shows for each page (the PDF's /PageLabels).

Without them a viewer says "4 of 20" on a page that prints "2". A page's label is the number
printed on it; a page that prints none is labelled by its named page (the CSS ``page:`` of
templates/styles/): the covers by name, an edition's foreword in lower roman numerals (it comes
before page 2 and prints no number), the print edition's notes pages "Notes 1", "Notes 2"...
A page with neither gets its physical number.

The labels are written as a number tree of runs (ISO 32000-1, 12.4.2): a run goes on while the
style and the prefix stay the same and the number goes up by one. WeasyPrint's finisher writes
them with pydyf; the join of an edition (portrait.finish.assemble) reads its parts' labels and
writes the edition's with pikepdf.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pikepdf
import pydyf

Style = Literal["decimal", "roman", "none"]

# The PDF's name for each numbering style; "none" has none (the label is the prefix alone).
_PDF_STYLES: dict[Style, str] = {"decimal": "/D", "roman": "/r"}

# Named pages (templates/styles/) that print no number, and what they are called instead.
_NAMED: dict[str, str] = {"cover": "Cover", "back": "Back cover"}
# Named pages that print no number but are counted: the style and prefix of their count.
_COUNTED: dict[str, tuple[Style, str]] = {"front": ("roman", ""), "notes": ("decimal", "Notes ")}


@dataclass(frozen=True)
class PageLabel:
    style: Style
    prefix: str = ""
    number: int = 1  # 1 or more; a "none" label shows no number

    def follows(self, previous: PageLabel) -> bool:
        """Whether this label continues ``previous``'s run."""
        return (self.style, self.prefix) == (previous.style, previous.prefix) and self.number == previous.number + 1


def from_pages(pages: Iterable[tuple[str, str]]) -> list[PageLabel]:
    """The label of each page, given as (its named page, the text of its folio: '' if none)."""
    counted: Counter[str] = Counter()
    result = []
    for index, (name, folio) in enumerate(pages):
        folio = folio.strip()
        if folio.isdigit() and int(folio) >= 1:
            result.append(PageLabel("decimal", "", int(folio)))
        elif folio:
            # A folio that is not a plain number (a designer's "Page 3"): shown as printed.
            result.append(PageLabel("none", folio))
        elif name in _NAMED:
            result.append(PageLabel("none", _NAMED[name]))
        elif name in _COUNTED:
            counted[name] += 1
            style, prefix = _COUNTED[name]
            result.append(PageLabel(style, prefix, counted[name]))
        else:
            result.append(PageLabel("decimal", "", index + 1))
    return result


def runs(labels: Sequence[PageLabel]) -> list[tuple[int, PageLabel]]:
    """The number tree's entries: the index of each run's first page, and that page's label."""
    entries: list[tuple[int, PageLabel]] = []
    for index, label in enumerate(labels):
        if index == 0 or not label.follows(labels[index - 1]):
            entries.append((index, label))
    return entries


def _entries(labels: Sequence[PageLabel]) -> list[tuple[int, dict[str, str | int]]]:
    """The number tree's entries: each run's first page, and its label dictionary's fields (a
    style name, a prefix, a first number other than 1)."""
    entries: list[tuple[int, dict[str, str | int]]] = []
    for index, label in runs(labels):
        fields: dict[str, str | int] = {}
        if label.style in _PDF_STYLES:
            fields["S"] = _PDF_STYLES[label.style]
        if label.prefix:
            fields["P"] = label.prefix
        if label.number != 1:
            fields["St"] = label.number
        entries.append((index, fields))
    return entries


def pydyf_tree(labels: Sequence[PageLabel]) -> pydyf.Dictionary:
    """The /PageLabels number tree for WeasyPrint's PDF (in its finisher)."""
    nums: list[object] = []
    for index, fields in _entries(labels):
        # pydyf writes a Python str as it is (so the style is a name); the prefix is a string.
        nums += [index, pydyf.Dictionary({k: pydyf.String(v) if k == "P" else v for k, v in fields.items()})]
    return pydyf.Dictionary({"Nums": pydyf.Array(nums)})


def pikepdf_tree(labels: Sequence[PageLabel]) -> pikepdf.Dictionary:
    """The /PageLabels number tree for a PDF joined with pikepdf."""
    nums: list[object] = []
    for index, fields in _entries(labels):
        # pikepdf makes a Python str a PDF string; the style is a name.
        nums += [
            index,
            pikepdf.Dictionary({"/" + k: pikepdf.Name(str(v)) if k == "S" else v for k, v in fields.items()}),
        ]
    return pikepdf.Dictionary(Nums=pikepdf.Array(nums))


def read(pdf: pikepdf.Pdf) -> list[PageLabel] | None:
    """Each page's label, from ``pdf``'s /PageLabels; None when it has none.

    Only the styles written here are understood: this reads back what this module wrote."""
    if "/PageLabels" not in pdf.Root:
        return None
    styles = {name: style for style, name in _PDF_STYLES.items()}
    starts = sorted(pikepdf.NumberTree(pdf.Root.PageLabels).items(), key=lambda item: item[0])
    if not starts or starts[0][0] != 0:
        raise ValueError("the /PageLabels number tree does not start at the first page")
    result: list[PageLabel] = []
    for run, (start, entry) in enumerate(starts):
        end = starts[run + 1][0] if run + 1 < len(starts) else len(pdf.pages)
        name = str(entry.get("/S", ""))
        if name and name not in styles:
            raise ValueError(f"page label style {name} is not one this build writes")
        style: Style = styles.get(name, "none")
        prefix = str(entry.get("/P", ""))
        first = int(entry.get("/St", 1))
        result += [PageLabel(style, prefix, first + offset) for offset in range(end - start)]
    return result
