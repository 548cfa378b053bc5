"""Each source's thresholds, read from the source documents, on both sides (23, 24, 25 months...)."""

from __future__ import annotations

from datetime import date

import pytest

from helpers import ask, ask_vae, line_of
from cnam_dsl.candidate import read_profile

DAY = date(2026, 1, 1)


def exp(months, field="out", **extra):
    return {"months": months, "field": field, **extra}


# (source, diploma, milestone, experiences, status, min, max, missing)
CASES = [
    # cnam-na, Bac+2: 2 years salaried in the field; else 2 years + internship <= 6 months (Cnam)
    ("cnam-na", "bac+2", "delivery", [exp(23, "in")], "missing", None, None, 1),
    ("cnam-na", "bac+2", "delivery", [exp(24, "in")], "satisfied", None, None, 0),
    ("cnam-na", "bac+2", "delivery", [exp(25, "in")], "satisfied", None, None, 0),
    ("cnam-na", "bac+2", "delivery", [exp(23)], "missing", None, None, 1),
    ("cnam-na", "bac+2", "delivery", [exp(24)], "internship", None, 6, 0),
    # salaried experience only: self-employment does not count for cnam-na's Bac+2
    ("cnam-na", "bac+2", "delivery", [exp(24, "in", kind="self_employed")], "missing", None, None, 24),
    # cnam-eleves, level III: 2 years in the field, or 3 years + 3-month internship
    ("cnam-eleves", "bac+2", "delivery", [exp(24, "in")], "satisfied", None, None, 0),
    ("cnam-eleves", "bac+2", "delivery", [exp(35)], "missing", None, None, 1),
    ("cnam-eleves", "bac+2", "delivery", [exp(36)], "internship", 3, 3, 0),
    ("cnam-eleves", "bac+2", "delivery", [exp(12, "in"), exp(24)], "internship", 3, 3, 0),
    # cnam-na, Bac+4: 2 years in the field, or 3 years + internship <= 6
    ("cnam-na", "bac+4", "delivery", [exp(35)], "missing", None, None, 1),
    ("cnam-na", "bac+4", "delivery", [exp(36)], "internship", None, 6, 0),
    # cnam-eleves, level II (bac+3 and bac+4): 3 to 6 months
    ("cnam-eleves", "bac+3", "delivery", [exp(36)], "internship", 3, 6, 0),
    ("cnam-eleves", "bac+4", "delivery", [exp(24)], "missing", None, None, 12),
    # Licence, full course
    ("cnam-na", "licence", "delivery", [exp(24), exp(12, "in")], "satisfied", None, None, 0),
    ("cnam-na", "licence", "delivery", [exp(25), exp(11, "in")], "internship", None, 6, 0),
    ("cnam-na", "licence", "delivery", [exp(35)], "missing", None, None, 1),
    ("cnam-eleves", "licence", "delivery", [exp(36)], "internship", 3, 6, 0),
    ("cnam-eleves", "licence", "delivery", [exp(24), exp(11, "in")], "missing", None, None, 1),
    # Licence L3
    ("cnam-na", "licence-l3", "delivery", [exp(11, "in")], "missing", None, None, 1),
    ("cnam-na", "licence-l3", "delivery", [exp(12, "in")], "satisfied", None, None, 0),
    ("cnam-eleves", "licence-l3", "delivery", [exp(12)], "internship", 3, 6, 0),
    ("cnam-eleves", "licence-l3", "delivery", [exp(11)], "missing", None, None, 1),
    # Ingénieur: cnam-na at the probatoire; cnam-eleves at application and defence
    ("cnam-na", "ingenieur", "probatoire", [exp(24, "in")], "satisfied", None, None, 0),
    ("cnam-na", "ingenieur", "probatoire", [exp(24)], "internship", 6, 6, 0),
    ("cnam-na", "ingenieur", "probatoire", [exp(23)], "missing", None, None, 1),
    ("cnam-eleves", "ingenieur", "application", [exp(23)], "missing", None, None, 1),
    ("cnam-eleves", "ingenieur", "application", [exp(24)], "satisfied", None, None, 0),
    ("cnam-eleves", "ingenieur", "defense", [exp(12), exp(24, "in")], "satisfied", None, None, 0),
    ("cnam-eleves", "ingenieur", "defense", [exp(36)], "missing", None, None, 24),
    ("cnam-na", "psychologue-travail", "delivery", [exp(24)], "internship", 6, 6, 0),
    # Certificats
    ("cnam-na", "certificat", "delivery", [], "satisfied", None, None, 0),
    ("cnam-eleves", "certificat", "delivery", [], "internship", 3, 3, 0),
    ("cnam-eleves", "certificat", "delivery", [exp(1)], "satisfied", None, None, 0),
    ("cnam-eleves", "certificat", "delivery", [exp(6, kind="volunteer")], "internship", 3, 3, 0),
    # Référentiel: 3 years incl. 2 in the speciality, else a 3-month internship
    ("referentiel-formation", "ingenierie-formation", "delivery", [exp(12), exp(24, "in")], "satisfied", None, None, 0),
    ("referentiel-formation", "ingenierie-formation", "delivery", [exp(13), exp(23, "in")], "internship", 3, 3, 0),
    ("referentiel-formation", "ingenierie-formation", "delivery", [exp(35)], "missing", None, None, 1),
]


@pytest.mark.parametrize("source,diploma,milestone,experiences,status,low,high,missing", CASES)
def test_threshold(engine, source, diploma, milestone, experiences, status, low, high, missing):
    profile = read_profile({"experiences": experiences})
    answer = ask(engine, diploma, profile, [source], milestone, DAY)
    assert answer["status"] == status, answer["explanation"]
    assert answer["missing_months"] == missing
    if status == "internship":
        assert (answer["internship"]["min_months"], answer["internship"]["max_months"]) == (low, high)
    else:
        assert answer["internship"] is None


def test_overlapping_periods_count_once(engine):
    profile = read_profile({"experiences": [
        {"start": "2020-01-01", "end": "2020-12-31", "field": "in"},
        {"start": "2020-01-01", "end": "2020-12-31", "field": "in", "kind": "self_employed"},
    ]})
    answer = ask(engine, "licence-l3", profile, ["cnam-na"], "delivery", DAY)
    assert answer["status"] == "satisfied"
    answer = ask(engine, "bac+2", profile, ["cnam-na"], "delivery", DAY)
    assert answer["missing_months"] == 12  # 12 months, not 24


def test_jury_decision_within_bounds_fixes_the_length(engine):
    profile = read_profile({"decided_internship_months": 4, "experiences": [exp(40)]})
    answer = ask(engine, "licence", profile, ["cnam-eleves"], "delivery", DAY)
    assert answer["status"] == "internship"
    assert answer["internship"]["min_months"] == answer["internship"]["max_months"] == 4


def test_jury_decision_outside_bounds_is_a_conflict_naming_rule_and_fact(engine):
    profile = read_profile({"decided_internship_months": 2, "experiences": [exp(40)]})
    answer = ask(engine, "licence", profile, ["cnam-eleves"], "delivery", DAY)
    assert answer["status"] == "conflict"
    lines = {(e["file"], e["line"]) for e in answer["explanation"]}
    floor = line_of("rules/cnam-eleves/licence.cnr", "durée modulable par le jury")
    assert ("rules/cnam-eleves/licence.cnr", floor) in lines  # the jury's floor of 3 months
    assert any("2 mois" in f for f in answer["conflicting_facts"])


def test_internships_already_done_count(engine):
    profile = read_profile({"experiences": [exp(36)],
                             "internships": [{"months": 3, "field": "in", "report": True}]})
    answer = ask(engine, "ingenierie-formation", profile, None, "delivery", DAY)
    assert answer["status"] == "satisfied"
    wrong_field = read_profile({"experiences": [exp(36)],
                                 "internships": [{"months": 3, "field": "out", "report": True}]})
    answer = ask(engine, "ingenierie-formation", wrong_field, None, "delivery", DAY)
    assert answer["status"] == "internship"


def test_several_sources_must_all_be_met(engine):
    profile = read_profile({"experiences": [exp(36)]})
    answer = ask(engine, "bac+2", profile, None, "delivery", DAY)
    assert answer["sources"] == ["cnam-eleves", "cnam-na"]
    # cnam-na allows up to 6 months (no floor), cnam-eleves asks for exactly 3: both hold at 3.
    assert (answer["internship"]["min_months"], answer["internship"]["max_months"]) == (3, 3)


@pytest.mark.parametrize("requests,status,next_year", [
    ([], "eligible", None),
    ([{"certification": "LP110504", "year": 2026}], "limit", 2027),
    ([{"certification": c, "year": 2026} for c in ("A1", "B2", "C3")], "limit", 2027),
    ([{"certification": c, "year": 2026} for c in ("A1", "B2")], "eligible", None),
    ([{"certification": "LP110504", "year": 2025}], "eligible", None),
])
def test_vae_yearly_limits(base, requests, status, next_year):
    profile = read_profile({"experiences": [exp(12, "in", kind="volunteer")], "vae_requests": requests})
    answer = ask_vae(base, "LP110504", profile, 2026)
    assert (answer["status"], answer["next_possible_year"]) == (status, next_year)


@pytest.mark.parametrize("months,status,missing", [(11, "missing", 1), (12, "eligible", 0), (13, "eligible", 0)])
def test_vae_one_year(base, months, status, missing):
    profile = read_profile({"experiences": [exp(months, "in", kind="union")]})
    answer = ask_vae(base, "CPN7700A", profile, 2026)
    assert (answer["status"], answer["missing_months"]) == (status, missing)


def test_dates_select_the_rules_in_force(base):
    profile = read_profile({"experiences": [exp(6, "in")]})
    assert ask_vae(base, "CPN7700A", profile, 2022)["sources"] == ["vae-2009"]
    assert ask_vae(base, "CPN7700A", profile, 2024)["sources"] == ["vae-2009", "vae-bfc"]
