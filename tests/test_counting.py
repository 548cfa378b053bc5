"""The one counting of a candidate's periods (`candidate.counting`): the contract's calendar rule, exactly."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnam_dsl.candidate import ProfileError, count, facts_of, read_profile, read_profile_text

from helpers import ask

IN = ("in", "salaried", "sufficient")
OUT = ("out", "salaried", "sufficient")
DAY = date(2026, 1, 1)


def total(*experiences: dict, on: date = DAY) -> Fraction:
    return sum(facts_of(read_profile({"experiences": list(experiences)}), on).experience.values(), Fraction(0))


def dated(start: str, end: str | None, field: str = "in", **extra) -> dict:
    return {"start": start, **({"end": end} if end else {}), "field": field, **extra}


# ---------------------------------------------------------------- overlapping periods: the union counts once


def test_two_overlapping_periods_covering_two_years_count_24_months():
    assert total(dated("2022-01-01", "2023-06-30"), dated("2022-07-01", "2023-12-31")) == 24
    assert total(dated("2022-01-01", "2023-12-31")) == 24  # the same days as one period


def test_a_different_kind_on_the_overlap_adds_nothing():
    one = total(dated("2022-01-01", "2023-06-30"), dated("2022-07-01", "2023-12-31"))
    mixed = total(dated("2022-01-01", "2023-06-30"), dated("2022-07-01", "2023-12-31", kind="volunteer"))
    assert one == mixed == 24


def test_the_answer_does_not_flip_at_the_threshold(engine):
    candidate = {"experiences": [dated("2022-01-01", "2023-06-30", "out"), dated("2022-07-01", "2023-12-31", "out")]}
    answer = ask(engine, "bac+2", candidate, ["cnam-na"])
    assert answer["status"] == "internship"  # 24 months outside the field: the internship pathway, not `missing`


def test_partial_overlap_in_field_first():
    facts = facts_of(read_profile({"experiences": [dated("2021-01-01", "2021-12-31", "out"),
                                                   dated("2021-07-01", "2021-12-31", "in")]}), DAY)
    assert facts.experience == {IN: 6, OUT: 6}


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(1990, 1, 1), date(2024, 12, 31)), days=st.integers(1, 3000),
       cuts=st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 400)), min_size=1, max_size=4),
       kinds=st.lists(st.sampled_from(["salaried", "self_employed", "volunteer", "union"]), min_size=5, max_size=5))
def test_splitting_a_period_into_overlapping_pieces_never_changes_its_months(start, days, cuts, kinds):
    """A full-time period, and the same days as overlapping pieces of any kinds: the same months in all."""
    end = start + timedelta(days=days - 1)
    pieces, low = [], start
    for at, overlap in sorted(cuts):
        cut = start + timedelta(days=min(at, days - 1))
        if cut <= low:
            continue
        pieces.append((low, cut))
        low = max(start, cut - timedelta(days=overlap))  # the next piece starts on or before this one's end
    pieces.append((low, end))
    on = end + timedelta(days=1)
    whole = total(dated(start.isoformat(), end.isoformat()), on=on)
    split = total(*[dated(a.isoformat(), b.isoformat(), kind=kinds[i % 5]) for i, (a, b) in enumerate(pieces)], on=on)
    assert split == whole


# ---------------------------------------------------------------- the question's date


def test_future_periods_count_up_to_the_question_only():
    assert total(dated("2026-01-01", "2062-12-31"), on=date(2026, 1, 2)) == Fraction(7, 100)  # two days
    assert total(dated("2027-01-01", "2028-12-31"), on=date(2026, 1, 2)) == 0


def test_an_ongoing_period_counts_to_the_question_date():
    assert total(dated("2024-01-01", None), on=date(2025, 12, 31)) == 24
    counted = count(read_profile({"experiences": [dated("2024-01-01", "2030-12-31")]}), date(2025, 12, 31))
    assert counted.periods[0].length == 24 and counted.periods[0].future == 60


# ---------------------------------------------------------------- what a person means


def test_yaml_numbers_are_read_as_a_person_means_them():
    assert read_profile_text("experiences:\n  - {months: 010, field: in}\n").experiences[0].months == 10
    assert read_profile_text("experiences:\n  - {months: 1e1, field: in, time_share: 5e-1}\n").experiences[0] \
        .time_share == 0.5
    with pytest.raises(ProfileError, match="months : attendu un nombre"):
        read_profile_text("experiences:\n  - {months: 1:30, field: in}\n")


@pytest.mark.parametrize(("months", "share", "expected"), [
    (35.9999999, 1, 36), (108, 0.3333, 36), (12, 1 / 3, 4), (0.004, 1, 0),
])
def test_totals_are_hundredths(months, share, expected):
    assert total({"months": months, "time_share": share, "field": "in"}) == Fraction(expected)


def test_every_bad_field_is_named():
    with pytest.raises(ProfileError) as caught:
        read_profile({"experiences": [{"months": -1, "field": "x"}], "ue_acquired": "2"})
    assert [p.location for p in caught.value.problems] == [
        "ue_acquired", "experiences[0].months", "experiences[0].field"]
    assert str(caught.value).endswith("(et 2 autre(s) erreur(s))")


# ---------------------------------------------------------------- integers or fractions: the same counting


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.dates(date(2015, 1, 1), date(2026, 12, 31)), st.integers(0, 800),
                          st.integers(1, 10_000), st.sampled_from(["in", "out"]),
                          st.sampled_from(["salaried", "volunteer"]), st.integers(1, 4800), st.booleans()),
                min_size=1, max_size=6))
def test_integer_and_fraction_countings_agree(entries):
    """The counting runs in exact integers when every number fits their units, else in fractions: on files
    where both can run, both give the same facts."""
    from cnam_dsl.candidate import counting

    experiences = []
    for start, days, share, field, kind, hundredths, is_dated in entries:
        base = {"field": field, "kind": kind, "time_share": share / 10_000}
        experiences.append({**base, "start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat()}
                           if is_dated else {**base, "months": hundredths / 100})
    profile = read_profile({"experiences": experiences})
    credits = [counting._credits(profile.experiences, DAY, n) for n in (counting.INTEGERS, counting.FRACTIONS)]
    facts = [counting._facts(profile, DAY, n, c) for n, c in zip((counting.INTEGERS, counting.FRACTIONS), credits)]
    assert facts[0] == facts[1]
