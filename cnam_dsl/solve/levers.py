"""What would make a complete candidate file `satisfied`: the least of one change (more experience, an internship
done, a decided length), found and proved least by Z3 on the proved program.

The candidate's counted facts are the program's inputs (`closed_form.decision`
on integer terms, `completions.ScaledTerms`); one lever adds a number of
hundredths of a month to one of them (experience of a category, an
internship done of a class) or records a decision. Z3's optimiser gives the
least amount for which the status is `satisfied`, and a second query proves
that nothing less would do. The caller confirms each change on the engine
(the file changed, answered again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import z3

from ..candidate.counting import Facts
from ..candidate.unknown import CENTS, MOST_CENTS, done_keys
from ..language.model import CATEGORIES
from .backend import Backend
from .closed_form import Inputs
from .completions import SATISFIED, decision_terms
from .program import ClosedForm
from .scalar import exact_inputs


@dataclass(frozen=True, slots=True)
class Least:
    """The least amount of a change that makes the file satisfied, in hundredths of a month (`decided`: the
    least length decided with it, for a decision), and whether Z3 proved that no less would do."""

    cents: int
    decided: int | None
    proved: bool


def least_experience(form: ClosedForm, facts: Facts, category: tuple, backend: Backend) -> Least | None:
    """The least experience of a category to add for the file to be satisfied (None: no amount would do)."""
    return _least(form, facts, backend, ("x", CATEGORIES.index(category)))


def least_internship(form: ClosedForm, facts: Facts, field: str, report: bool, backend: Backend) -> Least | None:
    """The least internship done (of that field, with or without a report) to add for the file to be satisfied,
    the file's decision as it is."""
    return _least(form, facts, backend, ("done", done_keys(field, report)))


def least_with_decision(form: ClosedForm, facts: Facts, field: str, report: bool,
                        backend: Backend) -> Least | None:
    """For a file without a decision: the least internship to add once a length is decided (by whom the
    rules name), and the least length decided that allows it."""
    return _least(form, facts, backend, ("done", done_keys(field, report)), decide=True)


def _least(form: ClosedForm, facts: Facts, backend: Backend, target: tuple, decide: bool = False) -> Least | None:
    e = exact_inputs(form.plan, facts)
    if e is None:
        return None
    scale = math.lcm(form.plan.denominator, CENTS, e.scale)
    times = scale // e.scale
    inputs, d = decision_terms(form, scale, "lever:")
    added, decided = z3.Int("lever:added"), z3.Int("lever:decided")
    unit = scale // CENTS
    constraints = [0 <= added, added <= MOST_CENTS]
    for i, var in enumerate(inputs.x):
        more = added * unit if target == ("x", i) else 0
        constraints.append(var == e.x[i] * times + more)
    for k, var in enumerate(inputs.done):
        more = added * unit if target[0] == "done" and k in target[1] else 0
        constraints.append(var == e.done[k] * times + more)
    if decide:
        constraints += [inputs.has_decision, inputs.decision == decided * unit, 1 <= decided, decided <= MOST_CENTS,
                        z3.Not(inputs.by_commission)]
    else:
        constraints += [inputs.has_decision == e.has_decision, inputs.decision == e.decision * times,
                        inputs.by_commission == e.by_commission]
    constraints += [inputs.complement == e.complement * times, inputs.duties == e.duties, d.status == SATISFIED]
    outcome = backend.lexicographic(constraints, [added] + ([decided] if decide else []))
    if outcome is None:
        return None
    least = outcome.eval(added, model_completion=True).as_long()
    length = outcome.eval(decided, model_completion=True).as_long() if decide else None
    proved = least == 0 or not backend.satisfiable(constraints + [added < least])
    return Least(least, length, proved)


def months(cents: int) -> Fraction:
    return Fraction(cents, CENTS)
