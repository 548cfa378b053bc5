"""Rule coverage (`cnam check --coverage`): which worked examples exercise each statement, and on which side of
each threshold; shown by the command line, the language server's hints and the diplomas' documentation pages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cnam
from cnam_dsl.analysis.coverage import coverage, coverage_hints, coverage_text
from cnam_dsl.docsite.coverage import coverage_md
from cnam_dsl.docsite.markdown import diploma_page
from cnam_dsl.rules import Rules

RULES = """\
source essai
  titre « Source d'essai »

diplôme licence « Licence »

diplôme bac+2 « Bac+2 »

voie domaine pour licence
  selon « Deux ans salariés dans le domaine. »
  exige expérience salariée, dans le domaine, d'au moins 2 ans

voie stage pour licence
  selon « Trois ans, et un stage de 6 mois dans le domaine avec rapport, modulable par le jury. »
  exige expérience d'au moins 3 ans
  exige un stage de 6 mois, dans le domaine, avec rapport
  durée modulable par le jury, sans descendre sous 3 mois
    selon « Trois ans, et un stage de 6 mois dans le domaine avec rapport, modulable par le jury. »

voie seule pour bac+2
  selon « Un an. »
  exige expérience d'au moins 1 an

exemple « 24 mois salariés dans le domaine »
  pour licence
  expérience de 24 mois dans le domaine
  attendu satisfait

exemple « 23 mois dans le domaine, non salariés »
  pour licence
  expérience de 23 mois dans le domaine, non salariée
  attendu manque 13 mois

exemple « 36 mois hors domaine, stage décidé de 4 mois »
  pour licence
  expérience de 36 mois hors domaine
  stage décidé de 4 mois
  attendu stage de 4 mois
"""


@pytest.fixture
def rules(tmp_path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "essai.cnr").write_text(RULES, encoding="utf-8")
    return folder


@pytest.fixture
def found(rules) -> dict[int, object]:
    return {c.span.line: c for c in coverage(Rules.load(rules).base)}


def test_each_threshold_has_its_examples_on_each_side(found):
    salaried = found[10]
    assert salaried.kind == "experience"
    (threshold,) = salaried.thresholds
    assert threshold.value == 24
    assert threshold.below == ("23 mois dans le domaine, non salariés", "36 mois hors domaine, stage décidé de 4 mois")
    assert threshold.at == ("24 mois salariés dans le domaine",) and threshold.above == ()
    three_years = found[14].thresholds[0]
    assert threshold.gaps() == [] and three_years.at == ("36 mois hors domaine, stage décidé de 4 mois",)
    assert three_years.below == ("24 mois salariés dans le domaine", "23 mois dans le domaine, non salariés")
    assert three_years.gaps() == []


def test_a_qualifier_is_tested_only_where_it_sets_something_aside(found):
    words = {q.words: q.examples for q in found[10].qualifiers}
    assert words == {"dans le domaine": ("36 mois hors domaine, stage décidé de 4 mois",),
                     "salariée": ("23 mois dans le domaine, non salariés",)}
    internship = {q.words: q.examples for q in found[15].qualifiers}
    assert internship == {"dans le domaine": (), "avec rapport": ()}
    assert "aucun exemple ne met « avec rapport » à l'épreuve" in found[15].gaps()


def test_internship_bounds_and_modulation_floor_are_read_from_the_decided_length(found):
    (length,) = found[15].thresholds
    assert (length.value, length.below) == (6, ("36 mois hors domaine, stage décidé de 4 mois",))
    assert "aucun exemple au seuil ou au-dessus — durée du stage, 6 mois" in found[15].gaps()
    (floor,) = found[16].thresholds
    assert floor.above == ("36 mois hors domaine, stage décidé de 4 mois",) and floor.below == ()


def test_a_statement_no_example_reaches_is_untested(found):
    assert found[19].kind == "pathway" and found[19].examples == ()
    assert found[19].gaps() == ["aucun exemple ne l'exerce"]
    assert found[21].gaps() == ["aucun exemple ne l'exerce"]


def test_examples_of_a_reprise_exercise_the_pathway_it_copies(base):
    covered = [c for c in coverage(base) if c.span.file.endswith("cnam-na/ingenieur.cnr")]
    pathway = next(c for c in covered if c.kind == "pathway" and "ingenieur-domaine" in c.text)
    assert "Psychologue du travail : deux ans dans le domaine" in pathway.examples
    assert set(pathway.diplomas) == {"ingenieur", "psychologue-travail"}


def test_hints_point_at_incomplete_statements(rules):
    hints = coverage_hints(Rules.load(rules).base)
    assert {h.span.line for h in hints} >= {15, 19, 21}
    assert all(h.severity == "hint" and h.code == "H400" for h in hints)
    assert 10 not in {h.span.line for h in hints}


def test_cnam_check_coverage_text_and_json(rules):
    result = run_cnam("check", "--rules", str(rules), "--coverage")
    assert result.returncode == 0, result.stderr
    assert "Couverture des règles par les exemples : " in result.stdout
    assert "à compléter : aucun exemple ne l'exerce" in result.stdout
    data = json.loads(run_cnam("check", "--rules", str(rules), "--coverage", "--format", "json").stdout)
    entry = next(e for e in data["coverage"] if e["line"] == 10)
    assert entry["thresholds"][0]["at"] == ["24 mois salariés dans le domaine"]
    assert entry["complete"] is True and entry["gaps"] == []
    assert set(entry) >= {"file", "line", "kind", "statement", "examples", "thresholds", "qualifiers"}
    plain = json.loads(run_cnam("check", "--rules", str(rules), "--format", "json").stdout)
    assert isinstance(plain, list)  # without --coverage, the contract's list of diagnostics


def test_text_says_what_to_complete(found):
    text = coverage_text(list(found.values()))
    assert "✗ voie « seule » pour bac+2 — aucun exemple" in text


def test_diploma_page_shows_the_coverage(rules):
    base = Rules.load(rules).base
    lines = "\n".join(coverage_md(base, "licence", diploma_page("licence")))
    assert "instruction(s) sur" in lines and "cnam check --mutants" in lines
    assert "| Règle | Instruction | Exemples | Seuils et qualificatifs | À compléter |" in lines
    assert "aucun exemple ne met « avec rapport » à l'épreuve" in lines
    assert "voie « seule »" not in lines  # another diploma's


def test_a_qualifier_that_sets_nothing_aside_is_not_a_gap(base):
    in_field = next(c for c in coverage(base) if c.span.file.endswith("cnam-na/bac4.cnr") and c.span.line == 6)
    level = next(q for q in in_field.qualifiers if q.words == "de niveau suffisant")
    assert not level.effective  # in-field experience at an insufficient level already counts outside the field
    assert not any("de niveau suffisant" in gap for gap in in_field.gaps())
    full_time = next(c for c in coverage(base) if c.span.file.endswith("cnam-na/ingenieur.cnr") and c.span.line == 12)
    assert [q.effective for q in full_time.qualifiers if q.words == "à temps plein"] == [False]
