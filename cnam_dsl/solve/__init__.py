"""The solving stage: every query to Z3 lives in this package (with `compile`), nowhere else.

`engine` answers one candidate (status, internship bounds, missing months,
options, conflicts); other modules of the package reason over the rule base
itself (comparisons, verification).
"""

from .engine import (
    Bound, Engine, Facts, Internship, Option, Outcome, Sat, Session, SolverError, Unknown, Unsat,
    VaeOutcome, decide, unsatisfiable_core, vae_outcome,
)

__all__ = [
    "Bound", "Engine", "Facts", "Internship", "Option", "Outcome", "Sat", "Session", "SolverError",
    "Unknown", "Unsat", "VaeOutcome", "decide", "unsatisfiable_core", "vae_outcome",
]
