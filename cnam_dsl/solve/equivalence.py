"""Whether two rule bases mean the same: for every requirement, their compiled constraints imply each other.

The formatter uses it to prove that a new layout kept the meaning of the rules:
each (source, diploma, milestone, day) is compiled from both bases, and Z3 is
asked for an assignment that satisfies one constraint set and not the other,
every tracking literal being asserted true (each rule in force). None exists
when the two sets are equivalent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import z3

from .compile import Requirement, compile_requirement
from ..language.model import MILESTONE_FR, RuleBase
from .values import SolverError
from .backend import Backend, Unknown, Unsat

COMPARISON_MS = 10_000  # each comparison (two constraint sets of one requirement)


@dataclass(frozen=True, slots=True)
class Question:
    """One requirement to compare: a source's rules for a diploma at a milestone, on a day."""

    source: str
    diploma: str
    milestone: str
    on: date

    def __str__(self) -> str:
        milestone = MILESTONE_FR.get(self.milestone, self.milestone)
        return f"source {self.source}, diplôme {self.diploma}, {milestone}, au {self.on.isoformat()}"


def questions(before: RuleBase, after: RuleBase, on: date) -> list[Question]:
    """Every requirement either base states, on `on` and on each day a pathway starts or stops applying."""
    days = {on}
    keys = set()
    for base in (before, after):
        for p in base.pathways:
            keys |= {(p.source, p.diploma, m) for m in p.milestones}
            for bound in (p.valid_from, p.valid_until):
                if bound is not None:
                    days |= {bound - timedelta(days=1), bound, bound + timedelta(days=1)}
    return [Question(s, d, m, day) for (s, d, m) in sorted(keys) for day in sorted(days)]


def equivalent(first: Requirement, second: Requirement, backend: Backend | None = None) -> bool:
    """Whether two compiled requirements admit exactly the same assignments, every rule in force."""
    backend = backend or Backend(COMPARISON_MS)
    literals = list(first.literals.values()) + list(second.literals.values())
    outcome = backend.check(backend.solver(literals + [z3.Xor(z3.And(first.constraints), z3.And(second.constraints))]))
    if isinstance(outcome, Unknown):
        raise SolverError(f"comparaison indécise ({outcome.reason})")
    return isinstance(outcome, Unsat)


def meaning_differences(before: RuleBase, after: RuleBase, on: date) -> list[Question]:
    """The requirements whose compiled constraints differ between the two bases (empty: same meaning)."""
    return [
        question for question in questions(before, after, on)
        if not equivalent(_compiled(before, question), _compiled(after, question))
    ]


def _compiled(base: RuleBase, question: Question) -> Requirement:
    return compile_requirement(base, (question.source,), question.diploma, question.milestone, question.on)

