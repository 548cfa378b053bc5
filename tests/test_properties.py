"""Properties of the answers over generated candidates (hypothesis), on the shipped rule base."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ask, months as counted_months
from cnam_dsl.candidate import read_profile, period_months

from conftest import ROOT

DAY = date(2026, 1, 1)
RANK = {"missing": 0, "internship": 1, "satisfied": 2}
QUESTIONS = [
    ("bac+2", None), ("bac+2", ["cnam-na"]), ("bac+2", ["cnam-eleves"]), ("bac+3", None), ("bac+4", None),
    ("bac+4", ["cnam-na"]), ("licence", None), ("licence", ["cnam-na"]), ("licence-l3", None),
    ("licence-l3", ["cnam-eleves"]), ("ingenieur", None), ("psychologue-travail", None), ("certificat", None),
    ("certificat", ["cnam-eleves"]), ("ingenierie-formation", None),
]
pytestmark = pytest.mark.slow
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

periods = st.fixed_dictionaries(
    {"months": st.integers(1, 48), "field": st.sampled_from(["in", "out"])},
    optional={"kind": st.sampled_from(["salaried", "self_employed", "volunteer", "union"]),
              "level": st.sampled_from(["sufficient", "insufficient"]),
              "time_share": st.sampled_from([0.5, 0.8, 1.0])},
)
questions = st.sampled_from(QUESTIONS)


def answer(engine, question, experiences, **extra):
    diploma, sources = question
    return ask(engine, diploma, read_profile({"experiences": experiences, **extra}), sources,
                          "delivery", DAY)


@SETTINGS
@given(question=questions, experiences=st.lists(periods, max_size=4), more=periods)
def test_more_experience_never_hurts(engine, question, experiences, more):
    before = answer(engine, question, experiences)
    after = answer(engine, question, experiences + [more])
    assert RANK[after["status"]] >= RANK[before["status"]]
    assert after["missing_months"] <= before["missing_months"] + 1e-9
    if more["field"] == "in" and more.get("level", "sufficient") == "sufficient" \
            and before["status"] == after["status"] == "internship":
        low_before, low_after = before["internship"]["min_months"], after["internship"]["min_months"]
        assert low_after is None or (low_before is not None and low_after <= low_before)


@SETTINGS
@given(question=questions, experiences=st.lists(periods, max_size=4))
def test_bounds_are_ordered_and_missing_means_missing(engine, question, experiences):
    a = answer(engine, question, experiences)
    assert (a["missing_months"] > 0) == (a["status"] == "missing")
    assert (a["internship"] is not None) == (a["status"] == "internship")
    if a["internship"]:
        values = [a["internship"][k] for k in ("min_months", "standard_months", "max_months")]
        present = [v for v in values if v is not None]
        assert present == sorted(present)
    months = [o["months"] for o in a["options"]]
    assert months == sorted(months)


@SETTINGS
@given(question=questions, experiences=st.lists(periods, max_size=4))
def test_explanations_point_at_rule_lines(engine, question, experiences):
    a = answer(engine, question, experiences)
    assert a["explanation"]
    for e in a["explanation"]:
        line = (ROOT / e["file"]).read_text(encoding="utf-8").splitlines()[e["line"] - 1].strip()
        assert line and not line.startswith("#"), (e["file"], e["line"])
        assert e["source"] in e["file"] and e["quote"]


@SETTINGS
@given(question=questions, experiences=st.lists(periods, min_size=2, max_size=5), seed=st.integers(0, 10**6))
def test_order_of_periods_does_not_matter(engine, question, experiences, seed):
    shuffled = experiences[:]
    random.Random(seed).shuffle(shuffled)
    first, second = answer(engine, question, experiences), answer(engine, question, shuffled)
    for key in ("status", "internship", "missing_months", "options", "divergences"):
        assert first[key] == second[key]


@SETTINGS
@given(decided=st.integers(1, 8), months=st.integers(36, 60))
def test_conflicts_name_rules_and_are_minimal(engine, base, decided, months):
    """Removing any rule of a conflict's explanation removes the conflict."""
    from cnam_dsl.candidate import facts_of
    from cnam_dsl.solve.solver import Session, decide

    a = answer(engine, ("licence", ["cnam-eleves"]), [{"months": months, "field": "out"}],
               decided_internship_months=decided)
    assert (a["status"] == "conflict") == (decided < 3 or decided > 6)
    if a["status"] != "conflict":
        return
    req = engine.requirement(("cnam-eleves",), "licence", "delivery", DAY)
    facts = facts_of(read_profile({"experiences": [{"months": months, "field": "out"}],
                                    "decided_internship_months": decided}), DAY)
    named = {(e["file"], e["line"]) for e in a["explanation"]}
    for lit_name, tracked in req.tracked.items():
        if tracked.provenance and (tracked.provenance.file, tracked.provenance.line) in named:
            saved = req.literals.pop(lit_name)
            try:
                assert decide(Session(req, facts), with_options=False).status != "conflict"
            finally:
                req.literals[lit_name] = saved


starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=starts.filter(lambda d: d.day <= 28), months=st.integers(1, 60), cut=st.integers(1, 59))
def test_splitting_a_period_at_a_month_boundary_keeps_its_months(start, months, cut):
    """Whole calendar months add up. (The contract's rule — whole months, then the rest in
    days / 30 — is not additive when a cut falls on a clamped month end, e.g. 29 November
    + 3 months = 28 February; nor for cuts inside a month: each part rounds its rest to
    days / 30. Both stay within a day or two.)"""
    from cnam_dsl.candidate.counting import _add_months

    cut = min(cut, months - 1) if months > 1 else 0
    end = _add_months(start, months) - timedelta(days=1)
    whole = period_months(start, end)
    assert abs(whole - months) < 1e-9
    if cut:
        middle = _add_months(start, cut)
        parts = period_months(start, middle - timedelta(days=1)) + period_months(middle, end)
        assert abs(parts - whole) < 1e-9


@settings(max_examples=100, deadline=None)
@given(start=starts, days=st.integers(1, 2000), copies=st.integers(2, 4))
def test_overlapping_copies_never_add(start, days, copies):
    period = {"start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat(), "field": "in"}
    one = counted_months(read_profile({"experiences": [period]}))
    many = counted_months(read_profile({"experiences": [period] * copies}))
    assert many == one


def test_rule_files_order_does_not_matter(tmp_path):
    """Loading the rule files in another order gives the same rule base and the same answers."""
    from cnam_dsl.language.check import check_files, rule_files
    from cnam_dsl.solve import Engine

    files = rule_files(ROOT / "rules")
    base_a, _ = check_files(files, ROOT / "rules")
    base_b, _ = check_files(list(reversed(files)), ROOT / "rules")
    assert {p.key for p in base_a.pathways} == {p.key for p in base_b.pathways}
    profile = read_profile({"experiences": [{"months": 30, "field": "out"}, {"months": 6, "field": "in"}]})
    for diploma in base_a.diplomas:
        a = ask(Engine(base_a), diploma, profile, None, "delivery", DAY)
        b = ask(Engine(base_b), diploma, profile, None, "delivery", DAY)
        assert {k: a[k] for k in ("status", "internship", "missing_months")} == \
               {k: b[k] for k in ("status", "internship", "missing_months")}
    assert Path(files[0]).exists()
