"""Reading YAML input files while remembering where every key is.

Pydantic reports errors by key path (``("blocks", 2, "name")``); the line map built here turns
that path into a line number, so that an error can say ``content/sections/why.yaml:14``.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from portrait.errors import InputError, Problem

KeyPath = tuple[str | int, ...]

# Input files are small; anything larger is a mistake (or an attack on the parser).
MAX_YAML_BYTES = 1_000_000


@dataclass
class YamlSource:
    """The parsed data of one YAML file, the line of every key in it, and what looks wrong in
    it without being an error (``warnings``: the build prints them and goes on)."""

    file: str  # as shown to the user
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def line_of(self, path: KeyPath) -> int | None:
        """Line of the deepest key of ``path`` that exists in the file."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def read_yaml(path: Path, shown_as: str) -> YamlSource:
    """Parse ``path`` safely (no tags, no aliases bombs, no duplicate keys)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            Problem(shown_as, "file not found", fix="create it, or fix the name that refers to it")
        ) from None
    except OSError as exc:
        raise InputError(Problem(shown_as, f"cannot read the file ({exc.strerror})")) from None
    return parse_yaml(raw, shown_as)


def parse_yaml(raw: bytes, shown_as: str) -> YamlSource:
    """Parse the bytes of a YAML file as ``read_yaml`` does (for a file that is not on disk)."""
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(Problem(shown_as, f"file is {len(raw):,} bytes; the limit is {MAX_YAML_BYTES:,}"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(shown_as, f"not UTF-8 text (bad byte at offset {exc.start})", fix="save the file as UTF-8")
        ) from None
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        at = text.count("\n", 0, exc.position) + 1
        raise InputError(
            Problem(
                shown_as,
                f"invalid character U+{exc.character:04X} in the file",
                line=at,
                fix="remove it (control characters are not allowed in YAML)",
            )
        ) from None
    try:
        _refuse_aliases(text, shown_as)
        node = loader.get_single_node()
        if node is None:
            raise InputError(Problem(shown_as, "the file is empty", fix="add the required keys"))
        source = YamlSource(shown_as, None)
        _index(node, (), source.lines, shown_as)
        source.warnings.extend(_folded_blank_lines(node, (), text.splitlines(), shown_as))
        source.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or str(exc)
        if exc.context_mark is not None and "quoted scalar" in (exc.context or ""):
            # An unclosed quote is found at the end of the file; the fix is where it opened.
            mark = exc.context_mark
            what = "a quoted text is not closed"
        line = mark.line + 1 if mark else None
        raise InputError(Problem(shown_as, f"invalid YAML: {what}", line=line, fix=_yaml_hint(what))) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(shown_as, f"invalid YAML: {exc}")) from None
    except RecursionError:  # the parser and our indexer recurse once per level of nesting
        raise InputError(
            Problem(shown_as, "invalid YAML: lists or keys nested too deeply", fix="nest fewer levels")
        ) from None
    finally:
        loader.dispose()
    return source


class _Loader(yaml.SafeLoader):
    """The safe loader, with an impossible date (2026-13-01) as a YAML error at its line instead
    of a crash."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a valid date ({exc})", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _yaml_hint(what: str) -> str:
    if "is not a valid date" in what:
        return "write a real date as YYYY-MM-DD, e.g. 2026-06-30"
    if "quoted text is not closed" in what:
        return "add the closing quote on this line"
    if "mapping values are not allowed" in what:
        return 'put text that contains ": " in quotes, e.g. title: "Why: a story"'
    if "found character '\\t'" in what:
        return "indent with spaces, not tabs"
    return "check the indentation and quoting on this line and the one before it"


def _refuse_aliases(text: str, shown_as: str) -> None:
    # Aliases (&a / *a) make "billion laughs" documents possible; no content file needs them.
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AliasToken):
            raise InputError(
                Problem(
                    shown_as,
                    "YAML aliases (*name) are not allowed",
                    line=token.start_mark.line + 1,
                    fix="write the value out in full",
                )
            )


def _index(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], shown_as: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise InputError(
                    Problem(
                        shown_as,
                        f"the key `{key}` appears twice (first on line {seen[key]})",
                        line=line,
                        key=dotted(path + (key,)),
                        fix="keep one of them",
                    )
                )
            seen[key] = line
            lines[path + (key,)] = line
            _index(value_node, path + (key,), lines, shown_as)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), lines, shown_as)


def _folded_blank_lines(node: yaml.Node, path: KeyPath, text: list[str], shown_as: str) -> list[Problem]:
    """Folded blocks (``>``, ``>-``) with a blank line in them.

    YAML folds a blank line in such a block into a single line break, which Markdown reads as a
    space: the two paragraphs the author sees print as one. Only a literal block (``|``) keeps
    them apart.
    """
    if isinstance(node, yaml.MappingNode):
        return [
            w for key, value in node.value for w in _folded_blank_lines(value, (*path, str(key.value)), text, shown_as)
        ]
    if isinstance(node, yaml.SequenceNode):
        return [w for i, item in enumerate(node.value) for w in _folded_blank_lines(item, (*path, i), text, shown_as)]
    if not (isinstance(node, yaml.ScalarNode) and node.style == ">" and "\n" in node.value.strip("\n")):
        return []
    # The block's lines; the first blank one that has text after it is where paragraphs merge.
    body = list(range(node.start_mark.line + 1, min(node.end_mark.line, len(text))))
    for n, index in enumerate(body):
        if not text[index].strip() and any(text[later].strip() for later in body[n + 1 :]):
            return [
                Problem(
                    shown_as,
                    "a folded block (>) with a blank line: its paragraphs print as one",
                    line=index + 1,
                    key=dotted(path) or None,
                    fix=f"start the block with `|` instead of `{_indicator(text[node.start_mark.line])}` "
                    "to keep the paragraphs apart (or remove the blank line)",
                )
            ]
    return []


def _indicator(line: str) -> str:
    found = re.search(r">[-+0-9]*\s*$", line)
    return found.group(0).strip() if found else ">"


def dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate(model: type[BaseModel], source: YamlSource, context: dict[str, Any] | None = None) -> Any:
    """Validate ``source`` against ``model``; raise one InputError listing every problem."""
    try:
        return model.model_validate(source.data, context=context)
    except ValidationError as exc:
        raise InputError(problems_from(exc, model, source)) from None


def problems_from(exc: ValidationError, model: type[BaseModel], source: YamlSource) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        path = _data_path(tuple(error["loc"]), source)
        problems.append(
            Problem(
                source.file,
                _message(error),
                line=source.line_of(path),
                key=dotted(path) or None,
                fix=_fix(error, model, path),
            )
        )
    return problems


def _data_path(loc: KeyPath, source: YamlSource) -> KeyPath:
    """The key path in the file for a pydantic ``loc``, without the union tags pydantic inserts.

    Pydantic puts the value of a discriminator (``type: quote``) into the location of errors
    inside that member; walking the data alongside tells a tag from a real key.
    """
    path: KeyPath = ()
    data: Any = source.data
    tag_skipped_for: Any = None  # a mapping has one tag at most
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(data, dict) and not last and data is not tag_skipped_for and _is_tag(data, part):
            tag_skipped_for = data
            continue
        if _has(data, part):
            data = data[part]
        elif not last:
            continue  # a tag or a validator name
        else:
            data = None
        path += (part,)
    return path


def _has(data: Any, part: str | int) -> bool:
    if isinstance(data, dict):
        return part in data
    return isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)


def _is_tag(data: dict[Any, Any], part: str | int) -> bool:
    return any(data.get(key) == part for key in DISCRIMINATORS)


# The keys that pick a union member in our models (`type` of a block, `kind` of a section).
DISCRIMINATORS = ("type", "kind")


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "this required key is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _fix(error: Any, model: type[BaseModel], path: KeyPath) -> str | None:
    kind = error["type"]
    key = path[-1] if path else None
    if kind == "missing":
        return f"add `{key}:` here"
    if kind == "extra_forbidden":
        valid = _fields_at(model, tuple(error["loc"])[:-1])
        close = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.6)
        if close:
            return f"did you mean `{close[0]}`?"
        if valid:
            return "valid keys here: " + ", ".join(f"`{name}`" for name in sorted(valid))
        return "remove it"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx") or {}
        expected = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        close = difflib.get_close_matches(str(ctx.get("tag", "")), expected, n=1, cutoff=0.6)
        return f"did you mean `{close[0]}`?" if close else "use one of the values listed above"
    expected_by_kind = {
        "string_type": "text (put it in quotes)",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "float_type": "a number",
        "float_parsing": "a number",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "list_type": "a list (lines starting with `- `)",
        "dict_type": "keys and values",
        "model_type": "keys and values",
        "model_attributes_type": "keys and values",
    }
    if kind in expected_by_kind:
        return f"write {expected_by_kind[kind]}"
    if kind in {"literal_error", "enum"}:
        return "use one of the values listed above"
    if kind == "string_pattern_mismatch":
        return "see docs/reference/ for the expected form of this value"
    if kind in {"too_short", "string_too_short"}:
        return "this must not be empty"
    return None


def _fields_at(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """Names of the keys valid at ``loc`` in ``model`` (for 'did you mean' suggestions)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _strip(current)
    if _is_union(current):
        return sorted({name for m in _members(current) for name in m.model_fields})
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _step(typ: Any, part: str | int) -> Any:
    """The type found at ``part`` inside ``typ``; a union consumes its tag as a step."""
    typ = _strip(typ)
    if _is_union(typ):
        return next((m for m in _members(typ) if part in _tags(m)), None)
    if isinstance(typ, type) and issubclass(typ, BaseModel):
        field = typ.model_fields.get(str(part))
        return field.annotation if field is not None else None
    origin = typing.get_origin(typ)
    if origin in (list, tuple) and isinstance(part, int):
        return typing.get_args(typ)[0]
    if origin is dict and isinstance(part, str):
        return typing.get_args(typ)[1]
    return None


def _strip(typ: Any) -> Any:
    """Remove Annotated[...] and Optional[...] around a type."""
    while True:
        origin = typing.get_origin(typ)
        if origin is typing.Annotated:
            typ = typing.get_args(typ)[0]
        elif _is_union(typ) and len(_members(typ, models_only=False)) == 1:
            typ = _members(typ, models_only=False)[0]
        else:
            return typ


def _is_union(typ: Any) -> bool:
    return typing.get_origin(typ) in (typing.Union, types.UnionType)


def _members(union: Any, models_only: bool = True) -> list[Any]:
    members = [_strip_annotated(a) for a in typing.get_args(union) if a is not type(None)]
    if models_only:
        return [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    return members


def _strip_annotated(typ: Any) -> Any:
    while typing.get_origin(typ) is typing.Annotated:
        typ = typing.get_args(typ)[0]
    return typ


def _tags(model: type[BaseModel]) -> set[Any]:
    tags: set[Any] = set()
    for name in DISCRIMINATORS:
        field = model.model_fields.get(name)
        if field is not None and typing.get_origin(field.annotation) is typing.Literal:
            tags.update(typing.get_args(field.annotation))
    return tags
