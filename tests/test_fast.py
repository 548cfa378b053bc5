"""The proved closed forms answer exactly as the solver does; a wrong closed form is caught by the proof."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnam_dsl.language.model import CATEGORIES
from cnam_dsl.solve import Engine, Facts, fast

ON = date(2026, 1, 1)
MONTHS = [0, 0, 0.5, 1, 2.5, 3, 6, 11, 11.9, 12, 13, 23, 24, 25, 35, 36, 40, 1 / 3, 0.1]
DONE = [0, 0, 0, 1, 2, 3, 4.5, 6]
DECISIONS = [None, None, None, 0.5, 2, 3, 4, 6, 8]


def requirements(base):
    found = []
    for diploma, info in base.diplomas.items():
        for milestone in info.milestones:
            stating = tuple(base.sources_for(diploma, milestone, ON))
            if stating:
                found.append((stating, diploma, milestone))
                found += [((s,), diploma, milestone) for s in stating if len(stating) > 1]
    return found


def random_facts(rng: random.Random) -> Facts:
    experience = {c: float(rng.choice(MONTHS)) for c in rng.sample(CATEGORIES, rng.randint(0, 3))}
    a = [rng.choice(DONE) for _ in range(4)]  # in field with report, in field, with report, other
    done = {(True, True): a[0], (True, False): a[0] + a[1], (False, True): a[0] + a[2], (False, False): sum(a)}
    return Facts(experience, {k: float(v) for k, v in done.items()}, rng.choice(DECISIONS))


def test_every_shipped_requirement_has_a_proved_closed_form(engine, base):
    unproved = [r for r in requirements(base) if engine.closed_form(*r, ON) is None]
    assert unproved == []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_the_closed_form_answers_as_the_solver(engine, base, seed):
    rng = random.Random(seed)
    requirement = rng.choice(requirements(base))
    facts = random_facts(rng)
    assert engine.outcome(*requirement, ON, facts) == engine.solved(*requirement, ON, facts)


def test_the_answers_json_is_the_same_either_way(base):
    from cnam_dsl.answer.explain import missing_answer
    from cnam_dsl.candidate.reader import parse_profile

    fast_engine, solver_engine = Engine(base), Engine(base, fast=False)
    rng = random.Random(7)
    for _ in range(25):
        profile = parse_profile({
            "experiences": [{"months": rng.choice([3, 11, 12, 24, 25, 36, 40]), "field": rng.choice(["in", "out"]),
                             "kind": rng.choice(["salaried", "self_employed", "volunteer"])}
                            for _ in range(rng.randint(0, 3))],
            "internships": [{"months": rng.choice([2, 3, 6]), "field": "in", "report": True}][:rng.randint(0, 1)],
            **({"decided_internship_months": rng.choice([2, 4, 6])} if rng.random() < 0.3 else {}),
        })
        diploma = rng.choice(["licence", "licence-l3", "bac+2", "bac+4", "ingenieur", "certificat"])
        answers = [json.dumps(missing_answer(e, diploma, profile, None, "delivery", ON), ensure_ascii=False)
                   for e in (fast_engine, solver_engine)]
        assert answers[0] == answers[1]


def _with_least(base, pathway_key: str, rule_index: int, least):
    """The rule base with one experience threshold changed (a deliberately wrong closed form)."""
    pathways = []
    for p in base.pathways:
        if p.key == pathway_key:
            rules = list(p.experience)
            rules[rule_index] = dataclasses.replace(rules[rule_index], least=least)
            p = dataclasses.replace(p, experience=tuple(rules))
        pathways.append(p)
    return dataclasses.replace(base, pathways=tuple(pathways))


def _with_floor(base, pathway_key: str, floor):
    pathways = []
    for p in base.pathways:
        if p.key == pathway_key:
            modulation = dataclasses.replace(p.internship.modulation, floor=floor)
            p = dataclasses.replace(p, internship=dataclasses.replace(p.internship, modulation=modulation))
        pathways.append(p)
    return dataclasses.replace(base, pathways=tuple(pathways))


@pytest.mark.parametrize("wrong", [
    lambda b: _with_least(b, "cnam-eleves/licence-specialite", 0, 35),
    lambda b: _with_least(b, "cnam-eleves/licence-specialite", 1, 13),
    lambda b: _with_floor(b, "cnam-eleves/licence-hors-specialite", 2),
    lambda b: _with_floor(b, "cnam-eleves/licence-hors-specialite", 4),
], ids=["threshold-35", "in-field-13", "floor-2", "floor-4"])
def test_a_wrong_closed_form_is_not_proved(engine, base, wrong):
    from cnam_dsl.solve.proof import check

    key = (("cnam-eleves",), "licence", "delivery")
    plan = fast.plan_of(wrong(base), *key, ON)
    proof = check(fast.ClosedForm(plan), engine.requirement(*key, ON))
    assert proof.failed is not None and proof.counterexample


def test_facts_outside_the_proved_domain_go_to_the_solver(engine):
    key = (("cnam-eleves",), "licence", "delivery")
    negative = Facts({("out", "salaried", "sufficient"): -1.0}, {k: 0.0 for k in fast.DONE_KEYS}, None)
    assert fast.decide(engine.closed_form(*key, ON), negative) is None
    assert engine.outcome(*key, ON, negative) == engine.solved(*key, ON, negative)


def test_a_conflict_comes_with_the_solvers_core(engine):
    key = (("cnam-eleves",), "licence", "delivery")
    facts = Facts({("out", "salaried", "sufficient"): 40.0}, {k: 0.0 for k in fast.DONE_KEYS}, 2.0)
    outcome = engine.outcome(*key, ON, facts)
    assert outcome.status == "conflict" and outcome.core
    assert outcome == engine.solved(*key, ON, facts)


SOLVER_SAMPLE = 150  # distinct candidates checked against the solver, per requirement


@pytest.mark.slow
def test_a_cohort_of_100000_answers_as_one_by_one_and_as_the_solver(engine, base):
    """100,000 random candidates: the vectorised closed form (NumPy) against the exact one, row by row;
    every distinct candidate among them (facts drawn from a grid) against the solver."""
    np = pytest.importorskip("numpy")
    from cnam_dsl.solve.cohort import STATUSES, evaluate, facts_of_row

    rng = np.random.default_rng(2026)
    grid = np.array([0, 0, 0, 6, 11.5, 12, 24, 35, 36, 0.25])
    n, checked = 100_000, {}
    for requirement in requirements(base):
        form = engine.closed_form(*requirement, ON)
        rows = n // len(requirements(base))
        experience = np.zeros((rows, len(CATEGORIES)))
        for j in rng.choice(len(CATEGORIES), 3, replace=False):
            experience[:, j] = rng.choice(grid, rows)
        done = np.zeros((rows, 4))
        done[:, 0] = done[:, 1] = done[:, 2] = done[:, 3] = rng.choice([0, 0, 3, 6], rows)
        decision = np.where(rng.random(rows) < 0.15, rng.choice([2.0, 4.0, 6.0], rows), np.nan)
        answers = evaluate(form, experience, done, decision)
        for i in range(rows):
            facts = facts_of_row(experience[i], done[i], decision[i])
            key = (requirement, tuple(sorted(facts.experience.items())), tuple(sorted(facts.done.items())),
                   facts.decision)
            if key not in checked:
                if len(checked) >= SOLVER_SAMPLE * (1 + requirements(base).index(requirement)):
                    continue  # the solver is slow: a sample of distinct candidates per requirement
                checked[key] = engine.solved(*requirement, ON, facts, with_options=False)
            expected = checked[key]
            assert STATUSES[answers["status"][i]] == expected.status, (requirement, facts)
            if expected.status == "missing":
                assert answers["missing_months"][i] == float(expected.missing_months)
            if expected.status == "internship":
                low, high = expected.internship.min_months, expected.internship.max_months
                assert np.isnan(answers["min_months"][i]) == (low is None)
                assert low is None or answers["min_months"][i] == float(low)
                assert np.isnan(answers["max_months"][i]) == (high is None)
                assert high is None or answers["max_months"][i] == float(high)


def test_the_generated_program_computes_each_node_as_the_operations_do(engine, base):
    """`Program.values` (a generated straight-line function) gives, for every shipped requirement and
    random inputs, what applying the operations node by node gives."""
    import numpy as np

    from cnam_dsl.solve.cohort import ArrayOps
    from cnam_dsl.solve.fast import OPERATIONS, QUESTIONS, Inputs

    def node_by_node(program, ops, inputs, wanted):
        values = {}
        for i in program.needed(wanted):
            node = program.nodes[i]
            if node[0] == "in":
                values[i] = ({"x": inputs.x, "d": inputs.done}[node[1]][node[2]] if node[1] in "xd"
                             else inputs.has_decision if node[1] == "h" else inputs.decision)
            elif node[0] == "const":
                values[i] = ops.const(node[1])
            elif node[0] == "bool":
                values[i] = ops.true if node[1] else ops.false
            else:
                values[i] = getattr(ops, OPERATIONS[node[0]])(*(values[a] for a in node[1:]))
        return {w: values[w] for w in wanted}

    rng = np.random.default_rng(5)
    n = 64
    inputs = Inputs(tuple(rng.integers(0, 50, n).astype(float) for _ in CATEGORIES),
                    tuple(rng.choice([0.0, 3.0, 6.0], n) for _ in range(4)), rng.random(n) < 0.3,
                    rng.choice([2.0, 3.0, 6.0], n))
    for requirement in requirements(base)[:12]:
        program = engine.closed_form(*requirement, ON).program
        for questions in (QUESTIONS, QUESTIONS[:3]):
            wanted = [o for q in questions for o in program.outputs[q]]
            got, expected = program.values(ArrayOps(), inputs, wanted), node_by_node(program, ArrayOps(), inputs,
                                                                                     wanted)
            assert list(got) == list(expected)
            assert all(np.array_equal(np.broadcast_to(got[w], (n,)), np.broadcast_to(expected[w], (n,)))
                       for w in wanted)
