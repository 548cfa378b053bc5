"""The pipeline's layering (STYLE.md): only compile and solve talk to Z3; the solver never parses."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cnam_dsl"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "rules" not in p.parts)


def is_z3_side(path: Path) -> bool:
    return "solve" in path.relative_to(PACKAGE).parts[:-1]


def test_only_compile_and_solve_import_z3():
    offenders = [str(p.relative_to(PACKAGE)) for p in modules() if "z3" in imported_modules(p) and not is_z3_side(p)]
    assert offenders == []


def test_compile_and_solve_do_not_import_lark():
    offenders = [str(p.relative_to(PACKAGE)) for p in modules() if is_z3_side(p) and "lark" in imported_modules(p)]
    assert offenders == []


def test_the_checks_can_fail():
    assert "z3" in imported_modules(PACKAGE / "solve" / "compile.py")
    assert "lark" in imported_modules(PACKAGE / "language" / "parse.py")
