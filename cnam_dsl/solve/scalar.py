"""One candidate's answer from a proved closed form, in exact integers (no Z3 here).

The candidate's facts are written as integers over a common denominator
(`Exact`), the program's decision runs as generated Python
(`program.ClosedForm.decide_values`), and its values become the engine's
`Outcome`: the same as `solver.decide` gives (the questions are proved equal
to the constraints', `proof`; the way they combine is `closed_form.decision`,
the same statement the columns and the witness search evaluate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..language.model import CATEGORIES
from .closed_form import OPTIONS, STATUSES, Optimum, Plan
from .program import ClosedForm
from .values import DONE_KEYS, Bound, Facts, Option, Outcome, exact, internship_of, minimal_options


@dataclass(frozen=True, slots=True)
class Exact:
    """A candidate's facts as integers over a common denominator (`scale`)."""

    x: tuple[int, ...]
    done: tuple[int, ...]
    has_decision: bool
    decision: int
    by_commission: bool
    complement: int
    duties: bool
    scale: int

    def bound(self, o: Optimum) -> Bound:
        return Bound(Fraction(o.value, self.scale) if o.bounded else None, bool(o.closed))


def exact_inputs(plan: Plan, facts: Facts) -> Exact | None:
    """The facts as the solver reads them (`values.exact`); None outside the proved domain (a negative number)."""
    has_decision = facts.decision is not None
    raw = ([facts.experience.get(c, 0) for c in CATEGORIES] + [facts.done[k] for k in DONE_KEYS]
           + [facts.decision if has_decision else 0, facts.complement or 0])
    numbers = [exact(v) for v in raw]
    scale = math.lcm(plan.denominator, *(v.denominator for v in numbers))
    ints = [v.numerator * (scale // v.denominator) for v in numbers]
    if any(v < 0 for v in ints):
        return None
    n, k = len(CATEGORIES), len(DONE_KEYS)
    return Exact(tuple(ints[:n]), tuple(ints[n:n + k]), has_decision, ints[n + k],
                 has_decision and facts.decided_by == "commission", ints[n + k + 1], facts.duties, scale)


def retained(plan: Plan, combination: int) -> frozenset[str]:
    """The keys of the pathways of a combination (none for -1)."""
    return frozenset(b.key for b in plan.combinations[combination].branches) if combination >= 0 else frozenset()


def stages_of(plan: Plan, combination: int) -> list:
    """The internships (`model.InternshipRule`) the pathways of a combination require."""
    keys = retained(plan, combination)
    return [s for bs, ss in zip(plan.branches, plan.stages) for b, s in zip(bs, ss) if b.key in keys and s is not None]


def decide(form: ClosedForm, facts: Facts, with_options: bool = True) -> Outcome | None:
    """What `solver.decide` answers, from the closed form; a conflict comes without its core (the solver
    gives it); None when the facts are outside the proved domain."""
    plan = form.plan
    e = exact_inputs(plan, facts)
    if e is None:
        return None
    d = form.decide_values(e.x, e.done, e.has_decision, e.decision, e.by_commission, e.complement, e.duties, e.scale)
    status = STATUSES[d.status]
    if status == "satisfied":
        return Outcome("satisfied", None, Fraction(0), False, (), retained(plan, d.combination), ())
    if status == "conflict":
        return Outcome("conflict", None, Fraction(0), False, (), frozenset(), ())
    internship = None
    if status == "internship":
        internship = internship_of(stages_of(plan, d.combination), facts, e.bound(d.low), e.bound(d.high),
                                   e.bound(d.left))
    options = _options(form, facts, e, d, internship) if with_options else ()
    if options is None:
        return None
    if status == "internship":
        return Outcome("internship", internship, Fraction(0), False, options, retained(plan, d.combination), ())
    least = e.bound(d.least)
    return Outcome("missing", None, least.value, not least.closed, options, frozenset(), ())


def _options(form: ClosedForm, facts: Facts, e: Exact, d, current) -> tuple[Option, ...] | None:
    """The distinct minimal ways to complete the file (`closed_form.OPTIONS`, each completed file answered by
    the closed form again); None if some completed file falls outside the proved domain."""
    found = [Option("internship", Fraction(0), False, "internship", current)] if current is not None else []
    for (kind, _, category, todo_zero), (present, least) in zip(OPTIONS, d.options):
        if not present:
            continue
        months = Fraction(least.value, e.scale)
        outcome = None
        if least.closed:
            outcome = decide(form, facts.plus(category, months), with_options=False)
            if outcome is None:
                return None
        status = outcome.status if outcome else ("satisfied" if todo_zero else "internship")
        found.append(Option(kind, months, not least.closed, status, outcome.internship if outcome else None))
    return minimal_options(found)
