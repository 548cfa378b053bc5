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

from ..language.model import ExperienceRule, Pathway
from .backend import Backend
from .program import ClosedForm
from .terms import SEARCH_MS, Candidate, Terms, simplest


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


def _feasible(c: Candidate, form: ClosedForm, question: tuple[str, bool]) -> dict[str, z3.BoolRef]:
    """For each pathway of a one-source requirement, whether it can hold in that question (the closed form's
    program, evaluated on the unknown candidate): its experience, and the general rules for an internship."""
    answer = form.program.evaluate(Terms(), c.inputs(), (question,))[question]
    return {combination.branches[0].key: f for combination, f in zip(form.plan.combinations, answer.feasible)}


def _valid(c: Candidate, claim: z3.BoolRef, backend: Backend) -> bool:
    """Whether the claim holds for every candidate described by experience alone."""
    return not backend.satisfiable(c.domain() + c.plain() + [z3.Not(claim)])


# ---------------------------------------------------------------- dead alternatives


def dead_pathways(pathways: tuple[Pathway, ...], form: ClosedForm) -> list[DeadPathway]:
    """The pathways (of one source, diploma and milestone) that another always beats.

    A pathway without internship beats one with; of two with an internship,
    one beats the other when its lengths include the other's and it asks no
    more (field, report). Of two that tie and meet the same candidates, the
    later one is the dead one.
    """
    c, backend = Candidate.fresh(), Backend(SEARCH_MS)
    holds = _feasible(c, form, ("none", False))  # candidates described by experience alone: no decision
    found = []
    for p in pathways:
        if p.reused_from is not None:
            continue
        rivals = [q for q in pathways if q is not p and _rival(c, p, q, holds, backend)]
        if not rivals or not _valid(c, z3.Implies(holds[p.key], z3.Or([holds[q.key] for q in rivals])), backend):
            continue
        witness = simplest(c, c.plain() + [holds[p.key]], backend=backend)
        if witness is None:  # no candidate meets it at all: a contradiction, reported elsewhere
            continue
        winners = tuple(q for q in rivals if backend.satisfiable(c.fixed(witness) + [holds[q.key]]))
        found.append(DeadPathway(p, winners or tuple(rivals), witness))
    return found


def _rival(c: Candidate, p: Pathway, q: Pathway, holds: dict, backend: Backend) -> bool:
    """Whether q wins over p when both apply (a tie counts for the earlier one, or the less demanding)."""
    order = _beats(q, p)
    if order is None:
        return False
    if order == "strictly":
        return True
    earlier = (q.provenance.file, q.provenance.line) < (p.provenance.file, p.provenance.line)
    return earlier or not _valid(c, z3.Implies(holds[q.key], holds[p.key]), backend)


def _beats(q: Pathway, p: Pathway) -> str | None:
    """'strictly' when q's answer is always better than p's, 'ties' when as good, None otherwise."""
    if q.internship is None:
        return "ties" if p.internship is None else "strictly"
    if p.internship is None:
        return None
    (p_low, p_high), (q_low, q_high) = p.internship.lengths(), q.internship.lengths()
    wider = (q_low is None or (p_low is not None and q_low <= p_low)) and (
        q_high is None or (p_high is not None and q_high >= p_high))
    easier = (q.internship.in_field <= p.internship.in_field
              and q.internship.needs_report <= p.internship.needs_report)
    if not (wider and easier):
        return None
    same = (q_low, q_high) == (p_low, p_high) and (
        (q.internship.in_field, q.internship.needs_report) == (p.internship.in_field, p.internship.needs_report))
    return "ties" if same else "strictly"


# ---------------------------------------------------------------- redundancy


def redundant_rules(rules: tuple[ExperienceRule, ...]) -> list[Redundant]:
    """The requirements (of one pathway) that the others imply; of two equal ones, the later."""
    c, backend = Candidate.fresh(), Backend(SEARCH_MS)
    kept, found = list(rules), []
    for rule in reversed(rules):
        others = [r for r in kept if r is not rule]
        if not others or not _valid(c, z3.Implies(z3.And([c.meets(r) for r in others]), c.meets(rule)), backend):
            continue
        single = [r for r in others if _valid(c, z3.Implies(c.meets(r), c.meets(rule)), backend)]
        found.append(Redundant(rule, tuple(single[:1] or others)))
        kept.remove(rule)
    return list(reversed(found))


# ---------------------------------------------------------------- gaps


def unanswered(form: ClosedForm) -> dict[str, Fraction] | None:
    """A candidate no pathway can take even with more experience (the answer would be « conflit »), or None."""
    c, backend = Candidate.fresh(), Backend(SEARCH_MS)
    stuck = z3.Not(z3.Or(list(_feasible(c, form, ("both", False)).values()) or [z3.BoolVal(False)]))
    if not backend.satisfiable(c.domain() + c.plain() + [stuck]):
        return None
    return simplest(c, c.plain() + [stuck], backend=backend)
