"""`cnam check` verifies the logic of the rules: contradictions between sources (errors), dead
alternatives, redundant requirements and gaps (warnings), each with its file:line spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT, run_cnam

CASES = ROOT / "tests" / "cases" / "lint"


def check(case: str) -> tuple[int, list[dict]]:
    result = run_cnam("check", str((CASES / case).relative_to(ROOT)), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def found(diagnostics: list[dict], code: str) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(file name, line, [(related file name, line)]) of each diagnostic with that code."""
    return [(Path(d["file"]).name, d["line"], [(Path(r["file"]).name, r["line"]) for r in d["related"]])
            for d in diagnostics if d["code"] == code]


def test_dead_alternatives_are_warnings_with_a_witness():
    code, diagnostics = check("dead")
    assert code == 0
    assert found(diagnostics, "W320") == [("dead.cnr", 10, [("dead.cnr", 6)]), ("dead.cnr", 21, [("dead.cnr", 16)])]
    first = next(d for d in diagnostics if d["code"] == "W320")
    assert first["severity"] == "warning"
    assert "« domaine-stage » ne s'applique jamais" in first["message"]
    assert "par exemple : 36 mois (3 ans) d'expérience salariée dans le domaine" in first["message"]
    assert [d for d in diagnostics if d["code"] != "W320"] == []


def test_redundant_requirements_are_warnings():
    code, diagnostics = check("redundant")
    assert code == 0
    assert found(diagnostics, "W321") == [("redundant.cnr", 6, [("redundant.cnr", 7)]),
                                          ("redundant.cnr", 13, [("redundant.cnr", 12)])]
    assert found(diagnostics, "W322") == [("redundant.cnr", 21, [("redundant.cnr", 20)])]
    assert len(diagnostics) == 3


def test_gaps_are_warnings_with_a_witness():
    code, diagnostics = check("gap")
    assert code == 0
    assert found(diagnostics, "W330") == [("gap.cnr", 5, [])]
    assert "par exemple : aucune expérience" in diagnostics[0]["message"] or any(
        "par exemple : aucune expérience" in d["message"] for d in diagnostics)
    assert found(diagnostics, "W331") == [("gap.cnr", 15, [("gap.cnr", 10)])]
    hole = next(d for d in diagnostics if d["code"] == "W331")
    assert "du 01/01/2021 au 31/12/2021" in hole["message"]


def test_sources_that_contradict_each_other_are_an_error_with_the_rules_responsible():
    code, diagnostics = check("contradiction")
    assert code == 1
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert len(errors) == 1 and errors[0]["code"] == "E301"
    error = errors[0]
    spans = {(Path(error["file"]).parent.name, error["line"])} | {
        (Path(r["file"]).parent.name, r["line"]) for r in error["related"] if r["file"].endswith("regles.cnr")}
    assert spans == {("stage-long", 6), ("stage-court", 9)}
    assert "stage-court, stage-long" in error["message"] and "bac+2" in error["message"]


def test_text_output_shows_the_lines():
    result = run_cnam("check", str((CASES / "dead").relative_to(ROOT)))
    assert result.returncode == 0
    assert "dead.cnr:10:1: avertissement: la voie « domaine-stage » ne s'applique jamais" in result.stdout
    assert "dead.cnr:6:1: note: voie qui l'emporte" in result.stdout


@pytest.mark.slow
def test_the_shipped_rule_base_has_no_error_and_every_warning_is_explained():
    result = run_cnam("check", "--format", "json")
    assert result.returncode == 0, result.stdout
    diagnostics = json.loads(result.stdout)
    assert [d for d in diagnostics if d["severity"] == "error"] == []
    for d in diagnostics:  # a warning that remains is explained by a comment just above its line
        lines = (ROOT / d["file"]).read_text(encoding="utf-8").splitlines()[max(0, d["line"] - 6):d["line"] - 1]
        assert any(line.lstrip().startswith("#") and d["code"] in line for line in lines), d


def test_the_general_rule_of_cnam_na_is_not_flagged(base):
    """`un stage seul ne suffit jamais` is implied by every cnam-na pathway, by design: no warning."""
    from datetime import date

    from cnam_dsl.analysis.lint import lint
    from cnam_dsl.solve import Engine

    assert base.generals_of("cnam-na")
    assert lint(base, Engine(base), date(2026, 1, 1)) == []


@pytest.mark.parametrize("case", ["dead", "redundant", "gap"])
def test_lint_findings_disappear_when_the_rules_are_fixed(case, tmp_path):
    """The checks can fail: the same files without the planted problem give no finding."""
    text = (CASES / case / f"{case}.cnr").read_text(encoding="utf-8")
    fixes = {
        "dead": [("exige expérience dans le domaine, d'au moins 3 ans", "exige expérience d'au moins 3 ans"),
                 ("voie hors-domaine-bis pour bac+4", "voie hors-domaine-bis pour licence-l3")],
        "redundant": [("exige expérience d'au moins 3 ans\n  exige expérience dans le domaine, de niveau "
                       "suffisant, d'au moins 3 ans", "exige expérience d'au moins 3 ans\n  exige expérience "
                       "dans le domaine, de niveau suffisant, d'au moins 1 an"),
                      ("exige expérience salariée, d'au moins 2 ans\n  exige expérience salariée, d'au moins 2 ans",
                       "exige expérience salariée, d'au moins 2 ans"),
                      ("sans descendre sous 4 mois", "sans descendre sous 2 mois")],
        "gap": [("exige expérience bénévole, d'au moins 1 an", "exige expérience bénévole ou salariée, d'au moins 1 an"),
                ("en vigueur depuis le 2022-01-01", "en vigueur depuis le 2021-01-01")],
    }[case]
    for old, new in fixes:
        assert old in text
        text = text.replace(old, new)
    folder = tmp_path / case
    folder.mkdir()
    (folder / f"{case}.cnr").write_text(text, encoding="utf-8")
    result = run_cnam("check", str(folder), "--format", "json")
    assert result.returncode == 0, result.stdout
    assert json.loads(result.stdout) == []
