"""Turn solver outcomes into the contract's answers (JSON-ready dicts), each reason citing its rule."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from .describe import (
    AUTHORITY_FR, KIND_FR, early_fr, experience_fr, fact_fr, general_fr, internship_fr, kinds_fr, limit_fr,
    modulation_fr, months_fr,
)
from ..language.model import CATEGORIES, Pathway, Provenance, RuleBase
from ..candidate import facts_of
from ..candidate.schema import MAX_YEAR
from ..request import MissingQuestion, VaeQuestion
from ..solve import Engine, Facts, Internship, Option, Outcome


def number(value: Fraction | float | None):
    """JSON number: an int when whole, else rounded to 2 decimals.

    >>> number(Fraction(6)), number(Fraction(1, 3)), number(None)
    (6, 0.33, None)
    """
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value == int(value) else value


def missing_answer(engine: Engine, question: MissingQuestion, with_options: bool = True, core: bool = True) -> dict:
    """The answer of `cnam missing`, as the contract's JSON object (`options` left empty without
    `with_options`: what checks a worked example, which states no option, needs no more; a conflict
    unexplained, without the solver's unsat core, when `core` is False)."""
    q = question
    facts = facts_of(q.profile, q.on)
    outcome = engine.outcome(q.sources, q.diploma, q.milestone, q.on, facts, with_options, core)
    if len(q.sources) == 1:  # the one source's own answer is the answer
        singles = {q.sources[0]: outcome}
    else:
        singles = {s: engine.outcome((s,), q.diploma, q.milestone, q.on, facts, with_options=False, core=core)
                   for s in q.sources}
    return answer_of(engine.base, q.sources, q.diploma, q.milestone, q.on, facts, outcome, singles)


def answer_of(base: RuleBase, chosen: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
              outcome: Outcome, singles: dict[str, Outcome], parts: Parts | None = None) -> dict:
    """The contract's answer from the outcomes: under the sources `chosen` together, and under each alone."""
    parts = parts or PLAIN
    requirement = (chosen, diploma, milestone, on)
    answer = {
        "diploma": diploma,
        "milestone": milestone,
        "date": on.isoformat(),
        "sources": list(chosen),
        "status": outcome.status,
        "internship": internship_json(outcome.internship),
        "missing_months": number(outcome.missing_months) if outcome.status == "missing" else 0,
        "options": [option_json(o, _made(("qualifiers", base, requirement, o.kind),
                                         lambda o=o: option_experience(base, requirement, o.kind)))
                    for o in outcome.options],
        "early_review_possible": early_review(base, chosen, facts.ue_acquired),
        "explanation": explanation(base, chosen, diploma, milestone, on, facts, outcome, parts),
        "divergences": divergences(singles, {s: early_review(base, (s,), facts.ue_acquired) for s in chosen}),
        "to_check": checks_json(base, chosen, diploma, _with_internship(base, requirement, outcome)),
        "set_aside": set_aside(base, requirement, facts, outcome, parts),
    }
    if outcome.status == "missing" and outcome.missing_strict:
        answer["missing_strict"] = True
    if outcome.status == "conflict":
        answer["conflicting_facts"] = [fact_fr(t.rule) for t in outcome.core if t.kind == "fact"]
    return answer


def internship_json(internship: Internship | None) -> dict | None:
    if internship is None:
        return None
    return {
        "min_months": number(internship.min_months),
        "max_months": number(internship.max_months),
        "standard_months": number(internship.standard_months),
        "decided_by": internship.decided_by,
        "in_field": internship.in_field,
        "report": internship.report,
        "done_months": number(internship.done_months),
        "remaining_min_months": number(internship.remaining_min_months),
        "awaiting_decision": internship.awaiting_decision,
        "can_be_lowered": internship.can_be_lowered,
    }


def option_json(option: Option, experience: dict | None = None) -> dict:
    """An option as JSON (`experience`: what the experience to acquire must be, `option_experience`)."""
    data = {
        "kind": option.kind,
        "months": number(option.months),
        "status": option.status,
        "internship": internship_json(option.internship),
    }
    if option.strict:
        data["strict"] = True
    if experience is not None and option.kind != "internship":
        data["experience"] = experience
    return data


def option_experience(base: RuleBase, requirement: tuple, kind: str) -> dict:
    """What the experience an option adds must be to count for the rules it serves: salaried (or any
    professional kind), at a sufficient level, full time; in the field or in any field (the option's kind).
    The rules it serves: those of the requirement's pathways that count experience of that field."""
    sources, diploma, milestone, on = requirement
    in_field = kind == "experience_in_field"
    rules = [r for s in sources for p in base.pathways_for(s, diploma, milestone, on) for r in p.experience
             if in_field or not r.in_field]
    salaried_only = bool(rules) and any(r.kinds == frozenset({"salaried"}) for r in rules)
    return {"in_field": in_field, "kind": "salaried" if salaried_only else "professional",
            "sufficient_level": any(r.sufficient_level for r in rules), "full_time": any(r.full_time for r in rules)}


def early_review(base: RuleBase, sources: tuple[str, ...], ue_acquired: int) -> bool | None:
    """Whether an examen anticipé may be asked now, where a selected source states its conditions."""
    rules = [r for r in (base.early_review_of(s) for s in sources) if r is not None]
    if not rules:
        return None
    return all(r.least_ue is None or ue_acquired >= r.least_ue for r in rules)


def summary(outcome: Outcome) -> dict:
    """The part of an answer by which sources are compared."""
    return {
        "status": outcome.status,
        "internship": internship_json(outcome.internship),
        "missing_months": number(outcome.missing_months) if outcome.status == "missing" else 0,
    }


def comparable(answer: dict) -> tuple:
    """The part of an answer by which two answers are the same or diverge (sources, versions, docs)."""
    i = answer.get("internship") or {}
    return (answer["status"], i.get("min_months"), i.get("max_months"), i.get("standard_months"),
            answer["missing_months"])


def divergences(singles: dict[str, Outcome], early: dict[str, bool | None] | None = None) -> list[dict]:
    """Each source's own answer when they are not all the same: another status, internship (its bounds, or
    who decides its length) or missing amount, or another verdict on the examen anticipé where each source
    states its conditions."""
    early = early or {}
    outcomes = list(singles.values())
    stated = [v for v in early.values() if v is not None]
    early_apart = len(set(stated)) > 1
    summaries = {s: summary(o) for s, o in singles.items()}
    deciders = {(v["internship"] or {}).get("decided_by") for v in summaries.values() if v["status"] == "internship"}
    if not early_apart and len(deciders) <= 1 and all(_compared(o) == _compared(outcomes[0]) for o in outcomes[1:]):
        return []  # the same exact values: the same once written
    if not early_apart and len(deciders) <= 1 and len({comparable(v) for v in summaries.values()}) <= 1:
        return []
    return [{"source": s, **v, **({"early_review_possible": early[s]} if early_apart else {})}
            for s, v in summaries.items()]


def _with_internship(base: RuleBase, requirement: tuple, outcome: Outcome) -> bool:
    """Whether the answer rests on an internship: asked for, or done in a pathway retained."""
    sources, diploma, milestone, on = requirement
    return outcome.status == "internship" or any(
        p.internship is not None for s in sources for p in base.pathways_for(s, diploma, milestone, on)
        if p.key in outcome.selected)


def checks_json(base: RuleBase, sources, diploma: str | None, internship: bool) -> list[dict]:
    """What the adviser must still check (`à vérifier`), each with its rule: never part of the status."""
    return [{"id": c.key, **entry(c.provenance, c.text)} for c in base.checks_for(sources, diploma, internship)]


COUNTING_NOTES = {
    "part_time": "Temps partiel : une période à temps partiel compte en équivalent temps plein (mois × part du "
                 "temps plein).",
    "overlap": "Périodes qui se chevauchent : les jours communs ne comptent qu'une fois (au plus un temps plein "
               "par jour).",
    "future": "Période à venir : l'expérience compte jusqu'à la date de la question, pas au-delà.",
    "ongoing": "Période en cours (sans fin) : comptée jusqu'à la date de la question.",
}


def set_aside(base: RuleBase, requirement: tuple, facts: Facts, outcome: Outcome, parts: "Parts") -> list[dict]:
    """What the counting or the rules leave out of the candidate's experience, and why: the experience no
    rule shown counts (volunteer work, an insufficient level...), internships done that do not count for the
    internship asked, and how periods were counted (part time, overlaps, future periods)."""
    sources, diploma, milestone, on = requirement
    found = []
    rules = [r for s in sources for p in base.pathways_for(s, diploma, milestone, on) for r in p.experience]
    for category in facts.experience:
        if rules and not any(r.counts(category) for r in rules):
            found.append(parts.set_aside(frozenset({category}), _uncounted_fr(category, rules), facts))
    internship = outcome.internship
    if internship is not None:
        why = unused_internships(facts.done, internship.in_field, internship.report)
        if why:
            found.append(parts.unused(f"Stages déjà faits qui ne comptent pas pour le stage demandé "
                                      f"({' ou '.join(why)}) : ", (internship.in_field, internship.report), facts))
    found += [{"kind": "counting", "text": COUNTING_NOTES[n]} for n in sorted(facts.notes)]
    return found


def unused_internships(done, in_field: bool, report: bool) -> tuple[str, ...]:
    """Why internships done (months per `DONE_KEYS`) do not all count for an internship asked in the field
    or with a report: "hors du domaine", "sans rapport" (none: every one counts)."""
    everything = done[(False, False)]
    return tuple(why for asked, key, why in ((in_field, (True, False), "hors du domaine"),
                                             (report, (False, True), "sans rapport"))
                 if asked and everything > done[key])


def _uncounted_fr(category: tuple[str, str, str], rules) -> str:
    field_, kind, level = category
    what = f"Expérience {KIND_FR[kind]}" + (" de niveau insuffisant" if level == "insufficient" else "") + (
        " dans le domaine" if field_ == "in" else (" hors domaine" if level == "sufficient" else ""))
    if level == "insufficient" and all(r.sufficient_level for r in rules if kind in r.kinds):
        why = "les règles exigent un niveau de responsabilité suffisant"
    elif all(kind not in r.kinds for r in rules):
        why = f"les règles ne comptent que l'expérience {kinds_fr(frozenset().union(*(r.kinds for r in rules)))}"
    else:
        why = "aucune règle de ces voies ne la compte"
    return f"{what} : non comptée ({why}) — "


class Parts:
    """How the reasons of an answer are written: as JSON-ready values. (`cnam batch` leaves markers
    where the candidate's months go, to cut templates: `batch_columns.Holes`.)"""

    def fixed(self, reason: dict) -> dict:
        """A reason that does not depend on the candidate (made once, copied for each answer)."""
        return dict(reason)

    def measured(self, fixed: dict, text: str, categories: frozenset, rule, facts: Facts) -> dict:
        """A reason stating the candidate's months in the rule's categories and whether they meet it."""
        months, ok = counted(categories, rule, facts)
        return {**fixed, "text": f"{text}{months_fr(months)} — {VERDICT[ok]}."}

    def set_aside(self, categories: frozenset, text: str, facts: Facts) -> dict:
        """An experience left out: its months (`text` ends where they go)."""
        months = sum(v for c, v in facts.experience.items() if c in categories)
        return {"kind": "experience", "text": f"{text}{months_fr(months)}."}

    def unused(self, text: str, counted: tuple[bool, bool], facts: Facts) -> dict:
        """Internships done that do not count (all of them but those `counted`, a `DONE_KEYS` key)."""
        return {"kind": "internship", "text": f"{text}{months_fr(facts.done[(False, False)] - facts.done[counted])}."}


VERDICT = {True: "condition remplie", False: "condition non remplie"}


def counted(categories: frozenset, rule, facts: Facts) -> tuple[float, bool]:
    """The candidate's months in the rule's categories (`rule.counted`, the categories found once), and
    whether they meet the rule."""
    months = sum(v for c, v in facts.experience.items() if c in categories)
    return months, rule.reached(months)


PLAIN = Parts()


def _compared(outcome: Outcome) -> tuple:
    """The exact values `comparable` reads off an outcome's summary."""
    i = outcome.internship
    return (outcome.status, i and i.min_months, i and i.max_months, i and i.standard_months,
            outcome.missing_months if outcome.status == "missing" else 0)


# ---------------------------------------------------------------- explanations


def entry(provenance: Provenance, text: str) -> dict:
    return {"file": provenance.file, "line": provenance.line, "source": provenance.source,
            "quote": provenance.quote, "text": text}


def explanation(base: RuleBase, sources, diploma, milestone, on, facts: Facts, outcome: Outcome,
                parts: Parts = PLAIN) -> list:
    """The reasons of an answer, each citing its rule: the pathways retained (all of them when the
    candidate is not through), the general rules, the examen anticipé."""
    if outcome.status == "conflict":
        return conflict_explanation(outcome)
    entries = []
    for source in sources:
        pathways = base.pathways_for(source, diploma, milestone, on)
        chosen = [p for p in pathways if p.key in outcome.selected]
        shown = chosen if outcome.status == "satisfied" else chosen + [p for p in pathways if p not in chosen]
        for p in shown:
            entries += pathway_entries(p, p in chosen, facts, parts)
        if outcome.status != "satisfied":
            for g in base.generals_of(source):
                entries.append(parts.fixed(_made(("general", g), lambda g=g: entry(
                    g.provenance, f"Règle générale : {general_fr(g)}."))))
        early = base.early_review_of(source)
        if early is not None:
            entries.append(parts.fixed(_made(("early", early, facts.ue_acquired),
                                             lambda e=early: _early_entry(e, facts.ue_acquired))))
    return entries


def _early_entry(early, ue_acquired: int) -> dict:
    ok = early.least_ue is None or ue_acquired >= early.least_ue
    verdict = "possible" if ok else "pas encore possible"
    return entry(early.provenance, f"{early_fr(early)[0].upper()}{early_fr(early)[1:]} ; "
                                   f"UE acquises : {ue_acquired} — examen anticipé {verdict}.")


def pathway_entries(p: Pathway, applies: bool, facts: Facts, parts: Parts = PLAIN) -> list:
    """The reasons a pathway gives: each experience rule with the candidate's months and its verdict,
    then its internship (the sentences are made once per pathway, only the candidate's part each time)."""
    entries = []
    for part in _made(("pathway", p, applies), lambda: _pathway_parts(p, applies)):
        if type(part) is dict:
            entries.append(parts.fixed(part))
            continue
        categories, rule, fixed, text = part
        entries.append(parts.measured(fixed, text, categories, rule, facts))
    return entries


_MADE: dict[tuple, tuple[object, object]] = {}
MADE_MAX = 100_000  # sentences remembered (a few per rule of the bases loaded)


def _made(key: tuple, make):
    """`make()` made once per key; the rules in the key are told apart by identity (the rule bases are
    long-lived), so the key costs no hashing of their contents."""
    rule = key[1]
    found = _MADE.get((key[0], id(rule)) + key[2:])
    if found is not None and found[0] is rule:
        return found[1]
    if len(_MADE) >= MADE_MAX:
        _MADE.clear()
    value = make()
    _MADE[(key[0], id(rule)) + key[2:]] = (rule, value)
    return value


def _pathway_parts(p: Pathway, applies: bool) -> tuple:
    """A pathway's reasons: fixed entries, and for each experience rule (the categories it counts,
    the rule, the fixed fields, the text up to the candidate's months)."""
    label = f"Voie « {p.name} »" + (" (retenue)" if applies else "")
    parts: list = []
    if not p.experience and p.internship is None:
        parts.append(entry(p.provenance, f"{label} : aucune exigence d'expérience — condition remplie."))
    for rule in p.experience:
        parts.append((frozenset(c for c in CATEGORIES if rule.counts(c)), rule, entry(rule.provenance, ""),
                      f"{label} : exige {experience_fr(rule)} ; le candidat en a "))
    stage = p.internship
    if stage is not None:
        parts.append(entry(stage.provenance, f"{label} : exige {internship_fr(stage)}."))
        if stage.modulation is not None:
            parts.append(entry(stage.modulation.provenance, f"{label} : {modulation_fr(stage.modulation)}."))
        if stage.report_provenance is not None:
            parts.append(entry(stage.report_provenance, f"{label} : le stage donne lieu à un rapport."))
        if stage.field_provenance is not None:
            parts.append(entry(stage.field_provenance, f"{label} : le stage doit être en relation avec le diplôme "
                                                       f"préparé (dans le domaine)."))
        if stage.decided_provenance is not None:
            who = AUTHORITY_FR.get(stage.decided_by, "le Cnam")
            text = (f"{label} : la durée du stage est décidée par {who} ; tant que sa décision n'est pas au "
                    "dossier, aucun stage déjà fait ne suffit.")
            parts.append(entry(stage.decided_provenance, text))
        if stage.waiver_provenance is not None:
            parts.append(entry(stage.waiver_provenance, f"{label} : le stage n'est pas exigé du candidat entré en "
                                                        f"fonctions pendant la formation."))
    return tuple(parts)


def conflict_explanation(outcome: Outcome) -> list[dict]:
    facts = [fact_fr(t.rule) for t in outcome.core if t.kind == "fact"]
    with_facts = f" Faits du candidat en cause : {' ; '.join(facts)}." if facts else ""
    entries = []
    for t in outcome.core:
        if t.kind == "fact" or t.provenance is None:
            continue
        rule = t.rule
        if t.kind == "experience":
            text = f"Exigé : {experience_fr(rule)}."
        elif t.kind == "internship":
            text = f"Exigé : {internship_fr(rule)}."
        elif t.kind == "modulation":
            text = f"{modulation_fr(rule)[0].upper()}{modulation_fr(rule)[1:]}."
        else:
            text = f"Règle générale : {general_fr(rule)}."
        entries.append(entry(t.provenance, "Ces règles et ces faits ne peuvent être tous vrais. " + text + with_facts))
    return entries


# ---------------------------------------------------------------- VAE


def vae_day(year: int, today: date | None = None) -> date:
    """The day up to which experience counts for a VAE request of that year: today, or the year's last day
    when the year is over."""
    today = today or date.today()
    return today if year >= today.year else date(year, 12, 31)


def next_year(year: int | None) -> int | None:
    """The next year a request is possible, if it is one a question may name (up to `MAX_YEAR`)."""
    return year if year is not None and year <= MAX_YEAR else None


def vae_answer(engine: Engine, question: VaeQuestion, today: date | None = None) -> dict:
    """The answer of `cnam vae`, as the contract's JSON object (`today`: the day it is asked, default today)."""
    certification, year, sources, profile = question.certification, question.year, question.sources, question.profile
    facts = facts_of(profile, vae_day(year, today))
    outcome = engine.vae(sources, certification, year, facts, profile.vae_requests)
    entries = []
    for rules in outcome.rules:
        for rule in rules.experience:
            months = rule.counted(facts.experience)
            entries.append(entry(rule.provenance, f"Recevabilité : exige {experience_fr(rule)} ; "
                                                  f"le candidat en a {months_fr(months)} — "
                                                  f"{VERDICT[rule.reached(months)]}."))
        for limit in rules.limits:
            reached = limit in outcome.failing_limits
            entries.append(entry(limit.provenance, f"Limite : {limit_fr(limit)} — "
                                                   f"{'atteinte en ' + str(year) if reached else 'respectée'}."))
    if not entries:
        entries = [entry(r.provenance, "Recevabilité VAE.") for r in outcome.rules]
    known = engine.base.certification(certification)
    if known is not None:
        entries.insert(0, entry(known.provenance, f"Certification du Cnam : {certification} — {known.title}."))
    return {
        "certification": certification,
        "certification_title": known.title if known else None,
        "certification_known": known is not None,
        "year": year,
        "sources": list(sources),
        "status": outcome.status,
        "missing_months": number(outcome.missing_months) if outcome.status == "missing" else 0,
        "next_possible_year": next_year(outcome.next_possible_year),
        "explanation": entries,
        "to_check": checks_json(engine.base, sources, None, False),
    }
