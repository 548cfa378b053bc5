"""The rules' answer for every candidate at once: the proved program evaluated on Z3 terms over an unknown candidate.

`Candidate.fresh()` is a candidate whose aggregated facts are Z3 variables
(months by category of experience, internships done by class, a decided
length). `answer_terms` evaluates the closed form's decision
(`closed_form.decision`, through `program.Program`, the statement the proof
is about and the engine runs) on it, so that Z3 can look for candidates with
given answers: two sources that answer differently (`witness`), a rule that
never matters (`findings`), the plainest candidate at a threshold
(`boundaries`). There is no other statement of the decision here; every
candidate found is checked afterwards by running the real engine.

>>> c = Candidate.fresh()
>>> Backend().satisfiable(c.domain() + [c.months(("in", "salaried", "sufficient")) == 3])
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import z3

from ..language.model import CATEGORIES, DONE_KEYS, ExperienceRule, done_counts
from .backend import Backend, q, value
from .closed_form import STATUSES, Inputs, Plan
from .program import ClosedForm

STATUS_CODES = {s: i for i, s in enumerate(STATUSES)}
MAX_MONTHS = 1200  # longest duration a candidate file accepts
STAGE_CLASSES = (("in", True), ("in", False), ("out", True), ("out", False))  # (field, report)


class Terms:
    """The closed form's operations on Z3 terms (months are reals, codes integers)."""

    true, false = z3.BoolVal(True), z3.BoolVal(False)

    def const(self, value: Fraction):
        return z3.RealVal(f"{value.numerator}/{value.denominator}")

    def code(self, value: int):
        return z3.IntVal(value)

    def add(self, a, b):
        return a + b

    def sub(self, a, b):
        return a - b

    def max(self, a, b):
        return z3.If(a >= b, a, b)

    def min(self, a, b):
        return z3.If(a <= b, a, b)

    def ite(self, c, a, b):
        return z3.If(c, a, b)

    def ge(self, a, b):
        return a >= b

    def gt(self, a, b):
        return a > b

    def eq(self, a, b):
        return a == b

    def and_(self, a, b):
        return z3.And(a, b)

    def or_(self, a, b):
        return z3.Or(a, b)

    def not_(self, a):
        return z3.Not(a)


SEARCH_MS = 10_000  # each query of a search for witnesses
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

    def done(self, required: tuple[bool, bool]) -> z3.ArithRef:
        """Months of internships done that count for a required internship (`model.done_counts`)."""
        return z3.Sum([self.vars[stage_name(f, r)] for f, r in STAGE_CLASSES if done_counts(required, f, r)])

    def inputs(self) -> Inputs:
        """The candidate as the closed form's inputs."""
        return Inputs(tuple(self.months(c) for c in CATEGORIES), tuple(self.done(k) for k in DONE_KEYS),
                      self.decided, self.decision)

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
    """A side's answer as terms: status code, internship bounds as the answer states them, missing months."""

    status: z3.ArithRef
    low: Maybe
    high: Maybe
    standard: Maybe
    missing: z3.ArithRef
    decided: z3.BoolRef
    feasible: tuple  # per combination of pathways, whether it can hold with an internship left to do

    def same(self, other: "AnswerTerms") -> z3.BoolRef:
        """Whether both answers agree on what `explain.divergences` compares."""
        internship = z3.And(self.low.same(other.low), self.high.same(other.high),
                            self.standard.same(other.standard))
        return z3.And(self.status == other.status,
                      z3.Implies(self.status == STATUS_CODES["internship"], internship),
                      z3.Implies(self.status == STATUS_CODES["missing"], self.missing == other.missing))

    def is_status(self, status: str) -> z3.BoolRef:
        return self.status == STATUS_CODES[status]


def answer_terms(c: Candidate, form: ClosedForm | None) -> AnswerTerms:
    """The answer the engine gives a candidate under a requirement's closed form (None: no pathway, which the
    engine answers « conflit »), as terms: the program's decision evaluated on the candidate's variables,
    its internship written as `values.internship_of` writes it."""
    if form is None:
        none = Maybe(z3.BoolVal(False), q(0))
        return AnswerTerms(z3.IntVal(STATUS_CODES["conflict"]), none, none, none, q(0), c.decided, ())
    ops = Terms()
    answers = form.program.evaluate(ops, c.inputs(), (("none", False), "decision"))
    d = answers["decision"]
    plan = form.plan
    low = Maybe(z3.Or(c.decided, d.low.closed), z3.If(c.decided, c.decision, d.low.value))
    high = Maybe(z3.Or(c.decided, d.high.bounded), z3.If(c.decided, c.decision, d.high.value))
    standards = [max((s.standard for s in _stages(plan, i) if s.standard is not None), default=None)
                 for i in range(len(plan.combinations))]
    given, amount = z3.BoolVal(False), q(0)
    for i in range(len(standards) - 1, -1, -1):
        here = d.combination == i
        given = z3.If(here, z3.BoolVal(standards[i] is not None), given)
        amount = z3.If(here, q(standards[i] or 0), amount)
    return AnswerTerms(d.status, low, high, Maybe(given, amount), d.least.value, c.decided,
                       answers[("none", False)].feasible)


def _stages(plan: Plan, combination: int) -> list:
    keys = {b.key for b in plan.combinations[combination].branches}
    return [s for bs, ss in zip(plan.branches, plan.stages) for b, s in zip(bs, ss) if b.key in keys and s is not None]


def candidate_values(model: z3.ModelRef, c: Candidate) -> dict[str, Fraction]:
    """The candidate a model describes: nonzero values by variable name."""
    values = {n: value(model, v) for n, v in c.vars.items()}
    if not z3.is_true(model.eval(c.decided, model_completion=True)):
        values[DECISION] = Fraction(0)
    return {n: v for n, v in values.items() if v != 0}


def simplest(c: Candidate, constraints: list[z3.BoolRef], round_months: bool = True,
             backend: Backend | None = None) -> dict[str, Fraction] | None:
    """The plainest candidate meeting the constraints: fewest and plainest facts, round months (whole
    years where possible, unless `round_months` is False), least time.

    Whole months are tried first; None when no candidate meets the constraints. Of candidates equally
    plain, the one with the fewest months of the last variables (`Candidate.vars`): the answer is a
    function of the constraints, not of the model Z3 happens to find first (which depends on the terms
    made before in the process).
    """
    backend = backend or Backend(SEARCH_MS)
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
        model = backend.lexicographic(given, objectives)
        if model is None:
            continue
        found = candidate_values(model, c)
        plainest = given + [o == model.eval(o, model_completion=True) for o in objectives]
        if not backend.satisfiable(plainest + [z3.Not(z3.And(c.fixed(found)))]):
            return found  # the only one so plain (most often: one question, not thirteen more objectives)
        return candidate_values(backend.lexicographic(plainest, list(reversed(c.vars.values()))), c)
    return None


def _cost(name: str) -> int:
    if name == DECISION:
        return DECISION_COST
    if name.startswith("stage:"):
        return STAGE_COST
    _, field_, kind, level = name.split(":")
    return CATEGORY_COST[kind] + (field_ == "in") + (2 if level == "insufficient" else 0)
