"""Z3's part in mutation testing: whether a mutant of the rule base means the same as the original (then no worked
example can ever tell them apart), and a plain VAE candidate on whom they differ.

A requirement means the same in both bases when, for every candidate and
every way of completing the file (experience added, the internship's length
and what is left of it, the internships done), the constraints of one hold
exactly when those of the other do, the pathway chosen being free on each
side (its selectors and the modulations granted are existential: a pathway
deleted because another one covers it changes nothing), and when the
internships the answers report are described alike (who decides, reference
length, field, report: what the answer says beyond its numbers). A VAE rule
set means the same when its experience constraints (with the experience the
candidate may add) hold for the same candidates, under the same yearly
limits. "Equivalent" is only ever said after Z3 proves it (`unknown` is an
error, never a proof).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import z3

from ..language.model import CATEGORIES, Pathway, RuleBase, VaeRules
from .backend import Backend, Unknown, Unsat, constants, q
from .compile import Requirement, compile_requirement
from .solver import vae_experience
from .terms import Candidate, simplest
from .values import SolverError

COMPARISON_MS = 10_000  # each comparison of two constraint sets


def same_requirement(before: RuleBase, after: RuleBase, source: str, diploma: str, milestone: str, on: date,
                     backend: Backend | None = None) -> bool:
    """Whether a source's requirement for a diploma at a milestone, on a day, means the same in both bases."""
    old = before.pathways_for(source, diploma, milestone, on)
    new = after.pathways_for(source, diploma, milestone, on)
    if old == new:
        return True
    if not old or not new or not _reported_alike(old, new):
        return False
    backend = backend or Backend(COMPARISON_MS)
    first = compile_requirement(before, (source,), diploma, milestone, on)
    second = compile_requirement(after, (source,), diploma, milestone, on)
    return _within(first, second, backend) and _within(second, first, backend)


def _reported_alike(old: tuple[Pathway, ...], new: tuple[Pathway, ...]) -> bool:
    """Whether the internships an answer may report are described alike: each pathway kept keeps its
    description, each pathway gone had one that another pathway still gives."""
    described = {p.key: _description(p) for p in new}
    for p in old:
        if p.key in described:
            if described[p.key] != _description(p):
                return False
        elif p.internship is not None and _description(p) not in described.values():
            return False
    return True


def _description(p: Pathway) -> tuple | None:
    s = p.internship
    if s is None:
        return None
    authority = s.modulation.authority if s.modulation is not None else None
    return (s.standard, s.decided_by, authority, s.in_field, s.needs_report)


def _within(first: Requirement, second: Requirement, backend: Backend) -> bool:
    """Whether every completion the first constraints allow, the second allow too (for some choice of pathway
    and of modulation on their side)."""
    observed = _observed(first) | _observed(second)
    body = _rules(second)
    hidden = [c for c in constants(body) if c.get_id() not in observed]
    refuted = z3.ForAll(hidden, z3.Not(body)) if hidden else z3.Not(body)
    outcome = backend.check(backend.solver([_rules(first), refuted]))
    if isinstance(outcome, Unknown):
        raise SolverError(f"comparaison indécise ({outcome.reason})")
    return isinstance(outcome, Unsat)


def _rules(req: Requirement) -> z3.BoolRef:
    """The requirement's constraints with every rule in force (its tracking literals true)."""
    true = z3.BoolVal(True)
    return z3.And([z3.substitute(c, *[(lit, true) for lit in req.literals.values()]) for c in req.constraints])


def _observed(req: Requirement) -> set[int]:
    """The variables an answer is read from: experience, additions, the internship's length and what is left."""
    seen = list(req.x.values()) + list(req.done.values()) + [req.add_in, req.add_any, req.length, req.todo]
    return {v.get_id() for v in seen}


# ---------------------------------------------------------------- VAE


def same_vae(before: tuple[VaeRules, ...], after: tuple[VaeRules, ...], backend: Backend | None = None) -> bool:
    """Whether two sets of VAE rules (a source's, in force in some year) give every candidate the same answer."""
    if before == after:
        return True
    if not before or not after or _limits(before) != _limits(after):
        return False
    backend = backend or Backend(COMPARISON_MS)
    x = {c: z3.Real("x_" + "_".join(c)) for c in CATEGORIES}
    added = z3.Real("add")
    domain = [v >= 0 for v in x.values()] + [added >= 0]
    differ = z3.Xor(_vae_met(before, x, added), _vae_met(after, x, added))
    outcome = backend.check(backend.solver(domain + [differ]))
    if isinstance(outcome, Unknown):
        raise SolverError(f"comparaison indécise ({outcome.reason})")
    return isinstance(outcome, Unsat)


def vae_divergence(before: tuple[VaeRules, ...], after: tuple[VaeRules, ...],
                   backend: Backend | None = None) -> dict[str, Fraction] | None:
    """The plainest candidate (experience only, round months) eligible under one set of rules and not under the
    other, by variable name (`terms.var_name`); None when there is none."""
    c = Candidate.fresh("vae:")
    x = {cat: c.months(cat) for cat in CATEGORIES}
    nothing = q(0)
    differ = z3.Xor(_vae_met(before, x, nothing), _vae_met(after, x, nothing))
    return simplest(c, c.plain() + [differ], backend=backend)


def _vae_met(rules: tuple[VaeRules, ...], x: dict, added) -> z3.BoolRef:
    """Every experience rule met, as `solver.vae_outcome` asks it."""
    return z3.And(vae_experience([r for v in rules for r in v.experience], x, added))


def _limits(rules: tuple[VaeRules, ...]) -> list[tuple[int, bool]]:
    return sorted((limit.most, limit.per_certification) for v in rules for limit in v.limits)
