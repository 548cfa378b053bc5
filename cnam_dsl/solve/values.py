"""The engine's values (facts in, outcomes out), shared by the solver and the proved closed forms; no Z3 here."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..candidate.counting import Facts  # noqa: F401  (the engine's input, re-exported)
from ..language.model import DONE_KEYS  # noqa: F401


class SolverError(Exception):
    """The solver could not decide (time limit or internal error): no answer is given."""


class SolverNeeded(Exception):
    """The question needs Z3, and the engine was made without it (`Engine(solver=False)`: the web server's own
    process answers from proved closed forms only and hands the rest to its worker processes)."""


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
    awaiting_decision: bool = False  # the length must still be set by the authority the rules name
    can_be_lowered: bool = False  # a decision may lower the length in force (down to `min_months`)


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


@dataclass(frozen=True, slots=True)
class VaeOutcome:
    status: str  # eligible | missing | limit
    missing_months: Fraction
    next_possible_year: int | None
    counted_months: Fraction
    rules: tuple
    failing_limits: tuple[object, ...]


def internship_of(stages, facts: Facts, low: Bound, high: Bound, left: Bound) -> Internship:
    """The internship of an answer: the bounds found, qualified by the internships of the pathways retained.
    Several authorities (one source's Cnam, another's jury) are all named: `cnam+jury`."""
    standards = [s.standard for s in stages if s.standard is not None]
    deciders = sorted({s.decided_by for s in stages if s.decided_by})
    in_field = any(s.in_field for s in stages)
    report = any(s.needs_report for s in stages)
    done = Fraction(facts.done[(in_field, report)]).limit_denominator(1000)
    decided = facts.decision is not None
    if decided:
        low = high = Bound(Fraction(facts.decision).limit_denominator(1000))
    return Internship(
        low.value if low.closed else None,
        high.value,
        max(standards) if standards else None,
        "+".join(deciders) or None,
        in_field, report, done,
        left.value if left.closed else None,
        not decided and any(s.needs_decision for s in stages),
        not decided and any(s.modulation is not None for s in stages),
    )


STRENGTH = {"internship": 0, "experience_any_field": 1, "experience_in_field": 2}  # how much an option asks
RESULT = {"satisfied": 1, "internship": 0, "missing": -1, "conflict": -1}  # how good what it leads to is


class PlainOps:
    """`kept_options`' operations on plain Python values (one candidate's options)."""

    @staticmethod
    def and_(a, b):
        return a and b

    @staticmethod
    def or_(a, b):
        return a or b

    @staticmethod
    def not_(a):
        return not a


def kept_options(ops, strength: list[int], present: list, months: list, strict: list, result: list,
                 same: list[list]) -> tuple[list, list]:
    """Which candidate options are kept, and each one's place among them (the one statement of "minimal
    options", run on plain values for one candidate and on columns for a cohort).

    An option is kept when it is present, leads somewhere (`result` ≥ 0) and no other option beats it: asks
    for no stronger experience (`strength`), no more months, for as good a result, and is not the same
    option; of equal options (`same[a][b]`), the first. The places order them by months, then strength,
    then rank in the list."""
    k = len(strength)
    kept = [ops.and_(present[b], result[b] >= 0) for b in range(k)]
    for b in range(k):
        for a in range(k):
            if a != b and strength[a] <= strength[b]:
                beats = ops.and_(ops.and_(present[a], months[a] <= months[b]),
                                 ops.and_(result[a] >= result[b], ops.not_(same[a][b])))
                kept[b] = ops.and_(kept[b], ops.not_(beats))
    unique = list(kept)
    for b in range(k):
        for a in range(b):
            unique[b] = ops.and_(unique[b], ops.not_(ops.and_(kept[a], same[a][b])))
    place = [0] * k
    for b in range(k):
        for a in range(k):
            if a != b:
                earlier = (strength[a], a) < (strength[b], b)
                before = ops.or_(months[a] < months[b], ops.and_(months[a] == months[b], earlier))
                place[b] = place[b] + ops.and_(unique[a], before)
    return unique, place


def minimal_options(options: list[Option]) -> tuple[Option, ...]:
    """The options no other option beats (`kept_options`), the least additional experience first."""
    strength = [STRENGTH[o.kind] for o in options]
    unique, place = kept_options(PlainOps, strength, [True] * len(options), [o.months for o in options],
                                 [o.strict for o in options], [RESULT[o.status] for o in options],
                                 [[a == b for b in options] for a in options])
    return tuple(o for _, o in sorted((p, o) for o, u, p in zip(options, unique, place) if u))


# The two ways of completing a file the options explore: (option kind, where the experience is added,
# solver condition that keeps the other addition at zero).
OPTION_KINDS = (
    ("experience_any_field", "any", ("out", "salaried", "sufficient"), "c:only-any-field"),
    ("experience_in_field", "in", ("in", "salaried", "sufficient"), "c:only-in-field"),
)
