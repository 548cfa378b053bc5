"""Answer the web's questions with the contract's JSON: one rule base (`rules.Rules`), the questions read by
`request` (every bad field named), solver work serialized in worker threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

import anyio
import anyio.to_thread

from ..candidate import Profile
from ..request import FieldError, RequestError
from ..rules import Rules
from ..solve import SolverError

DEADLINE_SECONDS = 30.0  # each request, waiting for the solver included
WORKER_THREADS = 4  # requests handed to worker threads at once; the others wait without a thread

__all__ = ["Adviser", "FieldError", "RequestError", "Unanswered", "displayable"]


class Unanswered(Exception):
    """The solver could not answer, or not in time: not the candidate's fault (HTTP 503)."""


def displayable(text: str) -> str:
    r"""Text that UTF-8 can carry: a lone surrogate (JSON's "\ud800") echoed from the request is escaped.

    >>> displayable("reçu " + chr(0xD800))
    'reçu \\ud800'
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class Adviser:
    """The rule base and its engines, shared by every request of the process.

    Z3's Python API works in one global context that is not thread-safe:
    queries from several threads at once crash the process (measured: a
    segmentation fault within 200 requests on 8 threads, with one shared
    Engine and with one Engine per thread alike). So each answer runs in a
    worker thread, leaving the event loop free, and holds the solver lock
    while it uses Z3; a request that cannot get it before its deadline is
    refused (Unanswered) instead of piling up.
    """

    def __init__(self, rules: Rules, *, deadline_seconds: float = DEADLINE_SECONDS,
                 threads: int = WORKER_THREADS) -> None:
        self.rules = rules
        self.base = rules.base
        self.deadline_seconds = deadline_seconds
        self.threads = threads
        self._solver_lock = threading.Lock()
        self._limiter: anyio.CapacityLimiter | None = None

    # ------------------------------------------------------------ answers (worker threads)

    def missing(self, data: Mapping, profile: Profile | None = None, *, deadline: float) -> dict:
        """The answer of `cnam missing` to a question's fields (`request.missing_question`); RequestError naming
        every bad field (RequestError)."""
        question = self.rules.missing_question(data, profile)
        with self._solving(deadline):
            return self.rules.missing(question)

    def why_not(self, data: Mapping, profile: Profile | None = None, *, deadline: float) -> dict:
        """The answer of `cnam missing --why-not`: for a complete file not `satisfied`, `why_not` lists the
        least changes that would make it so (`answer.why_not`)."""
        from ..answer.why_not import why_not

        question = self.rules.missing_question(data, profile)
        with self._solving(deadline):
            answer = self.rules.missing(question)
            if answer.get("complete") is not False:
                answer["why_not"] = why_not(self.rules.engine, question, answer)
            return answer

    def vae(self, data: Mapping, profile: Profile | None = None, *, deadline: float) -> dict:
        """The answer of `cnam vae`; RequestError naming every bad field (RequestError)."""
        question = self.rules.vae_question(data, profile)
        with self._solving(deadline):
            return self.rules.vae(question)

    def solved(self, compute: Callable[[], dict], *, deadline: float) -> dict:
        """`compute()` (a computation using the rules' engine, such as a decision to record) holding the solver
        lock, within the deadline."""
        with self._solving(deadline):
            return compute()

    @contextmanager
    def _solving(self, deadline: float) -> Iterator[None]:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not self._solver_lock.acquire(timeout=remaining):
            raise Unanswered(self._late())
        try:
            yield
        except SolverError as error:
            raise Unanswered(str(error)) from None
        finally:
            self._solver_lock.release()

    def _late(self) -> str:
        return (f"le serveur n'a pas pu répondre dans le délai de {self.deadline_seconds:g} s "
                f"(trop de demandes à la fois) ; réessayer")

    # ------------------------------------------------------------ from the event loop

    async def run(self, answer: Callable[..., dict], *args: Any) -> dict:
        """`answer(*args, deadline=...)` in a worker thread, within the request's deadline."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.threads)
        deadline = time.monotonic() + self.deadline_seconds
        job = partial(answer, *args, deadline=deadline)
        try:
            with anyio.fail_after(self.deadline_seconds):
                return await anyio.to_thread.run_sync(job, limiter=self._limiter, abandon_on_cancel=True)
        except TimeoutError:
            raise Unanswered(self._late()) from None
