"""Solver work in worker processes: each holds the rule base (`rules.Rules`) and answers one question at a time;
one that is not answered within its time is stopped and replaced.

Z3 is not thread-safe, and one heavy question must not hold the others up:
the server's own process answers what the proved closed forms answer
(`Rules(solver=False)`), and hands everything else to this pool as a `Job`.
Small jobs (a conflict's explanation, a VAE question: milliseconds) have
workers of their own (`SMALL_WORKERS`); large jobs (a long candidate file to
count, a closed form to prove) go to the others, so that they never hold the
small jobs up, and the server's process keeps a core of its own.

A closed form is proved once, for every later question of its requirement:
a proof that outlasts the request that asked for it is not stopped (the
request gets its 503), but finished and learned (within `PROOF_SECONDS`).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import anyio
import anyio.to_thread

from ..candidate import Profile
from ..request import FieldError, MissingQuestion, RequestError, VaeQuestion

SMALL_WORKERS = 2  # workers for small jobs
START_SECONDS = 120.0  # the longest a worker may take to start (import Z3, read the rule base)
PROOF_SECONDS = 600.0  # the longest a proof is waited for, past its request's deadline, before its worker is stopped


class Unanswered(Exception):
    """The solver could not answer, or not in time: not the candidate's fault (HTTP 503)."""


@dataclass(frozen=True)
class Job:
    """A question for a worker: the request's fields (and the candidate already read, if any), or the question
    already read. `large` jobs (long candidate files, closed forms still to prove) go to their own workers;
    `proving` ones are finished even past their request's deadline."""

    kind: str  # missing | why_not | vae
    data: Mapping | None = None
    profile: Profile | None = None
    today: date = field(default_factory=date.today)
    question: MissingQuestion | VaeQuestion | None = None
    large: bool = False
    proving: bool = False
    verdicts: dict[str, bool] = field(default_factory=dict)  # closed forms proved or refuted elsewhere (`Engine.learn`)


@dataclass(frozen=True)
class RulesSpec:
    """What a worker needs to make the same `Rules` as the server's: the rule base itself (not read again from
    the folder, which may have changed since), its solver settings, and whether proofs are remembered."""

    base: Any
    root: Any
    timeout_ms: int | None
    backend: Any
    remember_proofs: bool


def worker_main(connection, spec: RulesSpec) -> None:
    """A worker process: answer jobs until the server closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops its workers
    from ..cache import ProofStore
    from ..rules import Rules

    rules = Rules(spec.base, spec.root, timeout_ms=spec.timeout_ms, backend=spec.backend,
                  proofs=ProofStore.default() if spec.remember_proofs else None)
    rules.engine.prepare(date.today())  # today's requirements compiled before the first question
    connection.send(("ready",))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(answer(rules, job))


def answer(rules, job: Job) -> tuple:
    """A job's reply: ('answer', the contract's JSON, the engine's proof verdicts), ('request', the bad fields),
    ('solver', why it could not decide), or ('crash', what went wrong)."""
    from ..solve import SolverError

    rules.engine.learn(job.verdicts)
    try:
        if job.kind in ("missing", "why_not"):
            question = job.question or rules.missing_question(job.data, job.profile, job.today)
            result = rules.why_not(question) if job.kind == "why_not" else rules.missing(question)
        else:
            question = job.question or rules.vae_question(job.data, job.profile, job.today)
            result = rules.vae(question, today=job.today)
        return "answer", result, rules.engine.verdicts()
    except RequestError as error:
        return "request", [(e.path, e.message) for e in error.errors]
    except SolverError as error:
        return "solver", str(error)
    except RecursionError:
        return "request", [("", "entrée trop profondément imbriquée")]
    except Exception as error:  # noqa: BLE001  (reported as the server's own error, never a silent answer)
        return "crash", f"{error.__class__.__name__}: {error}"


class Worker:
    """One worker process and its pipe (used from one thread at a time)."""

    def __init__(self, spec: RulesSpec) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no lock or thread of the server's
        self.connection, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, spec), name="cnam-solveur", daemon=True)
        self.process.start()
        child.close()
        if not self.connection.poll(START_SECONDS) or self.connection.recv() != ("ready",):
            self.stop()
            raise RuntimeError("un processus de calcul n'a pas démarré")

    def exchange(self, job: Job, seconds: float) -> tuple | None:
        """The reply to a job, or None when it is not there within `seconds` (or the worker died)."""
        try:
            self.connection.send(job)
        except OSError:
            return None
        return self.reply(seconds)

    def reply(self, seconds: float) -> tuple | None:
        """The reply to the job sent, or None when it is not there within `seconds` (or the worker died)."""
        try:
            if not self.connection.poll(max(seconds, 0.0)):
                return None
            return self.connection.recv()
        except (EOFError, OSError):
            return None

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(10)
        self.connection.close()


class Lane:
    """The workers of one kind of job."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.idle: list[Worker] = []
        self.free = anyio.Semaphore(0)  # one token per idle worker


class SolverPool:
    """Worker processes answering jobs, each within `seconds` (and its request's deadline): `SMALL_WORKERS` for
    small jobs and `size` for large ones. `learn` is told the proof verdicts of every reply (`Engine.learn`)."""

    def __init__(self, spec: RulesSpec, size: int, seconds: float,
                 learn: Callable[[dict[str, bool]], None] = lambda verdicts: None) -> None:
        self.spec, self.size, self.seconds, self.learn = spec, max(1, size), seconds, learn
        self._workers: set[Worker] = set()
        self._lanes: dict[bool, Lane] = {}  # large? -> lane
        self._threads: anyio.CapacityLimiter | None = None
        self._starting: anyio.Lock | None = None
        self._background: set = set()  # tasks replacing a worker or finishing a proof
        self.started = False

    async def start(self) -> None:
        """Start the workers (in parallel; each takes about a second)."""
        if self._starting is None:
            self._starting = anyio.Lock()
        async with self._starting:
            if self.started:
                return
            self._lanes = {False: Lane(SMALL_WORKERS), True: Lane(self.size)}
            self._threads = anyio.CapacityLimiter(SMALL_WORKERS + self.size)
            async with anyio.create_task_group() as group:
                for lane in self._lanes.values():
                    for _ in range(lane.size):
                        group.start_soon(self._add_worker, lane)
            self.started = True

    async def _add_worker(self, lane: Lane) -> None:
        while True:
            try:
                worker = await anyio.to_thread.run_sync(Worker, self.spec, abandon_on_cancel=True)
                break
            except (OSError, RuntimeError) as error:  # cannot start a process now: say so, try again
                logging.getLogger("uvicorn.error").warning("processus de calcul non démarré (%s) ; nouvel essai",
                                                           error)
                await anyio.sleep(1)
        self._workers.add(worker)
        self._release(lane, worker)

    def _release(self, lane: Lane, worker: Worker) -> None:
        lane.idle.append(worker)
        lane.free.release()

    async def answer(self, job: Job, deadline: float, late: str) -> dict:
        """The answer to a job; RequestError for bad fields, Unanswered when it cannot be given in time (`late`:
        the message when no worker was free before the deadline)."""
        await self.start()
        reply = await self._exchange(self._lanes[job.large], job, deadline, late)
        kind = reply[0]
        if kind == "answer":
            return reply[1]
        if kind == "request":
            raise RequestError([FieldError(path, message) for path, message in reply[1]])
        if kind == "solver":
            raise Unanswered(reply[1])
        raise RuntimeError(reply[1])

    async def _exchange(self, lane: Lane, job: Job, deadline: float, late: str) -> tuple:
        acquired = False
        with anyio.move_on_after(max(deadline - time.monotonic(), 0.0)):
            await lane.free.acquire()
            acquired = True
        if not acquired:
            raise Unanswered(late)
        worker = lane.idle.pop()
        seconds = min(deadline - time.monotonic(), self.seconds if not job.proving else PROOF_SECONDS)
        if seconds <= 0:
            self._release(lane, worker)
            raise Unanswered(late)
        reply = None
        try:
            reply = await anyio.to_thread.run_sync(worker.exchange, job, seconds, limiter=self._threads)
        finally:
            if reply is not None:
                self._release(lane, worker)
            elif job.proving and worker.process.is_alive():
                self._in_background(self._finish_proof(lane, worker, time.monotonic() - seconds))
            else:  # too long, dead, or the request cancelled mid-job: a fresh worker replaces it
                self._in_background(self._replace(lane, worker))
        if reply is None and job.proving:
            raise Unanswered(late)
        if reply is None:
            raise Unanswered(f"le calcul a dépassé le temps permis ({seconds:.3g} s) ; le processus de calcul "
                             "a été arrêté et remplacé")
        if reply[0] == "answer":
            self.learn(reply[2])
        return reply

    async def _finish_proof(self, lane: Lane, worker: Worker, started: float) -> None:
        """Wait for a proof its request could not wait for (up to `PROOF_SECONDS` in all), and learn it."""
        reply = await anyio.to_thread.run_sync(worker.reply, started + PROOF_SECONDS - time.monotonic())
        if reply is None:
            await self._replace(lane, worker)
            return
        if reply[0] == "answer":
            self.learn(reply[2])
        self._release(lane, worker)

    async def _replace(self, lane: Lane, worker: Worker) -> None:
        self._workers.discard(worker)
        await anyio.to_thread.run_sync(worker.stop)
        await self._add_worker(lane)

    def _in_background(self, coroutine) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)  # a reference until it is done
        task.add_done_callback(self._background.discard)

    def close(self) -> None:
        """Stop every worker (the server is stopping)."""
        for task in list(self._background):
            task.cancel()
        for worker in list(self._workers):
            worker.stop()
        self._workers.clear()
        self._lanes = {}
        self.started = False
