"""A question and a candidate file into what a record holds: the question as asked (its day fixed), the profile,
the facts as counted step by step, the answer exactly as `cnam missing` / `cnam vae` gives it.

The answer comes from `rules.Rules` (the one way to decide), the counting
from `candidate.count` (the one counting of periods); this module only
writes down what they did, with the rules each period counts for and what
was set aside and why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ..answer.describe import KIND_FR
from ..answer.explain import number, vae_day
from ..candidate import Profile, count, read_profile
from ..candidate.counting import exact
from ..language.model import DONE_KEYS, ExperienceRule
from ..request import MissingQuestion, VaeQuestion
from .seal import canonical, personal_fields, personal_digest, plain, salted, sha256, split_personal, SCHEMA
from .snapshot import Snapshot, documents

KINDS = ("missing", "vae")
SET_ASIDE_FR = {
    "future": "après la date de la question : pas encore acquis, non compté",
    "overlap": "jours déjà couverts par d'autres périodes : un jour ne compte qu'une fois, à temps plein au plus",
    "not_counted": "aucune règle des voies applicables ne compte ce type d'expérience",
}


@dataclass(frozen=True)
class Draft:
    """A record before it is sealed (the store gives it its id, time and place in the chain)."""

    body: dict
    personal: dict  # the personal fields, salted (stored apart from the chain)
    snapshot: Snapshot


def question_of(rules, kind: str, fields: Mapping, profile: Profile, today: date) -> MissingQuestion | VaeQuestion:
    """The question asked (`request.RequestError` naming every bad field); its day is `today` unless given."""
    if kind == "missing":
        return rules.missing_question(dict(fields), profile, today)
    return rules.vae_question(dict(fields), profile, today)


def stored_question(kind: str, fields: Mapping, question, today: date) -> dict:
    """The question as the record keeps it: every field fixed (the day included), sources only if asked."""
    asked = fields.get("sources", fields.get("source"))
    if kind == "missing":
        stored = {"command": "missing", "diploma": question.diploma, "milestone": question.milestone,
                  "date": question.on.isoformat()}
    else:
        stored = {"command": "vae", "certification": question.certification, "year": question.year,
                  "date": today.isoformat()}
    if asked:
        stored["sources"] = sorted(set([asked] if isinstance(asked, str) else asked))
    return stored


def asked_again(stored: dict) -> tuple[str, dict, date]:
    """(kind, fields, day) of a stored question, to ask it again."""
    kind = stored["command"]
    fields = {k: v for k, v in stored.items() if k != "command" and (kind == "missing" or k != "date")}
    return kind, fields, date.fromisoformat(stored["date"])


def answer_of(rules, question, today: date) -> dict:
    """The answer of `cnam missing` or `cnam vae` to a question asked on `today`."""
    if isinstance(question, MissingQuestion):
        return rules.missing(question)
    return rules.vae(question, today=today)


def decide(rules, kind: str, fields: Mapping, profile_data: dict, adviser: str, today: date,
           solving: Callable[[Callable[[], dict]], dict] = lambda compute: compute()) -> Draft:
    """A record's draft for a question (`fields`, as `cnam missing` or `cnam vae` reads them) about a candidate
    file's data; `solving` runs the answer's computation (the web holds its solver lock there). Raises
    `candidate.ProfileError` or `request.RequestError` for a request that cannot be answered."""
    data = plain(profile_data)
    profile = read_profile(data, origin="profile")
    question = question_of(rules, kind, fields, profile, today)
    answer = solving(lambda: answer_of(rules, question, today))
    kept, personal = split_personal(data)
    personal = salted(personal)
    snapshot = loaded_snapshot(rules)
    body = {
        "schema": SCHEMA,
        "adviser": adviser,
        "question": stored_question(kind, fields, question, today),
        "profile": kept,
        "profile_sha256": sha256(canonical(data)),
        "personal_sha256": personal_digest(personal),
        "personal_fields": personal_fields(personal),
        "counted": counted(rules.base, question, today),
        "answer": answer,
        "rules_sha256": snapshot.digest,
        "rules_folder": snapshot.folder,
        "documents": documents(rules.base, snapshot),
        "titles": titles(rules.base, question),
        "tool_version": tool_version(),
        "code_sha256": code_sha256(),
    }
    return Draft(body, personal, snapshot)


class RulesChanged(Exception):
    """The rule files changed on disk since the rules were loaded: the record would not store what answered."""


def loaded_snapshot(rules) -> Snapshot:
    """The rule base's files, checked to be those the rules were loaded from (each rule file's text)."""
    snapshot = rules.snapshot
    for name, text in rules.base.texts.items():
        data = snapshot.files.get(name.split("/", 1)[-1])
        if data is None or data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n") != text:
            raise RulesChanged(f"{name} a changé depuis le chargement des règles : relancer la commande "
                               f"(ou le serveur) pour enregistrer la décision avec les règles en vigueur")
    return snapshot


def titles(base, question) -> dict:
    """The names a printed record shows, as the rules gave them: the diploma's (or the certification), the
    sources' titles."""
    subject = (base.diplomas[question.diploma].name if isinstance(question, MissingQuestion)
               else f"certification {question.certification}")
    return {"subject": subject, "sources": {s: base.sources[s].title or s for s in question.sources}}


@functools.cache
def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnam-dsl")
    except PackageNotFoundError:
        return "0"


def code_sha256() -> str:
    from ..cache import code_digest

    return code_digest()


# ---------------------------------------------------------------- the facts as counted


def experience_rules(base, question) -> list[ExperienceRule]:
    """The experience rules that could count a period: those of every pathway the answer considered (every
    source of the question), or of the VAE rules in force that year."""
    if isinstance(question, MissingQuestion):
        return [r for s in question.sources for p in base.pathways_for(s, question.diploma, question.milestone,
                                                                       question.on) for r in p.experience]
    return [r for v in base.vae if v.source in question.sources and v.in_force_during(question.year)
            for r in v.experience]


def counted(base, question, today: date) -> dict:
    """The facts as counted: each period (its months, the share of full time applied, what overlaps removed,
    what was set aside and why, the rules it counts for), each internship done, the totals."""
    on = question.on if isinstance(question, MissingQuestion) else vae_day(question.year, today)
    steps = count(question.profile, on)
    rules = experience_rules(base, question)
    facts = steps.facts
    return {
        "on": on.isoformat(),
        "periods": [_period(p, question.profile.experiences[p.index], rules) for p in steps.periods],
        "internships": [{"index": i.index, "field": i.field, "report": i.report, "months": number(i.length),
                         "future_months": number(i.future)} for i in steps.internships],
        "experience": [{"field": c[0], "kind": c[1], "level": c[2], "months": number(m)}
                       for c, m in facts.experience.items()],
        "internships_done": [{"in_field": k[0], "report": k[1], "months": number(facts.done.get(k, Fraction(0)))}
                             for k in DONE_KEYS],
        "decided_internship_months": number(facts.decision),
        "ue_acquired": facts.ue_acquired,
    }


def _period(p, experience, rules: list[ExperienceRule]) -> dict:
    """One period's counting steps."""
    full_time = p.length * exact(p.time_share)
    counting = [r for r in rules if r.counts(p.category)]
    set_aside = []
    if p.future:
        set_aside.append(_aside("future", p.future))
    if p.overlapped:
        set_aside.append(_aside("overlap", p.overlapped))
    if not counting and p.credited:
        set_aside.append(_aside("not_counted", p.credited))
    notes = []
    if experience.field == "in" and experience.level == "insufficient":
        notes.append("dans le domaine mais à un niveau insuffisant : compte comme expérience hors domaine")
    return {
        "index": p.index,
        "field": p.category[0], "kind": p.category[1], "level": p.category[2],
        "start": experience.start.isoformat() if experience.start else None,
        "end": experience.end.isoformat() if experience.end else None,
        "months": number(p.length),
        "time_share": p.time_share,
        "full_time_months": number(full_time),
        "credited_months": number(p.credited),
        "set_aside": set_aside,
        "counts_for": [{"file": f, "line": n, "source": s}
                       for f, n, s in sorted({(r.provenance.file, r.provenance.line, r.provenance.source)
                                              for r in counting})],
        "notes": notes,
    }


def _aside(reason: str, months: Fraction) -> dict:
    return {"reason": reason, "months": number(months), "text": SET_ASIDE_FR[reason]}


def category_fr(period: dict) -> str:
    """
    >>> category_fr({"field": "out", "kind": "volunteer", "level": "insufficient"})
    'hors domaine, bénévole, niveau insuffisant'
    """
    where = "dans le domaine" if period["field"] == "in" else "hors domaine"
    level = ", niveau insuffisant" if period["level"] == "insufficient" else ""
    return f"{where}, {KIND_FR[period['kind']]}{level}"

