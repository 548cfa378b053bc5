"""The proved closed forms answer exactly as the solver does; a wrong closed form is caught by the proof."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnam_dsl.language.model import CATEGORIES, DONE_KEYS
from cnam_dsl.solve import Engine, Facts
from cnam_dsl.solve.closed_form import plan_of
from cnam_dsl.solve.program import ClosedForm
from cnam_dsl.solve.scalar import decide

ON = date(2026, 1, 1)
F = Fraction
MONTHS = [0, 0, F(1, 2), 1, F(5, 2), 3, 6, 11, F(119, 10), 12, 13, 23, 24, 25, 35, 36, 40, F(33, 100), F(1, 10)]
DONE = [0, 0, 0, 1, 2, 3, F(9, 2), 6]
DECISIONS = [None, None, None, F(1, 2), 2, 3, 4, 6, 8]


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
    experience = {c: F(rng.choice(MONTHS)) for c in rng.sample(CATEGORIES, rng.randint(0, 3))}
    experience = {c: v for c, v in experience.items() if v > 0}
    a = [rng.choice(DONE) for _ in range(4)]  # in field with report, in field, with report, other
    done = {(True, True): a[0], (True, False): a[0] + a[1], (False, True): a[0] + a[2], (False, False): sum(a)}
    decision = rng.choice(DECISIONS)
    by = rng.choice([None, None, "cnam", "jury", "commission"]) if decision is not None else None
    complement = F(rng.choice([3, 6, 12])) if rng.random() < 0.1 else None
    return Facts(experience, {k: F(v) for k, v in done.items()}, None if decision is None else F(decision), 0, by,
                 complement, rng.random() < 0.2)


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
    from helpers import ask
    from cnam_dsl.candidate import read_profile

    fast_engine, solver_engine = Engine(base), Engine(base, fast=False)
    rng = random.Random(7)
    for _ in range(25):
        profile = read_profile({
            "experiences": [{"months": rng.choice([3, 11, 12, 24, 25, 36, 40]), "field": rng.choice(["in", "out"]),
                             "kind": rng.choice(["salaried", "self_employed", "volunteer"])}
                            for _ in range(rng.randint(0, 3))],
            "internships": [{"months": rng.choice([2, 3, 6]), "field": "in", "report": True}][:rng.randint(0, 1)],
            **({"decided_internship_months": rng.choice([2, 4, 6])} if rng.random() < 0.3 else {}),
        })
        diploma = rng.choice(["licence", "licence-l3", "bac+2", "bac+4", "ingenieur", "certificat"])
        answers = [json.dumps(ask(e, diploma, profile, None, "delivery", ON), ensure_ascii=False)
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
    plan = plan_of(wrong(base), *key, ON)
    proof = check(ClosedForm(plan), engine.requirement(*key, ON))
    assert proof.failed is not None and proof.counterexample


def test_facts_outside_the_proved_domain_go_to_the_solver(engine):
    key = (("cnam-eleves",), "licence", "delivery")
    negative = Facts({("out", "salaried", "sufficient"): F(-1)}, {k: F(0) for k in DONE_KEYS}, None)
    assert decide(engine.closed_form(*key, ON), negative) is None
    assert engine.outcome(*key, ON, negative) == engine.solved(*key, ON, negative)


def test_a_conflict_comes_with_the_solvers_core(engine):
    key = (("cnam-eleves",), "licence", "delivery")
    facts = Facts({("out", "salaried", "sufficient"): F(40)}, {k: F(0) for k in DONE_KEYS}, F(2))
    outcome = engine.outcome(*key, ON, facts)
    assert outcome.status == "conflict" and outcome.core
    assert outcome == engine.solved(*key, ON, facts)


SOLVER_SAMPLE = 150  # distinct candidates checked against the solver, per requirement


@pytest.mark.slow
def test_a_cohort_of_100000_answers_as_one_by_one_and_as_the_solver(engine, base):
    """100,000 random candidates: the decision on int64 columns (`table`) against the exact one for one
    candidate (`scalar`), row by row; every distinct candidate among them against the solver (a sample)."""
    np = pytest.importorskip("numpy")
    from cnam_dsl.solve.table import Registry, Table, scale_of

    rng = np.random.default_rng(2026)
    grid = [0, 0, 0, 6, F(23, 2), 12, 24, 35, 36, F(1, 4)]
    n, checked = 100_000, {}
    for requirement in requirements(base):
        form = engine.closed_form(*requirement, ON)
        scale = scale_of(form, 100)
        rows = n // len(requirements(base))
        facts = []
        for _ in range(rows):
            experience = {CATEGORIES[j]: F(grid[rng.integers(len(grid))]) for j in rng.choice(len(CATEGORIES), 3,
                                                                                           replace=False)}
            done = F([0, 0, 3, 6][rng.integers(4)])
            decision = F([2, 4, 6][rng.integers(3)]) if rng.random() < 0.15 else None
            facts.append(Facts({c: v for c, v in experience.items() if v}, {k: done for k in DONE_KEYS}, decision))
        x = np.array([[int(f.experience.get(c, 0) * scale) for c in CATEGORIES] for f in facts], dtype=np.int64)
        d = np.array([[int(f.done[k] * scale) for k in DONE_KEYS] for f in facts], dtype=np.int64)
        has = np.array([f.decision is not None for f in facts])
        dec = np.array([int((f.decision or 0) * scale) for f in facts], dtype=np.int64)
        outcomes = Table(form, scale, facts, x, d, has, dec).outcomes(Registry())
        for f, got in zip(facts, outcomes):
            exact = decide(form, f)
            if got is None:
                assert exact.status == "conflict"
                continue
            assert got == exact, (requirement, f)
            key = (requirement, tuple(sorted(f.experience.items())), f.done[(True, True)], f.decision)
            if key not in checked and len(checked) < SOLVER_SAMPLE * (1 + requirements(base).index(requirement)):
                checked[key] = engine.solved(*requirement, ON, f)
                assert got == checked[key], (requirement, f)


def test_the_generated_program_computes_each_node_as_the_operations_do(engine, base):
    """`Program.values` (a generated straight-line function) gives, for every shipped requirement and
    random inputs, what applying the operations node by node gives."""
    import numpy as np

    from cnam_dsl.solve.closed_form import QUESTIONS, Inputs
    from cnam_dsl.solve.program import OPERATIONS
    from cnam_dsl.solve.table import ColumnOps

    def node_by_node(program, ops, inputs, wanted):
        values = {}
        for i in program.needed(wanted):
            node = program.nodes[i]
            if node[0] == "in":
                scalar = {"h": inputs.has_decision, "v": inputs.decision, "c": inputs.by_commission,
                          "e": inputs.complement, "w": inputs.duties}
                values[i] = ({"x": inputs.x, "d": inputs.done}[node[1]][node[2]] if node[1] in "xd"
                             else scalar[node[1]])
            elif node[0] == "const":
                values[i] = ops.const(node[1])
            elif node[0] == "bool":
                values[i] = ops.true if node[1] else ops.false
            elif node[0] == "code":
                values[i] = ops.code(node[1])
            else:
                values[i] = getattr(ops, OPERATIONS[node[0]])(*(values[a] for a in node[1:]))
        return {w: values[w] for w in wanted}

    rng = np.random.default_rng(5)
    n = 64
    inputs = Inputs(tuple(rng.integers(0, 50 * 12, n) for _ in CATEGORIES),
                    tuple(rng.choice([0, 36, 72], n) for _ in range(4)), rng.random(n) < 0.3,
                    rng.choice([24, 36, 72], n),
                    rng.random(n) < 0.3, rng.choice([0, 0, 72], n), rng.random(n) < 0.2)
    for requirement in requirements(base)[:12]:
        form = engine.closed_form(*requirement, ON)
        ops = ColumnOps(12 * form.plan.denominator)
        scaled = Inputs(tuple(v * form.plan.denominator for v in inputs.x),
                        tuple(v * form.plan.denominator for v in inputs.done), inputs.has_decision,
                        inputs.decision * form.plan.denominator, inputs.by_commission,
                        inputs.complement * form.plan.denominator, inputs.duties)
        program = form.program
        for questions in (QUESTIONS, QUESTIONS[:3], ("decision",)):
            wanted = [o for q in questions for o in program.outputs[q]]
            got, expected = program.values(ops, scaled, wanted), node_by_node(program, ops, scaled, wanted)
            assert list(got) == list(expected)
            assert all(np.array_equal(np.broadcast_to(got[w], (n,)), np.broadcast_to(expected[w], (n,)))
                       for w in wanted)
