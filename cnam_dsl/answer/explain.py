"""Turn solver outcomes into the contract's answers (JSON-ready dicts), each reason citing its rule."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from .describe import early_fr, experience_fr, fact_fr, general_fr, internship_fr, limit_fr, modulation_fr, months_fr
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


def missing_answer(engine: Engine, question: MissingQuestion) -> dict:
    """The answer of `cnam missing`, as the contract's JSON object."""
    q = question
    facts = facts_of(q.profile, q.on)
    outcome = engine.outcome(q.sources, q.diploma, q.milestone, q.on, facts)
    singles = {s: engine.outcome((s,), q.diploma, q.milestone, q.on, facts, with_options=False) for s in q.sources}
    return answer_of(engine.base, q.sources, q.diploma, q.milestone, q.on, facts, outcome, singles)


def answer_of(base: RuleBase, chosen: tuple[str, ...], diploma: str, milestone: str, on: date, facts: Facts,
              outcome: Outcome, singles: dict[str, Outcome], parts: Parts | None = None) -> dict:
    """The contract's answer from the outcomes: under the sources `chosen` together, and under each alone."""
    parts = parts or PLAIN
    answer = {
        "diploma": diploma,
        "milestone": milestone,
        "date": on.isoformat(),
        "sources": list(chosen),
        "status": outcome.status,
        "internship": internship_json(outcome.internship),
        "missing_months": number(outcome.missing_months) if outcome.status == "missing" else 0,
        "options": [option_json(o) for o in outcome.options],
        "early_review_possible": early_review(base, chosen, facts.ue_acquired),
        "explanation": explanation(base, chosen, diploma, milestone, on, facts, outcome, parts),
        "divergences": divergences(singles),
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
    }


def option_json(option: Option) -> dict:
    """An option as JSON."""
    data = {
        "kind": option.kind,
        "months": number(option.months),
        "status": option.status,
        "internship": internship_json(option.internship),
    }
    if option.strict:
        data["strict"] = True
    return data


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


def divergences(singles: dict[str, Outcome]) -> list[dict]:
    outcomes = list(singles.values())
    if all(_compared(o) == _compared(outcomes[0]) for o in outcomes[1:]):
        return []  # the same exact values: the same once written
    summaries = {s: summary(o) for s, o in singles.items()}
    if len({comparable(v) for v in summaries.values()}) <= 1:
        return []
    return [{"source": s, **v} for s, v in summaries.items()]


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
        if stage.decided_provenance is not None:
            parts.append(entry(stage.decided_provenance, f"{label} : la durée du stage est décidée "
                                                         f"par {'le jury' if stage.decided_by == 'jury' else 'le Cnam'}."))
    return tuple(parts)


def conflict_explanation(outcome: Outcome) -> list[dict]:
    facts = [fact_fr(t.rule) for t in outcome.core if t.kind == "fact"]
    with_facts = f" Faits du candidat en cause : {'; '.join(facts)}." if facts else ""
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


def vae_answer(engine: Engine, question: VaeQuestion) -> dict:
    """The answer of `cnam vae`, as the contract's JSON object."""
    certification, year, sources, profile = question.certification, question.year, question.sources, question.profile
    facts = facts_of(profile, vae_day(year))
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
    return {
        "certification": certification,
        "year": year,
        "sources": list(sources),
        "status": outcome.status,
        "missing_months": number(outcome.missing_months) if outcome.status == "missing" else 0,
        "next_possible_year": next_year(outcome.next_possible_year),
        "explanation": entries,
    }
