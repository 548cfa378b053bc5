"""Golden files: `cnam check` on each tests/cases/{good,bad}/*.cnr prints exactly the .out beside it.

Run `pytest tests/test_golden.py --update-golden` to rewrite them, then review with `git diff`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_cnam

CASES = sorted((ROOT / "tests" / "cases").glob("*/*.cnr"))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_check_output(path: Path, update_golden: bool):
    relative = path.relative_to(ROOT)
    result = run_cnam("check", str(relative))
    assert "Traceback" not in result.stderr
    expected_code = 0 if path.parent.name == "good" else 1
    assert result.returncode == expected_code, result.stdout + result.stderr
    golden = path.with_suffix(".out")
    if update_golden or not golden.exists():
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [p for p in CASES if p.parent.name == "bad"], ids=lambda p: p.stem)
def test_json_diagnostics_point_into_the_file(path: Path):
    import json

    result = run_cnam("check", str(path.relative_to(ROOT)), "--format", "json")
    diagnostics = json.loads(result.stdout)
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert errors
    lines = path.read_text(encoding="utf-8").splitlines()
    for d in errors:
        assert d["file"].endswith(path.name)
        assert 1 <= d["line"] <= len(lines) and 1 <= d["column"] <= len(lines[d["line"] - 1]) + 1
        assert set(d) >= {"file", "line", "column", "severity", "message"}
