"""Reading YAML input files while remembering where every key is.

Pydantic reports errors by key path (``("blocks", 2, "name")``); the line map built here turns
that path into a line number, so that an error can say ``content/sections/why.yaml:14``.
"""

from __future__ import annotations

import difflib
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
    """The parsed data of one YAML file and the line of every key in it."""

    file: str  # as shown to the user
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

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
        raise InputError(Problem(shown_as, "file not found", fix="create it, or fix the name that refers to it")) from None
    except OSError as exc:
        raise InputError(Problem(shown_as, f"cannot read the file ({exc.strerror})")) from None
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(Problem(shown_as, f"file is {len(raw):,} bytes; the limit is {MAX_YAML_BYTES:,}"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(shown_as, f"not UTF-8 text (bad byte at offset {exc.start})", fix="save the file as UTF-8")
        ) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(Problem(shown_as, "the file is empty", fix="add the required keys"))
        _refuse_aliases(node, shown_as)
        source = YamlSource(shown_as, None)
        _index(node, (), source.lines, shown_as)
        source.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        raise InputError(
            Problem(shown_as, f"invalid YAML: {what}", line=line, fix=_yaml_hint(what))
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(Problem(shown_as, f"invalid YAML: {exc}")) from None
    finally:
        loader.dispose()
    return source


def _yaml_hint(what: str) -> str:
    if "mapping values are not allowed" in what:
        return 'put text that contains ": " in quotes, e.g. title: "Why: a story"'
    if "found character '\\t'" in what:
        return "indent with spaces, not tabs"
    return "check the indentation and quoting on this line and the one before it"


def _refuse_aliases(node: yaml.Node, shown_as: str) -> None:
    # Aliases (&a / *a) are the YAML "billion laughs": nobody needs them in content files.
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            raise InputError(
                Problem(shown_as, "YAML aliases (*name) are not allowed", line=current.start_mark.line + 1,
                        fix="write the value out in full")
            )
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _index(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], shown_as: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise InputError(
                    Problem(shown_as, f"the key `{key}` appears twice (first on line {seen[key]})",
                            line=line, key=_dotted(path + (key,)), fix="keep one of them")
                )
            seen[key] = line
            lines[path + (key,)] = line
            _index(value_node, path + (key,), lines, shown_as)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), lines, shown_as)


def _dotted(path: KeyPath) -> str:
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
                key=_dotted(path) or None,
                fix=_fix(error, model, path),
            )
        )
    return problems


def _data_path(loc: KeyPath, source: YamlSource) -> KeyPath:
    """Drop the parts of a pydantic ``loc`` that are not keys in the file (union tags)."""
    path: KeyPath = ()
    for i, part in enumerate(loc):
        if (path + (part,)) in source.lines or i == len(loc) - 1:
            path += (part,)
    # The last element may be a tag too (e.g. a custom validator name): keep it only if it is a key.
    if path and path not in source.lines and not _is_missing_key(path, source):
        path = path[:-1]
    return path


def _is_missing_key(path: KeyPath, source: YamlSource) -> bool:
    return path[:-1] in source.lines and isinstance(path[-1], str)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "this required key is missing"
    if kind == "extra_forbidden":
        return "unknown key"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _fix(error: dict[str, Any], model: type[BaseModel], path: KeyPath) -> str | None:
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
    if kind in {"string_type", "int_type", "float_type", "bool_type", "list_type", "dict_type", "model_type"}:
        expected = {
            "string_type": "text (put it in quotes)",
            "int_type": "a whole number",
            "float_type": "a number",
            "bool_type": "true or false",
            "list_type": "a list (lines starting with `- `)",
            "dict_type": "keys and values",
            "model_type": "keys and values",
        }[kind]
        return f"write {expected}"
    if kind == "literal_error" or kind == "enum":
        return "use one of the values listed above"
    if kind == "union_tag_invalid":
        return "use one of the values listed above"
    return None


def _fields_at(model: type[BaseModel], loc: KeyPath) -> list[str]:
    """Names of the keys valid at ``loc`` in ``model`` (for 'did you mean' suggestions)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _unwrap(current, None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _step(typ: Any, part: str | int) -> Any:
    typ = _unwrap(typ, part)
    if isinstance(typ, type) and issubclass(typ, BaseModel):
        fields = typ.model_fields
        if isinstance(part, str) and part in fields:
            return fields[part].annotation
        return None
    origin = typing.get_origin(typ)
    if origin in (list, tuple) and isinstance(part, int):
        return typing.get_args(typ)[0]
    if origin is dict and isinstance(part, str):
        return typing.get_args(typ)[1]
    return None


def _unwrap(typ: Any, part: str | int | None) -> Any:
    """Strip Annotated/Optional, and pick a union member by its tag when ``part`` names one."""
    while True:
        origin = typing.get_origin(typ)
        if origin is typing.Annotated:
            typ = typing.get_args(typ)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(typ) if a is not type(None)]
            if len(members) == 1:
                typ = members[0]
                continue
            for member in members:
                member = _unwrap(member, None)
                if isinstance(member, type) and issubclass(member, BaseModel) and part in _tags(member):
                    return member
            return typ
        return typ


def _tags(model: type[BaseModel]) -> set[Any]:
    tags: set[Any] = set()
    for f in model.model_fields.values():
        if typing.get_origin(f.annotation) is typing.Literal:
            tags.update(typing.get_args(f.annotation))
    return tags
