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
