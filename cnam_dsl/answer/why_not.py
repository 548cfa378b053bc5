"""« Pourquoi pas ? » — for a complete file whose answer is not `satisfied`, the least single changes that would make
it so, each found and proved least by Z3 (`solve.levers`), confirmed by answering the changed file, and worded
as advice in French.

The changes considered: more experience in the field, more experience in any
field, an internship done, a decided length with the internship it then asks
(where the file has no decision), and an experience recognised in the field
or at a sufficient level (one fact of the file, as it is).
"""

from __future__ import annotations

from dataclasses import replace

from ..candidate import Experience, InternshipDone, Profile, facts_of
from ..request import MissingQuestion
from ..solve import Engine
from ..solve.levers import least_experience, least_internship, least_with_decision, months
from .describe import months_fr
from .explain import missing_answer, number, option_experience
from .present import experience_fr_of

ADDED_LABEL = "expérience à acquérir"
STAGE_WHERE = {(True, True): "dans le domaine, avec rapport", (True, False): "dans le domaine",
               (False, True): "avec rapport", (False, False): ""}


def why_not(engine: Engine, question: MissingQuestion, answer: dict) -> list[dict]:
    """The least changes that would make the answer `satisfied` ([] when it is, or for a conflict)."""
    if answer["status"] not in ("internship", "missing"):
        return []
    q = question
    facts = facts_of(q.profile, q.on)
    form = engine.closed_form(q.sources, q.diploma, q.milestone, q.on)
    found: list[dict] = []
    found += _reclassified(engine, q)
    if form is not None:
        found += _experience(engine, q, form, facts)
        found += _internship(engine, q, form, facts, answer)
    return sorted(found, key=lambda change: (change["months"], change["change"]))


def _confirmed(engine: Engine, question: MissingQuestion, profile: Profile) -> bool:
    """Whether the changed file's answer (the engine's, as `cnam missing` gives it) is `satisfied`."""
    return missing_answer(engine, replace(question, profile=profile))["status"] == "satisfied"


def _change(kind: str, cents: int, text: str, proved: bool, profile: Profile, **more) -> dict:
    return {"change": kind, "months": number(months(cents)), **more, "text": text, "proved_minimal": proved,
            "witness": profile.to_dict()}


def _experience(engine: Engine, q: MissingQuestion, form, facts) -> list[dict]:
    found = []
    requirement = (q.sources, q.diploma, q.milestone, q.on)
    for kind, field in (("experience_in_field", "in"), ("experience_any_field", "out")):
        least = least_experience(form, facts, (field, "salaried", "sufficient"), engine.backend)
        if least is None or least.cents == 0:
            continue
        added = Experience(label=ADDED_LABEL, months=float(months(least.cents)), field=field)
        profile = replace(q.profile, experiences=q.profile.experiences + (added,))
        if not _confirmed(engine, q, profile):
            continue
        what = experience_fr_of(option_experience(engine.base, requirement, kind))
        where = " dans le domaine" if field == "in" else ", dans n'importe quel domaine"
        text = (f"Acquérir {months_fr(months(least.cents))} d'expérience professionnelle supplémentaire{where}"
                f"{what} : plus rien ne serait exigé.")
        found.append(_change(kind, least.cents, text, least.proved, profile))
    return found


def _internship(engine: Engine, q: MissingQuestion, form, facts, answer: dict) -> list[dict]:
    """An internship done, and (without a decision) a decided length with the internship it asks."""
    asked = answer["internship"] or {"in_field": True, "report": True, "decided_by": None, "done_months": 0}
    field, report = ("in" if asked["in_field"] else "out"), bool(asked["report"])
    where = STAGE_WHERE[(asked["in_field"], report)]
    found = []
    least = least_internship(form, facts, field, report, engine.backend)
    if least is not None and least.cents > 0:
        profile = _with_internship(q.profile, least.cents, field, report)
        if _confirmed(engine, q, profile):
            already = f" (en plus des {months_fr(asked['done_months'])} déjà faits)" if asked["done_months"] else ""
            text = f"Effectuer un stage de {months_fr(months(least.cents))}{' ' + where if where else ''}{already} : " \
                   "plus rien ne serait exigé."
            found.append(_change("internship", least.cents, text, least.proved, profile))
    if q.profile.decided_internship_months is None and answer["status"] == "internship":
        found += _decision(engine, q, form, facts, asked, field, report, where)
    return found


def _decision(engine: Engine, q: MissingQuestion, form, facts, asked: dict, field: str, report: bool,
              where: str) -> list[dict]:
    least = least_with_decision(form, facts, field, report, engine.backend)
    if least is None:
        return []
    profile = _with_internship(q.profile, least.cents, field, report) if least.cents else q.profile
    profile = replace(profile, decided_internship_months=float(months(least.decided)))
    if not _confirmed(engine, q, profile):
        return []
    who = to_authorities(asked.get("decided_by") or "jury")
    length = months_fr(months(least.decided))
    where = f" {where}" if where else ""
    if least.decided == 1:  # no floor: any length the authority sets
        then = f"quelle que soit la durée fixée{_most(asked)}, il suffirait d'un stage de cette durée{where}"
    elif least.cents == 0:
        then = f"si elle est fixée à {length} (le moins possible), les stages déjà faits suffiraient"
    elif asked["done_months"]:
        then = (f"si elle est fixée à {length} (le moins possible), il suffirait d'encore "
                f"{months_fr(months(least.cents))} de stage{where}")
    else:
        then = (f"si elle est fixée à {length} (le moins possible), il suffirait d'un stage de "
                f"{months_fr(months(least.cents))}{where}")
    text = f"Demander {who} de fixer la durée du stage (examen anticipé de l'expérience) : {then}."
    return [_change("decision", least.cents, text, least.proved, profile,
                    decided_months=number(months(least.decided)))]


TO_AUTHORITY = {"jury": "au jury", "cnam": "au Cnam", "commission": "à la commission"}


def to_authorities(decided_by: str) -> str:
    """« Demander … » to the authorities named (`cnam+jury`).

    >>> to_authorities("cnam+jury")
    'au Cnam et au jury'
    """
    names = [TO_AUTHORITY[a] for a in decided_by.split("+")]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def _most(asked: dict) -> str:
    return f" (au plus {months_fr(asked['max_months'])})" if asked.get("max_months") is not None else ""


def _with_internship(profile: Profile, cents: int, field: str, report: bool) -> Profile:
    done = InternshipDone(months=float(months(cents)), field=field, report=report)
    return replace(profile, internships=profile.internships + (done,))


def _reclassified(engine: Engine, q: MissingQuestion) -> list[dict]:
    """Each experience recognised in the field, or at a sufficient level, when that alone would do."""
    found = []
    for i, e in enumerate(q.profile.experiences):
        name = f"« {e.label} »" if e.label else f"n° {i + 1}"
        for key, value, text in (
                ("field", "in", f"Si l'expérience {name} est reconnue dans le domaine du diplôme (des missions en "
                                f"relation avec la spécialité), plus rien ne serait exigé."),
                ("level", "sufficient", f"Si l'expérience {name} est reconnue à un niveau de responsabilité "
                                        "suffisant, plus rien ne serait exigé.")):
            if getattr(e, key) == value:
                continue
            changed = list(q.profile.experiences)
            changed[i] = replace(e, **{key: value})
            profile = replace(q.profile, experiences=tuple(changed))
            if _confirmed(engine, q, profile):
                found.append({"change": key, "months": 0, "fact": f"experiences[{i}].{key}", "value": value,
                              "text": text, "proved_minimal": True, "witness": profile.to_dict()})
    return found


def why_not_text(changes: list[dict]) -> list[str]:
    """The section « Pourquoi pas ? » of the French answer."""
    if not changes:
        return ["", "Pourquoi pas ? Aucun changement simple (plus d'expérience, un stage, une décision, une expérience "
                    "reconnue dans le domaine) ne suffirait à lui seul."]
    lines = ["", "Pourquoi pas ? Ce qui suffirait, à lui seul, pour que plus rien ne soit exigé :"]
    for n, c in enumerate(changes, 1):
        proved = " (le moins possible, prouvé par le solveur)" if c["proved_minimal"] and c["months"] else ""
        lines.append(f"  {n}. {c['text']}{proved}")
    return lines
