"""Boundary examples: candidates on both sides of every threshold of a diploma, with the answers the rules
give, written in the rule files' example syntax (`exemple « … »` blocks) for authors to check and paste.

Thresholds are each experience requirement (N-1, N and N+1 months of what it
counts, the pathway's other requirements met) and each internship length
(internships already done just under and at the floor; decided lengths around
the floor and the ceiling). The answers are the engine's, on the day `cnam
check` runs worked examples, so that a pasted example passes `cnam check`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ..answer.describe import experience_fr, internship_fr
from .diff import witness_profile
from ..answer.explain import missing_answer, number
from ..request import FieldError, RequestError, missing_question
from ..language.model import ADDED_ANY_FIELD, ADDED_IN_FIELD, MILESTONE_WORD, Pathway
from ..candidate import Profile
from ..solve import Engine
from ..solve.boundaries import at_threshold
from ..solve.terms import DECISION, stage_name, var_name
from .verify import EXAMPLE_DAY

KIND_WORDS = {"self_employed": "non salariée", "volunteer": "bénévole", "union": "syndicale"}


@dataclass(frozen=True)
class BoundaryExample:
    """A candidate near a threshold of a pathway, and the answer of its source."""

    source: str
    diploma: str
    milestone: str
    threshold: str  # the rule, in French, with its file and line
    profile: Profile
    answer: dict

    def facts(self) -> list[str]:
        """The candidate as example statements (`expérience de 24 mois dans le domaine`)."""
        return profile_statements(self.profile)

    def expected(self) -> str | None:
        """The answer as an `attendu` statement; None when the syntax cannot say it."""
        a = self.answer
        if a["status"] == "satisfied":
            return "attendu satisfait"
        if a["status"] == "missing":
            return f"attendu manque {_n(a['missing_months'])} mois"
        if a["status"] == "conflict":
            return "attendu conflit"
        low, high = a["internship"]["min_months"], a["internship"]["max_months"]
        if low is None:
            return None if high is None else f"attendu stage d'au plus {_n(high)} mois"
        if high is None:
            return f"attendu stage d'au moins {_n(low)} mois"
        return f"attendu stage de {_n(low)}" + ("" if low == high else f" à {_n(high)}") + " mois"

    @property
    def title(self) -> str:
        facts = [f.replace("expérience de ", "").replace("stage effectué de ", "stage fait de ") for f in self.facts()]
        return f"{self.diploma} : {', '.join(facts) if facts else 'aucune expérience'}".replace("»", "")

    def text(self) -> str:
        target = f"  pour {self.diploma}"
        if self.milestone != "delivery":
            target += f" au jalon {MILESTONE_WORD[self.milestone]}"
        lines = [f"exemple « {self.title} »", target]
        lines += [f"  {f}" for f in self.facts()] + [f"  {self.expected()}"]
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"source": self.source, "diploma": self.diploma, "milestone": self.milestone,
                "threshold": self.threshold, "profile": self.profile.to_dict(), "answer": self.answer,
                "text": self.text()}


def profile_statements(profile: Profile) -> list[str]:
    """A candidate (with its facts given in months) as the statements of an `exemple` block.

    >>> from ..candidate import Experience
    >>> profile_statements(Profile(experiences=(Experience(months=30.0, field="in", kind="volunteer"),)))
    ['expérience de 30 mois dans le domaine, bénévole']
    """
    lines = []
    for e in profile.experiences:
        qualifiers = ["dans le domaine" if e.field == "in" else "hors domaine"]
        qualifiers += [KIND_WORDS[e.kind]] if e.kind in KIND_WORDS else []
        qualifiers += ["de niveau insuffisant"] if e.level == "insufficient" else []
        lines.append(f"expérience de {_n(e.months)} mois " + ", ".join(qualifiers))
    for i in profile.internships:
        lines.append(f"stage effectué de {_n(i.months)} mois" + (" dans le domaine" if i.field == "in" else "")
                     + (" avec rapport" if i.report else ""))
    if profile.decided_internship_months is not None:
        lines.append(f"stage décidé de {_n(profile.decided_internship_months)} mois")
    return lines


def _n(value) -> str:
    """A number as the rule language writes it (decimal comma).

    >>> _n(24.0), _n(1.5)
    ('24', '1,5')
    """
    return str(number(value)).replace(".", ",")


# ---------------------------------------------------------------- finding them


def boundary_examples(rules, diploma: str, sources: list[str] | None = None,
                      on: date = EXAMPLE_DAY) -> list[BoundaryExample]:
    """Examples on both sides of every threshold of the diploma, source by source, milestone by milestone
    (`rules`: a `rules.Rules`)."""
    base = rules.base
    if diploma not in base.diplomas:
        raise RequestError([FieldError("diploma", f"diplôme inconnu « {diploma} » ; attendu l'un de : "
                                       + ", ".join(sorted(base.diplomas)))])
    stating = sorted({s for m in base.diplomas[diploma].milestones for s in base.sources_for(diploma, m, on)})
    for s in sources or ():
        if s not in stating:
            raise RequestError([FieldError("sources", f"la source {s} n'énonce rien pour {diploma} au {on.isoformat()} "
                               f"(sources qui en énoncent : {', '.join(stating) or 'aucune'})")])
    engine = rules.engine
    found = []
    for source in sorted(set(sources)) if sources else stating:
        for milestone in base.diplomas[diploma].milestones:
            found += _examples_of(engine, source, diploma, milestone, on)
    return found


def _examples_of(engine: Engine, source: str, diploma: str, milestone: str, on: date) -> list[BoundaryExample]:
    seen, found = set(), []
    for p in engine.base.pathways_for(source, diploma, milestone, on):
        for threshold, values in _candidates(p):
            profile = witness_profile(values)
            key = repr(profile.to_dict())
            if key in seen:
                continue
            seen.add(key)
            question = missing_question(engine.base, {"diploma": diploma, "sources": [source], "milestone": milestone,
                                                      "date": on.isoformat()}, on, profile)
            answer = missing_answer(engine, question)
            example = BoundaryExample(source, diploma, milestone, threshold, profile,
                                      {k: answer[k] for k in ("status", "internship", "missing_months")})
            if example.expected() is not None:
                found.append(example)
    return found


def _candidates(p: Pathway):
    """(threshold in French, candidate values) around each threshold of the pathway."""
    where = lambda prov: f"{prov.file}:{prov.line}"  # noqa: E731
    for rule in p.experience:
        label = f"{experience_fr(rule)} ({where(rule.provenance)})"
        for values in _around(p, rule):
            yield label, values
    if p.internship is None:
        return
    met = at_threshold(p, None, Fraction(0))
    if met is None:
        return
    stage = p.internship
    low, high = p.internship.lengths()
    label = f"{internship_fr(stage)} ({where(stage.provenance)})"
    done = stage_name("in" if stage.in_field else "out", stage.needs_report)
    for months in ((low - 1, low) if low is not None else (Fraction(1),)):
        if months > 0:
            yield f"{label}, stage déjà effectué", {**met, done: months}
    lengths = [m for m in (low - 1 if low else None, low, high, high + 1 if high else None) if m]
    for months in dict.fromkeys(lengths):
        yield f"{label}, durée décidée", {**met, DECISION: months}


def _around(p: Pathway, rule) -> list[dict]:
    """Candidates with N-1, N and N+1 months of what the rule counts, the rest unchanged (0 and 1 month
    for a rule without a duration)."""
    least = rule.least if rule.least is not None else Fraction(1)
    below = at_threshold(p, rule, least - 1) if least >= 1 else None
    if below is None:
        return [v for v in (at_threshold(p, rule, least), at_threshold(p, rule, least + 1)) if v is not None]
    counted = next((n for n in below if n.startswith("exp:") and rule.counts(tuple(n.split(":")[1:]))),
                   var_name(ADDED_ANY_FIELD if not rule.in_field else ADDED_IN_FIELD))
    if not rule.counts(tuple(counted.split(":")[1:])):
        return [below]
    steps = (1, 2) if rule.least is not None else (1,)
    return [below] + [{**below, counted: below.get(counted, Fraction(0)) + k} for k in steps]


# ---------------------------------------------------------------- text


def examples_text(examples: list[BoundaryExample]) -> str:
    """The examples in rule-file syntax, one section per source (to paste into a file of that source)."""
    if not examples:
        return "# Aucun exemple : aucune source n'énonce d'exigence pour ce diplôme."
    lines = [f"# Exemples aux seuils de {examples[0].diploma}, avec les réponses des règles au "
             f"{EXAMPLE_DAY.isoformat()} (jour des exemples de « cnam check »).",
             "# À vérifier contre le texte de la source avant de les coller dans un fichier de cette source."]
    source = threshold = None
    for e in examples:
        if e.source != source:
            source, threshold = e.source, None
            lines += ["", f"# ---- source {source} ----"]
        if e.threshold != threshold:
            threshold = e.threshold
            lines += ["", f"# Seuil : {threshold}"]
        lines += ["", e.text()]
    return "\n".join(lines)

