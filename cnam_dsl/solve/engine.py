"""The engine: a candidate's answer (status, bounds, what is missing, why), from a proved closed form or Z3.

For each requirement asked, the engine derives the closed form of its
constraints (`closed_form.plan_of`) and has Z3 prove it equal to them (`proof.prove`,
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


class Engine:
    """A rule base compiled on demand, one requirement per (sources, diploma, milestone, day).

    `proofs` (optional) remembers across runs which closed forms were proved: an object with
    `proved(digest) -> bool` and `record(digest)` (see `cnam_dsl.cache.ProofStore`).
    `fast=False` answers every question with the solver. Every solver query goes through `backend`
    (`backend.Backend`, made on first need with `timeout_ms`: importing the engine does not import Z3).
    """

    def __init__(self, base: RuleBase, timeout_ms: int | None = None, proofs=None, fast: bool = True,
                 backend=None):
        self.base = base
        self.timeout_ms = timeout_ms
        self.proofs = proofs
        self.fast = fast
        self._backend = backend
        self._compiled: dict[tuple, object] = {}
        self._forms: dict[tuple, object] = {}
        self._traced: dict[tuple, object] = {}  # (sources, diploma, milestone, day) -> proved closed form or None
        self._proved: dict[str, object] = {}  # plan digest -> proved closed form or None

    @property
    def backend(self):
        """The boundary with Z3 (`backend.Backend`): every query of this engine goes through it."""
        if self._backend is None:
            from .backend import Backend

            self._backend = Backend(self.timeout_ms)
        return self._backend

    def vae(self, sources: tuple[str, ...], certification: str, year: int, facts: Facts,
            requests: tuple) -> VaeOutcome:
        """Eligibility for a VAE request (`solver.vae_outcome`)."""
        from .solver import vae_outcome

        return vae_outcome(self.base, sources, certification, year, facts, requests, self.backend)

    def requirement(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date):
        """The Z3 constraints of a requirement (`compile.Requirement`), compiled once."""
        key = (sources, diploma, milestone, on)
        if key not in self._compiled:
            from .compile import compile_requirement

            self._compiled[key] = compile_requirement(self.base, sources, diploma, milestone, on)
        return self._compiled[key]

    def unsatisfiable_core(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date,
                           pathway_key: str | None = None):
        """None if some candidate meets the requirement (through that pathway, if given), else the rules why
        (`compile.Tracked`, a minimal unsat core)."""
        from .solver import unsatisfiable_core

        return unsatisfiable_core(self.requirement(sources, diploma, milestone, on), pathway_key, self.backend)

    def traced(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date):
        """The requirement's closed form traced into its program (`program.ClosedForm`), proved or not (for the
        searches whose every finding the engine checks); None where the requirement has no pathway."""
        key = (sources, diploma, milestone, on)
        if key not in self._traced:
            from .closed_form import plan_of
            from .program import ClosedForm

            plan = plan_of(self.base, sources, diploma, milestone, on)
            self._traced[key] = None if plan is None else ClosedForm(plan)
        return self._traced[key]

    def closed_form(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date):
        """The requirement's closed form (`program.ClosedForm`) once proved equal to its constraints, else None."""
        key = (sources, diploma, milestone, on)
        if key not in self._forms:
            from .closed_form import digest as digest_of, plan_of
            from .program import ClosedForm

            plan = plan_of(self.base, sources, diploma, milestone, on)
            form = None
            if plan is not None:
                digest = digest_of(plan)
                if digest not in self._proved:
                    candidate = ClosedForm(plan)
                    self._proved[digest] = candidate if self._prove(candidate, digest, key) else None
                form = self._proved[digest]
            self._forms[key] = form
        return self._forms[key]

    def _prove(self, form, digest: str, key: tuple) -> bool:
        if self.proofs is not None and self.proofs.proved(digest):
            return True
        from .proof import prove

        proved = prove(form, self.requirement(*key), self.backend)
        if proved and self.proofs is not None:
            self.proofs.record(digest)
        return proved

    def outcome(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
                with_options: bool = True, core: bool = True) -> Outcome:
        """The answer to a candidate's facts (a conflict without its explanation, the unsat core, when `core`
        is False: the proved closed form says it is one)."""
        if self.fast:
            form = self.closed_form(sources, diploma, milestone, on)
            if form is not None:
                from .scalar import decide

                answer = decide(form, facts, with_options)
                if answer is not None and (answer.status != "conflict" or not core):
                    return answer
                if answer is not None:  # proved a conflict: only its explanation (the core) is asked of Z3
                    from .solver import Session, conflict

                    return conflict(Session(self.requirement(sources, diploma, milestone, on), facts,
                                            self.backend))
        return self.solved(sources, diploma, milestone, on, facts, with_options)

    def solved(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
               with_options: bool = True) -> Outcome:
        """The answer asked of Z3 alone (the source of truth the closed forms are proved against)."""
        from .solver import Session, decide

        return decide(Session(self.requirement(sources, diploma, milestone, on), facts, self.backend),
                      with_options)
