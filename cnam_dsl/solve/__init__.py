"""The solving stage: every query to Z3 lives in this package (with `compile`), nowhere else.

`engine` answers one candidate (status, internship bounds, missing months,
options, conflicts), from a closed form proved equal to the constraints
(`fast`, proved by `proof`) or from the solver (`solver`); other modules of
the package reason over the rule base itself (comparisons, verification).
Importing the package does not import Z3: the names that need it are loaded
on first use.
"""

from .values import Bound, Facts, Internship, Option, Outcome, SolverError, SolverNeeded, VaeOutcome
from .engine import Engine

__all__ = ["Bound", "Engine", "Facts", "Internship", "Option", "Outcome", "SolverError", "SolverNeeded",
           "VaeOutcome"]
