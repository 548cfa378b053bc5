"""The pipeline's layering (STYLE.md, docs/architecture.md): imports go one way, Z3 is behind one boundary."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cnam_dsl"
FRONT_ENDS = ("web", "lsp", "docsite", "batch")


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "rules" not in p.relative_to(PACKAGE).parts[:1])


def package_of(path: Path) -> str:
    """The first folder under cnam_dsl (`solve`, `language`...), or the module's name for a top-level one."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def imported(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved to `cnam_dsl.…` names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = ["cnam_dsl", *path.relative_to(PACKAGE).with_suffix("").parts]
    if here[-1] == "__init__":
        here = here[:-1]
    else:
        here = here[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
            names.add(base)
            names |= {f"{base}.{a.name}" for a in node.names}
    return names


def project_packages(path: Path) -> set[str]:
    """The project's packages (first level under cnam_dsl) a file imports."""
    return {n.split(".")[1] for n in imported(path) if n.startswith("cnam_dsl.") and len(n.split(".")) > 1}


def third_party(path: Path) -> set[str]:
    return {n.split(".")[0] for n in imported(path) if not n.startswith("cnam_dsl")}


def offenders(rule) -> list[str]:
    return [str(p.relative_to(PACKAGE)) for p in modules() if rule(p)]


def test_only_solve_imports_z3_and_solve_never_lark():
    assert offenders(lambda p: "z3" in third_party(p) and package_of(p) != "solve") == []
    assert offenders(lambda p: package_of(p) == "solve" and "lark" in third_party(p)) == []


def test_one_module_makes_solvers_and_only_the_program_generates_code():
    made = re.compile(r"z3\.(Solver|Optimize|SolverFor|SimpleSolver)\(")
    assert offenders(lambda p: made.search(p.read_text(encoding="utf-8")) and p.name != "backend.py") == []
    generated = re.compile(r"(?<![\w.])(exec|eval)\(")
    assert offenders(lambda p: generated.search(p.read_text(encoding="utf-8"))
                     and p.relative_to(PACKAGE).as_posix() != "solve/program.py") == []


@pytest.mark.parametrize(("package", "forbidden"), [
    ("language", {"candidate", "solve", "answer", "analysis", "batch", "rules", "request", *FRONT_ENDS, "cli"}),
    ("candidate", {"solve", "answer", "analysis", "batch", "rules", "request", *FRONT_ENDS, "cli"}),
    ("solve", {"answer", "analysis", "batch", "rules", "request", *FRONT_ENDS, "cli"}),
    ("answer", {"analysis", "batch", "rules", *FRONT_ENDS, "cli"}),
])
def test_layers_point_one_way(package, forbidden):
    assert offenders(lambda p: package_of(p) == package and project_packages(p) & forbidden) == []


def test_the_solver_writes_no_french():
    assert offenders(lambda p: package_of(p) == "solve" and "describe" in {n.rsplit(".", 1)[-1] for n in imported(p)}) == []


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_no_front_end_imports_another(front_end):
    others = set(FRONT_ENDS) - {front_end} | {"cli"}
    assert offenders(lambda p: package_of(p) == front_end and project_packages(p) & others) == []


def test_every_package_says_what_it_turns_into_what():
    for init in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        doc = ast.get_docstring(tree)
        assert doc and len(doc.splitlines()[0]) > 20, init


def test_the_checks_can_fail():
    assert "z3" in third_party(PACKAGE / "solve" / "backend.py")
    assert "lark" in third_party(PACKAGE / "language" / "parse.py")
    assert "language" in project_packages(PACKAGE / "candidate" / "counting.py")
    assert "candidate" in project_packages(PACKAGE / "request.py")
