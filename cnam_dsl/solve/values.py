"""The engine's values (facts in, outcomes out), shared by the solver and the proved closed forms; no Z3 here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

# The four ways internships already done are counted: (in the field, with a report).
DONE_KEYS = ((True, True), (True, False), (False, True), (False, False))


class SolverError(Exception):
    """The solver could not decide (time limit or internal error): no answer is given."""


def exact(value: Fraction | float | int) -> Fraction:
    """The rational the solver reads for a number of months (at most 6 decimal digits of denominator).

    >>> exact(0.1), exact(24.0), exact(Fraction(1, 3))
    (Fraction(1, 10), Fraction(24, 1), Fraction(1, 3))
    """
    if isinstance(value, float) and value.is_integer():
        return Fraction(int(value))
    return Fraction(value).limit_denominator(10**6)


@dataclass(frozen=True, slots=True)
class Bound:
    """An optimum: its value, whether it is attained (closed), or None when unbounded."""

    value: Fraction | None
    closed: bool = True


@dataclass(frozen=True, slots=True)
class Internship:
    min_months: Fraction | None
    max_months: Fraction | None
    standard_months: Fraction | None
    decided_by: str | None
    in_field: bool
    report: bool
    done_months: Fraction
    remaining_min_months: Fraction | None


@dataclass(frozen=True, slots=True)
class Option:
    """One minimal way to complete the file: add experience (in the field or any), or an internship."""

    kind: str  # experience_in_field | experience_any_field | internship
    months: Fraction
    strict: bool  # True: strictly more than `months` is needed
    status: str  # the status once this is done: satisfied | internship
    internship: Internship | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the rules say for one candidate, under one or several sources."""

    status: str  # satisfied | internship | missing | conflict
    internship: Internship | None
    missing_months: Fraction
    missing_strict: bool
    options: tuple[Option, ...]
    selected: frozenset[str]  # keys of the pathways the answer rests on
    core: tuple  # for a conflict: the rules and facts (compile.Tracked) that contradict each other


@dataclass(frozen=True)
class Facts:
    """A candidate's facts in the solver's terms (months are floats from the profile)."""

    experience: dict[tuple[str, str, str], float]
    done: dict[tuple[bool, bool], float]
    decision: float | None
    ue_acquired: int = 0

    @staticmethod
    def of(profile) -> "Facts":
        done = {}
        for in_field in (True, False):
            for report in (True, False):
                done[(in_field, report)] = sum(
                    i.months for i in profile.internships
                    if (i.field == "in" or not in_field) and (i.report or not report)
                )
        return Facts(profile.experience_months(), done, profile.decided_internship_months, profile.ue_acquired)

    def plus(self, category: tuple[str, str, str], months: Fraction) -> "Facts":
        experience = dict(self.experience)
        experience[category] = experience.get(category, 0.0) + float(months)
        return replace(self, experience=experience)


@dataclass(frozen=True, slots=True)
class VaeOutcome:
    status: str  # eligible | missing | limit
    missing_months: Fraction
    next_possible_year: int | None
    counted_months: Fraction
    rules: tuple
    failing_limits: tuple[object, ...]


def internship_of(stages, facts: Facts, low: Bound, high: Bound, left: Bound) -> Internship:
    """The internship of an answer: the bounds found, qualified by the internships of the pathways retained."""
    standards = [s.standard for s in stages if s.standard is not None]
    deciders = sorted({s.decided_by for s in stages if s.decided_by})
    in_field = any(s.in_field for s in stages)
    report = any(s.needs_report for s in stages)
    done = Fraction(facts.done[(in_field, report)]).limit_denominator(1000)
    if facts.decision is not None:
        low = high = Bound(Fraction(facts.decision).limit_denominator(1000))
    return Internship(
        low.value if low.closed else None,
        high.value,
        max(standards) if standards else None,
        "jury" if "jury" in deciders else (deciders[0] if deciders else None),
        in_field, report, done,
        left.value if left.closed else None,
    )


def minimal_options(options: list[Option]) -> tuple[Option, ...]:
    """The options no other option beats (less or as strong experience, as good a result), least first."""
    strength = {"internship": 0, "experience_any_field": 1, "experience_in_field": 2}
    result = {"satisfied": 1, "internship": 0, "missing": -1, "conflict": -1}

    def dominates(a: Option, b: Option) -> bool:
        return (strength[a.kind] <= strength[b.kind] and a.months <= b.months
                and result[a.status] >= result[b.status] and a != b)

    kept = [o for o in options if not any(dominates(other, o) for other in options)
            and result[o.status] >= 0]
    unique = list(dict.fromkeys(kept))
    return tuple(sorted(unique, key=lambda o: (o.months, strength[o.kind])))


# The two ways of completing a file the options explore: (option kind, where the experience is added,
# solver condition that keeps the other addition at zero).
OPTION_KINDS = (
    ("experience_any_field", "any", ("out", "salaried", "sufficient"), "c:only-any-field"),
    ("experience_in_field", "in", ("in", "salaried", "sufficient"), "c:only-in-field"),
)
