"""Apps depend in one direction (README, « Organisation du code »): a module never imports an
app above its own, nor a sibling at the same level, not even inside a function.

The check reads every module of the apps with ``ast`` (module-level imports and those inside
functions and methods alike, relative imports resolved) and fails naming each module, line and
import that goes the wrong way. ``funds.voting`` is part of ``funds``; migrations are left out
(they name other apps' migrations, not their code)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. An app may import the apps of a lower level only.
LAYERS: list[tuple[str, ...]] = [
    ("backoffice.core",),
    ("backoffice.legal",),
    ("volunteering",),
    ("funds",),
    ("conventions",),
    ("dashboard", "esign"),
]
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str
    where: str          # "au niveau du module" or "dans une fonction"

    def __str__(self) -> str:
        return (f"{self.module}:{self.line} importe {self.imported} ({self.where}) : "
                f"{app_of(self.module)} ne peut pas dépendre de {app_of(self.imported)}")


def app_of(module: str) -> str | None:
    for app in LEVEL:
        if module == app or module.startswith(app + "."):
            return app
    return None


def _imported_modules(tree: ast.Module, module: str, is_package: bool):
    """(line, imported module, inside a function) for every import of the tree."""
    package = module if is_package else module.rpartition(".")[0]

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield child.lineno, alias.name, in_function
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    parts = package.split(".")
                    base = parts[:len(parts) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                yield child.lineno, target, in_function
                for alias in child.names:          # ``from funds import selectors``
                    yield child.lineno, f"{target}.{alias.name}", in_function
            yield from visit(child, inside)

    yield from visit(tree, False)


def violations_in(source: str, module: str, *, is_package: bool = False) -> list[Violation]:
    """The imports of ``source`` (the text of ``module``) that go up or sideways."""
    own = app_of(module)
    if own is None:
        return []
    found = {}
    for line, target, in_function in _imported_modules(ast.parse(source), module, is_package):
        other = app_of(target)
        if other is None or other == own or LEVEL[other] < LEVEL[own]:
            continue
        key = (line, app_of(target))
        found.setdefault(key, Violation(module, line, target, "dans une fonction"
                                        if in_function else "au niveau du module"))
    return list(found.values())


def app_modules():
    """(module name, path) of every Python file of the apps, migrations left out."""
    for app in LEVEL:
        folder = ROOT.joinpath(*app.split("."))
        for path in sorted(folder.rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue
            parts = list(relative.parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts), path


def test_no_app_imports_an_app_above_it():
    violations = []
    for module, path in app_modules():
        violations += violations_in(path.read_text(encoding="utf-8"), module,
                                    is_package=path.name == "__init__.py")
    assert not violations, ("Imports contraires au sens des applications (voir LAYERS) :\n"
                            + "\n".join(str(v) for v in violations))


def test_every_app_is_read():
    modules = {module for module, _path in app_modules()}
    for app in LEVEL:
        assert app in modules
    assert "funds.voting" in modules or not (ROOT / "funds" / "voting").exists()


def test_the_checker_finds_an_upward_import_inside_a_function():
    source = ("from backoffice.core.models import User\n"
              "class HomeView:\n"
              "    def get(self):\n"
              "        from funds.selectors import call_list_open\n")
    [violation] = violations_in(source, "backoffice.core.views")
    assert (violation.module, violation.line, violation.imported) == (
        "backoffice.core.views", 4, "funds.selectors")
    assert "dans une fonction" in str(violation)
    assert "backoffice.core.views:4 importe funds.selectors" in str(violation)


def test_the_checker_finds_module_level_relative_and_sibling_imports():
    assert [v.imported for v in violations_in(
        "import conventions.models\n", "volunteering.projects")] == ["conventions.models"]
    # ``from .. import x`` inside funds/voting/ stays in funds; ``from ... import`` does not.
    assert violations_in("from ..models import Call\n", "funds.voting.results") == []
    assert violations_in("from ..rules import share\n", "dashboard.selectors.scorecard") == []
    assert [v.imported for v in violations_in(
        "from esign import services\n", "dashboard.views")] == ["esign"]
    # funds.voting is part of funds: it may import volunteering, not conventions.
    assert violations_in("from volunteering.models import VolunteerEntry\n",
                         "funds.voting.results") == []
    assert [v.module for v in violations_in(
        "from conventions.models import Convention\n", "funds.voting.results")] == [
        "funds.voting.results"]


def test_the_checker_lets_imports_go_down():
    assert violations_in("from funds.models import Award\nfrom volunteering import services\n"
                         "from backoffice.core.money import split_exact\n",
                         "conventions.services.awards") == []
