"""Questions Z3 answers about the rule base itself: alternatives that never apply, requirements the
others imply, candidates a source gives no answer at all.

Each function takes rules (model values) and returns findings as plain values
(rules and witness candidates); `cnam_dsl.analysis.lint` turns them into diagnostics.
Candidates are described by experience alone (no internship done, no jury
decision): that is what the conditions of a pathway are about.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import z3

from ..language.model import ExperienceRule, GeneralRule, Pathway
from .symbolic import Candidate, check, new_solver, pathway_conditions, simplest, stage_interval


@dataclass(frozen=True)
class DeadPathway:
    """A pathway that never applies: whenever its conditions hold, one of `winners` applies and wins."""

    pathway: Pathway
    winners: tuple[Pathway, ...]
    witness: dict[str, Fraction]  # a candidate who meets its conditions


@dataclass(frozen=True)
class Redundant:
    """A requirement implied by others of the same rules (`by`: the fewest found that imply it)."""

    rule: ExperienceRule
    by: tuple[ExperienceRule, ...]


def _holds(c: Candidate, p: Pathway, generals: tuple[GeneralRule, ...]) -> z3.BoolRef:
    """The candidate meets the pathway's conditions (experience, and the general rules for an internship)."""
    conditions = pathway_conditions(c, p, generals)
    return conditions["satisfied"] if p.internship is None else conditions["open"]


def _valid(c: Candidate, claim: z3.BoolRef) -> bool:
    """Whether the claim holds for every candidate described by experience alone."""
    return check(new_solver(c.domain() + c.plain() + [z3.Not(claim)])) is None


# ---------------------------------------------------------------- dead alternatives


def dead_pathways(pathways: tuple[Pathway, ...], generals: tuple[GeneralRule, ...]) -> list[DeadPathway]:
    """The pathways (of one source, diploma and milestone) that another always beats.

    A pathway without internship beats one with; of two with an internship,
    one beats the other when its lengths include the other's and it asks no
    more (field, report). Of two that tie and meet the same candidates, the
    later one is the dead one.
    """
    c = Candidate.fresh()
    holds = {p.key: _holds(c, p, generals) for p in pathways}
    found = []
    for p in pathways:
        if p.reused_from is not None:
            continue
        rivals = [q for q in pathways if q is not p and _rival(c, p, q, holds)]
        if not rivals or not _valid(c, z3.Implies(holds[p.key], z3.Or([holds[q.key] for q in rivals]))):
            continue
        witness = simplest(c, c.plain() + [holds[p.key]])
        if witness is None:  # no candidate meets it at all: a contradiction, reported elsewhere
            continue
        winners = tuple(q for q in rivals if _met_by(c, holds[q.key], witness))
        found.append(DeadPathway(p, winners or tuple(rivals), witness))
    return found


def _rival(c: Candidate, p: Pathway, q: Pathway, holds: dict) -> bool:
    """Whether q wins over p when both apply (a tie counts for the earlier one, or the less demanding)."""
    order = _beats(q, p)
    if order is None:
        return False
    if order == "strictly":
        return True
    earlier = (q.provenance.file, q.provenance.line) < (p.provenance.file, p.provenance.line)
    return earlier or not _valid(c, z3.Implies(holds[q.key], holds[p.key]))


def _beats(q: Pathway, p: Pathway) -> str | None:
    """'strictly' when q's answer is always better than p's, 'ties' when as good, None otherwise."""
    if q.internship is None:
        return "ties" if p.internship is None else "strictly"
    if p.internship is None:
        return None
    (p_low, p_high), (q_low, q_high) = stage_interval(p), stage_interval(q)
    wider = (q_low is None or (p_low is not None and q_low <= p_low)) and (
        q_high is None or (p_high is not None and q_high >= p_high))
    easier = (q.internship.in_field <= p.internship.in_field
              and q.internship.needs_report <= p.internship.needs_report)
    if not (wider and easier):
        return None
    same = (q_low, q_high) == (p_low, p_high) and (
        (q.internship.in_field, q.internship.needs_report) == (p.internship.in_field, p.internship.needs_report))
    return "ties" if same else "strictly"


def _met_by(c: Candidate, condition: z3.BoolRef, witness: dict[str, Fraction]) -> bool:
    return check(new_solver(c.fixed(witness) + [condition])) is not None


# ---------------------------------------------------------------- redundancy


def redundant_rules(rules: tuple[ExperienceRule, ...]) -> list[Redundant]:
    """The requirements (of one pathway) that the others imply; of two equal ones, the later."""
    c = Candidate.fresh()
    kept, found = list(rules), []
    for rule in reversed(rules):
        others = [r for r in kept if r is not rule]
        if not others or not _valid(c, z3.Implies(z3.And([c.meets(r) for r in others]), c.meets(rule))):
            continue
        single = [r for r in others if _valid(c, z3.Implies(c.meets(r), c.meets(rule)))]
        found.append(Redundant(rule, tuple(single[:1] or others)))
        kept.remove(rule)
    return list(reversed(found))


# ---------------------------------------------------------------- gaps


def unanswered(pathways: tuple[Pathway, ...]) -> dict[str, Fraction] | None:
    """A candidate no pathway can take even with more experience (the answer would be « conflit »), or None."""
    c = Candidate.fresh()
    fillable = [pathway_conditions(c, p, ())["fillable"] for p in pathways]
    if check(new_solver(c.domain() + c.plain() + [z3.Not(z3.Or(fillable or [z3.BoolVal(False)]))])) is None:
        return None
    return simplest(c, c.plain() + [z3.Not(z3.Or(fillable or [z3.BoolVal(False)]))])
