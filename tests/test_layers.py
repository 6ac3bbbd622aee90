"""The arrows between parts run one way, as CONTRIBUTING.md's layout table says.

Every module of the package is parsed (``ast``: module-level AND function-level imports, so
an import moved into a function cannot hide an upward arrow or a cycle) and each import of
another part must point to a part listed above the importing one in the table. The table is
read from CONTRIBUTING.md itself, so the document and the code cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "xtremer_robust"
BASE = "base"  # the modules directly in xtremer_robust/ (errors, atomic writes, shared names)


def layer_table() -> list[str]:
    """Part names from CONTRIBUTING.md's layout table, lowest first."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    parts = []
    for line in section.splitlines():
        match = re.match(r"\|\s*([a-z_]+)\s*\|\s*`xtremer_robust/([a-z_]*)/?(\*\.py)?`", line)
        if match:
            parts.append(BASE if match.group(3) else match.group(2))
    return parts


def part_of_module(module: str) -> str:
    """``xtremer_robust.runner.score`` -> ``runner``; a module directly in the package -> base."""
    pieces = module.split(".")
    if len(pieces) == 1 or (PACKAGE / f"{pieces[1]}.py").is_file():
        return BASE
    return pieces[1]


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    names = list(rel.parts)
    if names[-1] == "__init__":
        names.pop()
    return ".".join(names)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of the package in ``path``, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "xtremer_robust"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.split(".")[0] == "xtremer_robust":
                found.append((node.lineno, name))
    return found


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_table_lists_every_part_once() -> None:
    table = layer_table()
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert table[0] == BASE and len(table) == len(set(table))
    assert set(table) - {BASE} == folders, "CONTRIBUTING.md's layout table must list every folder of the package"


def test_imports_point_down_the_table() -> None:
    rank = {part: n for n, part in enumerate(layer_table())}
    unlisted = len(rank)  # a part missing from the table fails test_the_table_lists_every_part_once
    upward = []
    for path in modules():
        own = part_of_module(module_name(path))
        for line, target in imported_modules(path):
            other = part_of_module(target)
            if other != own and rank.get(other, unlisted) > rank.get(own, unlisted):
                upward.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {target} ({other})")
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_base_modules_import_only_base() -> None:
    for path in PACKAGE.glob("*.py"):
        for line, target in imported_modules(path):
            assert part_of_module(target) == BASE, f"{path.name}:{line} imports {target}"


def test_families_stay_below_the_task_registry() -> None:
    """A task spec holds its family object, so the families part may use the base only."""
    for path in (PACKAGE / "families").glob("*.py"):
        for line, target in imported_modules(path):
            assert part_of_module(target) in (BASE, "families"), f"families/{path.name}:{line} imports {target}"


def test_no_import_error_fallback_for_the_package_itself() -> None:
    """``try: from xtremer_robust... except ImportError`` hides a missing or cyclic module."""
    offenders = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            catches = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            for stmt in node.body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.ImportFrom) and (sub.level or (sub.module or "").startswith("xtremer_robust")):
                        offenders.append(f"{path.relative_to(ROOT)}:{sub.lineno}")
    assert not offenders, offenders


def test_the_checker_sees_function_level_and_relative_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser itself: an upward import inside a function, and a relative one, are both found."""
    rank = {part: n for n, part in enumerate(layer_table())}
    fake = tmp_path / "xtremer_robust" / "data"
    fake.mkdir(parents=True)
    (fake / "mod.py").write_text("def f():\n    from xtremer_robust.runner import score\nfrom ..report import x\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    found = sorted(name for _, name in imported_modules(fake / "mod.py"))
    assert found == ["xtremer_robust.report", "xtremer_robust.runner"]
    assert all(rank[part_of_module(name)] > rank["data"] for name in found)


def _import_graph(package: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level, function-level) imports between the modules of ``package``, by module name."""
    base = package.parent
    names = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(base).with_suffix("").parts)
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def resolve(name: str) -> str | None:
        while name and name not in names:
            name = name.rsplit(".", 1)[0] if "." in name else ""
        return name or None

    top: dict[str, set[str]] = {m: set() for m in names}
    inner: dict[str, set[str]] = {m: set() for m in names}

    def visit(module: str, node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            targets: list[str] = []
            if isinstance(child, ast.ImportFrom) and child.module and not child.level:
                # ``from pkg import name``: the submodule pkg.name where there is one, else pkg
                targets = [f"{child.module}.{a.name}" if f"{child.module}.{a.name}" in names else child.module
                           for a in child.names]
            elif isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            for target in targets:
                found = resolve(target) if target.split(".")[0] == package.name else None
                if found and found != module:
                    (inner if nested else top)[module].add(found)
            visit(module, child, nested)

    for module, path in names.items():
        visit(module, ast.parse(path.read_text(encoding="utf-8")), False)
    return top, inner


def _reaches(top: dict[str, set[str]], start: str, goal: str) -> bool:
    """Whether ``start`` imports ``goal`` through a chain of module-level imports.

    Parent packages are left out: Python runs a package's ``__init__`` once, and a submodule
    imported while it runs still loads, so only explicit imports make a cycle that fails.
    """
    seen, stack = set(), [start]
    while stack:
        module = stack.pop()
        if module == goal:
            return True
        for nxt in top.get(module, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def hidden_cycles(package: Path) -> list[str]:
    """Function-level imports whose target imports the importing module back at module level."""
    top, inner = _import_graph(package)
    return [f"{m} -> {t}" for m in sorted(inner) for t in sorted(inner[m]) if _reaches(top, t, m)]


def test_no_function_level_import_hides_a_cycle() -> None:
    assert hidden_cycles(PACKAGE) == []


def test_the_cycle_check_finds_a_hidden_cycle(tmp_path: Path) -> None:
    fake = tmp_path / "xtremer_robust"
    (fake / "runner").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "runner" / "__init__.py").write_text("")
    (fake / "runner" / "score.py").write_text("from xtremer_robust.runner import cells\n")
    (fake / "runner" / "cells.py").write_text("def load():\n    from xtremer_robust.runner.score import x\n")
    assert hidden_cycles(fake) == ["xtremer_robust.runner.cells -> xtremer_robust.runner.score"]
