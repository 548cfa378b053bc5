"""Ask Z3: a candidate's answer from the compiled constraints (status, bounds, what is missing, why).

This is the source of truth the closed forms (`fast`) are proved against, and
what answers whenever they do not: conflicts (with their unsat core), facts
outside the proved domain, requirements without a proved closed form.
Every query goes through the engine's `backend.Backend` (the one boundary with
Z3, which holds the time limit); `unknown` is never read as `unsat`: it raises
`SolverError`, which the front ends report as a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import z3

from ..language.model import CATEGORIES, RuleBase

MAX_YEAR = 2200  # the last year a question may name (candidate.schema)
from .backend import Backend, Sat, Unsat, decided, q
from .compile import Requirement, Tracked
from .values import (
    OPTION_KINDS, Bound, Facts, Internship, Option, Outcome, SolverError, VaeOutcome, internship_of,
    minimal_options,
)


def conditions(req: Requirement) -> dict[str, z3.BoolRef]:
    """The conditions a question puts on what is still to do (additions, internship left)."""
    return {
        "c:no-additions": z3.And(req.add_in == 0, req.add_any == 0),
        # Nothing left to do, as the file stands: no decision but the one it records.
        "c:no-internship-left": z3.And(req.todo == 0, z3.Implies(req.decided, req.has_decision)),
        "c:only-in-field": req.add_any == 0,
        "c:only-any-field": req.add_in == 0,
    }


@dataclass
class Session:
    """One candidate's facts asserted over a compiled requirement (tracked, for cores)."""

    req: Requirement
    facts: Facts
    backend: Backend = field(default_factory=Backend)
    fact_constraints: dict[str, z3.BoolRef] = field(default_factory=dict)
    fact_values: dict[str, tuple] = field(default_factory=dict)  # what each fact says (for the core)

    def __post_init__(self) -> None:
        r, f = self.req, self.facts
        for c in CATEGORIES:
            months = f.experience.get(c, 0)
            self._fact(f"f:exp:{'_'.join(c)}", r.x[c] == q(months), fact_of(c, months))
        self._fact("f:done", z3.And([r.done[k] == q(v) for k, v in f.done.items()]),
                   ("done", Fraction(f.done[(False, False)])))
        if f.decision is not None:
            self._fact("f:decision", z3.And(r.decided, r.length == q(f.decision)),
                       ("decision", Fraction(f.decision), f.decided_by))
        decided = f.decision is not None
        self._fact("f:has-decision", r.has_decision == decided, ("has_decision", decided))
        commission = f.decision is not None and f.decided_by == "commission"
        self._fact("f:commission", r.by_commission == commission, ("commission", commission))
        self._fact("f:duties", r.duties == f.duties, ("duties", f.duties))
        if f.complement is not None:
            self._fact("f:complement", r.add_in + r.add_any >= q(f.complement), ("complement", Fraction(f.complement)))
        self.conditions = conditions(r)
        self._feasibility: z3.Solver | None = None
        self._optimizer: z3.Optimize | None = None

    def _fact(self, name: str, constraint: z3.BoolRef, fact: tuple) -> None:
        self.fact_constraints[name] = constraint
        self.fact_values[name] = fact

    def check(self, conditions: tuple[str, ...], without: tuple[str, ...] = ()) -> Sat | Unsat:
        """Is there an assignment with every rule, every fact (but `without`) and the conditions?

        A fresh solver, asked in a fixed order, so that the unsat core (the explanation of a
        conflict) does not depend on the questions asked before.
        """
        solver = self.backend.solver(minimal_core=True)
        assumptions = list(self.req.literals.values())
        for name, constraint in list(self.fact_constraints.items()) + [(c, self.conditions[c]) for c in conditions]:
            if name in without:
                continue
            lit = z3.Bool(name)
            solver.add(z3.Implies(lit, constraint))
            assumptions.append(lit)
        solver.add(self.req.constraints)
        return decided(self.backend.check(solver, assumptions))

    def feasible(self, conditions: tuple[str, ...], selected: tuple[str, ...] = (),
                 without: tuple[str, ...] = ()) -> bool:
        """Whether the rules, the facts (but `without`) and the conditions can all hold, with these
        pathways selected. One solver per candidate, asked under assumptions (no core is read)."""
        if self._feasibility is None:
            self._feasibility = self.backend.solver(self.req.constraints)
            for name, constraint in list(self.fact_constraints.items()) + list(self.conditions.items()):
                self._feasibility.add(z3.Implies(z3.Bool(name), constraint))
        names = [n for n in self.fact_constraints if n not in without] + list(conditions)
        assumptions = (list(self.req.literals.values()) + [z3.Bool(n) for n in names]
                       + [self.req.selectors[k] for k in selected])
        return isinstance(decided(self.backend.check(self._feasibility, assumptions)), Sat)

    def optimum(self, objective: z3.ArithRef, conditions: tuple[str, ...], maximize: bool = False) -> Bound:
        """The least (or most) value of the objective under every rule, fact and condition.

        One optimiser per candidate, each question inside push/pop (not under assumptions:
        `Optimize.check(assumptions)` answers `unknown` when the least value is 0).
        """
        if self._optimizer is None:
            self._optimizer = self.backend.optimizer(self.req.constraints)
            self._optimizer.add(list(self.req.literals.values()))
            self._optimizer.add(list(self.fact_constraints.values()))
        opt = self._optimizer
        opt.push()
        try:
            opt.add([self.conditions[c] for c in conditions])
            found = self.backend.extreme(opt, objective, maximize)
        finally:
            opt.pop()
        if found is None:
            raise SolverError("optimisation impossible : les contraintes ne peuvent être satisfaites")
        return Bound(found.value, found.attained)

    def selection(self, conditions: tuple[str, ...]) -> frozenset[str]:
        """The pathways the answer rests on: for each source in turn, the first pathway (in the order
        of the rule files) that can hold with those already retained. A function of the facts alone,
        whatever model the solver happens to find."""
        chosen: list[str] = []
        for source in self.req.sources:
            for p in self.req.pathways[source]:
                if self.feasible(conditions, tuple(chosen) + (p.key,)):
                    chosen.append(p.key)
                    break
        return frozenset(chosen)

    def tracked_core(self, core: tuple[str, ...]) -> tuple[Tracked, ...]:
        """The rules of an unsat core in the order of the rule files, then the facts in the order of
        the candidate file (Z3's own order depends on the terms made before, in the same process)."""
        rules = sorted((self.req.tracked[n] for n in core if n in self.req.tracked),
                       key=lambda t: (t.provenance.file, t.provenance.line) if t.provenance else ("", 0))
        facts = [Tracked(n, "fact", None, fact) for n, fact in self.fact_values.items() if n in core]
        return tuple(rules) + tuple(facts)


def fact_of(category: tuple[str, str, str], months) -> tuple:
    """A candidate's fact as a conflict's core names it (the answer layer words it)."""
    return ("experience", category, Fraction(months))


# ---------------------------------------------------------------- answers


def decide(session: Session, with_options: bool = True) -> Outcome:
    """The status and its amounts, in the order: satisfied, internship, conflict, missing."""
    base = ("c:no-additions",)
    if session.feasible(base + ("c:no-internship-left",)):
        return Outcome("satisfied", None, Fraction(0), False, (),
                       session.selection(base + ("c:no-internship-left",)), ())
    if session.feasible(base):
        internship = internship_bounds(session, base)
        options = _options(session, internship) if with_options else ()
        return Outcome("internship", internship, Fraction(0), False, options, session.selection(base), ())
    if session.facts.decision is not None and session.feasible(base, without=("f:decision",)):
        return conflict(session)
    if not session.feasible(()):
        return conflict(session)
    least = session.optimum(session.req.add_in + session.req.add_any, ())
    options = _options(session, None) if with_options else ()
    return Outcome("missing", None, least.value, not least.closed, options, frozenset(), ())


def conflict(session: Session) -> Outcome:
    """A conflict and its explanation: the unsat core of the rules and facts, without additions."""
    unsat = session.check(("c:no-additions",))
    core = tuple(t for t in session.tracked_core(unsat.core) if t.key != "c:no-additions")
    return Outcome("conflict", None, Fraction(0), False, (), frozenset(), core)


def internship_bounds(session: Session, conditions: tuple[str, ...]) -> Internship:
    """Least and most internship the rules allow (modulations in the candidate's favour)."""
    r = session.req
    low = session.optimum(r.length, conditions)
    high = session.optimum(r.length, conditions, maximize=True)
    left = session.optimum(r.todo, conditions)
    selected = session.selection(conditions)
    stages = [p.internship for ps in r.pathways.values() for p in ps
              if p.key in selected and p.internship is not None]
    return internship_of(stages, session.facts, low, high, left)


def _options(session: Session, current: Internship | None) -> tuple[Option, ...]:
    """Distinct minimal ways to complete the file, the least additional experience first."""
    r = session.req
    found = []
    if current is not None:
        found.append(Option("internship", Fraction(0), False, "internship", current))
    for kind, _, category, only in OPTION_KINDS:
        var = r.add_any if only == "c:only-any-field" else r.add_in
        for target in (("c:no-internship-left",), ()):
            if not session.feasible((only,) + target):
                continue
            least = session.optimum(var, (only,) + target)
            if least.value is None or (least.value == 0 and least.closed):
                continue
            after = Session(r, session.facts.plus(category, least.value), session.backend)
            outcome = decide(after, with_options=False) if least.closed else None
            status = outcome.status if outcome else ("satisfied" if target else "internship")
            found.append(Option(kind, least.value, not least.closed, status,
                                outcome.internship if outcome else None))
    return minimal_options(found)


# ---------------------------------------------------------------- VAE


def vae_outcome(base: RuleBase, sources: tuple[str, ...], certification: str, year: int,
                facts: Facts, requests: tuple, backend: Backend | None = None) -> VaeOutcome:
    """Eligibility for a VAE request: the experience rules (Z3) and the yearly limits."""
    backend = backend or Backend()
    rules = tuple(v for v in base.vae if v.source in sources and v.in_force_during(year))
    experience_rules = [r for v in rules for r in v.experience]
    added = z3.Real("add")
    x = {c: q(facts.experience.get(c, 0)) for c in CATEGORIES}
    opt = backend.optimizer([added >= 0] + vae_experience(experience_rules, x, added))
    least = backend.extreme(opt, added)
    if least is None:
        raise SolverError("les règles de recevabilité VAE sont contradictoires")
    failing = _failing_limits(rules, certification, year, requests)
    counted = Fraction(min((r.counted(facts.experience) for r in experience_rules), default=0)).limit_denominator(1000)
    if (least.value and least.value > 0) or not least.attained:  # "de toute durée": some experience all the same
        status = "missing"
    elif failing:
        status = "limit"
    else:
        status = "eligible"
    missing = least.value or Fraction(0)
    if not least.attained:  # more than that: at least the next hundredth of a month (what the counting counts)
        missing += Fraction(1, 100)
    return VaeOutcome(status, missing, year + 1 if failing and year < MAX_YEAR else None, counted, rules, failing)


def vae_experience(experience_rules, x: dict, added) -> list[z3.BoolRef]:
    """The VAE experience rules met by the experience `x` (by category), with `added` months in the field that
    the candidate would still acquire."""
    met = []
    for rule in experience_rules:
        counted = z3.Sum([x[c] for c in CATEGORIES if rule.counts(c)] + (
            [added] if rule.counts(("in", "salaried", "sufficient")) else []))
        met.append(counted >= q(rule.least) if rule.least is not None else counted > 0)
    return met


def _failing_limits(rules, certification: str, year: int, requests: tuple) -> tuple:
    this_year = [r for r in requests if r.year == year]
    failing = []
    for v in rules:
        for limit in v.limits:
            if limit.per_certification:
                count = sum(1 for r in this_year if r.certification == certification)
            else:
                count = len({r.certification for r in this_year} - {certification})
            if count >= limit.most:
                failing.append(limit)
    return tuple(failing)


# ---------------------------------------------------------------- verification


def unsatisfiable_core(req: Requirement, pathway_key: str | None = None,
                       backend: Backend | None = None) -> tuple[Tracked, ...] | None:
    """None if some candidate meets the requirement (through that pathway, if given), else the rules why."""
    backend = backend or Backend()
    solver = backend.solver(req.constraints, minimal_core=True)
    if pathway_key is not None:
        solver.add(req.selectors[pathway_key])
    outcome = decided(backend.check(solver, list(req.rule_literals)))
    if isinstance(outcome, Sat):
        return None
    return tuple(req.tracked[name] for name in outcome.core if name in req.tracked)
