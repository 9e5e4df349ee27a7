"""The shape of the code (DESIGN.md §2): one direction between the layers, no circles, and no
import hidden inside a function without a reason. A wrong arrow fails here, in `make test`."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("views", "portal", "workflows", "models")


def test_import_linter_contracts_hold():
    """views -> portal -> workflows -> models; models and workflows import nothing above them;
    migrations import no live code (the contracts are in .importlinter)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / ".importlinter")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def cycles(graph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(module: str) -> None:
        index[module] = low[module] = counter[0]
        counter[0] += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_in_a_circle():
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_circle():
    class Graph:
        modules = {"a", "b", "c"}

        def find_modules_directly_imported_by(self, module):
            return {"a": {"b"}, "b": {"a"}, "c": {"a"}}[module]

    assert cycles(Graph()) == [["a", "b"]]


def hidden_imports(path: Path) -> list[str]:
    """Imports of our own modules inside functions with no comment on the line saying why."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            elif isinstance(inner, ast.ImportFrom):
                names = ["." if inner.level else inner.module or ""]
            else:
                continue
            ours = any(name == "." or name.split(".")[0] in PACKAGES for name in names)
            if ours and "#" not in lines[inner.lineno - 1]:
                found.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {lines[inner.lineno - 1].strip()}")
    return found


def test_imports_inside_functions_say_why():
    """A circle dodged by importing late means something lives in the wrong place; the few
    late imports left (an optional dependency, start-up cost) carry a comment saying so."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found += hidden_imports(path)
    assert found == []


def test_the_hidden_import_check_finds_one(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    module = tmp_path / "late.py"
    module.write_text("def f():\n    from portal.core import i18n\n"
                      "def g():\n    from portal.core import mail  # start-up cost\n")
    assert hidden_imports(module) == ["late.py:2: from portal.core import i18n"]
