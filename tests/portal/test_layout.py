"""The layout's rules, read from the source with ``ast``: apps import one way only, imports sit at
the top of modules, and no module grows past what a newcomer reads in one sitting."""

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Which apps each app may import. Bottom to top; ``portal`` (the project package) may import
# every app and no app imports it. ``demo`` is the development-only data generator.
ALLOWED = {
    "clusters": set(),
    "companies": {"clusters"},
    "board": {"clusters", "companies"},
    "representatives": {"clusters", "companies", "board"},
    "projects": {"clusters"},
    "events": {"clusters", "companies"},
    "indicators": {"clusters", "companies", "board", "representatives", "projects", "events"},
    "api": {"clusters", "companies", "board", "projects", "events"},
    "demo": {"clusters", "companies", "board", "representatives", "projects", "events"},
    "portal": {
        "clusters",
        "companies",
        "board",
        "representatives",
        "projects",
        "events",
        "indicators",
        "api",
    },
}
MAX_LINES = 600
# Imports inside functions are allowed in AppConfig.ready() (the documented place to connect
# apps) and where a comment on the line says why; there should never be more than a handful.
MAX_EXPLAINED_LATE_IMPORTS = 5


def python_files(*folders):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def imported_apps(path):
    """``(app, line, inside_function)`` for each import of another app in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
            else:
                names = []
            for name in names:
                found.append((name.split(".")[0], child.lineno, inner))
            visit(child, inner)

    visit(tree, False)
    return found


@functools.cache
def app_graph():
    graph = {app: {} for app in ALLOWED}
    for app in ALLOWED:
        if not (ROOT / app).is_dir():
            continue
        for path in python_files(app):
            for target, line, _inner in imported_apps(path):
                if target in ALLOWED and target != app:
                    graph[app].setdefault(target, f"{path.relative_to(ROOT)}:{line}")
    return graph


def test_the_app_import_graph_has_no_cycle():
    graph = app_graph()
    done, path = set(), []

    def walk(app):
        if app in path:
            cycle = [*path[path.index(app) :], app]
            pytest.fail("import cycle: " + " → ".join(cycle))
        if app in done:
            return
        path.append(app)
        for target in graph[app]:
            walk(target)
        path.pop()
        done.add(app)

    for app in graph:
        walk(app)


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_each_app_imports_only_the_layers_below_it(app):
    wrong = {
        target: where for target, where in app_graph()[app].items() if target not in ALLOWED[app]
    }
    assert wrong == {}, f"{app} may import only {sorted(ALLOWED[app])}"


def late_imports():
    """Imports inside functions, outside AppConfig.ready()."""
    found = []
    for path in python_files(*ALLOWED):
        if not path.exists():
            continue
        source = path.read_text()
        lines = source.splitlines()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if function.name == "ready" and path.name == "apps.py":
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    found.append(
                        (f"{path.relative_to(ROOT)}:{node.lineno}", lines[node.lineno - 1])
                    )
    return found


def test_imports_inside_functions_are_few_and_explained():
    found = late_imports()
    unexplained = [where for where, line in found if "#" not in line]
    assert unexplained == [], "say why on the line, or import at the top of the module"
    assert len(found) <= MAX_EXPLAINED_LATE_IMPORTS, found


def test_no_python_file_outside_migrations_is_longer_than_the_limit():
    folders = [*ALLOWED, "tests", "bench"]
    long = {
        str(path.relative_to(ROOT)): count
        for path in python_files(*(folder for folder in folders if (ROOT / folder).is_dir()))
        if (count := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_production_lock_holds_no_test_or_demo_tool():
    lock = (ROOT / "requirements.lock").read_text().lower()
    packages = {line.split("==")[0] for line in lock.splitlines() if "==" in line}
    assert packages.isdisjoint({"faker", "pytest", "playwright", "hypothesis", "pytest-django"})


def test_the_checks_catch_what_they_are_meant_to_catch(tmp_path):
    # A late import without a reason and an import of the portal from an app are both seen.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from portal import views\n")
    assert imported_apps(sample) == [("portal", 2, True)]
