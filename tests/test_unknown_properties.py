"""Incomplete candidate files over generated examples (hypothesis): every completion's answer is among the possible
answers, each witness gives its answer, the irrelevant facts never change it, and each reply to a question leads
where the question says."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cnam_dsl.answer.explain import missing_answer
from cnam_dsl.answer.unknown import answer_key, partial_answer
from cnam_dsl.candidate import read_profile
from cnam_dsl.candidate.unknown import PartialProfile, UnknownFact, read_candidate
from cnam_dsl.request import missing_question

DAY = date(2026, 1, 1)
QUESTIONS = [
    ("licence", ["cnam-eleves"]), ("licence", None), ("licence", ["cnam-na"]), ("bac+2", None),
    ("licence-l3", None), ("ingenieur", None), ("certificat", None), ("ingenierie-formation", None),
    ("bac+4", ["cnam-eleves"]),
]
pytestmark = pytest.mark.slow
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


def maybe(values):
    """A value of the strategy, or `unknown`."""
    return st.one_of(values, st.just("unknown"))


QUALIFIERS = {"kind": maybe(st.sampled_from(["salaried", "self_employed", "volunteer", "union"])),
              "level": maybe(st.sampled_from(["sufficient", "insufficient"])),
              "time_share": maybe(st.sampled_from([0.5, 1.0]))}
by_months = st.fixed_dictionaries({"months": maybe(st.integers(1, 48)), "field": maybe(st.sampled_from(["in", "out"]))},
                                  optional=QUALIFIERS)
by_dates = st.fixed_dictionaries(
    {"start": st.sampled_from(["2019-09-01", "2021-03-15", "2022-01-10"]),
     "end": st.sampled_from(["2022-08-31", "2023-06-27", "2024-12-31"]), "field": maybe(st.sampled_from(["in", "out"]))},
    optional=QUALIFIERS)
experiences = st.one_of(by_months, by_dates)
internships = st.fixed_dictionaries(
    {"months": maybe(st.integers(1, 8))},
    optional={"field": maybe(st.sampled_from(["in", "out"])), "report": maybe(st.booleans())},
)
files = st.fixed_dictionaries(
    {"experiences": st.lists(experiences, min_size=1, max_size=3)},
    optional={"internships": st.lists(internships, max_size=1),
              "decided_internship_months": maybe(st.sampled_from([2, 3, 4, 6, 9])),
              "ue_acquired": maybe(st.integers(0, 3))},
)


def value_for(fact: UnknownFact, draw_index: int):
    """A value of an unknown fact: every choice for the finite ones, whole months (or halves) for numbers."""
    if fact.choices is not None:
        return fact.choices[draw_index % len(fact.choices)]
    if fact.key == "ue_acquired":
        return draw_index % 4
    if fact.key == "decided_internship_months":
        return (None, 1, 3, 4.5, 6, 7)[draw_index % 6]
    if fact.key == "time_share":
        return (1.0, 0.5, 0.25, 0.75)[draw_index % 4]
    return (1, 6, 11, 12, 13, 23.5, 24, 35, 36, 37, 60)[draw_index % 11]


def answered(engine, question, profile) -> dict:
    diploma, sources = question
    data = {"diploma": diploma, "date": DAY.isoformat(), **({"sources": sources} if sources else {})}
    q = missing_question(engine.base, data, DAY, profile, partial=True)
    return partial_answer(engine, q) if isinstance(profile, PartialProfile) else missing_answer(engine, q)


def fits(answer: dict, possible: dict) -> bool:
    """Whether a complete file's answer is this possible answer (its amount within the range)."""
    decided = "decided_months_range" in possible
    if answer_key(answer, decided)[:2] != answer_key({**possible, "early_review_possible": None}, decided)[:2]:
        return False
    if "missing_months_range" in possible:
        r = possible["missing_months_range"]
        return r["min"] <= answer["missing_months"] <= r["max"]
    if decided:
        r = possible["decided_months_range"]
        return r["min"] <= answer["internship"]["min_months"] <= r["max"]
    return answer["missing_months"] == possible["missing_months"]


@SETTINGS
@given(question=st.sampled_from(QUESTIONS), data=files, picks=st.lists(st.integers(0, 60), min_size=12,
                                                                        max_size=12))
def test_every_completion_is_possible_and_every_witness_gives_its_answer(engine, question, data, picks):
    partial = read_candidate(data)
    if not isinstance(partial, PartialProfile):
        return
    partial_json = answered(engine, question, partial)
    assert partial_json["possible"], partial_json
    for possible in partial_json["possible"]:
        witnessed = answered(engine, question, read_profile(possible["witness"]))
        assert fits(witnessed, possible), (possible, witnessed)
    if partial_json.get("limits"):
        event("tried values only")
        return  # tried values only: nothing more is claimed
    event("completions checked")
    for shift in range(3):
        values = {f.path: value_for(f, picks[(i + shift) % len(picks)]) for i, f in enumerate(partial.unknowns)}
        try:
            complete = partial.complete(values)
            read_profile(complete.to_dict())  # a valid file (a decision absent with its author known is not)
        except Exception:  # noqa: BLE001 - a filling the file format refuses is no completion
            continue
        answer = answered(engine, question, complete)
        assert any(fits(answer, p) for p in partial_json["possible"]), (values, answer["status"], partial_json)
        for q in partial_json["questions"]:
            reply = reply_of(q, values[q["fact"]])
            if reply is not None:
                assert any(fits(answer, partial_json["possible"][i]) for i in reply["possible"]), (q, values)
        comparable = answer_key(answer)[:2] + (answer["missing_months"],)
        for path in partial_json["irrelevant"]:
            for other in (UnknownFact.at(path).choices or ()):
                try:
                    changed = answered(engine, question, partial.complete({**values, path: other}))
                except Exception:  # noqa: BLE001
                    continue
                assert answer_key(changed)[:2] + (changed["missing_months"],) == comparable, (path, other)


def reply_of(question: dict, value) -> dict | None:
    """The reply a value gives to a question (None when the value is no reply listed: a share tried)."""
    for reply in question["replies"]:
        key = reply["reply"]
        if ".." in key and value is not None and not isinstance(value, (bool, str)):
            low, high = (float(v) for v in key.split(".."))
            if low <= value <= high:
                return reply
        elif key == {True: "true", False: "false", None: "absent"}.get(value, value):
            return reply
    return None
