"""Each source's thresholds, read from the source documents, on both sides (23, 24, 25 months...)."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ask, ask_vae, line_of
from cnam_dsl.answer.present import missing_text, vae_text
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


# ---------------------------------------------------------------- what is shown agrees with the decision (issue 19)

NEAR = [11.994, 11.995, 11.999, 12, 23.9999, 24, 35.994, 35.995, 35.9999999, 36, 108, 0.004]
REQUIREMENT = re.compile(r"exige (?:au moins (?P<least>[\d,]+) mois|une expérience .*de toute durée).*; "
                         r"le candidat en a (?P<has>[\d,]+) mois.* — condition (?P<verdict>non remplie|remplie)\.$")


def shown_number(text: str) -> Fraction:
    return Fraction(text.replace(",", "."))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(diploma=st.sampled_from([("licence", "delivery"), ("bac+2", "delivery"), ("bac+4", "delivery"),
                                ("licence-l3", "delivery"), ("ingenieur", "probatoire"), ("certificat", "delivery")]),
       experiences=st.lists(st.fixed_dictionaries({
           "months": st.sampled_from(NEAR), "time_share": st.sampled_from([1, 0.3333, 0.5, 1 / 3]),
           "field": st.sampled_from(["in", "out"])}), max_size=3),
       decision=st.sampled_from([None, 2.994, 2.995, 2.999, 3, 5.9999]))
def test_every_number_shown_agrees_with_the_decision(engine, diploma, experiences, decision):
    """No « il manque 0 mois », no met condition shown unmet, no decided length shown other than it counts."""
    profile = {"experiences": experiences}
    if decision is not None:
        profile["decided_internship_months"] = decision
    answer = ask(engine, diploma[0], profile, milestone=diploma[1])
    text = missing_text(answer, diploma[0], None)
    if answer["status"] == "missing":
        assert answer["missing_months"] > 0 and "Il manque au moins 0 mois" not in text, text
    for e in answer["explanation"]:
        found = REQUIREMENT.search(e["text"])
        if found:
            has = shown_number(found["has"])
            met = has >= shown_number(found["least"]) if found["least"] else has > 0
            assert (found["verdict"] == "remplie") == met, e["text"]
    if answer["status"] == "satisfied":
        assert all("condition non remplie" not in e["text"] for e in answer["explanation"] if "(retenue)" in e["text"])
    internship = answer["internship"]
    if decision is not None and internship is not None and internship["decided_by"]:
        assert internship["min_months"] == internship["max_months"] == round(decision, 2), (decision, internship)


def test_the_next_possible_year_is_one_the_tool_reads(base):
    """The limit reached in 2200, the last year a question may name: no next year beyond it (issue 19)."""
    requests = [{"certification": c, "year": 2200} for c in ("LP110504", "A1", "A2", "A3")]
    answer = ask_vae(base, "LP110504", {"experiences": [exp(40, "in")], "vae_requests": requests}, 2200)
    assert answer["status"] == "limit" and answer["next_possible_year"] is None
    assert "au-delà de 2200" in vae_text(answer, None)
    earlier = ask_vae(base, "LP110504", {"experiences": [exp(40, "in")],
                                         "vae_requests": [{**r, "year": 2199} for r in requests]}, 2199)
    assert earlier["status"] == "limit" and earlier["next_possible_year"] == 2200
