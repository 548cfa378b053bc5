"""The one boundary with Z3: every solver and optimiser is made here, with the time limit, and every result comes
back as a value, `Sat(model) | Unsat(core) | Unknown(reason)`.

Nothing else in the project calls `z3.Solver()` or `z3.Optimize()`. `unknown`
is never read as `unsat`: the callers that need an answer turn it into
`SolverError` (`decided`), which the front ends report as "could not answer".
Every `z3.Z3Exception` is caught here. A test that needs the solver to give
up injects a `Backend` whose outcomes are fixed (`Forced`), never a tiny
time limit (a fast machine would answer within it).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import z3

from .values import SolverError

TIMEOUT_MS = 5_000  # each query, unless the caller sets another limit
# Preprocessing that makes large formulas over a closed form's terms (equalities tying its inputs to a
# candidate's facts, many if-then-elses) quick to decide: measured on the certification of an incomplete
# file's completions, 60-120 ms with the default solver, 9 ms with these steps first.
PREPROCESSED = ("simplify", "propagate-values", "solve-eqs", "elim-term-ite", "smt")


@dataclass(frozen=True, slots=True)
class Sat:
    model: z3.ModelRef | None


@dataclass(frozen=True, slots=True)
class Unsat:
    core: tuple[str, ...]  # the names of the assumptions in the unsat core


@dataclass(frozen=True, slots=True)
class Unknown:
    reason: str


Outcome = Sat | Unsat | Unknown


@dataclass(frozen=True, slots=True)
class Extreme:
    """An optimum: its value (None: unbounded) and whether it is attained (False: only approached)."""

    value: Fraction | None
    attained: bool = True


def decided(outcome: Outcome) -> Sat | Unsat:
    """The outcome, or SolverError when Z3 could not decide."""
    if isinstance(outcome, Unknown):
        raise SolverError(f"le solveur n'a pas pu conclure ({outcome.reason})")
    return outcome


class Backend:
    """Makes Z3's solvers and optimisers with a time limit per query, and reads their results as values."""

    def __init__(self, timeout_ms: int | None = None) -> None:
        self.timeout_ms = timeout_ms or TIMEOUT_MS

    def solver(self, constraints=(), *, minimal_core: bool = False, preprocessed: bool = False) -> z3.Solver:
        """A plain solver holding the constraints (a minimal core when asked; the formulas simplified first by
        `PREPROCESSED` when asked: no unsat core then)."""
        solver = z3.Then(*PREPROCESSED).solver() if preprocessed else z3.Solver()
        solver.set("timeout", self.timeout_ms)
        if minimal_core:
            solver.set("core.minimize", True)
        solver.add(*constraints)
        return solver

    def optimizer(self, constraints=()) -> z3.Optimize:
        opt = z3.Optimize()
        opt.set("timeout", self.timeout_ms)
        opt.add(*constraints)
        return opt

    def check(self, solver: z3.Solver | z3.Optimize, assumptions=()) -> Outcome:
        """Whether the solver's constraints (and the assumptions) can hold: Sat with a model, Unsat with the
        names in the core, or Unknown with Z3's reason. (Never give an Optimize assumptions: it answers
        `unknown` when the least value is 0.)"""
        try:
            result = solver.check(*assumptions)
            if result == z3.sat:
                return Sat(solver.model())
            if result == z3.unsat:
                core = solver.unsat_core() if isinstance(solver, z3.Solver) else ()
                return Unsat(tuple(str(lit) for lit in core))
            return Unknown(solver.reason_unknown())
        except z3.Z3Exception as exc:
            return Unknown(f"erreur du solveur : {exc}")

    def satisfiable(self, constraints) -> bool:
        """Whether the constraints can all hold (SolverError when Z3 cannot decide)."""
        return isinstance(decided(self.check(self.solver(constraints))), Sat)

    def model(self, constraints, *, preprocessed: bool = False) -> z3.ModelRef | None:
        """A model of the constraints, None when they cannot hold (SolverError when Z3 cannot decide)."""
        outcome = decided(self.check(self.solver(constraints, preprocessed=preprocessed)))
        return outcome.model if isinstance(outcome, Sat) else None

    def extreme(self, opt: z3.Optimize, objective: z3.ArithRef, maximize: bool = False) -> Extreme | None:
        """The least (or most) value of the objective under the optimiser's constraints, None when they cannot
        hold; SolverError when Z3 cannot decide."""
        handle = opt.maximize(objective) if maximize else opt.minimize(objective)
        outcome = decided(self.check(opt))
        if isinstance(outcome, Unsat):
            return None
        return extreme_of(opt.upper(handle) if maximize else opt.lower(handle))

    def lexicographic(self, constraints, objectives) -> z3.ModelRef | None:
        """A model minimising the objectives in turn; None when the constraints cannot hold."""
        opt = self.optimizer(constraints)
        for objective in objectives:
            opt.minimize(objective)
        outcome = decided(self.check(opt))
        return outcome.model if isinstance(outcome, Sat) else None


class Forced(Backend):
    """A backend whose every query gives the same outcome (`Unknown`, say): for tests of what the tools do
    when the solver gives up, whatever the machine's speed."""

    def __init__(self, outcome: Outcome, timeout_ms: int | None = None) -> None:
        super().__init__(timeout_ms)
        self.outcome = outcome

    def check(self, solver, assumptions=()) -> Outcome:
        return self.outcome


def extreme_of(bound: z3.ArithRef) -> Extreme:
    """An optimiser's bound read as a value (`36`, `24 + -1*epsilon`, `oo`).

    >>> extreme_of(z3.RealVal(36) + z3.Real("epsilon"))
    Extreme(value=Fraction(36, 1), attained=False)
    """
    if "oo" in bound.sexpr():
        return Extreme(None)
    epsilons = [c for c in constants(bound) if c.decl().name() == "epsilon"]
    exact = z3.simplify(z3.substitute(bound, *[(e, z3.RealVal(0)) for e in epsilons])) if epsilons else bound
    return Extreme(number_of(exact), not epsilons)


def number_of(v: z3.ExprRef) -> Fraction:
    """A Z3 numeral as a Fraction."""
    if z3.is_rational_value(v):
        return Fraction(v.as_fraction())
    if z3.is_int_value(v):
        return Fraction(v.as_long())
    if z3.is_algebraic_value(v):
        return Fraction(v.approx(6).as_fraction())
    raise SolverError(f"valeur non numérique dans le modèle : {v}")


def value(model: z3.ModelRef, term: z3.ExprRef) -> Fraction:
    """A rational value of a term in a model."""
    return number_of(model.eval(term, model_completion=True))


def q(value: Fraction | float | int) -> z3.ArithRef:
    """A number of months as a Z3 rational (floats read as the closest fraction of denominator ≤ 10⁶)."""
    value = Fraction(value).limit_denominator(10**6)
    return z3.RealVal(f"{value.numerator}/{value.denominator}")


def constants(expr) -> list:
    """The uninterpreted constants of a formula, each once."""
    seen, found, todo = set(), [], [expr]
    while todo:
        e = todo.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            found.append(e)
        todo.extend(e.children())
    return found

