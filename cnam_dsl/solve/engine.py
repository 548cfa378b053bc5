"""The solver engine: a candidate's answer from Z3 (status, bounds, what is missing, why).

Solver outcomes are values (`Sat`, `Unsat`, `Unknown`); `unknown` is never read
as `unsat`: it raises `SolverError`, which the command line turns into a clear
error. Every `z3.Z3Exception` is caught here, at this one boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction

import z3

from ..compile import Requirement, Tracked, compile_requirement, q
from ..model import CATEGORIES, RuleBase, VaeRules

TIMEOUT_MS = 5_000


class SolverError(Exception):
    """The solver could not decide (time limit or internal error): no answer is given."""


@dataclass(frozen=True, slots=True)
class Sat:
    model: z3.ModelRef


@dataclass(frozen=True, slots=True)
class Unsat:
    core: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unknown:
    reason: str


@dataclass(frozen=True, slots=True)
class Bound:
    """An optimum: its value, whether it is attained (closed), or None when unbounded."""

    value: Fraction | None
    closed: bool = True


@dataclass(frozen=True, slots=True)
class Internship:
    min_months: Fraction | None
    max_months: Fraction | None
    standard_months: Fraction | None
    decided_by: str | None
    in_field: bool
    report: bool
    done_months: Fraction
    remaining_min_months: Fraction | None


@dataclass(frozen=True, slots=True)
class Option:
    """One minimal way to complete the file: add experience (in the field or any), or an internship."""

    kind: str  # experience_in_field | experience_any_field | internship
    months: Fraction
    strict: bool  # True: strictly more than `months` is needed
    status: str  # the status once this is done: satisfied | internship
    internship: Internship | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rules say for one candidate, under one or several sources."""

    status: str  # satisfied | internship | missing | conflict
    internship: Internship | None
    missing_months: Fraction
    missing_strict: bool
    options: tuple[Option, ...]
    selected: frozenset[str]  # keys of the pathways the answer rests on
    core: tuple[Tracked, ...]  # for a conflict: the rules and facts that contradict each other


@dataclass(frozen=True)
class Facts:
    """A candidate's facts in the solver's terms (months are floats from the profile)."""

    experience: dict[tuple[str, str, str], float]
    done: dict[tuple[bool, bool], float]
    decision: float | None
    ue_acquired: int = 0

    @staticmethod
    def of(profile) -> "Facts":
        done = {}
        for in_field in (True, False):
            for report in (True, False):
                done[(in_field, report)] = sum(
                    i.months for i in profile.internships
                    if (i.field == "in" or not in_field) and (i.report or not report)
                )
        return Facts(profile.experience_months(), done, profile.decided_internship_months, profile.ue_acquired)

    def plus(self, category: tuple[str, str, str], months: Fraction) -> "Facts":
        experience = dict(self.experience)
        experience[category] = experience.get(category, 0.0) + float(months)
        return replace(self, experience=experience)


@dataclass
class Session:
    """One candidate's facts asserted over a compiled requirement (tracked, for cores)."""

    req: Requirement
    facts: Facts
    timeout_ms: int = TIMEOUT_MS
    fact_constraints: dict[str, z3.BoolRef] = field(default_factory=dict)
    fact_texts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        r, f = self.req, self.facts
        for c in CATEGORIES:
            months = f.experience.get(c, 0.0)
            self._fact(f"f:exp:{'_'.join(c)}", r.x[c] == q(months), describe_category(c, months))
        self._fact("f:done", z3.And([r.done[k] == q(v) for k, v in f.done.items()]),
                   f"stages déjà effectués : {fmt(f.done[(False, False)])} mois")
        if f.decision is not None:
            self._fact("f:decision", r.length == q(f.decision),
                       f"durée de stage décidée : {fmt(f.decision)} mois")
        self.conditions = {
            "c:no-additions": z3.And(r.add_in == 0, r.add_any == 0),
            "c:no-internship-left": r.todo == 0,
            "c:only-in-field": r.add_any == 0,
            "c:only-any-field": r.add_in == 0,
        }

    def _fact(self, name: str, constraint: z3.BoolRef, text: str) -> None:
        self.fact_constraints[name] = constraint
        self.fact_texts[name] = text

    def check(self, conditions: tuple[str, ...], without: tuple[str, ...] = ()) -> Sat | Unsat:
        """Is there an assignment with every rule, every fact (but `without`) and the conditions?"""
        solver = z3.Solver()
        solver.set("timeout", self.timeout_ms)
        solver.set("core.minimize", True)
        assumptions = []
        for name, lit in self.req.literals.items():
            assumptions.append(lit)
        for name, constraint in list(self.fact_constraints.items()) + [(c, self.conditions[c]) for c in conditions]:
            if name in without:
                continue
            lit = z3.Bool(name)
            solver.add(z3.Implies(lit, constraint))
            assumptions.append(lit)
        solver.add(self.req.constraints)
        outcome = _run(solver, assumptions)
        if isinstance(outcome, Unknown):
            raise SolverError(f"le solveur n'a pas pu conclure ({outcome.reason})")
        return outcome

    def optimum(self, objective: z3.ArithRef, conditions: tuple[str, ...], maximize: bool = False) -> Bound:
        """The least (or most) value of the objective under every rule, fact and condition."""
        opt = z3.Optimize()
        opt.set("timeout", self.timeout_ms)
        opt.add(self.req.constraints)
        opt.add(list(self.req.literals.values()))
        opt.add(list(self.fact_constraints.values()))
        opt.add([self.conditions[c] for c in conditions])
        handle = opt.maximize(objective) if maximize else opt.minimize(objective)
        try:
            result = opt.check()
        except z3.Z3Exception as exc:
            raise SolverError(f"erreur du solveur : {exc}") from exc
        if result != z3.sat:
            raise SolverError(f"optimisation impossible ({result}: {opt.reason_unknown()})")
        return _bound(opt.upper(handle) if maximize else opt.lower(handle))

    def tracked_core(self, core: tuple[str, ...]) -> tuple[Tracked, ...]:
        items = []
        for name in core:
            if name in self.req.tracked:
                items.append(self.req.tracked[name])
            elif name in self.fact_texts:
                items.append(Tracked(name, "fact", None, None, self.fact_texts[name]))
        return tuple(items)


def _run(solver: z3.Solver, assumptions: list) -> Sat | Unsat | Unknown:
    try:
        result = solver.check(*assumptions)
        if result == z3.sat:
            return Sat(solver.model())
        if result == z3.unsat:
            return Unsat(tuple(str(lit) for lit in solver.unsat_core()))
        return Unknown(solver.reason_unknown())
    except z3.Z3Exception as exc:
        return Unknown(str(exc))


def _bound(expr: z3.ArithRef) -> Bound:
    text = expr.sexpr()
    if "oo" in text:
        return Bound(None)
    closed = "epsilon" not in text
    if not closed:
        eps = [c for c in _constants(expr) if c.decl().name() == "epsilon"]
        expr = z3.simplify(z3.substitute(expr, *[(e, z3.RealVal(0)) for e in eps]))
    return Bound(Fraction(expr.as_fraction()) if z3.is_rational_value(expr) else Fraction(expr.as_long()),
                 closed)


def _constants(expr: z3.ExprRef) -> list:
    if z3.is_const(expr) and not z3.is_rational_value(expr) and not z3.is_int_value(expr):
        return [expr]
    return [c for child in expr.children() for c in _constants(child)]


def fmt(months: float | Fraction) -> str:
    value = round(float(months), 2)
    return str(int(value)) if value == int(value) else f"{value:g}".replace(".", ",")


def describe_category(category: tuple[str, str, str], months: float) -> str:
    from ..describe import KIND_FR

    field_, kind, level = category
    where = "dans le domaine" if field_ == "in" else "hors domaine"
    level_fr = ", niveau insuffisant" if level == "insufficient" else ""
    return f"expérience {where}, {KIND_FR[kind]}{level_fr} : {fmt(months)} mois"


# ---------------------------------------------------------------- answers


class Engine:
    """A rule base compiled on demand, one requirement per (sources, diploma, milestone, day)."""

    def __init__(self, base: RuleBase, timeout_ms: int = TIMEOUT_MS):
        self.base = base
        self.timeout_ms = timeout_ms
        self._compiled: dict[tuple, Requirement] = {}

    def requirement(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date) -> Requirement:
        key = (sources, diploma, milestone, on)
        if key not in self._compiled:
            self._compiled[key] = compile_requirement(self.base, sources, diploma, milestone, on)
        return self._compiled[key]

    def outcome(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
                with_options: bool = True) -> Outcome:
        session = Session(self.requirement(sources, diploma, milestone, on), facts, self.timeout_ms)
        return decide(session, with_options)


def decide(session: Session, with_options: bool = True) -> Outcome:
    """The status and its amounts, in the order: satisfied, internship, conflict, missing."""
    base = ("c:no-additions",)
    done = session.check(base + ("c:no-internship-left",))
    if isinstance(done, Sat):
        return Outcome("satisfied", None, Fraction(0), False, (), _selected(session, done), ())
    with_stage = session.check(base)
    if isinstance(with_stage, Sat):
        internship = internship_bounds(session, base, with_stage)
        options = _options(session, internship) if with_options else ()
        return Outcome("internship", internship, Fraction(0), False, options,
                       _selected(session, with_stage), ())
    if session.facts.decision is not None and isinstance(session.check(base, without=("f:decision",)), Sat):
        return _conflict(session, with_stage)
    more = session.check(())
    if isinstance(more, Unsat):
        return _conflict(session, with_stage)
    least = session.optimum(session.req.add_in + session.req.add_any, ())
    options = _options(session, None) if with_options else ()
    return Outcome("missing", None, least.value, not least.closed, options, frozenset(), ())


def _conflict(session: Session, unsat: Unsat) -> Outcome:
    core = tuple(t for t in session.tracked_core(unsat.core) if t.key != "c:no-additions")
    return Outcome("conflict", None, Fraction(0), False, (), frozenset(), core)


def _selected(session: Session, sat: Sat) -> frozenset[str]:
    model = sat.model
    return frozenset(k for k, sel in session.req.selectors.items() if z3.is_true(model.eval(sel)))


def internship_bounds(session: Session, conditions: tuple[str, ...], sat: Sat) -> Internship:
    """Least and most internship the rules allow (modulations in the candidate's favour)."""
    r = session.req
    low = session.optimum(r.length, conditions)
    high = session.optimum(r.length, conditions, maximize=True)
    left = session.optimum(r.todo, conditions)
    stages = [p.internship for ps in r.pathways.values() for p in ps
              if p.key in _selected(session, sat) and p.internship is not None]
    standards = [s.standard for s in stages if s.standard is not None]
    deciders = sorted({s.decided_by for s in stages if s.decided_by})
    in_field = any(s.in_field for s in stages)
    report = any(s.needs_report for s in stages)
    done = Fraction(session.facts.done[(in_field, report)]).limit_denominator(1000)
    if session.facts.decision is not None:
        low = high = Bound(Fraction(session.facts.decision).limit_denominator(1000))
    return Internship(
        low.value if low.closed else None,
        high.value,
        max(standards) if standards else None,
        "jury" if "jury" in deciders else (deciders[0] if deciders else None),
        in_field, report, done,
        left.value if left.closed else None,
    )


def _options(session: Session, current: Internship | None) -> tuple[Option, ...]:
    """Distinct minimal ways to complete the file, the least additional experience first."""
    r = session.req
    found = []
    if current is not None:
        found.append(Option("internship", Fraction(0), False, "internship", current))
    for kind, only, var, category in (
        ("experience_any_field", "c:only-any-field", r.add_any, ("out", "salaried", "sufficient")),
        ("experience_in_field", "c:only-in-field", r.add_in, ("in", "salaried", "sufficient")),
    ):
        for target in (("c:no-internship-left",), ()):
            if isinstance(session.check((only,) + target), Unsat):
                continue
            least = session.optimum(var, (only,) + target)
            if least.value is None or (least.value == 0 and least.closed):
                continue
            after = Session(r, session.facts.plus(category, least.value), session.timeout_ms)
            outcome = decide(after, with_options=False) if least.closed else None
            status = outcome.status if outcome else ("satisfied" if target else "internship")
            found.append(Option(kind, least.value, not least.closed, status,
                                outcome.internship if outcome else None))
    return _minimal(found)


def _minimal(options: list[Option]) -> tuple[Option, ...]:
    strength = {"internship": 0, "experience_any_field": 1, "experience_in_field": 2}
    result = {"satisfied": 1, "internship": 0, "missing": -1, "conflict": -1}

    def dominates(a: Option, b: Option) -> bool:
        return (strength[a.kind] <= strength[b.kind] and a.months <= b.months
                and result[a.status] >= result[b.status] and a != b)

    kept = [o for o in options if not any(dominates(other, o) for other in options)
            and result[o.status] >= 0]
    unique = list(dict.fromkeys(kept))
    return tuple(sorted(unique, key=lambda o: (o.months, strength[o.kind])))


# ---------------------------------------------------------------- VAE


@dataclass(frozen=True, slots=True)
class VaeOutcome:
    status: str  # eligible | missing | limit
    missing_months: Fraction
    next_possible_year: int | None
    counted_months: Fraction
    rules: tuple[VaeRules, ...]
    failing_limits: tuple[object, ...]


def vae_outcome(base: RuleBase, sources: tuple[str, ...], certification: str, year: int,
                facts: Facts, requests: tuple) -> VaeOutcome:
    """Eligibility for a VAE request: the experience rules (Z3) and the yearly limits."""
    rules = tuple(v for v in base.vae if v.source in sources and v.in_force_during(year))
    experience_rules = [r for v in rules for r in v.experience]
    added = z3.Real("add")
    x = {c: q(facts.experience.get(c, 0.0)) for c in CATEGORIES}
    opt = z3.Optimize()
    opt.set("timeout", TIMEOUT_MS)
    opt.add(added >= 0)
    for rule in experience_rules:
        counted = z3.Sum([x[c] for c in CATEGORIES if rule.counts(c)] + (
            [added] if rule.counts(("in", "salaried", "sufficient")) else []))
        opt.add(counted >= q(rule.least) if rule.least is not None else counted > 0)
    handle = opt.minimize(added)
    try:
        if opt.check() != z3.sat:
            raise SolverError("les règles de recevabilité VAE sont contradictoires")
    except z3.Z3Exception as exc:
        raise SolverError(f"erreur du solveur : {exc}") from exc
    least = _bound(opt.lower(handle))
    failing = _failing_limits(rules, certification, year, requests)
    counted = Fraction(min((r.counted(facts.experience) for r in experience_rules), default=0)).limit_denominator(1000)
    if least.value and least.value > 0:
        status = "missing"
    elif failing:
        status = "limit"
    else:
        status = "eligible"
    return VaeOutcome(status, least.value or Fraction(0), year + 1 if failing else None, counted,
                      rules, failing)


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


def unsatisfiable_core(req: Requirement, pathway_key: str | None = None) -> tuple[Tracked, ...] | None:
    """None if some candidate meets the requirement (through that pathway, if given), else the rules why."""
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.set("core.minimize", True)
    solver.add(req.constraints)
    assumptions = list(req.rule_literals)
    if pathway_key is not None:
        solver.add(req.selectors[pathway_key])
    outcome = _run(solver, assumptions)
    if isinstance(outcome, Unknown):
        raise SolverError(f"le solveur n'a pas pu conclure ({outcome.reason})")
    if isinstance(outcome, Sat):
        return None
    return tuple(req.tracked[name] for name in outcome.core if name in req.tracked)
