"""Rule bases and candidates' facts into outcomes: the only package that talks to Z3 (through `backend`).

`compile` turns a requirement into tracked Z3 constraints and `solver` asks them
(the truth); `closed_form` states the same decision once over abstract operations,
`program` traces it (the one code generator) and `proof` proves each question equal
to the constraints; `scalar`, `table` and `terms` evaluate that one statement on
exact integers, int64 columns and Z3 terms. `engine` answers one candidate from
the proved closed form, or from the solver. Importing the package does not import
Z3: the names that need it are loaded on first use.
"""

from .values import Bound, Facts, Internship, Option, Outcome, SolverError, SolverNeeded, VaeOutcome
from .engine import Engine

__all__ = ["Bound", "Engine", "Facts", "Internship", "Option", "Outcome", "SolverError", "SolverNeeded",
           "VaeOutcome"]
