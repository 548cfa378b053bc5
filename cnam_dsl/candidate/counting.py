"""A validated `Profile` into counted `Facts`: periods into full-time-equivalent months, the one place that counts.

The contract's counting rules, each stated once here:

- a dated period lasts its whole calendar months plus the rest in days / 30
  (`period_months`); a period still going on (no `end`), or ending after the
  question's date, is counted up to that date; one that starts after it does
  not count yet;
- experience counts `months × time_share`;
- dated periods that overlap never count twice: the union of overlapping
  periods counts exactly as one period covering the same days, whatever
  their kinds; on each day the shares add up to at most full time, served
  in the field first, then by kind, then by level, then in file order;
- an experience in the field at an insufficient level falls in the category
  "outside the field, insufficient" (`category_of`): each rule says what it
  counts (`language.model.ExperienceRule.counts`);
- each internship done counts towards the kinds of internship it can stand
  for (`language.model.done_counts`);
- the totals are rounded to the hundredth of a month, the answer being
  decided on the numbers it shows: the sum of all the experience is rounded
  (halves up), and shared among the categories by largest remainder, so
  that each category is within a hundredth of its exact months and the
  categories add up to the rounded whole (splitting a period into pieces of
  other kinds never changes the total).
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction

from ..language.model import CATEGORIES, DONE_KEYS, done_counts
from .schema import KINDS, LEVELS, Experience, InternshipDone, Profile

Category = tuple[str, str, str]  # (field, kind, level), one of language.model.CATEGORIES
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Facts:
    """A candidate's facts as the rules read them: months of experience by category, months of internships
    done by the kind of internship they stand for (`DONE_KEYS`), the decided length, the UE acquired.
    Every number is an exact multiple of a hundredth of a month."""

    experience: dict[Category, Fraction]
    done: dict[tuple[bool, bool], Fraction]
    decision: Fraction | None = None
    ue_acquired: int = 0

    def plus(self, category: Category, months: Fraction) -> "Facts":
        """These facts with `months` more experience of a category."""
        experience = dict(self.experience)
        experience[category] = experience.get(category, Fraction(0)) + Fraction(months)
        return replace(self, experience=experience)


NO_DONE = {k: Fraction(0) for k in DONE_KEYS}


def hundredths(value: float | Fraction) -> Fraction:
    """A number of months rounded to the hundredth, halves up (a float's last-bit error is no half).

    >>> hundredths(35.9999999), hundredths(0.005), hundredths(Fraction(1, 3))
    (Fraction(36, 1), Fraction(1, 100), Fraction(33, 100))
    """
    if isinstance(value, Fraction):
        return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)
    return Fraction(math.floor(value * 100 + 0.5 + 1e-9), 100)


def _add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, the day clamped to the month's last day."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last_day))


def period_months(start: date, end: date) -> Fraction:
    """Length of the period from `start` to `end` (both included): whole calendar months plus the rest in
    days / 30 (0 when `end` is before `start`).

    >>> period_months(date(2021, 9, 1), date(2023, 8, 31)), period_months(date(2021, 9, 15), date(2023, 9, 14))
    (Fraction(24, 1), Fraction(24, 1))
    >>> period_months(date(2024, 1, 1), date(2024, 1, 15))
    Fraction(1, 2)
    >>> period_months(date(2023, 1, 31), date(2023, 2, 27))  # Jan 31 + 1 month = Feb 28
    Fraction(1, 1)
    """
    end_excl = end + ONE_DAY
    if end_excl <= start:
        return Fraction(0)
    whole = (end_excl.year - start.year) * 12 + end_excl.month - start.month
    while whole > 0 and _add_months(start, whole) > end_excl:
        whole -= 1
    return whole + Fraction((end_excl - _add_months(start, whole)).days, 30)


def category_of(e: Experience) -> Category:
    """The category an experience counts in: in the field only at a sufficient level."""
    return ("in" if e.field == "in" and e.level == "sufficient" else "out", e.kind, e.level)


def _priority(e: Experience) -> tuple[int, int, int]:
    """Who is served first on a day when overlapping periods exceed full time."""
    return (0 if e.field == "in" and e.level == "sufficient" else 1, KINDS.index(e.kind), LEVELS.index(e.level))


# ---------------------------------------------------------------- what was counted, step by step


@dataclass(frozen=True, slots=True)
class PeriodCount:
    """How one experience was counted: its length (dated: up to the question's date), the share of full
    time, what overlapping periods took, and what it counts for (`credited`, before the totals are rounded)."""

    index: int
    label: str | None
    category: Category
    length: Fraction  # months of the period (for a dated one: the days up to the question's date)
    future: Fraction  # months after the question's date, not counted (dated periods)
    time_share: float
    credited: Fraction  # full-time-equivalent months, once overlaps are removed (exact)

    @property
    def overlapped(self) -> Fraction:
        """Months removed because other periods already filled those days."""
        return max(Fraction(0), self.length * Fraction(self.time_share) - self.credited)


@dataclass(frozen=True, slots=True)
class InternshipCount:
    index: int
    field: str
    report: bool
    length: Fraction
    future: Fraction


@dataclass(frozen=True)
class Counted:
    """The facts, and how each period and internship made them."""

    facts: Facts
    on: date
    periods: tuple[PeriodCount, ...]
    internships: tuple[InternshipCount, ...]


def count(profile: Profile, on: date) -> Counted:
    """The facts of a profile for a question asked on `on`, and each counting step."""
    periods = _count_experiences(profile.experiences, on)
    totals: dict[Category, Fraction] = {}
    for p in periods:
        totals[p.category] = totals.get(p.category, Fraction(0)) + p.credited
    experience = {c: m for c, m in apportioned(totals).items() if m > 0}
    internships = tuple(_count_internship(i, d, on) for i, d in enumerate(profile.internships))
    done = {k: hundredths(sum((i.length for i in internships if done_counts(k, i.field, i.report)), Fraction(0)))
            for k in DONE_KEYS}
    decision = profile.decided_internship_months
    facts = Facts(experience, done, None if decision is None else hundredths(decision), profile.ue_acquired)
    return Counted(facts, on, periods, internships)


def apportioned(totals: dict[Category, Fraction]) -> dict[Category, Fraction]:
    """Each category's months in hundredths: the rounded sum of all, shared by largest remainder (ties in the
    order of `CATEGORIES`).

    >>> a, b = ("in", "salaried", "sufficient"), ("out", "salaried", "sufficient")
    >>> apportioned({a: Fraction(1, 3), b: Fraction(1, 3)})
    {('in', 'salaried', 'sufficient'): Fraction(17, 50), ('out', 'salaried', 'sufficient'): Fraction(33, 100)}
    """
    order = [c for c in CATEGORIES if c in totals]
    cents = {c: math.floor(totals[c] * 100) for c in order}
    left = math.floor(sum(totals.values(), Fraction(0)) * 100 + Fraction(1, 2)) - sum(cents.values())
    for c in sorted(order, key=lambda c: (-(totals[c] * 100 - cents[c]), order.index(c)))[:max(left, 0)]:
        cents[c] += 1
    return {c: Fraction(cents[c], 100) for c in order}


def facts_of(profile: Profile, on: date) -> Facts:
    """The facts of a profile for a question asked on `on`."""
    return count(profile, on).facts


def _length(months: float | None, start: date | None, end: date | None, on: date) -> tuple[Fraction, Fraction]:
    """(months counted, months after `on`) of a period given by months (as written: `exact`) or by dates."""
    if start is None:
        return exact(months), Fraction(0)
    last = end if end is not None and end <= on else on
    counted = period_months(start, last)
    future = period_months(start, end) - counted if end is not None and end > on else Fraction(0)
    return counted, future


def _count_internship(index: int, i: InternshipDone, on: date) -> InternshipCount:
    length, future = _length(i.months, i.start, i.end, on)
    return InternshipCount(index, i.field, i.report, length, future)


def _count_experiences(experiences: tuple[Experience, ...], on: date) -> tuple[PeriodCount, ...]:
    counts: list[PeriodCount | None] = [None] * len(experiences)
    dated: list[tuple[int, date, date]] = []
    for index, e in enumerate(experiences):
        length, future = _length(e.months, e.start, e.end, on)
        if e.start is None or length == 0:
            counts[index] = PeriodCount(index, e.label, category_of(e), length, future, e.time_share,
                                        length * exact(e.time_share))
        else:
            dated.append((index, e.start, min(e.end, on) if e.end is not None else on))
    for cluster in _clusters(dated):
        credited = _credit(cluster, experiences)
        for index, _, _ in cluster:
            e = experiences[index]
            length, future = _length(e.months, e.start, e.end, on)
            counts[index] = PeriodCount(index, e.label, category_of(e), length, future, e.time_share,
                                        credited[index])
    return tuple(counts)


def _clusters(dated: list[tuple[int, date, date]]) -> list[list[tuple[int, date, date]]]:
    """The dated periods grouped into sets that overlap (share a day), directly or through others."""
    clusters: list[list[tuple[int, date, date]]] = []
    last_day = None
    for period in sorted(dated, key=lambda p: (p[1], p[2], p[0])):
        if clusters and period[1] <= last_day:
            clusters[-1].append(period)
            last_day = max(last_day, period[2])
        else:
            clusters.append([period])
            last_day = period[2]
    return clusters


def _credit(cluster: list[tuple[int, date, date]], experiences: tuple[Experience, ...]) -> dict[int, Fraction]:
    """Full-time-equivalent months each period of an overlapping set counts for.

    The set's days are cut where a period starts or ends; a piece's length in months is what it adds to
    the months of one period running from the set's first day (so the pieces add up exactly to the
    months of the union). On each piece, the periods present take their share of full time in order of
    priority, as long as some is left."""
    if len(cluster) == 1:
        index, start, end = cluster[0]
        return {index: period_months(start, end) * exact(experiences[index].time_share)}
    first = cluster[0][1]
    cuts = sorted({start for _, start, _ in cluster} | {end + ONE_DAY for _, _, end in cluster})
    order = sorted(cluster, key=lambda p: (_priority(experiences[p[0]]), p[0]))
    credited = {index: Fraction(0) for index, _, _ in cluster}
    before = Fraction(0)
    for low, high in zip(cuts, cuts[1:]):
        upto = period_months(first, high - ONE_DAY)
        piece, before = upto - before, upto
        free = Fraction(1)
        for index, start, end in order:
            if start <= low and high - ONE_DAY <= end and free > 0:
                share = min(exact(experiences[index].time_share), free)
                credited[index] += piece * share
                free -= share
    return credited


_EXACT: dict[float, Fraction] = {}


def exact(number: float) -> Fraction:
    """A number of the file (months, a share) as the decimal it was written as: `0.1` is one tenth (the
    closest fraction of denominator at most 10⁶ to the float read)."""
    found = _EXACT.get(number)
    if found is None:
        if len(_EXACT) > 10_000:
            _EXACT.clear()
        found = _EXACT[number] = Fraction(number).limit_denominator(10**6)
    return found
