"""Prove with Z3 that a closed form (`fast.ClosedForm`) answers as the compiled constraints do, for every candidate.

The closed form's program (`program.Program`, the very one that runs) is
evaluated on Z3 terms over a symbolic candidate: the requirement's own
variables for the months and the internships done, and a symbolic decided
length. For each question the engine asks (what may be added, whether the
internship must be done) and each combination of pathways, Z3 must refute:

- a candidate and a point satisfying the constraints of that combination
  while the closed form says the combination cannot hold;
- a candidate for whom the closed form says it holds while no point does
  (a `ForAll` over the point: linear real arithmetic, which Z3 decides);

and, for each optimum the engine reads (least experience to add, least and
most internship, least left to do): a point beyond it, a candidate for whom
it is said attained and is not, or said open and is not approached. The
value is named outside the quantifiers, which keeps them small. Anything Z3
cannot refute (a counterexample, or `unknown`) leaves the closed form
unproved: the engine then asks the solver, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import z3

from .backend import Backend, Sat, Unsat, constants
from .compile import Requirement
from ..language.model import CATEGORIES
from .closed_form import QUESTIONS, Inputs, Optimum
from .program import ClosedForm
from .solver import conditions
from .values import DONE_KEYS

CONDITIONS = {"none": ("c:no-additions",), "in": ("c:only-in-field",), "any": ("c:only-any-field",), "both": ()}


class Terms:
    """The closed form's operations on Z3 terms."""

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


@dataclass
class Proof:
    """What was asked of Z3, and the first obligation it could not refute (None: all proved)."""

    backend: Backend
    obligations: int = 0
    failed: str | None = None
    counterexample: str | None = None

    def refute(self, name: str, *formulas) -> bool:
        self.obligations += 1
        outcome = self.backend.check(self.backend.solver(formulas))
        if isinstance(outcome, Unsat):
            return True
        self.failed = name
        self.counterexample = str(outcome.model) if isinstance(outcome, Sat) else f"unknown: {outcome.reason}"
        return False


def prove(form: ClosedForm, req: Requirement, backend: Backend | None = None) -> bool:
    """Whether the closed form answers every question as the constraints do (see the module's docstring)."""
    return check(form, req, backend).failed is None


def check(form: ClosedForm, req: Requirement, backend: Backend | None = None) -> Proof:
    proof = Proof(backend or Backend())
    plan = form.plan
    ops = Terms()
    has_dec, dec = z3.Bool("proof:decided"), z3.Real("proof:decision")
    complement = z3.Real("proof:complement")
    inputs = Inputs(tuple(req.x[c] for c in CATEGORIES), tuple(req.done[k] for k in DONE_KEYS), has_dec, dec,
                    req.by_commission, complement, req.duties)
    true = z3.BoolVal(True)
    rules = [z3.substitute(c, *[(lit, true) for lit in req.literals.values()]) for c in req.constraints]
    # The candidate's facts as `solver.Session` asserts them, over symbolic values.
    model = z3.And(rules + [z3.Implies(has_dec, z3.And(req.decided, req.length == dec)),
                            req.add_in + req.add_any >= complement])
    domain = z3.And([v >= 0 for v in inputs.x + inputs.done] + [dec >= 0, complement >= 0])
    given = {v.get_id() for v in inputs.x + inputs.done + (has_dec, dec, complement, req.by_commission, req.duties)}
    given |= {z3.Real(name).get_id() for name in ("proof:value", "proof:beyond", "proof:epsilon")}
    asked = {name: z3.substitute(c, (req.has_decision, has_dec)) for name, c in conditions(req).items()}
    # The constraints with one pathway per source selected (the others not): every point of the
    # constraints is a point of one of these (checked first), so "no point" splits into one
    # quantifier per combination, each over a plain conjunction.
    restricted = [_restrict(model, req, c) for c in plan.combinations]
    if not proof.refute("a point outside every combination", model, *[z3.Not(m) for m in restricted]):
        return proof
    answers = form.program.evaluate(ops, inputs)
    for mode, todo_zero in QUESTIONS:
        answer = answers[(mode, todo_zero)]
        names = CONDITIONS[mode] + (("c:no-internship-left",) if todo_zero else ())
        asked_here = z3.And([asked[n] for n in names])
        label = f"{mode}{'/done' if todo_zero else ''}"

        def nowhere(condition=true):
            return z3.And([_nowhere(z3.And(m, asked_here, condition), given) for m in restricted])

        for combination, feasible, only in zip(plan.combinations, answer.feasible, restricted):
            chosen = z3.And([req.selectors[b.key] for b in combination.branches])
            where = f"{label} {'+'.join(b.key for b in combination.branches)}"
            if not (proof.refute(f"{where}: holds, said not to", domain, model, asked_here, chosen, z3.Not(feasible))
                    and proof.refute(f"{where}: said to hold, cannot", domain, feasible,
                                     _nowhere(z3.And(only, asked_here), given))):
                return proof
        if mode == "none" and todo_zero:
            continue  # the engine reads no optimum there
        objectives = ([(req.length, answer.low, False), (req.length, answer.high, True), (req.todo, answer.left, False)]
                      if mode == "none" else [(_added(req, mode), answer.least_added, False)])
        for objective, optimum, most in objectives:
            if not _optimum(proof, f"{label} {objective}", domain, z3.And(model, asked_here), nowhere,
                            answer.any_feasible, objective, optimum, most):
                return proof
    return proof


def _restrict(model, req: Requirement, combination):
    chosen = {b.key for b in combination.branches}
    pairs = [(sel, z3.BoolVal(key in chosen)) for key, sel in req.selectors.items()]
    return z3.simplify(z3.substitute(model, *pairs))


def _nowhere(body, given: set[int]):
    """No point (the constants of the body other than the candidate's) satisfies the body."""
    point = [c for c in constants(body) if c.get_id() not in given]
    return z3.ForAll(point, z3.Not(body)) if point else z3.Not(body)


def _added(req: Requirement, mode: str):
    return {"in": req.add_in, "any": req.add_any, "both": req.add_in + req.add_any}[mode]


def _optimum(proof: Proof, name: str, domain, question, nowhere, feasible, objective, o: Optimum,
             most: bool) -> bool:
    # The closed form's value is named outside the quantifier: the quantified body stays linear and small.
    v = z3.Real("proof:value")
    named = z3.And(domain, feasible, v == o.value)
    if most:
        beyond = z3.Real("proof:beyond")
        return (proof.refute(f"{name}: beyond the most", named, question, o.bounded, objective > v)
                and proof.refute(f"{name}: most not reached", named, o.bounded, nowhere(objective >= v))
                and proof.refute(f"{name}: bounded, said not", named, z3.Not(o.bounded),
                                 nowhere(objective > beyond)))
    epsilon = z3.Real("proof:epsilon")
    return (proof.refute(f"{name}: below the least", named, question,
                         z3.Or(objective < v, z3.And(z3.Not(o.closed), objective <= v)))
            and proof.refute(f"{name}: least not attained", named, o.closed, nowhere(objective <= v))
            and proof.refute(f"{name}: least not approached", named, z3.Not(o.closed), epsilon > 0,
                             nowhere(objective < v + epsilon)))
