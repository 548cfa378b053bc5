"""Answer the web's questions with the contract's JSON: one rule base, solver work serialized in worker threads."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import anyio
import anyio.to_thread

from ..answer.explain import RequestError, missing_answer, vae_answer
from ..language.model import RuleBase
from ..candidate.reader import Profile, ProfileError, parse_profile
from ..cache import ProofStore
from ..solve import Engine, SolverError

SOLVER_TIMEOUT_MS = 5_000  # each Z3 query
DEADLINE_SECONDS = 30.0  # each request, waiting for the solver included
WORKER_THREADS = 4  # requests handed to worker threads at once; the others wait without a thread
ENGINES_KEPT = 8  # engines (compiled requirements) kept, one per date the rules are applied on

# The CLI option a RequestError message opens with, and the request field it is about.
OPTION_FIELDS = {
    "--diploma": "diploma", "--milestone": "milestone", "--source": "sources",
    "--year": "year", "--certification": "certification",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad field: its path in the request (`profile.experiences[1].time_share`; '' for the whole
    request) and what is expected, in French."""

    path: str
    message: str


class InputError(Exception):
    """The request is invalid: one or more bad fields (HTTP 422, or messages next to the form's fields)."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.path} : {e.message}" if e.path else e.message for e in errors))


class Unanswered(Exception):
    """The solver could not answer, or not in time: not the candidate's fault (HTTP 503)."""


def displayable(text: str) -> str:
    r"""Text that UTF-8 can carry: a lone surrogate (JSON's "\ud800") echoed from the request is escaped.

    >>> displayable("reçu " + chr(0xD800))
    'reçu \\ud800'
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def request_field_error(error: RequestError) -> FieldError:
    """A RequestError (worded for the CLI's options) as an error on a request field.

    >>> request_field_error(RequestError("--diploma : diplôme inconnu « x »"))
    FieldError(path='diploma', message='diplôme inconnu « x »')
    >>> request_field_error(RequestError("aucune source n'énonce d'exigence")).path
    ''
    """
    text = str(error)
    option, separator, rest = text.partition(" : ")
    if separator and option in OPTION_FIELDS:
        return FieldError(OPTION_FIELDS[option], rest)
    return FieldError("", text)


def profile_field_error(error: ProfileError, prefix: str = "profile") -> FieldError:
    """A ProfileError as an error on a request field (`profile.experiences[1].time_share`)."""
    if not prefix:
        return FieldError(error.location or "", error.reason)
    return FieldError(f"{prefix}.{error.location}" if error.location else prefix, error.reason)


def read_profile(data: object, prefix: str = "profile") -> Profile:
    """A Profile from a request's candidate mapping, or InputError naming the field."""
    try:
        return parse_profile(data, origin=prefix or "<profil>")
    except ProfileError as error:
        raise InputError([profile_field_error(error, prefix)]) from None


def rules_date(text: str | None, path: str = "date") -> date | None:
    """The day the rules are applied on, from AAAA-MM-JJ; InputError otherwise.

    >>> rules_date("2026-01-01"), rules_date(None)
    (datetime.date(2026, 1, 1), None)
    """
    if text is None or text == "":
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError([FieldError(path, f"date invalide « {text[:40]} » ; attendu AAAA-MM-JJ")])


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

    def __init__(self, base: RuleBase, *, timeout_ms: int = SOLVER_TIMEOUT_MS,
                 deadline_seconds: float = DEADLINE_SECONDS, threads: int = WORKER_THREADS) -> None:
        self.base = base
        self.timeout_ms = timeout_ms
        self.deadline_seconds = deadline_seconds
        self.threads = threads
        self._engines: OrderedDict[date, Engine] = OrderedDict()
        self._proofs = ProofStore.default()  # closed forms proved in earlier runs are not proved again
        self._solver_lock = threading.Lock()
        self._limiter: anyio.CapacityLimiter | None = None

    # ------------------------------------------------------------ answers (worker threads)

    def missing(self, diploma: str, profile: Profile, sources: list[str] | None, milestone: str,
                on: date | None, *, deadline: float) -> dict:
        """The answer of `cnam missing`; InputError for an unknown diploma, milestone or source."""
        on = on or date.today()
        try:
            with self._solving(deadline):
                return missing_answer(self._engine(on), diploma, profile, sources, milestone, on)
        except RequestError as error:
            raise InputError([request_field_error(error)]) from None

    def vae(self, certification: str, profile: Profile, year: int | None, sources: list[str] | None,
            *, deadline: float) -> dict:
        """The answer of `cnam vae`; InputError for a year or source without VAE rules."""
        try:
            with self._solving(deadline):
                return vae_answer(self.base, certification, profile, year or date.today().year, sources)
        except RequestError as error:
            raise InputError([request_field_error(error)]) from None

    def _engine(self, on: date) -> Engine:
        """The engine for rules applied on that day (called with the solver lock held)."""
        engine = self._engines.pop(on, None) or Engine(self.base, self.timeout_ms, proofs=self._proofs)
        self._engines[on] = engine
        while len(self._engines) > ENGINES_KEPT:
            self._engines.popitem(last=False)
        return engine

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
