"""The structure stays as docs say (README, "Layout"): no import cycles among the app and sandbox
modules, counting every import (module level, inside functions, under TYPE_CHECKING); no module
over 500 lines outside migrations and tests; no function over 60 lines in app code."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGES = ("agiletrack", "integrations", "metrics", "sandbox")
APP_PACKAGES = ("agiletrack", "integrations", "metrics")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def python_files(root: Path, packages: tuple[str, ...]) -> list[Path]:
    files = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts and "__pycache__" not in path.parts:
                files.append(path)
    return files


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports anywhere in it: `from pkg import name` counts as
    importing pkg.name when that is a module, else pkg."""
    name = module_name(root, path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                for alias in node.names
            ]
        else:
            continue
        found |= {target for target in targets if target in modules and target != name}
    return found


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    files = python_files(root, packages)
    modules = {module_name(root, path) for path in files}
    return {module_name(root, path): imports_of(root, path, modules) for path in files}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_among_app_and_sandbox_modules():
    assert cycles(import_graph(REPO_ROOT, PACKAGES)) == []


def test_the_cycle_check_sees_imports_hidden_in_functions_and_type_checking(tmp_path):
    package = tmp_path / "toy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from toy import b\n    return b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import C\n"
    )
    (package / "c.py").write_text("import toy.a\nclass C: ...\n")
    (package / "d.py").write_text("from toy.b import *\n")

    assert cycles(import_graph(tmp_path, ("toy",))) == [["toy.a", "toy.b", "toy.c"]]


def test_no_module_over_500_lines_outside_migrations_and_tests():
    sources = [
        path
        for path in python_files(REPO_ROOT, (*PACKAGES, "bench", "scripts"))
        if len(path.read_text().splitlines()) > MAX_MODULE_LINES
    ]
    assert [str(path.relative_to(REPO_ROOT)) for path in sources] == []


def long_functions(root: Path, paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append(f"{path.relative_to(root)}:{node.name} ({length} lines)")
    return found


def test_no_function_over_60_lines_in_app_code():
    assert long_functions(REPO_ROOT, python_files(REPO_ROOT, APP_PACKAGES)) == []


def test_the_function_check_finds_a_method_one_line_too_long(tmp_path):
    body = "".join(f"        x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"class A:\n    def long(self):\n{body}")
    (tmp_path / "short.py").write_text("def short():\n    return 1\n")

    found = long_functions(tmp_path, [tmp_path / "long.py", tmp_path / "short.py"])

    assert found == [f"long.py:long ({MAX_FUNCTION_LINES + 1} lines)"]


def test_page_views_leave_queries_to_selectors():
    views = [REPO_ROOT / name for name in ("agiletrack/views.py", "integrations/views.py")]
    views += [REPO_ROOT / "metrics" / "views.py", REPO_ROOT / "integrations" / "team_page.py"]
    views += [REPO_ROOT / "metrics" / "organisation_views.py"]
    querying = [
        str(path.relative_to(REPO_ROOT)) for path in views if ".objects" in path.read_text()
    ]
    assert querying == []


def test_the_readme_layout_names_every_module():
    readme = (REPO_ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout") :].split("```")[1]
    listed = {line.split()[0] for line in layout.splitlines() if line.strip()}
    modules = {
        str(path.relative_to(REPO_ROOT))
        for path in python_files(REPO_ROOT, (*PACKAGES, "bench", "scripts"))
        if ast.get_docstring(ast.parse(path.read_text()))
    }
    assert sorted(modules - listed) == []
    assert sorted(name for name in listed - modules if name.endswith(".py")) == []
