"""Mutation testing of the rule base: for each mutant (`operators`), do the worked examples tell it from the rules?

Each mutant is judged in three steps:

1. the worked examples whose question it touches run on an engine for the
   mutated rule base (the solver's answers, `Engine(fast=False)`: a mutant's
   closed forms are not proved, and proving one costs more than answering
   its few examples); every example whose expectations no longer hold
   **kills** it (`killed_by`);
2. a mutant no example kills is **equivalent** when Z3 proves that it means
   the same for every candidate (`solve.mutants`): no example could ever
   tell it apart, so it is never a survivor;
3. otherwise it **survives**, and the missing example is proposed: a witness
   candidate on whom the two rule bases answer differently (the divergence
   search of `cnam diff`, plainest candidate first, in round months), with
   the answer of the *unmutated* rules, written as an `exemple « … »` block
   (the writer of `cnam examples`). The block is read back by the rule
   language's own parser and checked: it holds under the rules and fails
   under the mutant, or it is not proposed. The author checks it against the
   source before pasting it.

Verdicts are kept in the user's cache (`cache.py`), under a key made from
what decides them: the code, the mutant, and the rules and examples of the
sources it touches. A run after a change judges again only the mutants the
change can affect. Mutants are independent: with `jobs` > 1 worker processes
judge them (forked with the rule base loaded, where the system forks).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from fractions import Fraction

from ..answer.describe import AUTHORITY_FR, months_fr
from ..answer.explain import comparable, missing_answer, vae_answer
from ..candidate import Profile
from ..language.model import MILESTONE_FR, MILESTONE_WORD, Example, RuleBase
from ..request import RequestError, missing_question, vae_question
from ..solve import Engine, SolverError
from .diff import witness_profile
from .examples import BoundaryExample, profile_statements
from .operators import OPERATORS, Mutant, mutants_of
from .verify import EXAMPLE_DAY, UNDECIDED, check_example

FORMAT = 1  # bumped whenever what a verdict means changes: cached verdicts of older formats are not read
MAX_WITNESSES = 6  # divergences tried per requirement before giving up on a proposed example
JUDGE_MS = 30_000  # each solver query of a mutant's judgement: a batch job, which a loaded machine must not fail
DEFAULT_CERTIFICATION = "LP110504"  # the code of a proposed VAE example, where the source's examples name none
STATUSES = ("killed", "equivalent", "survived")
OPERATOR_FR = {
    "duration": "durée", "qualifier": "qualificatif", "decider": "qui décide", "modulation_floor": "plancher",
    "pathway": "voie", "milestones": "jalons", "validity": "validité",
}
STATUS_FR = {"killed": "tués", "equivalent": "équivalents", "survived": "survivants"}


@dataclass(frozen=True)
class Verdict:
    """What became of a mutant: killed (by these examples), equivalent, or survived (with the example proposed,
    or a note saying why none is)."""

    status: str
    killed_by: tuple[str, ...] = ()
    proposed_example: str | None = None
    note: str | None = None

    def to_json(self) -> dict:
        return {"status": self.status, "killed_by": list(self.killed_by),
                "proposed_example": self.proposed_example, "note": self.note}

    @staticmethod
    def from_json(data: dict) -> "Verdict":
        return Verdict(data["status"], tuple(data["killed_by"]), data["proposed_example"], data["note"])


@dataclass(frozen=True)
class Scope:
    """What a mutant changes: requirements (source, diploma, milestone) on some days, VAE rules in some years."""

    requirements: tuple[tuple[str, str, str], ...]
    days: tuple[date, ...]
    vae_sources: tuple[str, ...]
    years: tuple[int, ...]

    @property
    def sources(self) -> set[str]:
        return {s for s, _, _ in self.requirements} | set(self.vae_sources)


def scope_of(before: RuleBase, after: RuleBase) -> Scope:
    """The requirements and VAE rules that differ between the two bases, and the days (years) where they may."""
    old, new = _by_target(before), _by_target(after)
    requirements, days = set(), {EXAMPLE_DAY}
    for source, diploma in sorted(set(old) | set(new)):
        a, b = old.get((source, diploma), ()), new.get((source, diploma), ())
        if a == b:
            continue
        for m in before.diplomas[diploma].milestones:
            if [p for p in a if m in p.milestones] != [p for p in b if m in p.milestones]:
                requirements.add((source, diploma, m))
        days |= {d + timedelta(days=k) for p in a + b for d in (p.valid_from, p.valid_until) if d for k in (-1, 0, 1)}
    vae_sources = sorted({v.source for v in before.vae + after.vae
                          if _vae_of(before, v.source) != _vae_of(after, v.source)})
    years = {EXAMPLE_DAY.year}
    for v in (v for v in before.vae + after.vae if v.source in vae_sources):
        years |= {d.year + k for d in (v.valid_from, v.valid_until) if d for k in (-1, 0, 1)}
    return Scope(tuple(sorted(requirements)), tuple(sorted(days)), tuple(vae_sources), tuple(sorted(years)))


def _by_target(base: RuleBase) -> dict[tuple[str, str], tuple]:
    found: dict[tuple[str, str], list] = {}
    for p in base.pathways:
        found.setdefault((p.source, p.diploma), []).append(p)
    return {k: tuple(v) for k, v in found.items()}


def _vae_of(base: RuleBase, source: str) -> tuple:
    return tuple(v for v in base.vae if v.source == source)


def vae_in_force(base: RuleBase, source: str, year: int) -> tuple:
    return tuple(v for v in base.vae if v.source == source and v.in_force_during(year))


def touched_examples(before: RuleBase, after: RuleBase, scope: Scope) -> list[Example]:
    """The worked examples whose question the mutant answers differently from the rules' own statement."""
    found = []
    for ex in before.examples:
        if ex.certification is None:
            target = (ex.source, ex.diploma, ex.milestone)
            if target in scope.requirements and (before.pathways_for(*target, EXAMPLE_DAY)
                                                 != after.pathways_for(*target, EXAMPLE_DAY)):
                found.append(ex)
        elif ex.source in scope.vae_sources:
            year = ex.year or EXAMPLE_DAY.year
            if vae_in_force(before, ex.source, year) != vae_in_force(after, ex.source, year):
                found.append(ex)
    return found


# ---------------------------------------------------------------- judging one mutant


def judge(rules, mutant: Mutant, backend=None) -> Verdict:
    """Killed, equivalent or survived (`rules`: the unmutated `rules.Rules`)."""
    from ..solve.backend import Backend

    backend = backend or Backend(JUDGE_MS)
    before, after = rules.base, mutant.base
    scope = scope_of(before, after)
    engine = Engine(after, fast=False, backend=backend)
    killers = []
    for ex in touched_examples(before, after, scope):
        problems = check_example(engine, ex, with_options=False)
        if any(d.code == UNDECIDED for d in problems):
            raise SolverError(problems[0].message)
        if problems:
            killers.append(ex.title)
    if killers:
        return Verdict("killed", tuple(killers))
    if same_meaning(before, after, scope, backend):
        return Verdict("equivalent")
    return _survivor(rules, mutant, scope, engine)


def same_meaning(before: RuleBase, after: RuleBase, scope: Scope, backend=None) -> bool:
    """Whether Z3 proves that the two bases answer every candidate alike wherever they differ."""
    from ..solve.mutants import same_requirement, same_vae

    return (all(same_requirement(before, after, s, d, m, day, backend)
                for s, d, m in scope.requirements for day in scope.days)
            and all(same_vae(vae_in_force(before, s, y), vae_in_force(after, s, y), backend)
                    for s in scope.vae_sources for y in scope.years))


def _survivor(rules, mutant: Mutant, scope: Scope, engine: Engine) -> Verdict:
    before, after, notes = rules.base, mutant.base, []
    for s, d, m in scope.requirements:
        old, new = before.pathways_for(s, d, m, EXAMPLE_DAY), after.pathways_for(s, d, m, EXAMPLE_DAY)
        if old == new:
            notes.append(f"{s}, {d} ({MILESTONE_FR[m]}) : ne diffère qu'à d'autres dates que celle des exemples "
                         f"({EXAMPLE_DAY.isoformat()})")
        else:
            block = _missing_proposal(rules, engine, s, d, m) if old else _not_applicable(rules, engine, s, d, m)
            if block is not None:
                return Verdict("survived", (), block)
    for s in scope.vae_sources:
        for year in sorted(scope.years, key=lambda y: (y != EXAMPLE_DAY.year, y)):  # the examples' year first
            old, new = vae_in_force(before, s, year), vae_in_force(after, s, year)
            if old == new:
                continue
            block = _vae_proposal(rules, engine, s, year, old, new)
            if block is not None:
                return Verdict("survived", (), block)
    if mutant.operator == "decider":
        block = _decider_proposal(rules, engine, scope)
        if block is not None:
            return Verdict("survived", (), block)
        notes.append("ce qui change est qui fixe la durée du stage, ce qu'aucun « attendu » ne dit, et aucun "
                     "candidat témoin trouvé n'a de statut, de durées de stage ou de mois manquants qui diffèrent")
    return Verdict("survived", (), None, "; ".join(dict.fromkeys(notes)) or
                   "aucun candidat témoin trouvé à qui les deux règles répondent différemment sur ce qu'un "
                   "« attendu » peut dire (statut, durées du stage, mois manquants)")


def _missing_proposal(rules, engine: Engine, source: str, diploma: str, milestone: str) -> str | None:
    """An example block for a candidate the two bases answer differently, that holds under the rules only."""
    from ..solve.witness import DivergenceSearch, Side

    day = EXAMPLE_DAY
    search = DivergenceSearch(Side("règles", rules.engine.traced((source,), diploma, milestone, day)),
                              Side("mutant", engine.traced((source,), diploma, milestone, day)),
                              backend=engine.backend)
    for _ in range(MAX_WITNESSES):
        found = search.next()
        if found is None:
            return None
        profile = witness_profile(found.values)
        original = _missing(rules.engine, source, diploma, milestone, profile)
        changed = _missing(engine, source, diploma, milestone, profile)
        if changed is not None and comparable(original) == comparable(changed):
            search.reject(found)
            continue
        example = BoundaryExample(source, diploma, milestone, "", profile, original)
        if example.expected() is None:
            continue
        block = _titled(example.text(), example.title, rules.base, source)
        if _kills(rules, engine, source, block):
            return block
    return None


def _decider_proposal(rules, engine: Engine, scope: Scope) -> str | None:
    """An example sending the plainest candidate of a pathway whose decider changed on its internship, saying
    who sets its length (what the answer says and the mutant says otherwise)."""
    from ..solve.boundaries import at_threshold

    for s, d, m in scope.requirements:
        pairs = zip(rules.base.pathways_for(s, d, m, EXAMPLE_DAY), engine.base.pathways_for(s, d, m, EXAMPLE_DAY))
        for p, _ in ((p, q) for p, q in pairs if p.internship and q.internship
                     and p.internship.decided_by != q.internship.decided_by):
            values = at_threshold(p, None, Fraction(0))
            original = _missing(rules.engine, s, d, m, witness_profile(values)) if values is not None else None
            if original is None or original["status"] != "internship" or not original["internship"]["decided_by"]:
                continue
            example = BoundaryExample(s, d, m, "", witness_profile(values), original)
            expected = example.expected()
            if expected is None:
                continue
            who = AUTHORITY_FR[original["internship"]["decided_by"]]
            block = _titled(example.text().removesuffix(expected) + f"{expected}, durée décidée par {who}",
                            example.title, rules.base, s)
            if _kills(rules, engine, s, block):
                return block
    return None


def _not_applicable(rules, engine: Engine, source: str, diploma: str, milestone: str) -> str | None:
    """An example saying that the source states nothing for the diploma at that milestone (where the mutant
    does)."""
    at = "" if milestone == "delivery" else f" au jalon {MILESTONE_WORD[milestone]}"
    title = f"{diploma}{at} : la source n'énonce rien"
    block = _titled(f"exemple « {title} »\n  pour {diploma}{at}\n  attendu non applicable", title, rules.base,
                    source)
    return block if _kills(rules, engine, source, block) else None


def _missing(engine: Engine, source: str, diploma: str, milestone: str, profile: Profile) -> dict | None:
    """The part of `cnam missing`'s answer a worked example states; None when the source states nothing then."""
    try:
        question = missing_question(engine.base, {"diploma": diploma, "sources": [source], "milestone": milestone},
                                    EXAMPLE_DAY, profile)
    except RequestError:
        return None
    answer = missing_answer(engine, question, with_options=False)
    return {k: answer[k] for k in ("status", "internship", "missing_months")}


def _vae_proposal(rules, engine: Engine, source: str, year: int, old: tuple, new: tuple) -> str | None:
    from ..solve.mutants import vae_divergence

    values = vae_divergence(old, new, engine.backend) if old and new else {}
    if values is None:
        return None
    profile = witness_profile(values)
    code = next((ex.certification for ex in rules.base.examples if ex.certification and ex.source == source),
                DEFAULT_CERTIFICATION)
    if old:
        question = vae_question(rules.base, {"certification": code, "sources": [source], "year": year},
                                EXAMPLE_DAY, profile)
        answer = vae_answer(rules.engine, question)
        expected = {"eligible": "attendu recevable", "limit": "attendu limite",
                    "missing": f"attendu manque {_n(answer['missing_months'])} mois"}[answer["status"]]
    else:
        expected = "attendu non applicable"
    facts = profile_statements(profile)
    said = ", ".join(f.replace("expérience de ", "") for f in facts) or "aucune expérience"
    title = f"VAE {code} en {year} : " + (said if old else "la source n'énonce rien")
    lines = [f"exemple « {title} »", f"  certification {code} en {year}"] + [f"  {f}" for f in facts] + [f"  {expected}"]
    block = _titled("\n".join(lines), title, rules.base, source)
    return block if _kills(rules, engine, source, block) else None


def _n(value) -> str:
    return months_fr(Fraction(str(value))).split(" mois")[0]


def _titled(block: str, title: str, base: RuleBase, source: str) -> str:
    """The block under a title no worked example of the source has yet."""
    taken = {ex.title for ex in base.examples if ex.source == source}
    chosen, k = title, 2
    while chosen in taken:
        chosen, k = f"{title} ({k})", k + 1
    return block.replace(f"« {title} »", f"« {chosen} »", 1)


def _kills(rules, engine: Engine, source: str, block: str) -> bool:
    """Whether the block, read as the rule language reads it in a file of the source, holds under the rules
    and not under the mutant."""
    example = parsed_example(rules.base, source, block)
    return (example is not None and not check_example(rules.engine, example)
            and bool(check_example(engine, example, with_options=False)))


def parsed_example(base: RuleBase, source: str, block: str) -> Example | None:
    """The worked example an `exemple` block states in a file of the source (None if it does not read)."""
    from pathlib import Path

    from ..language.check import Builder
    from ..language.parse import parse_text

    rule_file, diagnostics = parse_text(f"source {source}\n\n{block}\n", "<exemple proposé>")
    if rule_file is None or any(d.is_error for d in diagnostics):
        return None
    builder = Builder(sources=dict(base.sources), diplomas=dict(base.diplomas))
    builder.add_file(Path("<exemple proposé>"), rule_file)
    built = builder.finish()
    if any(d.is_error for d in builder.diagnostics) or len(built.examples) != 1:
        return None
    return built.examples[0]


# ---------------------------------------------------------------- the whole rule base


def mutation_report(rules, jobs: int = 1, store: "VerdictStore | None" = None) -> dict:
    """Every mutant of the rule base with its verdict (JSON-ready), and the counts by status and operator."""
    mutants = mutants_of(rules.base)
    store = store if store is not None else VerdictStore.default()
    keys = [verdict_key(rules.base, m) for m in mutants]
    verdicts = {i: store.get(k) for i, k in enumerate(keys)}
    todo = [i for i, v in verdicts.items() if v is None]
    for i, verdict in _judged(rules, mutants, todo, jobs):
        verdicts[i] = verdict
    store.put({keys[i]: verdicts[i] for i in todo})
    entries = [{"operator": m.operator, "file": m.file, "line": m.line, "description": m.description,
                **verdicts[i].to_json()} for i, m in enumerate(mutants)]
    return {"mutants": entries, "counts": counts(entries), "judged": len(todo)}


def counts(entries: list[dict]) -> dict:
    total = {s: sum(e["status"] == s for e in entries) for s in STATUSES}
    by_operator = {op: {s: sum(e["status"] == s for e in entries if e["operator"] == op) for s in STATUSES}
                   for op in OPERATORS if any(e["operator"] == op for e in entries)}
    return {"total": len(entries), **total, "by_operator": by_operator}


_run: tuple | None = None  # (rules, mutants) of the run being judged: set before the workers fork


def _judged(rules, mutants: list[Mutant], todo: list[int], jobs: int):
    """(index, verdict) for each mutant to judge, by worker processes where there are several and the system
    forks (the order of the answers is not the order of `todo`)."""
    import multiprocessing

    global _run
    if jobs <= 1 or len(todo) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for i in todo:
            yield i, judge(rules, mutants[i])
        return
    rules.engine  # made once, before the workers fork  # noqa: B018
    _run = (rules, mutants)
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(todo))) as pool:
            yield from pool.imap_unordered(_judge_at, todo)
    finally:
        _run = None


def _judge_at(i: int) -> tuple[int, Verdict]:
    rules, mutants = _run
    try:
        return i, judge(rules, mutants[i])
    except SolverError as exc:  # reported by the parent, as a verdict cannot be given
        raise SolverError(f"{mutants[i].file}:{mutants[i].line} : {exc}") from None


# ---------------------------------------------------------------- remembered verdicts


def verdict_key(base: RuleBase, mutant: Mutant) -> str:
    """A digest of what decides a mutant's verdict: the code, the mutant, and in both bases the rules and the
    worked examples of the sources it touches (a change elsewhere keeps the verdict)."""
    from ..cache import code_digest

    sources = scope_of(base, mutant.base).sources
    parts = [FORMAT, code_digest(), mutant.operator, mutant.description, mutant.span,
             base.diplomas, [ex for ex in base.examples if ex.source in sources]]
    for b in (base, mutant.base):
        parts += [[p for p in b.pathways if p.source in sources], [v for v in b.vae if v.source in sources],
                  [g for g in b.generals if g.source in sources], [e for e in b.early_reviews if e.source in sources]]
    return hashlib.sha256(repr(_canonical(parts)).encode()).hexdigest()


def _canonical(value):
    """A value with its sets sorted, so that its repr is the same in every process (string hashes are not)."""
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,) + tuple(_canonical(getattr(value, f.name)) for f in fields(value))
    if isinstance(value, (set, frozenset)):
        return ("set",) + tuple(sorted((_canonical(v) for v in value), key=repr))
    if isinstance(value, dict):
        return ("dict",) + tuple(sorted(((k, _canonical(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


class VerdictStore:
    """Verdicts by key (`verdict_key`), in one entry of the user's cache; `folder` None keeps nothing."""

    NAME = "mutants.json"
    KEEP = 20_000  # verdicts kept, the most recent first

    def __init__(self, folder):
        from ..cache import code_digest

        self.folder, self.key = folder, f"{FORMAT}-{code_digest()}"
        self._verdicts = self._read()

    @staticmethod
    def default() -> "VerdictStore":
        from ..cache import cache_dir

        return VerdictStore(cache_dir())

    def _read(self) -> dict:
        from ..cache import read_entry

        payload = read_entry(self.folder, self.NAME, self.key) if self.folder is not None else None
        try:
            return json.loads(payload) if payload is not None else {}
        except ValueError:
            return {}

    def get(self, key: str) -> Verdict | None:
        data = self._verdicts.get(key)
        try:
            return Verdict.from_json(data) if data is not None else None
        except (KeyError, TypeError):
            return None

    def put(self, verdicts: dict[str, Verdict]) -> None:
        from ..cache import write_entry

        if not verdicts or self.folder is None:
            return
        merged = {**self._read(), **self._verdicts, **{k: v.to_json() for k, v in verdicts.items()}}
        fresh = {k: merged.pop(k) for k in verdicts}
        kept = dict(list(merged.items())[-(self.KEEP - len(fresh)):]) if self.KEEP > len(fresh) else {}
        self._verdicts = {**kept, **fresh}
        write_entry(self.folder, self.NAME, self.key, json.dumps(self._verdicts, ensure_ascii=False).encode())


# ---------------------------------------------------------------- text for people


def mutants_text(report: dict) -> str:
    """The report in French: the counts, then each survivor with its proposed example, then the equivalents."""
    c = report["counts"]
    lines = [f"Mutation des règles : {c['total']} mutant(s) — {c['killed']} tué(s) par les exemples, "
             f"{c['equivalent']} équivalent(s), {c['survived']} survivant(s)."]
    for op, by in c["by_operator"].items():
        lines.append(f"  {OPERATOR_FR[op]} : " + ", ".join(f"{by[s]} {STATUS_FR[s]}" for s in STATUSES))
    survivors = [e for e in report["mutants"] if e["status"] == "survived"]
    if survivors:
        lines += ["", "Survivants : aucun exemple ne les distingue des règles."]
    for e in survivors:
        lines += ["", f"{e['file']}:{e['line']}: [{OPERATOR_FR[e['operator']]}] {e['description']}"]
        if e["proposed_example"]:
            lines.append(f"  Exemple proposé (réponse des règles non mutées ; à vérifier contre la source avant de "
                         f"le coller dans {e['file']}) :")
            lines += ["    " + line for line in e["proposed_example"].splitlines()]
        else:
            lines.append(f"  Pas d'exemple proposé : {e['note']}.")
    equivalents = [e for e in report["mutants"] if e["status"] == "equivalent"]
    if equivalents:
        lines += ["", "Équivalents : le solveur prouve qu'aucun candidat ne les distingue des règles."]
        lines += [f"  {e['file']}:{e['line']}: [{OPERATOR_FR[e['operator']]}] {e['description']}" for e in equivalents]
    return "\n".join(lines)
