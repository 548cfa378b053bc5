"""Answer a cohort: JSON lines of requests in, JSON lines of answers out, in order; or what a change of rules changes.

Each input line is `{"command": "missing" | "vae", ...}` with the fields of
the command line (`diploma`, `source` or `sources`, `milestone`, `date`;
`certification`, `year`) and the candidate file under `profile`. Each output
line is what `cnam <command> --format json` prints (compact), or
`{"line": n, "error": "..."}` for a line that cannot be answered. Lines are
read and written as they come (constant memory); with `jobs` > 1, chunks of
lines are answered by worker processes, a bounded number at a time, and
written back in order.

Within a chunk, `missing` requests are grouped by requirement and answered
column-wise (`batch_columns`: the proved closed forms on int64 columns in
1/300 month, each answer its structure's template filled with its own
numbers). Flat request lines are read by their shape (`shapes`), other flat
files without building a profile (`simple_profile`), dated files through
the profile. A line met before (the same bytes) is answered from memory. The
other lines (thirds of a month, overlaps cut on some day, VAE, errors) and
the conflicts (explained by Z3's unsat core) are answered one by one. Either
way a line's answer is the same bytes.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import time
from collections import deque
from datetime import date
from pathlib import Path

import orjson

from ..candidate import facts_of
from ..memo import Memo
from ..request import MissingQuestion, RequestError, missing_question, vae_question
from ..solve.values import SolverError
from .columns import Rows, Writer, row_of

CHUNK = 8192  # lines answered together (grouped by requirement), also per task sent to a worker
IN_FLIGHT = 2  # tasks per worker queued at once
BLOCK = 1 << 20  # bytes read at once
WRITTEN_TOGETHER = 256  # answer lines per write
MEMO = 50_000  # answers remembered per process (and sentences, sources resolved...)
ANSWERS = 8_192  # answers remembered per process (a few KB each)
KNOWN_LINE_BYTES = 4_096  # longest line whose answer is remembered by its bytes
MAX_LINE_BYTES = 1_001_000  # a request line: a candidate file's limit (profile.py), and the request's fields



class LineError(Exception):
    """A request line that cannot be answered: reported as its own error line."""


def _request(text: bytes | None) -> dict:
    """The request on a line (a JSON object); LineError if there is none (None: a line too long)."""
    if text is None:
        raise LineError(f"ligne trop longue (plus de {MAX_LINE_BYTES} octets) ; une requête par ligne")
    try:
        request = loads(text)
    except ValueError:
        raise LineError(_json_problem(text)) from None
    if not isinstance(request, dict):
        raise LineError("attendu un objet JSON par ligne")
    return request


def _json_problem(text: bytes) -> str:
    """Why a line is not JSON, in French, with the column (asked again of the json module, whose messages
    the candidate reader translates; orjson's are English)."""
    import json

    from ..candidate.files import json_reason

    try:
        json.loads(text)
    except UnicodeDecodeError:
        return "JSON invalide : ligne non encodée en UTF-8"
    except json.JSONDecodeError as error:
        return f"JSON invalide, colonne {error.colno} : {json_reason(error.msg)}"
    except (ValueError, RecursionError):
        return "JSON invalide"
    return "JSON invalide : valeur hors de JSON (NaN, Infinity, nombre trop grand)"


def _error_line(number: int, error: LineError) -> bytes:
    return dumps({"line": number, "error": str(error)})


loads, dumps = orjson.loads, orjson.dumps  # compact JSON, as `cnam missing --format json` prints it


class Answerer:
    """Answers request lines over one rule base (`rules.Rules`: one engine; a memo of recent answers)."""

    def __init__(self, rules):
        self.rules = rules
        self.base = rules.base
        self.engine = rules.engine
        self.today = date.today()
        self._memo = Memo(ANSWERS)  # answers made one by one, by question
        self._known = Memo(ANSWERS)  # answers written column-wise, by line
        self.by_columns = 0  # lines answered column-wise (the others: one by one)
        self.writer = Writer(self.base, self.engine, MEMO)

    def lines(self, chunk: list[tuple[int, bytes]]) -> list[bytes]:
        """The output lines of a chunk of input lines, in order.

        Each line is read once (`request`, with the one candidate reader); `missing` questions are grouped
        by requirement and answered column-wise (`columns`); the others, and any row the columns cannot
        answer (a conflict, whose explanation is Z3's core), one by one. A line already answered (the same
        bytes) is answered from memory."""
        out: list[bytes | None] = [None] * len(chunk)
        questions: dict[int, object] = {}
        groups: dict[tuple, tuple[list[int], Rows]] = {}
        known = self._known.get
        for position, (number, text) in enumerate(chunk):
            answer = known(text)
            if answer is not None:
                out[position] = answer
                self.by_columns += 1
                continue
            try:
                questions[position] = question = self.question(_request(text))
            except LineError as exc:
                out[position] = _error_line(number, exc)
                continue
            if not isinstance(question, MissingQuestion):
                out[position] = self._one_by_one(number, question)
                continue
            facts = facts_of(question.profile, question.on)
            if facts.decided_by is not None or facts.complement is not None or facts.duties:
                out[position] = self._one_by_one(number, question)  # the columns carry none of these facts
                continue
            requirement = (question.diploma, question.sources, question.milestone, question.on)
            group = groups.get(requirement) or groups.setdefault(requirement, ([], Rows()))
            group[0].append(position)
            group[1].add(*row_of(facts))
        for requirement, (positions, rows) in groups.items():
            for position, answer in zip(positions, self.writer.answers(requirement, rows)):
                number, text = chunk[position]
                if answer is None:
                    out[position] = self._one_by_one(number, questions[position])
                    continue
                out[position] = answer
                self.by_columns += 1
                if len(text) <= KNOWN_LINE_BYTES:
                    self._known.keep(text, answer)
        return out

    def question(self, request: dict):
        """The question on a request line (`request.missing_question` or `vae_question`); LineError naming
        every bad field."""
        command = request.get("command")
        if command not in ("missing", "vae"):
            raise LineError("command : attendu « missing » ou « vae »")
        fields = {k: v for k, v in request.items() if k != "command"}
        read = missing_question if command == "missing" else vae_question
        try:
            return read(self.base, fields, self.today)
        except RequestError as exc:
            raise LineError(str(exc)) from None

    def line(self, number: int, text: bytes | None) -> bytes:
        """One output line (without its newline) for one input line, answered one by one."""
        try:
            return self._one_by_one(number, self.question(_request(text)))
        except LineError as exc:
            return _error_line(number, exc)

    def _one_by_one(self, number: int, question) -> bytes:
        try:
            return dumps(self.answer(question))
        except LineError as exc:
            return _error_line(number, exc)

    def answer(self, question) -> dict:
        """The answer to one question, with the engine one candidate at a time (remembered)."""
        if isinstance(question, MissingQuestion):
            facts = facts_of(question.profile, question.on)
            key = ("missing", question.diploma, question.sources, question.milestone, question.on,
                   tuple(sorted(facts.experience.items())), tuple(sorted(facts.done.items())), facts.decision,
                   facts.ue_acquired)
            compute = lambda: self.rules.missing(question)  # noqa: E731
        else:
            key, compute = None, lambda: self.rules.vae(question)  # noqa: E731
        try:
            if key is None:
                return compute()
            found = self._memo.get(key)
            return found if found is not None else self._memo.keep(key, compute())
        except SolverError as exc:
            raise LineError(str(exc)) from None


def read_chunks(path: str, size: int = CHUNK):
    """Lists of `size` (line number, bytes) of the non-blank lines, read a block at a time; a line longer
    than MAX_LINE_BYTES is skipped without being held in memory, and given as (line number, None)."""
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    try:
        chunk: list[tuple[int, bytes | None]] = []
        number, rest, long = 0, b"", False  # the unfinished line; whether it is too long (and dropped)
        while block := stream.read(BLOCK):
            lines = block.split(b"\n")
            lines[0] = rest + lines[0]
            rest = lines.pop()
            for text in lines:
                number += 1
                if long or len(text) > MAX_LINE_BYTES:
                    chunk.append((number, None))
                    long = False
                elif text.strip():
                    chunk.append((number, text))
            if len(rest) > MAX_LINE_BYTES:
                rest, long = b"", True
            if len(chunk) >= size:
                yield from _cut(chunk, size)
                chunk = chunk[len(chunk) - len(chunk) % size:]
        if long or rest.strip():
            chunk.append((number + 1, None if long else rest))
        if chunk:
            yield chunk
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _cut(lines: list, size: int):
    """The whole chunks of `size` at the start of `lines`."""
    for start in range(0, len(lines) - size + 1, size):
        yield lines[start:start + size]


# ---------------------------------------------------------------- worker processes

_worker: Answerer | None = None  # a worker's answerer: made before the workers fork, or by each (spawn)


def _start_worker(rules: str | None) -> None:
    global _worker  # one answerer per worker process, made once (multiprocessing's initializer)
    _worker = Answerer(_load(Path(rules) if rules else None))


def _answer_chunk(chunk, folder: str) -> tuple[str, int, int]:
    """A worker's answers to a chunk, written to a file in `folder` (handing ~4 KB answers back through
    multiprocessing's pipe costs more than answering them): (the file, lines, error lines)."""
    lines = _worker.lines(chunk)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as f:
        _write_lines(lines, f)
    return f.name, len(lines), _errors(lines)


def _write_lines(lines: list[bytes], out) -> None:
    for start in range(0, len(lines), WRITTEN_TOGETHER):  # one write per few hundred lines
        out.write(b"\n".join(lines[start:start + WRITTEN_TOGETHER]) + b"\n")


def _copy(path: str, out) -> None:
    """The file at `path` written to `out` (by the kernel where `out` is a file, a pipe...), then removed."""
    with open(path, "rb") as f:
        try:
            out.flush()
            target = out.fileno()
        except (AttributeError, OSError, ValueError):  # a stream in memory
            shutil.copyfileobj(f, out, BLOCK)
        else:
            size, sent = os.fstat(f.fileno()).st_size, 0
            try:
                while sent < size:
                    sent += os.sendfile(target, f.fileno(), sent, size - sent)
            except OSError:  # an output the kernel will not send to (opened to append, on some systems)
                f.seek(sent)
                shutil.copyfileobj(f, out, BLOCK)
    os.remove(path)


def _errors(lines: list[bytes]) -> int:
    return sum(line.startswith(b'{"line":') for line in lines)


def _load(rules: Path | None, compared: bool = False):
    """The rule base (`rules.Rules`), or LineError saying why it cannot be used. A rule base `compared` with
    another is used even if its worked examples fail (a warning on stderr names each)."""
    from ..rules import Rules, RulesError

    try:
        loaded = Rules.load(rules, failing_examples=compared)
    except RulesError as exc:
        raise LineError(str(exc)) from None
    for line in loaded.example_warnings():
        print(f"cnam: avertissement: {line}", file=sys.stderr)
    return loaded


def answered(chunks, rules: Path | None, jobs: int = 1, loaded=None):
    """For each chunk of (number, text) input lines, in order: (a function writing its output lines to a
    binary stream, how many lines, how many error lines). With `jobs` > 1, worker processes answer the
    chunks, a bounded number at a time, each into a temporary file (removed once copied); where the
    system can fork them, they start with the rule base already loaded. `loaded`: the rules of `rules`,
    already loaded by the caller (answered in this process)."""
    if jobs <= 1 or loaded is not None:
        answerer = Answerer(loaded if loaded is not None else _load(rules))
        for chunk in chunks:
            lines = answerer.lines(chunk)
            yield functools.partial(_write_lines, lines), len(lines), _errors(lines)
        return
    import multiprocessing

    global _worker
    if "fork" in multiprocessing.get_all_start_methods():  # the workers start with this answerer, ready
        _worker = Answerer(_load(rules))
        context, start, arguments = multiprocessing.get_context("fork"), None, ()
    else:
        _load(rules)  # fill the cache once, before the workers read it
        context, start, arguments = multiprocessing.get_context("spawn"), _start_worker, (rules and str(rules),)
    with tempfile.TemporaryDirectory(prefix="cnam-batch-") as folder, context.Pool(jobs, start, arguments) as pool:
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_answer_chunk, (chunk, folder)))
            while len(pending) >= jobs * IN_FLIGHT:
                path, count, errors = pending.popleft().get()
                yield functools.partial(_copy, path), count, errors
        while pending:
            path, count, errors = pending.popleft().get()
            yield functools.partial(_copy, path), count, errors


class Progress:
    """A line on stderr that counts the answers, when stderr is a terminal and the run lasts."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.on = self.stream.isatty()
        self.start = self.last = time.monotonic()
        self.count = 0

    def tick(self, count: int = 1) -> None:
        self.count += count
        now = time.monotonic()
        if self.on and now - self.last >= 0.5:
            self.last = now
            rate = self.count / max(now - self.start, 1e-9)
            self.stream.write(f"\r{self.count:,} réponses ({rate:,.0f}/s)".replace(",", " "))
            self.stream.flush()

    def close(self) -> None:
        if self.on and self.last != self.start:
            self.stream.write("\n")


def run(path: str, rules: Path | None, jobs: int = 1, out=None) -> int:
    """`cnam batch`: answer every line; returns the number of lines answered with an error."""
    out = out or sys.stdout.buffer
    progress, errors = Progress(), 0
    for write, count, wrong in answered(read_chunks(path), rules, jobs):
        write(out)
        errors += wrong
        progress.tick(count)
    progress.close()
    out.flush()
    return errors


def run_text(path: str, rules: Path | None, out=None) -> int:
    """`cnam batch --format text`: each answer in French, as `cnam missing` or `cnam vae` prints it, under its
    line number (one process: for people reading a few answers, not for cohorts); returns the error lines."""
    from ..answer.present import missing_text, vae_text

    out = out or sys.stdout
    answerer, errors = Answerer(_load(rules)), 0
    for chunk in read_chunks(path):
        for (number, text), line in zip(chunk, answerer.lines(chunk)):
            answer = loads(line)
            if "error" in answer:
                errors += 1
                shown = f"erreur : {answer['error']}"
            else:
                profile = loads(text).get("profile")
                name = profile.get("name") if isinstance(profile, dict) else None
                name = name if isinstance(name, str) else None
                shown = (vae_text(answer, name) if "certification" in answer else
                         missing_text(answer, answerer.base.diplomas[answer["diploma"]].name, name))
            out.write(f"== Ligne {number}\n{shown}\n\n")
    out.flush()
    return errors


# ---------------------------------------------------------------- impact of a change of rules


def relative_files(answer, root: Path | None):
    """The answer with the rule files it cites named from its rule base's folder (`cnam-na/licence.cnr`, not
    `rules/cnam-na/licence.cnr`), so that two copies of a rule base give the same answers."""
    prefix = f"{Path(root).resolve().name}/" if root is not None else ""
    if isinstance(answer, dict):
        return {k: (v.removeprefix(prefix) if k == "file" and isinstance(v, str) else relative_files(v, root))
                for k, v in answer.items()}
    if isinstance(answer, list):
        return [relative_files(v, root) for v in answer]
    return answer


def summary(answer: dict) -> dict:
    if "error" in answer:
        return {"error": answer["error"]}
    internship = answer.get("internship") or {}
    return {"status": answer.get("status"), "min_months": internship.get("min_months"),
            "max_months": internship.get("max_months"), "missing_months": answer.get("missing_months")}


def change_kind(before: dict, after: dict) -> str | None:
    """How an answer changed: its status (`missing → internship`), else which amounts; None if the same."""
    if before == after:
        return None
    a, b = summary(before), summary(after)
    if "error" in a or "error" in b:
        return "erreur" if a != b else "explication"
    if a["status"] != b["status"]:
        return f"statut : {a['status']} → {b['status']}"
    changed = [k for k in ("min_months", "max_months", "missing_months") if a[k] != b[k]]
    if changed:
        return "montants : " + ", ".join(changed)
    for field in ("options", "divergences", "early_review_possible", "sources"):
        if before.get(field) != after.get(field):
            return field
    return "explication"


def impact(path: str, rules: Path | None, against: Path, examples: int = 3) -> dict:
    """How many candidates' answers change from the rules `rules` to `against`, by kind, with examples. Answers
    are compared with their rule files named from each rule base's folder (`licence.cnr` of `cnam-na`, wherever
    the folder is)."""
    old, new = Answerer(_load(rules, compared=True)), Answerer(_load(against, compared=True))
    kinds: dict[str, dict] = {}
    total = changed = 0
    progress = Progress()
    for chunk in read_chunks(path):
        for (number, _), before, after in zip(chunk, old.lines(chunk), new.lines(chunk)):
            total += 1
            progress.tick()
            if before == after:
                continue
            before, after = relative_files(loads(before), old.rules.root), relative_files(loads(after), new.rules.root)
            kind = change_kind(before, after)
            if kind is None:
                continue
            changed += 1
            entry = kinds.setdefault(kind, {"kind": kind, "count": 0, "examples": []})
            entry["count"] += 1
            if len(entry["examples"]) < examples:
                entry["examples"].append({"line": number, "before": summary(before), "after": summary(after)})
    progress.close()
    ordered = sorted(kinds.values(), key=lambda k: (-k["count"], k["kind"]))
    return {"candidates": total, "changed": changed, "kinds": ordered}


STATUS_FR = {"satisfied": "satisfait", "internship": "stage", "missing": "manque", "conflict": "conflit",
             "undetermined": "indéterminé", "eligible": "recevable", "limit": "limite"}
FIELD_FR = {"min_months": "durée minimale du stage", "max_months": "durée maximale du stage",
            "missing_months": "mois manquants", "options": "façons de compléter le dossier",
            "divergences": "divergences entre sources", "early_review_possible": "examen anticipé",
            "sources": "sources appliquées"}


def impact_text(report: dict) -> str:
    lines = [f"{report['changed']} réponse(s) changent sur {report['candidates']} candidat(s)."]
    for k in report["kinds"]:
        lines.append(f"- {_kind_fr(k['kind'])} : {k['count']}")
        for e in k["examples"]:
            lines.append(f"    ligne {e['line']} : {brief(e['before'])} → {brief(e['after'])}")
    return "\n".join(lines)


def _kind_fr(kind: str) -> str:
    """A kind of change (`change_kind`, whose words the JSON report keeps) in French words."""
    label, _, detail = kind.partition(" : ")
    if label == "statut":
        return "statut : " + " → ".join(STATUS_FR.get(s, s) for s in detail.split(" → "))
    if label == "montants":
        return "montants : " + ", ".join(FIELD_FR.get(f, f) for f in detail.split(", "))
    return FIELD_FR.get(kind, kind)


def brief(s: dict) -> str:
    if "error" in s:
        return f"erreur ({s['error']})"
    if s["status"] == "internship":
        return f"stage de {_months(s['min_months'])} à {_months(s['max_months'])} mois"
    if s["status"] == "missing":
        return f"manque {_months(s['missing_months'])} mois"
    return STATUS_FR.get(s["status"], s["status"])


def _months(value) -> str:
    return "—" if value is None else f"{value:g}".replace(".", ",")
