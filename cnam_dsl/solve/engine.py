"""The engine: a candidate's answer (status, bounds, what is missing, why), from a proved closed form or Z3.

For each requirement asked, the engine derives the closed form of its
constraints (`fast.plan_of`) and has Z3 prove it equal to them (`proof.prove`,
once per requirement, remembered in `proofs` across runs); a proved closed form
answers without a solver. The solver (`solver.decide`) answers everything
else: conflicts (their explanation is an unsat core), facts outside the proved
domain, requirements whose closed form is not proved. Importing this module
does not import Z3; the solver is loaded on first need.
"""

from __future__ import annotations

from datetime import date

from ..language.model import RuleBase
from .values import (  # noqa: F401  (re-exported: the engine's public values)
    Bound, Facts, Internship, Option, Outcome, SolverError, VaeOutcome,
)

TIMEOUT_MS = 5_000

# Defined in `solver` (which imports Z3), reachable from here as before.
_SOLVER_NAMES = frozenset({"Sat", "Unsat", "Unknown", "Session", "decide", "internship_bounds",
                           "unsatisfiable_core", "_bound", "describe_category", "fmt"})


def __getattr__(name: str):
    if name in _SOLVER_NAMES:
        from . import solver

        return getattr(solver, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def vae_outcome(base: RuleBase, sources: tuple[str, ...], certification: str, year: int, facts: Facts,
                requests: tuple) -> VaeOutcome:
    """Eligibility for a VAE request (`solver.vae_outcome`; Z3 is loaded when first asked)."""
    from .solver import vae_outcome as solved

    return solved(base, sources, certification, year, facts, requests)


class Engine:
    """A rule base compiled on demand, one requirement per (sources, diploma, milestone, day).

    `proofs` (optional) remembers across runs which closed forms were proved: an object with
    `proved(digest) -> bool` and `record(digest)` (see `cnam_dsl.cache.ProofStore`).
    `fast=False` answers every question with the solver.
    """

    def __init__(self, base: RuleBase, timeout_ms: int = TIMEOUT_MS, proofs=None, fast: bool = True):
        self.base = base
        self.timeout_ms = timeout_ms
        self.proofs = proofs
        self.fast = fast
        self._compiled: dict[tuple, object] = {}
        self._forms: dict[tuple, object] = {}  # (sources, diploma, milestone, day) -> proved closed form or None
        self._proved: dict[str, object] = {}  # plan digest -> proved closed form or None

    def requirement(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date):
        """The Z3 constraints of a requirement (`compile.Requirement`), compiled once."""
        key = (sources, diploma, milestone, on)
        if key not in self._compiled:
            from .compile import compile_requirement

            self._compiled[key] = compile_requirement(self.base, sources, diploma, milestone, on)
        return self._compiled[key]

    def closed_form(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date):
        """The requirement's closed form (`fast.ClosedForm`) once proved equal to its constraints, else None."""
        key = (sources, diploma, milestone, on)
        if key not in self._forms:
            from . import fast

            plan = fast.plan_of(self.base, sources, diploma, milestone, on)
            form = None
            if plan is not None:
                digest = fast.digest(plan)
                if digest not in self._proved:
                    candidate = fast.ClosedForm(plan)
                    self._proved[digest] = candidate if self._prove(candidate, digest, key) else None
                form = self._proved[digest]
            self._forms[key] = form
        return self._forms[key]

    def _prove(self, form, digest: str, key: tuple) -> bool:
        if self.proofs is not None and self.proofs.proved(digest):
            return True
        from .proof import prove

        proved = prove(form, self.requirement(*key), self.timeout_ms)
        if proved and self.proofs is not None:
            self.proofs.record(digest)
        return proved

    def outcome(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
                with_options: bool = True) -> Outcome:
        if self.fast:
            form = self.closed_form(sources, diploma, milestone, on)
            if form is not None:
                from . import fast

                answer = fast.decide(form, facts, with_options)
                if answer is not None and answer.status != "conflict":
                    return answer
                if answer is not None:  # proved a conflict: only its explanation (the core) is asked of Z3
                    from .solver import Session, conflict

                    return conflict(Session(self.requirement(sources, diploma, milestone, on), facts,
                                            self.timeout_ms))
        return self.solved(sources, diploma, milestone, on, facts, with_options)

    def solved(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
               with_options: bool = True) -> Outcome:
        """The answer asked of Z3 alone (the source of truth the closed forms are proved against)."""
        from .solver import Session, decide

        return decide(Session(self.requirement(sources, diploma, milestone, on), facts, self.timeout_ms),
                      with_options)
