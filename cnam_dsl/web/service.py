"""Answer the web's questions with the contract's JSON: one rule base (`rules.Rules`), the questions read by
`request` (every bad field named); the proved closed forms answer in the server's process, the solver's work goes
to a pool of worker processes (`pool`), each request within its deadline and its solver time."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from datetime import date
from functools import partial
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread

from ..candidate import MAX_PERIODS, Profile
from ..candidate.unknown import PartialProfile
from ..request import FieldError, MissingQuestion, RequestError, VaeQuestion
from ..rules import Rules
from ..solve import SolverNeeded
from .pool import Job, RulesSpec, SolverPool, Unanswered

DEADLINE_SECONDS = 30.0  # each request, waiting included (`cnam serve --timeout`)
SOLVER_SECONDS = 10.0  # each request's work in a worker process (or the deadline, if sooner)
WORKER_THREADS = 4  # requests read and answered from closed forms at once; the others wait without a thread
QUICK_PERIODS = 24  # a candidate with more periods is counted and answered by a worker, off the server's process


def default_workers() -> int:
    """Worker processes for large jobs: one per core but one, the server's (besides the two for small jobs)."""
    return max(1, min((os.cpu_count() or 2) - 1, 8))


__all__ = ["Adviser", "FieldError", "RequestError", "Unanswered", "displayable"]


def displayable(text: str) -> str:
    r"""Text that UTF-8 can carry: a lone surrogate (JSON's "\ud800") echoed from the request is escaped.

    >>> displayable("reçu " + chr(0xD800))
    'reçu \\ud800'
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class Adviser:
    """The rule base and what answers from it, shared by every request of the process.

    Z3's Python API is not thread-safe, and one heavy question must not hold
    the others up. So a question is read, and answered when a proved closed
    form can (no solver), in a worker thread of this process (`quick`, a
    `Rules` without the solver); a question that needs the solver (a
    conflict's explanation, VAE, a closed form still to prove), or whose
    candidate file is long (more than `QUICK_PERIODS` periods: reading and
    counting them takes up to a few hundred milliseconds), goes to the pool
    of worker processes, which reads it there. A request that cannot be answered before its
    deadline is refused (Unanswered) instead of piling up.
    """

    def __init__(self, rules: Rules, *, deadline_seconds: float = DEADLINE_SECONDS,
                 threads: int = WORKER_THREADS, workers: int | None = None,
                 solver_seconds: float = SOLVER_SECONDS) -> None:
        self.rules = rules
        self.base = rules.base
        self.deadline_seconds = deadline_seconds
        self.threads = threads
        self.quick = Rules(rules.base, rules.root, timeout_ms=rules.timeout_ms, proofs=rules.proofs, solver=False)
        spec = RulesSpec(rules.base, rules.root, rules.timeout_ms, rules.backend, rules.proofs is not None)
        # A closed form a worker proved answers here from then on.
        self.pool = SolverPool(spec, workers or default_workers(), min(solver_seconds, deadline_seconds),
                               learn=self.quick.engine.learn)
        self._limiter: anyio.CapacityLimiter | None = None

    # ------------------------------------------------------------ answers (worker threads)

    def missing(self, data: Mapping, profile: Profile | None = None, *, deadline: float) -> dict | Job:
        """The answer of `cnam missing` to a question's fields (`request.missing_question`) from the proved
        closed forms, or the Job to hand to the pool; RequestError naming every bad field."""
        return self._quick("missing", data, profile, deadline)

    def why_not(self, data: Mapping, profile: Profile | None = None, *, deadline: float) -> dict | Job:
        """The answer of `cnam missing --why-not` (`Rules.why_not`: the least changes, proved by the solver, so a
        Job once the question is read)."""
        return self._quick("why_not", data, profile, deadline)

    def vae(self, data: Mapping, profile: Profile | None = None, *, deadline: float) -> dict | Job:
        """The answer of `cnam vae` (always the solver's: a Job, once the question is read)."""
        return self._quick("vae", data, profile, deadline)

    def _quick(self, kind: str, data: Mapping, profile: Profile | None, deadline: float) -> dict | Job:
        if time.monotonic() >= deadline:
            raise Unanswered(self._late())
        today = date.today()
        counts = periods(data, profile)
        if sum(counts) > QUICK_PERIODS and max(counts) <= MAX_PERIODS:  # (a list too long is refused here, at once)
            return Job(kind, data, profile, today, large=True, verdicts=self.quick.engine.verdicts())
        read = self.quick.vae_question if kind == "vae" else self.quick.missing_question
        return self._answer_or_job(kind, read(data, profile, today), today)

    def _answer_or_job(self, kind: str, question: MissingQuestion | VaeQuestion, today: date) -> dict | Job:
        """The answer of the proved closed forms, or the Job to hand to the pool."""
        try:
            if kind == "vae":
                return self.quick.vae(question, today=today)
            return self.quick.why_not(question) if kind == "why_not" else self.quick.missing(question)
        except SolverNeeded as why:
            proving = str(why) == "closed form not proved yet"
            return Job(kind, today=today, question=question, large=proving, proving=proving,
                       verdicts=self.quick.engine.verdicts())

    def solved(self, question: MissingQuestion | VaeQuestion, today: date, *, deadline: float) -> dict:
        """The answer to a question already read (a decision to record), from a worker thread of `run`: the
        proved closed forms here, the rest by the pool (waited for from this thread, within the deadline)."""
        if time.monotonic() >= deadline:
            raise Unanswered(self._late())
        found = self._answer_or_job("missing" if isinstance(question, MissingQuestion) else "vae", question, today)
        if isinstance(found, Job):
            return anyio.from_thread.run(self.pool.answer, found, deadline, self._late())
        return found

    def _late(self) -> str:
        return (f"le serveur n'a pas pu répondre dans le délai de {self.deadline_seconds:g} s "
                f"(trop de demandes à la fois) ; réessayer")

    # ------------------------------------------------------------ from the event loop

    async def start(self) -> None:
        """Start the worker processes (the server does it as it starts; jobs wait for them)."""
        await self.pool.start()

    def close(self) -> None:
        self.pool.close()

    async def run(self, answer: Callable[..., Any], *args: Any) -> dict:
        """`answer(*args, deadline=...)` in a worker thread, then the pool for a Job, within the request's
        deadline."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.threads)
        deadline = time.monotonic() + self.deadline_seconds
        job = partial(answer, *args, deadline=deadline)
        try:
            with anyio.fail_after(self.deadline_seconds):
                result = await anyio.to_thread.run_sync(job, limiter=self._limiter, abandon_on_cancel=True)
                if isinstance(result, Job):
                    result = await self.pool.answer(result, deadline, self._late())
                return result
        except TimeoutError:
            raise Unanswered(self._late()) from None


def periods(data: Mapping, profile: Profile | PartialProfile | None) -> tuple[int, int, int]:
    """The number of experiences, internships done and VAE requests of a question's candidate, read or not.

    >>> periods({"profile": {"experiences": [{}, {}], "internships": "?"}}, None)
    (2, 0, 0)
    """
    if isinstance(profile, PartialProfile):  # its unknown facts stand in its template
        profile = profile.template
    if profile is not None:
        return len(profile.experiences), len(profile.internships), len(profile.vae_requests)
    candidate = data.get("profile") if isinstance(data, Mapping) else None
    if not isinstance(candidate, Mapping):
        return 0, 0, 0
    lists = [candidate.get(key) for key in ("experiences", "internships", "vae_requests")]
    return tuple(len(v) if isinstance(v, list) else 0 for v in lists)
