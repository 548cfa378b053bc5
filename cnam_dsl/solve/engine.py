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
    Bound, Facts, Internship, Option, Outcome, SolverError, SolverNeeded, VaeOutcome,
)


class Engine:
    """A rule base compiled on demand, one requirement per (sources, diploma, milestone) and set of pathways in
    force: questions asked on days under the same rules share it, so what is kept is bounded by the rule base
    (its validity periods), not by the days asked.

    `proofs` (optional) remembers across runs which closed forms were proved: an object with
    `proved(digest) -> bool` and `record(digest)` (see `cnam_dsl.cache.ProofStore`).
    `fast=False` answers every question with the solver. Every solver query goes through `backend`
    (`backend.Backend`, made on first need with `timeout_ms`: importing the engine does not import Z3).
    `solver=False` never calls Z3 nor builds a term: it answers from the closed forms already proved (here
    or in `proofs`) and raises `SolverNeeded` for anything else (a conflict's core, a closed form not yet
    proved, VAE).
    """

    def __init__(self, base: RuleBase, timeout_ms: int | None = None, proofs=None, fast: bool = True,
                 backend=None, solver: bool = True):
        self.base = base
        self.timeout_ms = timeout_ms
        self.proofs = proofs
        self.fast = fast
        self.solver = solver
        self._backend = backend
        self._compiled: dict[tuple, object] = {}
        self._forms: dict[tuple, object] = {}
        self._traced: dict[tuple, object] = {}  # requirement key -> its closed form (proved or not), or None
        self._proved: dict[str, object] = {}  # plan digest -> proved closed form or None
        self._verdicts: dict[str, bool] = {}  # plan digest -> proved or not, as another engine found (`learn`)

    @property
    def backend(self):
        """The boundary with Z3 (`backend.Backend`): every query of this engine goes through it."""
        if self._backend is None:
            from .backend import Backend

            self._backend = Backend(self.timeout_ms)
        return self._backend

    def _needs_solver(self, what: str) -> None:
        if not self.solver:
            raise SolverNeeded(what)

    def key(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date) -> tuple:
        """What a requirement depends on: its sources, diploma, milestone and the pathways in force that day."""
        in_force = tuple(tuple(p.key for p in self.base.pathways_for(s, diploma, milestone, on)) for s in sources)
        return sources, diploma, milestone, in_force

    def vae(self, sources: tuple[str, ...], certification: str, year: int, facts: Facts,
            requests: tuple) -> VaeOutcome:
        """Eligibility for a VAE request (`solver.vae_outcome`)."""
        self._needs_solver("vae")
        from .solver import vae_outcome

        return vae_outcome(self.base, sources, certification, year, facts, requests, self.backend)

    def requirement(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date):
        """The Z3 constraints of a requirement (`compile.Requirement`), compiled once."""
        self._needs_solver("constraints")
        key = self.key(sources, diploma, milestone, on)
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
        key = self.key(sources, diploma, milestone, on)
        if key not in self._traced:
            from .closed_form import plan_of
            from .program import ClosedForm

            plan = plan_of(self.base, sources, diploma, milestone, on)
            self._traced[key] = None if plan is None else ClosedForm(plan)
        return self._traced[key]

    def closed_form(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date):
        """The requirement's closed form (`program.ClosedForm`) once proved equal to its constraints, else None.
        Without the solver, one not proved yet raises SolverNeeded (it may be proved later, elsewhere)."""
        key = self.key(sources, diploma, milestone, on)
        if key not in self._forms:
            from .closed_form import digest as digest_of, plan_of
            from .program import ClosedForm

            plan = plan_of(self.base, sources, diploma, milestone, on)
            form = None
            if plan is not None:
                digest = digest_of(plan)
                if digest not in self._proved:
                    verdict = self._verdicts.get(digest)
                    if verdict is None and self.proofs is not None and self.proofs.proved(digest):
                        verdict = True
                    if verdict is None and not self.solver:
                        raise SolverNeeded("closed form not proved yet")
                    candidate = ClosedForm(plan) if verdict is not False else None
                    if verdict is None:
                        verdict = self._prove(candidate, digest, sources, diploma, milestone, on)
                    self._proved[digest] = candidate if verdict else None
                form = self._proved[digest]
            self._forms[key] = form
        return self._forms[key]

    def verdicts(self) -> dict[str, bool]:
        """Whether each closed form this engine tried was proved, by digest (for another engine to `learn`)."""
        return {digest: form is not None for digest, form in dict(self._proved).items()}  # (a copy: threads add)

    def learn(self, verdicts: dict[str, bool]) -> None:
        """Take the proofs another engine of the same rule base made (`verdicts`), instead of proving again."""
        self._verdicts.update(verdicts)

    def prepare(self, on: date) -> None:
        """Compile the requirements stated on that day (each diploma and milestone: its sources together and
        each alone) and make their closed forms already proved: what the first questions would wait for. Proves
        nothing and asks the solver nothing."""
        from .closed_form import digest as digest_of, plan_of

        for diploma in self.base.diplomas.values():
            for milestone in diploma.milestones:
                stating = tuple(self.base.sources_for(diploma.id, milestone, on))
                for sources in dict.fromkeys([stating, *((s,) for s in stating)]):
                    if not sources:
                        continue
                    self.requirement(sources, diploma.id, milestone, on)
                    plan = plan_of(self.base, sources, diploma.id, milestone, on)
                    if plan is not None and self.proofs is not None and self.proofs.proved(digest_of(plan)):
                        self.closed_form(sources, diploma.id, milestone, on)

    def _prove(self, form, digest: str, sources: tuple[str, ...], diploma: str, milestone: str, on: date) -> bool:
        if self.proofs is not None and self.proofs.proved(digest):
            return True
        from .proof import prove

        proved = prove(form, self.requirement(sources, diploma, milestone, on), self.backend)
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
                    self._needs_solver("conflict")
                    from .solver import Session, conflict

                    return conflict(Session(self.requirement(sources, diploma, milestone, on), facts,
                                            self.backend))
        return self.solved(sources, diploma, milestone, on, facts, with_options)

    def solved(self, sources: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
               with_options: bool = True) -> Outcome:
        """The answer asked of Z3 alone (the source of truth the closed forms are proved against)."""
        self._needs_solver("solver")
        from .solver import Session, decide

        return decide(Session(self.requirement(sources, diploma, milestone, on), facts, self.backend),
                      with_options)
