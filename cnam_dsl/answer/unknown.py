"""The answer to an incomplete candidate file: every possible answer with a witness, what is certain, the questions
that can still change the answer (most decisive first), and the facts that cannot (the contract's "Unknown facts").

The completions are explored on the proved program (`solve.completions`);
each possible answer is then confirmed by answering its witness, a complete
candidate file, with the engine exactly as `cnam missing` does: the engine
is the truth, the exploration only says where to look.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from ..candidate.unknown import CENTS, MAX_UE, Completions, PartialProfile, UnknownFact
from ..language.model import RuleBase
from ..request import MissingQuestion
from ..solve import Engine, SolverError
from ..solve.completions import ABSENT, Exploration, explore
from .describe import KIND_FR, months_fr, number_fr, pathway_statements
from .explain import early_review, entry, missing_answer, number
from .present import STATUS_SENTENCE, internship_text, short_answer

WITNESS_TRIES = 6  # rows of a kind tried before the kind is said unconfirmed
ANSWER_KEYS = ("diploma", "milestone", "date", "sources")
COMMON = ("internship", "missing_months", "options", "early_review_possible", "explanation", "divergences",
          "to_check", "set_aside")
STATUS_ORDER = ("satisfied", "internship", "missing", "conflict")
REPLY_FR = {
    "field": {"in": "dans le domaine", "out": "hors domaine"},
    "kind": KIND_FR,
    "level": {"sufficient": "niveau suffisant", "insufficient": "niveau insuffisant"},
    "report": {True: "avec rapport", False: "sans rapport"},
}
NEVER_FR = {
    "satisfied": "l'expérience ne suffit jamais seule : il faudra au moins un stage ou davantage d'expérience",
    "internship": "aucun stage ne sera exigé",
    "missing": "l'expérience ne manquera jamais",
    "conflict": "jamais de conflit entre les règles et les faits",
}


@dataclass(frozen=True)
class Possible:
    """One possible answer: its kind (as the contract's fields compare it), the engine's answer to its
    witness, the witness file, the unknown facts' values in it, and the range of its amount."""

    key: tuple
    answer: dict
    witness: dict
    values: dict
    span: tuple[Fraction, Fraction] | None


def partial_answer(engine: Engine, question: MissingQuestion) -> dict:
    """The answer of `cnam missing` to a question whose candidate file has unknown facts."""
    partial: PartialProfile = question.profile
    completions = Completions.of(partial, question.on)
    form = engine.closed_form(question.sources, question.diploma, question.milestone, question.on)
    if form is None:
        raise SolverError(f"pas de forme close prouvée pour {question.diploma} ({', '.join(question.sources)}) : "
                          "les faits inconnus ne peuvent pas être explorés ; compléter le dossier")
    limits = []
    found = explore(form, completions, engine.backend)
    if not found.certified:
        limits.append("les réponses possibles viennent des complétions essayées : le solveur n'a pas pu vérifier "
                      "à temps qu'il n'en manque aucune")
    facts = list(completions.finite) + list(completions.numeric)
    for fact, unproved in zip(facts, found.unproved):
        if unproved:
            limits.append(f"{fact.path} : ne change la réponse dans aucune des complétions essayées, mais le solveur "
                          "n'a pas pu prouver à temps qu'il ne la change jamais")
    for fact in completions.tried:
        limits.append(f"{fact.path} : part d'un temps plein essayée à "
                      f"{', '.join(_percent(v) for v in completions.values[completions.finite.index(fact)])} "
                      "seulement (la durée est inconnue aussi, ou la période en chevauche d'autres)")
    possibles, kinds = _possibles(engine, question, found, limits)
    return _answer(engine.base, question, found, possibles, kinds, limits)


def _percent(share: float) -> str:
    return f"{number_fr(Fraction(share).limit_denominator(10**4) * 100)} %"


# ---------------------------------------------------------------- possible answers, confirmed


def answer_key(answer: dict, decided: bool = False) -> tuple:
    """What makes two answers the same possible answer: the status, the internship (but what was done, and
    its length where a decision sets it), the early review."""
    internship = answer["internship"]
    if internship is not None:
        shown = {k: v for k, v in internship.items() if k not in ("done_months", "remaining_min_months")}
        if decided:
            shown["min_months"] = shown["max_months"] = "decided"
        internship = tuple(sorted(shown.items()))
    return answer["status"], internship, answer["early_review_possible"]


def _possibles(engine: Engine, question: MissingQuestion, found: Exploration,
               limits: list[str]) -> tuple[list[Possible], dict]:
    """The possible answers, each confirmed by the engine on a witness; `kinds` maps each kind of the
    exploration to its possible answer's index (None when no witness confirmed it)."""
    c = found.completions
    possibles: list[Possible] = []
    kinds: dict = {}
    for kind in found.possible():
        confirmed = None
        for i in found.plainest(kind, WITNESS_TRIES):
            row = found.rows[i]
            profile = c.profile(row.combination, row.cents)
            answer = missing_answer(engine, replace(question, profile=profile), core=False)
            if _confirms(answer, kind, found):
                confirmed = (row, profile, answer)
                break
        if confirmed is None:
            kinds[kind] = None
            limits.append(f"une réponse possible ({_kind_fr(kind)}) n'a pas pu être confirmée sur un dossier "
                          "complet ; elle n'est pas listée")
            continue
        row, profile, answer = confirmed
        key = answer_key(answer, decided=kind[0] == 1 and kind[2])
        index = next((n for n, p in enumerate(possibles) if p.key == key), None)
        span = found.range_of(kind)
        if index is None:
            values = {f.path: v for f, v in zip(c.finite, c.combination(row.combination))}
            values.update({f.path: c.value(f, row.combination, cents) for f, cents in zip(c.numeric, row.cents)})
            possibles.append(Possible(key, answer, profile.to_dict(), values, span))
            index = len(possibles) - 1
        elif span is not None:
            old = possibles[index]
            joined = span if old.span is None else (min(old.span[0], span[0]), max(old.span[1], span[1]))
            possibles[index] = replace(old, span=joined)
        kinds[kind] = index
    order = sorted(range(len(possibles)), key=lambda n: (STATUS_ORDER.index(possibles[n].answer["status"]), n))
    renumbered = {old: new for new, old in enumerate(order)}
    return [possibles[n] for n in order], {k: None if v is None else renumbered[v] for k, v in kinds.items()}


STATUS_CODES = ("satisfied", "internship", "missing", "conflict")  # the exploration's, as the program codes them


def _confirms(answer: dict, kind: tuple, found: Exploration) -> bool:
    """Whether the engine's answer to a witness is the kind the exploration gave it."""
    status = STATUS_CODES[kind[0]]
    if answer["status"] != status:
        return False
    if status != "internship":
        return True
    i = answer["internship"]
    if kind[2]:
        return i["min_months"] == i["max_months"]
    return (i["min_months"], i["max_months"]) == tuple(number(found.months(v)) for v in kind[3:])


def _kind_fr(kind: tuple) -> str:
    return ("satisfait", "stage", "il manque de l'expérience", "conflit")[kind[0]]


# ---------------------------------------------------------------- questions


@dataclass(frozen=True)
class Reply:
    """One reply to a question: its key in the JSON, its French text, the possible answers it leaves."""

    key: str
    text: str
    possible: frozenset[int]
    value: object = None  # a finite value, or (low, high) of the fact's own values for a number


def replies(found: Exploration, kinds: dict, fact: int) -> list[Reply]:
    """The replies to a fact, adjacent ranges of a number that leave the same possible answers merged."""
    c = found.completions
    made: list[Reply] = []
    for reply, seen in zip(found.replies[fact], found.seen[fact]):
        possible = frozenset(kinds[k] for k in seen if kinds.get(k) is not None)
        if not possible:
            continue
        if fact < len(c.finite):
            made.append(_finite_reply(c, fact, reply, possible))
            continue
        numeric = c.numeric[fact - len(c.finite)]
        if reply == ABSENT:
            made.append(Reply(ABSENT, "pas de décision", possible, None))
            continue
        low, high = (c.value(numeric, 0, cents) for cents in reply)
        last = made[-1] if made else None
        if last is not None and last.key != ABSENT and last.possible == possible:
            low = last.value[0]
            made.pop()
        made.append(Reply(f"{_plain(low)}..{_plain(high)}", "", possible, (low, high)))
    if fact >= len(c.finite):
        made = _worded(c.numeric[fact - len(c.finite)], made)
    return made


def _finite_reply(c: Completions, fact: int, reply: int, possible: frozenset) -> Reply:
    unknown = c.finite[fact]
    values = c.values[fact]
    value = values[reply]
    if unknown.key == "ue_acquired":
        high = values[reply + 1] - 1 if reply + 1 < len(values) else MAX_UE
        text = (f"{value} UE ou plus" if high == MAX_UE else f"moins de {high + 1} UE" if value == 0
                else f"de {value} à {high} UE")
        return Reply(f"{value}..{high}", text, possible, (value, high))
    if unknown in c.tried:
        return Reply(str(_plain(value)), _percent(value) + " d'un temps plein", possible, value)
    key = "true" if value is True else "false" if value is False else value
    return Reply(key, REPLY_FR[unknown.key][value], possible, value)


def _worded(fact: UnknownFact, made: list[Reply]) -> list[Reply]:
    """Ranges of a number in French: « moins de 12 mois », « de 12 à 35,99 mois », « 36 mois ou plus »."""
    ranges = [r for r in made if r.key != ABSENT]
    unit = " d'un temps plein" if fact.key == "time_share" else ""
    worded = []
    for r in made:
        if r.key == ABSENT:
            worded.append(r)
            continue
        low, high = r.value
        shown = _percent if fact.key == "time_share" else (lambda v: months_fr(Fraction(v).limit_denominator(100)))
        if len(ranges) == 1:
            text = "toute valeur"
        elif r is ranges[0]:
            following = ranges[1].value[0]
            text = f"moins de {shown(following)}{unit}"
        elif r is ranges[-1]:
            text = f"{shown(low)}{unit} ou plus"
        else:
            text = f"de {shown(low)} à {shown(high)}{unit}"
        worded.append(replace(r, text=text))
    return worded


def _plain(value) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    return str(value)


def question_text(fact: UnknownFact, partial: PartialProfile) -> str:
    """The question that asks a fact, in French."""
    if fact.entry == "experiences":
        e = partial.template.experiences[fact.index]
        name = f"« {e.label} »" if e.label else f"n° {fact.index + 1}"
        return {
            "months": f"Combien de mois a duré l'expérience {name} ?",
            "time_share": f"À quelle part d'un temps plein l'expérience {name} a-t-elle été exercée ?",
            "field": f"L'expérience {name} est-elle dans le domaine du diplôme ?",
            "kind": f"Quelle est la nature de l'expérience {name} (salariée, non salariée, bénévole, syndicale) ?",
            "level": f"L'expérience {name} est-elle à un niveau de responsabilité suffisant pour le diplôme ?",
        }[fact.key]
    if fact.entry == "internships":
        name = f"n° {fact.index + 1}"
        return {
            "months": f"Combien de mois a duré le stage {name} ?",
            "field": f"Le stage {name} était-il dans le domaine du diplôme ?",
            "report": f"Le stage {name} a-t-il donné lieu à un rapport ?",
        }[fact.key]
    if fact.key == "ue_acquired":
        return "Combien d'UE du parcours visé le candidat a-t-il déjà acquises ?"
    return "Une durée de stage a-t-elle été décidée (par le jury, le Cnam ou la commission) ? Laquelle ?"


def questions(found: Exploration, kinds: dict, partial: PartialProfile, possibles: list[Possible],
              early: list[tuple[int, int, bool | None]]) -> tuple:
    """The questions (relevant facts, the one leaving the fewest possible answers in the worst reply first)
    and the irrelevant facts; `early`: the early review's verdict for each range of UE acquired."""
    c = found.completions
    facts = list(c.finite) + list(c.numeric)
    asked, irrelevant = [], []
    for fact in c.aside:
        if len({verdict for _, _, verdict in early}) > 1:
            asked.append(((len(possibles), len(possibles), len(facts)), _ue_question(fact, partial, possibles, early)))
        else:
            irrelevant.append(fact.path)
    for n, fact in enumerate(facts):
        made = replies(found, kinds, n)
        if found.unproved[n]:
            continue  # said in the limits
        if not found.relevant[n] or len(made) < 1:
            irrelevant.append(fact.path)
            continue
        worst = max(len(r.possible) for r in made)
        mean = sum(len(r.possible) for r in made) / len(made)
        statuses = {r.key: _status_of(r.possible, possibles) for r in made}
        asked.append(((worst, mean, n), {
            "fact": fact.path,
            "text": question_text(fact, partial),
            "outcomes": statuses,
            "replies": [{"reply": r.key, "text": r.text, "possible": sorted(r.possible),
                         "status": statuses[r.key]} for r in made],
            "worst_case_possible": worst,
        }))
    ordered = [q for _, q in sorted(asked, key=lambda item: item[0])]
    irrelevant.sort(key=lambda path: [f.path for f in partial.unknowns].index(path))
    return ordered, irrelevant


def early_ranges(base: RuleBase, sources: tuple[str, ...]) -> list[tuple[int, int, bool | None]]:
    """The ranges of UE acquired over which the early review's verdict is the same: (least, most, verdict)."""
    cuts = sorted({r.least_ue for s in sources if (r := base.early_review_of(s)) is not None
                   and r.least_ue and r.least_ue <= MAX_UE})
    starts = [0] + cuts
    return [(a, b - 1, early_review(base, sources, a)) for a, b in zip(starts, starts[1:])] + \
        [(starts[-1], MAX_UE, early_review(base, sources, starts[-1]))]


def _ue_question(fact: UnknownFact, partial: PartialProfile, possibles: list[Possible],
                 early: list[tuple[int, int, bool | None]]) -> dict:
    """The question of the UE acquired: it decides whether the early review may be asked now."""
    everything = list(range(len(possibles)))
    status = _status_of(everything, possibles)
    replies = []
    for low, high, verdict in early:
        text = (f"{low} UE ou plus" if high == MAX_UE else f"moins de {high + 1} UE" if low == 0
                else f"de {low} à {high} UE")
        replies.append({"reply": f"{low}..{high}", "text": text, "possible": everything, "status": status,
                        "early_review_possible": verdict})
    return {"fact": fact.path, "text": question_text(fact, partial),
            "outcomes": {r["reply"]: status for r in replies}, "replies": replies,
            "worst_case_possible": len(possibles)}


def _status_of(indices, possibles: list[Possible]) -> str:
    statuses = {possibles[i].answer["status"] for i in indices}
    return statuses.pop() if len(statuses) == 1 else "undetermined"


# ---------------------------------------------------------------- what is certain


def certain(possibles: list[Possible]) -> list[str]:
    """Statements true in every completion, in French."""
    answers = [p.answer for p in possibles]
    statuses = [a["status"] for a in answers]
    found = []
    if not possibles:
        return found
    if len(set(statuses)) == 1:
        found.append(f"Dans tous les cas : {STATUS_SENTENCE[statuses[0]][0].lower()}{STATUS_SENTENCE[statuses[0]][1:]}")
    else:
        found += [f"Dans tous les cas, {NEVER_FR[s]}." for s in ("satisfied", "missing")
                  if s not in statuses]
    internships = [p for p in possibles if p.answer["status"] == "internship"]
    lows = [p.span[0] if p.span else p.answer["internship"]["min_months"] for p in internships]
    highs = [p.span[1] if p.span else p.answer["internship"]["max_months"] for p in internships]
    if internships and len(internships) == len(possibles) and None not in lows:
        most = f" ({months_fr(max(highs))} au plus)" if None not in highs else ""
        found.append(f"Dans tous les cas, un stage d'au moins {months_fr(min(lows))}{most}.")
    elif internships and None not in lows and None not in highs:
        found.append(f"S'il faut un stage : {_between(min(lows), max(highs))}.")
    missing = [p for p in possibles if p.answer["status"] == "missing" and p.span is not None]
    if missing:
        low = min(p.span[0] for p in missing)
        high = max(p.span[1] for p in missing)
        found.append(f"S'il manque de l'expérience : {_between(low, high)}.")
    early = {a["early_review_possible"] for a in answers}
    if len(early) == 1 and None not in early:
        found.append("Examen anticipé de l'expérience : " + ("possible" if early.pop() else "pas encore possible")
                     + " dans tous les cas.")
    return found


# ---------------------------------------------------------------- the answer


def _between(low, high) -> str:
    return months_fr(low) if low == high else f"de {number_fr(low)} à {months_fr(high)}"


def _answer(base: RuleBase, question: MissingQuestion, found: Exploration, possibles: list[Possible],
            kinds: dict, limits: list[str]) -> dict:
    answers = [p.answer for p in possibles]
    statuses = {a["status"] for a in answers}
    answer = {k: answers[0][k] for k in ANSWER_KEYS} if answers else _heading(question)
    answer["complete"] = False
    answer["status"] = statuses.pop() if len(statuses) == 1 else "undetermined"
    for key in COMMON:
        answer[key] = _common(key, answers, base, question)
    early = early_ranges(base, question.sources)
    asked, irrelevant = questions(found, kinds, question.profile, possibles, early)
    if found.completions.aside and len({verdict for _, _, verdict in early}) > 1:
        answer["early_review_possible"] = None  # it depends on the UE acquired: see the question
    answer["unknown"] = [f.path for f in question.profile.unknowns]
    answer["possible"] = [_possible_json(p, answer["early_review_possible"] is not None or not found.completions.aside)
                          for p in possibles]
    answer["certain"] = certain(possibles)
    answer["questions"] = asked
    answer["irrelevant"] = irrelevant
    answer["certified"] = found.certified and not limits
    if limits:
        answer["limits"] = limits
    return answer


def _heading(question: MissingQuestion) -> dict:
    return {"diploma": question.diploma, "milestone": question.milestone, "date": question.on.isoformat(),
            "sources": list(question.sources)}


def _possible_json(p: Possible, early_known: bool) -> dict:
    """A possible answer as JSON (`early_known`: whether the early review's verdict is known)."""
    a = p.answer
    made = {"status": a["status"], "internship": a["internship"], "missing_months": a["missing_months"],
            "early_review_possible": a["early_review_possible"] if early_known else None}
    if p.span is not None and a["status"] == "missing":
        made["missing_months_range"] = {"min": number(p.span[0]), "max": number(p.span[1])}
    elif p.span is not None:
        made["decided_months_range"] = {"min": number(p.span[0]), "max": number(p.span[1])}
    made["when"] = {k: v for k, v in p.values.items()}
    made["witness"] = p.witness
    return made


def _common(key: str, answers: list[dict], base: RuleBase, question: MissingQuestion):
    """A field of the answer shared by every possible answer; for lists, the entries common to all (the
    explanation, when none is: each rule of the pathways, stated without the candidate's numbers)."""
    values = [a[key] for a in answers]
    if all(v == values[0] for v in values):
        return values[0]
    if key in ("explanation", "to_check", "set_aside"):
        shared = [e for e in values[0] if all(e in v for v in values[1:])]
        if key == "explanation":
            generic = generic_explanation(base, question)
            cited = {(e["file"], e["line"]) for e in generic}
            return generic + [e for e in shared if (e["file"], e["line"]) not in cited]
        return shared
    return None


def generic_explanation(base: RuleBase, question: MissingQuestion) -> list[dict]:
    """Each rule of the requirement's pathways, stated without the candidate's numbers."""
    entries = []
    for source in question.sources:
        for p in base.pathways_for(source, question.diploma, question.milestone, question.on):
            entries += [entry(provenance, f"Voie « {p.name} » : {text}") for text, provenance in pathway_statements(p)]
    return entries


# ---------------------------------------------------------------- French text


def partial_text(a: dict, diploma_name: str, candidate: str | None) -> str:
    """The answer to an incomplete file, in French for people."""
    from ..language.model import MILESTONE_FR

    lines = [f"Candidat : {candidate or '(sans nom)'}",
             f"Diplôme : {diploma_name} — {MILESTONE_FR[a['milestone']]} — règles en vigueur le {a['date']}",
             f"Sources : {', '.join(a['sources'])}", "",
             f"Dossier incomplet : {len(a['unknown'])} fait(s) inconnu(s) ({', '.join(a['unknown'])})."]
    if a["status"] != "undetermined":
        lines.append(f"Quoi qu'il en soit : {STATUS_SENTENCE[a['status']]}")
    lines += ["", "Réponses possibles selon ce qui manque au dossier :"]
    early = len({p["early_review_possible"] for p in a["possible"]}) > 1
    for n, p in enumerate(a["possible"], 1):
        when = ", ".join(f"{k} = {_shown(v)}" for k, v in p["when"].items())
        lines.append(f"  {n}. {possible_sentence(p, early)}" + (f" (par exemple si {when})" if when else ""))
    if a["certain"]:
        lines += ["", "Certain dans tous les cas :"] + [f"  - {s}" for s in a["certain"]]
    if a["questions"]:
        lines += ["", "Questions qui peuvent changer la réponse (la plus décisive d'abord) :"]
        for n, q in enumerate(a["questions"], 1):
            lines.append(f"  {n}. {q['text']} ({q['fact']})")
            for r in q["replies"]:
                leads = " ou ".join(short_possible(a["possible"][i], early) for i in r["possible"])
                lines.append(f"       {r['text']} → {leads}")
    if a["irrelevant"]:
        lines += ["", "Sans effet sur la réponse : " + ", ".join(a["irrelevant"]) + "."]
    for limit in a.get("limits", []):
        lines.append(f"Limite : {limit}.")
    return "\n".join(lines)


def possible_sentence(p: dict, early: bool = True) -> str:
    """A possible answer in one French sentence (`early`: with the early review's verdict)."""
    if p["status"] == "internship":
        text = f"il faut un {internship_text(p['internship'])}"
        if "decided_months_range" in p:
            r = p["decided_months_range"]
            text = (f"il faut le stage de la durée décidée ({_range_fr(r)})"
                    + (", dans le domaine" if p["internship"]["in_field"] else ""))
    elif p["status"] == "missing":
        r = p.get("missing_months_range")
        text = "il manque de l'expérience" + (f" ({_range_fr(r)})" if r else "")
    else:
        text = STATUS_SENTENCE[p["status"]].removesuffix(".")
    if early and p.get("early_review_possible") is not None:
        text += " ; examen anticipé " + ("possible" if p["early_review_possible"] else "pas encore possible")
    return text[0].upper() + text[1:] + "."


def _range_fr(r: dict) -> str:
    return months_fr(r["min"]) if r["min"] == r["max"] else f"de {number_fr(r['min'])} à {months_fr(r['max'])}"


def short_possible(p: dict, early: bool = True) -> str:
    """A possible answer in a few words (`early`: with the early review's verdict)."""
    if p["status"] == "missing" and p.get("missing_months_range"):
        text = f"il manque {_range_fr(p['missing_months_range'])} d'expérience"
    elif p["status"] == "internship" and "decided_months_range" in p:
        text = "le stage de la durée décidée"
    else:
        text = short_answer({k: v for k, v in p.items() if k != "early_review_possible"})
    if early and p.get("early_review_possible") is not None:
        text += " ; examen anticipé " + ("possible" if p["early_review_possible"] else "pas encore possible")
    return text


KEY_FR = {"months": "durée", "time_share": "part d'un temps plein", "field": "domaine", "kind": "nature",
          "level": "niveau de responsabilité", "report": "rapport"}


def fact_fr(path: str, label: str | None = None) -> str:
    """An unknown fact named in French (`label`: its experience's label, if it has one).

    >>> fact_fr("experiences[0].field", "Magasinier"), fact_fr("internships[1].months")
    ("domaine de l'expérience « Magasinier »", 'durée du stage n° 2')
    """
    fact = UnknownFact.at(path)
    if fact.entry == "experiences":
        return f"{KEY_FR[fact.key]} de l'expérience " + (f"« {label} »" if label else f"n° {fact.index + 1}")
    if fact.entry == "internships":
        return f"{KEY_FR[fact.key]} du stage n° {fact.index + 1}"
    return "UE acquises" if fact.key == "ue_acquired" else "durée de stage décidée"


def value_fr(path: str, value) -> str:
    """A value of an unknown fact in French (`in` → « dans le domaine », 24 → « 24 mois (2 ans) »)."""
    fact = UnknownFact.at(path)
    if fact.key in REPLY_FR and value in REPLY_FR[fact.key]:
        return REPLY_FR[fact.key][value]
    if value is None:
        return "pas de décision"
    if fact.key == "time_share":
        return _percent(value)
    if fact.key == "ue_acquired":
        return f"{value} UE"
    return months_fr(Fraction(value).limit_denominator(100))


def _shown(value) -> str:
    if value is None:
        return "(absente)"
    if value is True or value is False:
        return "oui" if value else "non"
    return str(value)
