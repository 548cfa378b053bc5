"""`cnam batch` answers flat requests column-wise: the same bytes as one by one, and as the solver."""

from __future__ import annotations


import json
import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnam_dsl.rules import Rules
from cnam_dsl.candidate import read_profile

ON = date(2026, 1, 1)
DIPLOMAS = ["licence", "licence-l3", "bac+2", "bac+3", "bac+4", "ingenieur", "psychologue-travail", "certificat",
            "ingenierie-formation"]
MONTHS = [1, 2, 3, 6, 11, 11.99, 12, 12.01, 13, 23.5, 24, 25, 35.99, 36, 40, 0.25, 1 / 3, 0.001, 7.333]

anything = st.recursive(st.none() | st.booleans() | st.integers(-5, 2000) | st.floats(allow_nan=True)
                        | st.text(max_size=3) | st.sampled_from(["in", "out", "salaried", "volunteer", "union",
                                                                   "sufficient", "insufficient", "self_employed"]),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                    max_size=3), max_leaves=6)
months = st.one_of(st.integers(-2, 1300), st.floats(-1, 1300) | st.just(float("nan")) | st.just(float("inf")), st.sampled_from(MONTHS), anything)
experience = st.fixed_dictionaries({"months": months}, optional={
    "field": st.sampled_from(["in", "out", "elsewhere"]) | anything,
    "kind": st.sampled_from(["salaried", "self_employed", "volunteer", "union", "other"]),
    "level": st.sampled_from(["sufficient", "insufficient", 3]),
    "time_share": st.sampled_from([1, 0.5, 0.8, 0, 1.5, True, "1"]),
    "label": st.text(max_size=5) | anything,
    "start": st.just("2020-01-01"),
})
internship = st.fixed_dictionaries({"months": months}, optional={
    "field": st.sampled_from(["in", "out", "x"]), "report": st.sampled_from([True, False, 1, None])})
profile = st.fixed_dictionaries({}, optional={
    "name": st.text(max_size=5) | anything,
    "ue_acquired": st.sampled_from([0, 2, 5, -1, True, 2.0, 1001]),
    "decided_internship_months": months,
    "experiences": st.lists(experience | anything, max_size=4) | st.none(),
    "internships": st.lists(internship, max_size=3) | st.none(),
    "vae_requests": st.just([]),
    "other": anything,
})


def random_request(rng: random.Random) -> dict:
    diploma = rng.choice(DIPLOMAS)
    request = {"command": "missing", "diploma": diploma, "date": rng.choice(["2026-01-01", "2026-01-01", "2024-02-01"])}
    if rng.random() < 0.2:
        request["sources"] = rng.sample(["cnam-na", "cnam-eleves", "referentiel-formation"], rng.randint(1, 2))
    if rng.random() < 0.15:
        request["milestone"] = rng.choice(["delivery", "probatoire", "candidature", "soutenance"])
    data: dict = {"experiences": [
        {"months": rng.choice(MONTHS) if rng.random() < 0.3 else round(rng.uniform(0.5, 48), 2),
         "field": rng.choice(["in", "out"]),
         **({"kind": rng.choice(["self_employed", "volunteer", "union"])} if rng.random() < 0.3 else {}),
         **({"level": "insufficient"} if rng.random() < 0.15 else {}),
         **({"time_share": rng.choice([0.5, 0.8])} if rng.random() < 0.15 else {})}
        for _ in range(rng.randint(0, 3))]}
    if rng.random() < 0.3:
        data["internships"] = [{"months": rng.choice([1, 2, 3, 4.5, 6]), "field": rng.choice(["in", "out"]),
                                "report": rng.random() < 0.5} for _ in range(rng.randint(1, 2))]
    if rng.random() < 0.2:
        data["decided_internship_months"] = rng.choice([1, 2, 3, 4, 6, 8, 2.5])
    if rng.random() < 0.3:
        data["ue_acquired"] = rng.randint(0, 4)
    for _ in range(rng.choice([0, 0, 0, 1, 2])):  # dated periods, overlapping at times, part time at times
        start = date(rng.randint(2015, 2022), rng.randint(1, 12), rng.randint(1, 28))
        end = date(start.year + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28))
        data["experiences"].append({"start": start.isoformat(), "end": max(start, end).isoformat(),
                                    "field": rng.choice(["in", "out"]),
                                    **({"time_share": 0.5} if rng.random() < 0.2 else {})})
    request["profile"] = data
    return request


@pytest.fixture(scope="module")
def answerer(base):
    from cnam_dsl.batch.cohort import Answerer

    return Answerer(Rules(base))


def test_columns_give_the_same_bytes_as_one_by_one(answerer):
    """2,000 varied requests (every diploma, sources, milestones, fractions of months, internships done,
    decided lengths and the conflicts they make, errors): the column-wise answers are byte for byte
    those of `Answerer.line`, which is what `cnam missing --format json` prints."""
    rng = random.Random(2026)
    chunk = [(n, json.dumps(random_request(rng)).encode()) for n in range(1, 2001)]
    chunk[5] = (6, b'{"command": "missing", "diploma": "nope", "profile": {}}')
    chunk[6] = (7, b"not json")
    answerer.by_columns = 0
    columns = answerer.lines(chunk)
    one_by_one = [answerer.line(n, text) for n, text in chunk]
    assert columns == one_by_one
    assert answerer.writer.checked_out == 0  # every template gave back the answer it was made from
    again = answerer.by_columns
    assert answerer.lines(chunk[:300]) == one_by_one[:300]  # now from the answers remembered
    assert answerer.by_columns - again >= 150
    answers = [json.loads(a) for a in columns]
    statuses = {a.get("status", "error") for a in answers}
    assert statuses == {"satisfied", "internship", "missing", "conflict", "error"}  # every path was taken
    # Column-wise: the files whose months are whole numbers of 1/300 (hundredths, days / 30) without a
    # conflict; one by one: errors, thirds of a month, overlaps cut on some day, conflicts (Z3's core).
    assert answerer.by_columns >= 1200  # 1,235 (446 of the 811 files with dated periods among them)


def test_rows_sharing_a_template_get_their_own_numbers(base):
    """3,000 candidates of three requirements with months in hundredths: few templates, each filled with
    each row's own months (missing, options, each source's, the candidate's in the reasons), byte for
    byte the answers made one by one."""
    from cnam_dsl.batch.cohort import Answerer

    rng = random.Random(7)
    chunk = []
    for n in range(1, 3001):
        experiences = [{"months": round(rng.uniform(0.01, 60), 2), "field": rng.choice(["in", "out"])}
                       for _ in range(rng.randint(1, 3))]
        request = {"command": "missing", "diploma": rng.choice(["licence", "bac+2", "ingenieur"]),
                   "date": "2026-01-01", "profile": {"experiences": experiences}}
        chunk.append((n, json.dumps(request).encode()))
    answerer = Answerer(Rules(base))
    columns = answerer.lines(chunk)
    assert answerer.by_columns == 3000
    assert len(answerer.writer.templates) < 100  # shared: the rows differ in their numbers
    assert answerer.writer.checked_out == 0
    fresh = Answerer(Rules(base))
    assert columns == [fresh.line(n, text) for n, text in chunk]


def test_columns_answer_as_the_solver(base):
    """Rows answered column-wise against the engine that asks Z3 everything (no closed form)."""
    from cnam_dsl.batch.cohort import Answerer
    from helpers import ask
    from cnam_dsl.solve import Engine

    rng = random.Random(11)
    requests = [random_request(rng) for _ in range(120)]
    columns = Answerer(Rules(base)).lines([(n, json.dumps(r).encode()) for n, r in enumerate(requests, 1)])
    solver = Engine(base, fast=False)
    for request, line in zip(requests, columns):
        answer = json.loads(line)
        if "error" in answer:
            continue
        expected = ask(solver, request["diploma"], read_profile(request["profile"]),
                                  request.get("sources"), request.get("milestone", "delivery"),
                                  date.fromisoformat(request["date"]))
        assert answer == json.loads(json.dumps(expected)), request


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0, 1300, allow_nan=False) | st.integers(0, 130000).map(lambda k: k / 100)
                | st.integers(0, 260000).map(lambda k: k / 200) | st.integers(0, 390000).map(lambda k: k / 300),
                min_size=1, max_size=50))
def test_months_are_rounded_column_wise_as_python_rounds_them(months):
    """`batch_columns._hundredths` gives, for each float, `round(m, 2)` in hundredths (ties included); what
    is written for them (`ByHundredths`, up to its size and beyond) is what is written for each."""
    import numpy as np

    from cnam_dsl.batch.columns import ByHundredths, _hundredths

    hundredths = _hundredths(np.array(months, dtype=np.float64))
    assert [k / 100 for k in hundredths.tolist()] == [round(m, 2) for m in months]
    written = ByHundredths(lambda k: f"<{k}>".encode(), size=5000)
    assert written.column(hundredths).tolist() == [f"<{k}>".encode() for k in hundredths.tolist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(-3, 3) | st.integers(-2**62, 2**62), min_size=6, max_size=6), min_size=1,
                max_size=40))
def test_rows_are_told_apart_exactly_by_their_columns(rows):
    """`table.alike`: two rows get the same kind exactly when every column holds the same value in both
    (packed codes renumbered before they overflow), and each kind's first row is its first."""
    import numpy as np

    from cnam_dsl.solve.table import alike

    columns = [np.array(c, dtype=np.int64) for c in zip(*rows)] * 3  # 18 columns: the codes must be renumbered
    first, kind = alike(columns)
    for i, a in enumerate(rows):
        assert rows.index(a) == first[kind[i]]
        for j, b in enumerate(rows):
            assert (kind[i] == kind[j]) == (a == b)
