"""Candidates at the thresholds of a pathway: the plainest one whose experience counted by a rule is exactly
so many months while the pathway's other requirements hold (for `cnam examples`)."""

from __future__ import annotations

from fractions import Fraction

from .backend import q
from ..language.model import ExperienceRule, Pathway
from .terms import Candidate, simplest


def at_threshold(p: Pathway, rule: ExperienceRule | None, months: Fraction) -> dict[str, Fraction] | None:
    """The plainest candidate meeting p's requirements but `rule`, of which it counts exactly `months`.

    With `rule` None: the plainest candidate meeting all of p's requirements. None when there is none.
    """
    c = Candidate.fresh()
    constraints = c.plain() + [c.meets(r) for r in p.experience if r is not rule]
    if rule is not None:
        constraints.append(c.counted(rule) == q(months))
    return simplest(c, constraints, round_months=False)
