"""A source's answer for every candidate at once: Z3 terms over a symbolic candidate's aggregated facts.

`engine.decide` answers one candidate by asking Z3 a few questions in turn;
`answer_terms` writes the same decision as one formula over an unknown
candidate (experience months by category, internships already done, an
optional jury decision), so that Z3 can look for candidates with given
answers: two sources that answer differently (`diff`), or a rule that never
matters (`lint`). The encoding mirrors `compile.py` rule by rule; every
candidate it finds is checked afterwards by running the real engine.

>>> c = Candidate.fresh()
>>> solver = z3.Solver()
>>> solver.add(c.domain() + [c.months(("in", "salaried", "sufficient")) == 3])
>>> solver.check() == z3.sat
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import z3
from z3.z3util import get_vars

from .compile import q
from ..language.model import ADDED_IN_FIELD, CATEGORIES, PROFESSIONAL_KINDS, ExperienceRule, GeneralRule, Pathway
from . import SolverError

STATUS_CODES = {"satisfied": 0, "internship": 1, "missing": 2, "conflict": 3}
STATUSES = tuple(STATUS_CODES)
MAX_MONTHS = 1200  # longest duration a candidate file accepts
FAR = 10 * MAX_MONTHS  # stands for "no such pathway" in a minimum
TIMEOUT_MS = 10_000
STAGE_CLASSES = (("in", True), ("in", False), ("out", True), ("out", False))  # (field, report)
# How much each kind of fact makes a witness harder to read (fewer, plainer facts first).
# Experience outside the field is the plainer fact: it counts wherever the field does not matter.
CATEGORY_COST = {"salaried": 10, "self_employed": 12, "volunteer": 13, "union": 13}
STAGE_COST = 14
DECISION_COST = 15


def var_name(category: tuple[str, str, str]) -> str:
    return "exp:" + ":".join(category)


def stage_name(field: str, report: bool) -> str:
    return f"stage:{field}:{'report' if report else 'plain'}"


DECISION = "decision"


@dataclass(frozen=True)
class Candidate:
    """An unknown candidate: months by experience category, internships done by class, a decision."""

    vars: dict[str, z3.ArithRef]  # var_name / stage_name / DECISION -> Real
    decided: z3.BoolRef
    bounds: tuple[z3.BoolRef, ...]

    @staticmethod
    def fresh(prefix: str = "") -> "Candidate":
        names = [var_name(c) for c in CATEGORIES] + [stage_name(f, r) for f, r in STAGE_CLASSES] + [DECISION]
        variables = {n: z3.Real(prefix + n) for n in names}
        decided = z3.Bool(prefix + "decided")
        bounds = [z3.And(v >= 0, v <= MAX_MONTHS) for v in variables.values()]
        bounds += [z3.Implies(decided, variables[DECISION] > 0),
                   z3.Implies(z3.Not(decided), variables[DECISION] == 0)]
        return Candidate(variables, decided, tuple(bounds))

    def months(self, category: tuple[str, str, str]) -> z3.ArithRef:
        return self.vars[var_name(category)]

    @property
    def decision(self) -> z3.ArithRef:
        return self.vars[DECISION]

    def domain(self) -> list[z3.BoolRef]:
        """What a valid candidate file can say: durations between 0 and 1200 months, a positive decision."""
        return list(self.bounds)

    def done(self, in_field: bool, report: bool) -> z3.ArithRef:
        """Months of internships done that count for an internship with these qualifiers."""
        return z3.Sum([self.vars[stage_name(f, r)] for f, r in STAGE_CLASSES
                       if (f == "in" or not in_field) and (r or not report)])

    def counted(self, rule: ExperienceRule) -> z3.ArithRef:
        terms = [self.months(c) for c in CATEGORIES if rule.counts(c)]
        return z3.Sum(terms) if terms else q(0)

    def meets(self, rule: ExperienceRule) -> z3.BoolRef:
        counted = self.counted(rule)
        return counted >= q(rule.least) if rule.least is not None else counted > 0

    def plain(self) -> list[z3.BoolRef]:
        """No internship done and no decision: a candidate described by experience alone."""
        return [self.vars[stage_name(f, r)] == 0 for f, r in STAGE_CLASSES] + [z3.Not(self.decided)]

    def fixed(self, values: dict[str, Fraction]) -> list[z3.BoolRef]:
        """The candidate is this one (values by variable name; a missing name is 0)."""
        eqs = [v == q(values.get(n, Fraction(0))) for n, v in self.vars.items()]
        return eqs + [self.decided == z3.BoolVal(values.get(DECISION, 0) > 0)]


@dataclass(frozen=True)
class Maybe:
    """A number the answer may leave out (JSON null): whether it is given, and its value."""

    given: z3.BoolRef
    value: z3.ArithRef

    def same(self, other: "Maybe") -> z3.BoolRef:
        return z3.And(self.given == other.given, z3.Implies(self.given, self.value == other.value))


@dataclass(frozen=True)
class AnswerTerms:
    """A source's answer as terms: status code, internship bounds, missing months."""

    status: z3.ArithRef
    low: Maybe
    high: Maybe
    standard: Maybe
    missing: z3.ArithRef
    decided: z3.BoolRef

    def same(self, other: "AnswerTerms") -> z3.BoolRef:
        """Whether both answers agree on what `explain.divergences` compares."""
        internship = z3.And(self.low.same(other.low), self.high.same(other.high),
                            self.standard.same(other.standard))
        return z3.And(self.status == other.status,
                      z3.Implies(self.status == STATUS_CODES["internship"], internship),
                      z3.Implies(self.status == STATUS_CODES["missing"], self.missing == other.missing))

    def is_status(self, status: str) -> z3.BoolRef:
        return self.status == STATUS_CODES[status]


# ---------------------------------------------------------------- one pathway


def stage_interval(p: Pathway) -> tuple[Fraction | None, Fraction | None]:
    """The lengths the pathway's internship may take, as compiled: (floor or None, ceiling or None)."""
    stage = p.internship
    low = stage.least
    if low is not None and stage.modulation is not None:
        low = min(low, stage.modulation.floor)
    if low is not None and low <= 0:
        low = None
    return low, stage.most


def _possible(p: Pathway) -> bool:
    low, high = stage_interval(p)
    return high is None or (high > 0 and (low is None or low <= high))


def _fits(p: Pathway, length: z3.ArithRef) -> z3.BoolRef:
    low, high = stage_interval(p)
    conditions = [length > 0]
    if low is not None:
        conditions.append(length >= q(low))
    if high is not None:
        conditions.append(length <= q(high))
    return z3.And(conditions)


def _experience(c: Candidate, p: Pathway) -> z3.BoolRef:
    return z3.And([c.meets(r) for r in p.experience]) if p.experience else z3.BoolVal(True)


def _general(c: Candidate, p: Pathway, generals: tuple[GeneralRule, ...]) -> z3.BoolRef:
    """`un stage seul ne suffit jamais`: some professional experience when an internship is needed."""
    if p.internship is None or not generals:
        return z3.BoolVal(True)
    professional = [c.months(k) for k in CATEGORIES if k[1] in PROFESSIONAL_KINDS]
    return z3.Sum(professional) > 0


def _done_enough(c: Candidate, p: Pathway) -> z3.BoolRef:
    """The internships already done make up a whole internship of this pathway."""
    done = c.done(p.internship.in_field, p.internship.needs_report)
    low, _ = stage_interval(p)
    free = z3.And(done > 0, done >= q(low)) if low is not None else done > 0
    return z3.If(c.decided, z3.And(_fits(p, c.decision), c.decision <= done), free)


def pathway_conditions(c: Candidate, p: Pathway, generals: tuple[GeneralRule, ...]) -> dict[str, z3.BoolRef]:
    """When the pathway satisfies the candidate, asks for an internship, or could with more experience."""
    experience, general = _experience(c, p), _general(c, p, generals)
    if p.internship is None:
        return {"satisfied": experience, "internship": z3.BoolVal(False), "open": z3.BoolVal(False),
                "fillable": _fillable(c, p)}
    possible = z3.BoolVal(_possible(p))
    decision_fits = z3.Implies(c.decided, _fits(p, c.decision))
    return {
        "satisfied": z3.And(experience, general, possible, _done_enough(c, p)),
        "internship": z3.And(experience, general, possible, decision_fits),
        "open": z3.And(experience, general, possible),  # an internship, were there no decision
        "fillable": z3.And(_fillable(c, p), possible, decision_fits),
    }


def _fillable(c: Candidate, p: Pathway) -> z3.BoolRef:
    """Additional salaried experience can meet every requirement the candidate does not meet yet."""
    return z3.And([c.meets(r) for r in p.experience if not r.counts(ADDED_IN_FIELD)] or [z3.BoolVal(True)])


def _deficit(c: Candidate, p: Pathway) -> z3.ArithRef:
    """The least additional experience (which counts everywhere) that meets every requirement."""
    gaps = [q(r.least) - c.counted(r) for r in p.experience if r.least is not None and r.counts(ADDED_IN_FIELD)]
    return _largest([q(0)] + gaps)


def _largest(terms: list[z3.ArithRef]) -> z3.ArithRef:
    result = terms[0]
    for t in terms[1:]:
        result = z3.If(t > result, t, result)
    return result


def _least(terms: list[z3.ArithRef]) -> z3.ArithRef:
    result = terms[0]
    for t in terms[1:]:
        result = z3.If(t < result, t, result)
    return result


# ---------------------------------------------------------------- a whole source


def answer_terms(c: Candidate, pathways: tuple[Pathway, ...], generals: tuple[GeneralRule, ...]) -> AnswerTerms:
    """The answer `engine.decide` gives a candidate under these pathways (one source), as terms."""
    conds = {p.key: pathway_conditions(c, p, generals) for p in pathways}
    satisfied = z3.Or([k["satisfied"] for k in conds.values()] or [z3.BoolVal(False)])
    internship = z3.Or([k["internship"] for k in conds.values()] or [z3.BoolVal(False)])
    opened = z3.Or([k["open"] for k in conds.values()] or [z3.BoolVal(False)])
    fillable = z3.Or([k["fillable"] for k in conds.values()] or [z3.BoolVal(False)])
    conflict = z3.Or(z3.And(c.decided, opened), z3.Not(fillable))
    status = z3.If(satisfied, 0, z3.If(internship, 1, z3.If(conflict, 3, 2)))
    missing = _least([q(FAR)] + [z3.If(conds[p.key]["fillable"], _deficit(c, p), q(FAR)) for p in pathways])
    staged = [(p, conds[p.key]["internship"]) for p in pathways if p.internship is not None]
    low, high, standard = _bounds(c, staged)
    return AnswerTerms(status, low, high, standard, missing, c.decided)


def _bounds(c: Candidate, staged: list[tuple[Pathway, z3.BoolRef]]) -> tuple[Maybe, Maybe, Maybe]:
    """Least and most internship over the pathways that ask for one, and the standard length."""
    lows = [(stage_interval(p)[0], on) for p, on in staged]
    highs = [(stage_interval(p)[1], on) for p, on in staged]
    low = Maybe(z3.Not(z3.Or([on for v, on in lows if v is None] or [z3.BoolVal(False)])),
                _least([q(FAR)] + [z3.If(on, q(v), q(FAR)) for v, on in lows if v is not None]))
    high = Maybe(z3.Not(z3.Or([on for v, on in highs if v is None] or [z3.BoolVal(False)])),
                 _largest([q(0)] + [z3.If(on, q(v), q(0)) for v, on in highs if v is not None]))
    standards = [(p.internship.standard, on) for p, on in staged if p.internship.standard is not None]
    standard = Maybe(z3.Or([on for _, on in standards] or [z3.BoolVal(False)]),
                     _largest([q(0)] + [z3.If(on, q(v), q(0)) for v, on in standards]))
    decided = lambda m: Maybe(z3.Or(c.decided, m.given), z3.If(c.decided, c.decision, m.value))  # noqa: E731
    return decided(low), decided(high), standard


# ---------------------------------------------------------------- reading models


def value(model: z3.ModelRef, term: z3.ExprRef) -> Fraction:
    """A rational value of a term in a model."""
    return number_of(model.eval(term, model_completion=True))


def number_of(v: z3.ExprRef) -> Fraction:
    """A Z3 numeral as a Fraction."""
    if z3.is_rational_value(v):
        return Fraction(v.as_fraction())
    if z3.is_int_value(v):
        return Fraction(v.as_long())
    if z3.is_algebraic_value(v):
        return Fraction(v.approx(6).as_fraction())
    raise SolverError(f"valeur non numérique dans le modèle : {v}")


def candidate_values(model: z3.ModelRef, c: Candidate) -> dict[str, Fraction]:
    """The candidate a model describes: nonzero values by variable name."""
    values = {n: value(model, v) for n, v in c.vars.items()}
    if not z3.is_true(model.eval(c.decided, model_completion=True)):
        values[DECISION] = Fraction(0)
    return {n: v for n, v in values.items() if v != 0}


@dataclass(frozen=True)
class Extreme:
    """An optimum Z3 found: its value, and whether some candidate has it (or only comes near)."""

    value: Fraction
    attained: bool


def extreme_of(bound: z3.ArithRef) -> Extreme | None:
    """Read an optimiser's bound (`36`, `24 + -1*epsilon`, `oo`); None when unbounded.

    >>> extreme_of(z3.RealVal(36) + z3.Real("epsilon"))
    Extreme(value=Fraction(36, 1), attained=False)
    """
    if "oo" in bound.sexpr():
        return None
    infinitesimals = get_vars(bound)
    exact = z3.simplify(z3.substitute(bound, *[(e, z3.RealVal(0)) for e in infinitesimals]))
    return Extreme(number_of(exact), not infinitesimals)


def check(solver: z3.Solver) -> z3.ModelRef | None:
    """A model, None when unsatisfiable; SolverError when Z3 cannot decide."""
    try:
        result = solver.check()
    except z3.Z3Exception as exc:
        raise SolverError(f"erreur du solveur : {exc}") from exc
    if result == z3.sat:
        return solver.model()
    if result == z3.unsat:
        return None
    raise SolverError(f"le solveur n'a pas pu conclure ({solver.reason_unknown()})")


def new_solver(constraints: list[z3.BoolRef]) -> z3.Solver:
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.add(constraints)
    return solver


def simplest(c: Candidate, constraints: list[z3.BoolRef], round_months: bool = True) -> dict[str, Fraction] | None:
    """The plainest candidate meeting the constraints: fewest and plainest facts, round months (whole
    years where possible, unless `round_months` is False), least time.

    Whole months are tried first; None when no candidate meets the constraints. Of candidates equally
    plain, the one with the fewest months of the last variables (`Candidate.vars`): the answer is a
    function of the constraints, not of the model Z3 happens to find first (which depends on the terms
    made before in the process).
    """
    for whole in (True, False):
        given = c.domain() + constraints
        roughness = []
        for name, v in c.vars.items():
            if whole:
                n = z3.Int("whole:" + name)
                given.append(v == z3.ToReal(n))
                if round_months and name.startswith("exp:"):
                    roughness.append(z3.If(z3.And(n > 0, n % 12 != 0), 1, 0))
        objectives = [z3.Sum([z3.If(v > 0, _cost(n), 0) for n, v in c.vars.items()])]
        objectives += [z3.Sum(roughness)] if roughness else []
        objectives.append(z3.Sum(list(c.vars.values())))
        model = _minimum(given, objectives)
        if model is None:
            continue
        found = candidate_values(model, c)
        plainest = given + [o == model.eval(o, model_completion=True) for o in objectives]
        if check(new_solver(plainest + [z3.Not(z3.And(c.fixed(found)))])) is None:
            return found  # the only one so plain (most often: one question, not thirteen more objectives)
        return candidate_values(_minimum(plainest, list(reversed(c.vars.values()))), c)
    return None


def _minimum(constraints: list[z3.BoolRef], objectives: list[z3.ArithRef]) -> z3.ModelRef | None:
    """A model minimising the objectives in turn (lexicographically); None when there is none."""
    opt = new_optimizer(constraints)
    for objective in objectives:
        opt.minimize(objective)
    return opt.model() if optimized(opt) else None


def new_optimizer(constraints: list[z3.BoolRef]) -> z3.Optimize:
    opt = z3.Optimize()
    opt.set("timeout", TIMEOUT_MS)
    opt.add(constraints)
    return opt


def optimized(opt: z3.Optimize) -> bool:
    """Whether the optimiser found its optimum (False: no model at all); SolverError when Z3 cannot decide."""
    try:
        result = opt.check()
    except z3.Z3Exception as exc:
        raise SolverError(f"erreur du solveur : {exc}") from exc
    if result == z3.unsat:
        return False
    if result != z3.sat:
        raise SolverError(f"le solveur n'a pas pu conclure ({opt.reason_unknown()})")
    return True


def _cost(name: str) -> int:
    if name == DECISION:
        return DECISION_COST
    if name.startswith("stage:"):
        return STAGE_COST
    _, field_, kind, level = name.split(":")
    return CATEGORY_COST[kind] + (field_ == "in") + (2 if level == "insufficient" else 0)
