"""Decision tables and chart grids for a diploma: candidate situations across the rules' thresholds → answers.

Every answer comes from the solver through the same functions as `cnam
missing`: the answer of all sources together is `explain.missing_answer`
itself, and each source's own answer is the summary `missing_answer` reports
in its `divergences` (`explain.summary` of the engine's outcome).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from math import ceil

from ..answer.describe import internship_length_fr, months_fr
from ..answer.explain import comparable, missing_answer, summary
from ..request import missing_question
from ..language.model import RuleBase
from ..candidate import Experience, Profile, facts_of
from ..solve import Engine

CHART_STEPS = 8  # a chart has CHART_STEPS + 1 values on each axis


@dataclass(frozen=True, slots=True)
class Situation:
    """A candidate: so many months in the diploma's field and outside it (salaried, full time)."""

    in_field: int
    out_field: int

    def profile(self) -> Profile:
        periods = [Experience(months=float(m), field=f)
                   for m, f in ((self.in_field, "in"), (self.out_field, "out")) if m > 0]
        return Profile(experiences=tuple(periods))

    def label(self) -> str:
        """
        >>> Situation(12, 24).label(), Situation(0, 0).label()
        ('12 mois (1 an) dans le domaine, 24 mois (2 ans) hors domaine', 'aucune expérience')
        """
        parts = [f"{months_fr(m)} {where}" for m, where in
                 ((self.in_field, "dans le domaine"), (self.out_field, "hors domaine")) if m > 0]
        return ", ".join(parts) or "aucune expérience"

    def candidate_yaml(self) -> str:
        """A valid candidate file for this situation (a witness for `cnam missing`)."""
        lines = ["experiences:"]
        for months, where in ((self.in_field, "in"), (self.out_field, "out")):
            if months > 0:
                lines += [f"  - months: {months}", f"    field: {where}", "    kind: salaried"]
        return "\n".join(lines) + "\n" if len(lines) > 1 else "experiences: []\n"


def answer_text(answer: dict) -> str:
    """A short French answer: satisfied, internship of so many months, missing so many months.

    >>> answer_text({"status": "internship", "missing_months": 0,
    ...              "internship": {"min_months": 3, "max_months": 6}})
    'stage de 3 à 6 mois'
    >>> answer_text({"status": "missing", "missing_months": 12, "internship": None})
    'manque 12 mois (1 an)'
    """
    status = answer["status"]
    if status == "internship":
        return internship_length_fr(answer["internship"]["min_months"], answer["internship"]["max_months"])
    if status == "missing":
        return f"manque {months_fr(answer['missing_months'])}"
    return {"satisfied": "satisfait", "conflict": "conflit"}[status]


@dataclass(frozen=True)
class DecisionRow:
    situation: Situation
    combined: dict  # the answer of `cnam missing` with every source that applies
    per_source: dict[str, dict]  # each source's own answer (status, internship, missing_months)

    @property
    def differs(self) -> bool:
        """The sources require different things (status, internship bounds, months missing). The answer's
        `divergences` say more: who decides the length, the examen anticipé (UE acquired, not in a table)."""
        return len({comparable(a) for a in self.per_source.values()}) > 1


@dataclass(frozen=True)
class DecisionTable:
    diploma: str
    milestone: str
    sources: tuple[str, ...]
    on: date
    thresholds: tuple[int, ...]
    rows: tuple[DecisionRow, ...]

    @property
    def divergent_rows(self) -> tuple[DecisionRow, ...]:
        return tuple(r for r in self.rows if r.differs)


@dataclass(frozen=True)
class ChartGrid:
    """A source's answers over a grid of months in the field (rows) × months outside (columns)."""

    source: str
    values: tuple[int, ...]
    cells: dict[tuple[int, int], dict] = field(default_factory=dict)  # (in, out) -> answer


def thresholds(base: RuleBase, diploma: str, milestone: str, on: date) -> tuple[int, ...]:
    """The experience durations (months) the rules for this diploma and milestone compare with.

    A rule that asks for experience of any length counts as a threshold of 1 month.
    """
    found = set()
    for source in base.sources_for(diploma, milestone, on):
        for p in base.pathways_for(source, diploma, milestone, on):
            for rule in p.experience:
                found.add(int(ceil(rule.least)) if rule.least is not None else 1)
    return tuple(sorted(found))


def situations(limits: tuple[int, ...]) -> tuple[Situation, ...]:
    """Candidates on each side of every threshold, in the field, outside, and a smaller share in the field.

    >>> [(s.in_field, s.out_field) for s in situations((12, 36))][:5]
    [(0, 0), (11, 0), (0, 11), (12, 0), (0, 12)]
    """
    found = {Situation(0, 0)}
    for t in limits:
        found |= {Situation(t - 1, 0), Situation(t, 0), Situation(0, t - 1), Situation(0, t)}
    for low in limits:
        for high in limits:
            if low < high:
                found |= {Situation(low - 1, high - low + 1), Situation(low, high - low)}
    return tuple(sorted(found, key=lambda s: (s.in_field + s.out_field, s.out_field > 0, s.in_field)))


class Decisions:
    """The solver's answers for the documentation, each situation asked once per build."""

    def __init__(self, engine: Engine, on: date):
        self.engine = engine
        self.base = engine.base
        self.on = on
        self._single: dict[tuple, dict] = {}

    def source_answer(self, source: str, diploma: str, milestone: str, situation: Situation) -> dict:
        """One source's answer, as `cnam missing` reports it among its divergences."""
        key = (source, diploma, milestone, situation)
        if key not in self._single:
            facts = facts_of(situation.profile(), self.on)
            outcome = self.engine.outcome((source,), diploma, milestone, self.on, facts, with_options=False)
            self._single[key] = summary(outcome)
        return self._single[key]

    def table(self, diploma: str, milestone: str) -> DecisionTable:
        sources = tuple(self.base.sources_for(diploma, milestone, self.on))
        limits = thresholds(self.base, diploma, milestone, self.on)
        rows = []
        for situation in situations(limits):
            question = missing_question(self.base, {"diploma": diploma, "milestone": milestone,
                                                    "date": self.on.isoformat()}, self.on, situation.profile())
            combined = missing_answer(self.engine, question)
            per_source = {s: self.source_answer(s, diploma, milestone, situation) for s in sources}
            rows.append(DecisionRow(situation, combined, per_source))
        return DecisionTable(diploma, milestone, sources, self.on, limits, tuple(rows))

    def grid(self, diploma: str, milestone: str, source: str) -> ChartGrid:
        limits = thresholds(self.base, diploma, milestone, self.on)
        top = max(24, 24 * ceil((max(limits, default=0) + 12) / 24))
        values = tuple(range(0, top + 1, top // CHART_STEPS))
        grid = ChartGrid(source, values)
        for i in values:
            for o in values:
                grid.cells[(i, o)] = self.source_answer(source, diploma, milestone, Situation(i, o))
        return grid
