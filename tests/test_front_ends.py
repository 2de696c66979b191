"""The front ends (the command line, the studio) stand on the library API alone, and the API's
signatures are those of the code it calls."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import portrait
from portrait import api

PACKAGE = Path(portrait.__file__).parent
FRONT_ENDS = ("cli", "studio")


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports from portrait (at any depth: in functions, under
    TYPE_CHECKING), as (line, module)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return [(line, m) for line, m in found if m == "portrait" or m.startswith("portrait.")]


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_a_front_end_imports_only_the_library_api(front_end: str) -> None:
    reaching = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {module}"
        for path in sorted((PACKAGE / front_end).rglob("*.py"))
        for line, module in _imports(path)
        # a front end may start another (the command line's `studio` runs the studio)
        if module != "portrait" and not module.startswith(tuple(f"portrait.{f}" for f in FRONT_ENDS))
    ]
    assert not reaching, "import these through `portrait` (its __all__) instead:\n" + "\n".join(reaching)


def test_the_rule_sees_a_stage_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from portrait.render.renderer import Renderer\n")
    assert _imports(module) == [(2, "portrait.render.renderer")]


def test_every_name_in_all_resolves() -> None:
    for name in portrait.__all__:
        assert getattr(portrait, name) is not None, name


def test_import_portrait_stays_light() -> None:
    """The lazy names load their stage only when used: WeasyPrint is not imported by ``import portrait``."""
    import subprocess
    import sys

    code = "import sys, portrait; print('weasyprint' in sys.modules, 'pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# Each call of portrait.api and the function that does the work.
IMPLEMENTATIONS = {
    "load_inputs": "portrait.inputs.load:load_inputs",
    "load_edition": "portrait.inputs.district:load_edition",
    "district_slugs": "portrait.inputs.district:district_slugs",
    "build_portrait": "portrait.publish.portrait:build_portrait",
    "build_editions": "portrait.publish.batch:build_editions",
    "build_formats": "portrait.publish.reflowed:build_formats",
    "new_districts_from_csv": "portrait.publish.scaffold:new_districts_from_csv",
    "make_release": "portrait.publish.release:make_release",
    "new_district": "portrait.publish.scaffold:new_district",
    "watch": "portrait.designer.watch:watch",
    "proof": "portrait.designer.proof:run_proof",
}


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_the_api_has_its_implementations_signature(name: str) -> None:
    """Each parameter of the API call is the implementation's: same name, kind and default (the
    API may leave out what only the library's own callers pass, and may take names where the
    implementation takes the objects they name)."""
    module, function = IMPLEMENTATIONS[name].split(":")
    implementation = inspect.signature(getattr(importlib.import_module(module), function))
    for parameter in inspect.signature(getattr(api, name)).parameters.values():
        assert parameter.name in implementation.parameters, f"{name}: {parameter.name} is not the implementation's"
        theirs = implementation.parameters[parameter.name]
        assert parameter.kind == theirs.kind, f"{name}: {parameter.name} is {parameter.kind}, there {theirs.kind}"
        assert parameter.default == theirs.default, f"{name}: {parameter.name}'s default differs"
