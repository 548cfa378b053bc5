"""The solving stage: every query to Z3 lives in this package (with `compile`), nowhere else.

`engine` answers one candidate (status, internship bounds, missing months,
options, conflicts), from a closed form proved equal to the constraints
(`fast`, proved by `proof`) or from the solver (`solver`); other modules of
the package reason over the rule base itself (comparisons, verification).
Importing the package does not import Z3: the names that need it are loaded
on first use.
"""

from .values import Bound, Facts, Internship, Option, Outcome, SolverError, VaeOutcome
from .engine import Engine, vae_outcome

_SOLVER_NAMES = frozenset({"Sat", "Session", "Unknown", "Unsat", "decide", "unsatisfiable_core"})


def __getattr__(name: str):
    if name in _SOLVER_NAMES:
        from . import solver

        return getattr(solver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Bound", "Engine", "Facts", "Internship", "Option", "Outcome", "Sat", "Session", "SolverError",
    "Unknown", "Unsat", "VaeOutcome", "decide", "unsatisfiable_core", "vae_outcome",
]
