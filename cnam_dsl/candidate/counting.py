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
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction

from ..language.model import CATEGORIES, DONE_KEYS, done_counts
from .schema import KINDS, LEVELS, Experience, Profile

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
    decided_by: str | None = None  # who decided: cnam | jury | commission (None: whom the rules name)
    complement: Fraction | None = None  # more professional experience decided (months)
    duties: bool = False  # took up the duties during the training
    notes: frozenset = frozenset()  # how periods were counted: part_time, overlap, future, ongoing (`NOTES`)
    # The same numbers in hundredths (experience, then done, then the decision or -1), as the counting made
    # them: for the columns of a cohort, which would otherwise convert each fraction back (None when the
    # file says who decided, a complement, duties taken up, or has counting notes).
    cents: tuple[int, ...] | None = field(default=None, compare=False, repr=False)

    def plus(self, category: Category, months: Fraction) -> "Facts":
        """These facts with `months` more experience of a category."""
        experience = dict(self.experience)
        experience[category] = experience.get(category, Fraction(0)) + Fraction(months)
        return replace(self, experience=experience, cents=None)


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


class Numbers:
    """How the counting writes its numbers: months in 1/`month` and shares of full time in 1/`share`, exact
    integers (`INTEGERS`: hundredths, days / 30 and shares to the ten-thousandth all fit), or fractions
    (`FRACTIONS`, both units 1) for a file whose numbers do not fit. The counting itself (`_credits`) is
    written once, over either; a credit (months × share) is in 1/(`month` × `share`) month."""

    def __init__(self, month: int, share: int):
        self.month, self.share = month, share
        self.credit = month * share

    def months(self, value: float):
        return exact(value) if self.month == 1 else _whole(value * self.month)

    def shares(self, value: float):
        return exact(value) if self.share == 1 else _whole(value * self.share)

    def period(self, start: date, end: date):
        """`period_months`, written in these numbers."""
        if self.month == 1:
            return period_months(start, end)
        end_excl = end + ONE_DAY
        if end_excl <= start:
            return 0
        whole = (end_excl.year - start.year) * 12 + end_excl.month - start.month
        while whole > 0 and _add_months(start, whole) > end_excl:
            whole -= 1
        return whole * self.month + (end_excl - _add_months(start, whole)).days * (self.month // 30)

    def months_of(self, value, unit: int) -> Fraction:
        """A number written in these numbers, in months (`unit`: `month` or `credit`)."""
        return Fraction(value) if self.month == 1 else Fraction(value, unit)


class _NotWhole(Exception):
    """A number that is not a whole count of the integer units: the file is counted in fractions."""


def _whole(scaled: float) -> int:
    whole = round(scaled)
    if abs(scaled - whole) > 1e-7:
        raise _NotWhole
    return whole


NOTES = ("part_time", "overlap", "future", "ongoing")  # what an answer says of the counting, when it happened
NO_INTERNSHIP_CENTS = (0,) * len(DONE_KEYS)
NO_INTERNSHIP = dict.fromkeys(DONE_KEYS, Fraction(0))  # shared by the facts of every file without one (never changed)
INTEGERS = Numbers(3000, 10_000)
FRACTIONS = Numbers(1, 1)


def count(profile: Profile, on: date) -> Counted:
    """The facts of a profile for a question asked on `on`, and each counting step."""
    numbers, credits = _counted(profile, on)
    periods = tuple(PeriodCount(i, e.label, category_of(e), numbers.months_of(length, numbers.month),
                                numbers.months_of(future, numbers.month), e.time_share,
                                numbers.months_of(credit, numbers.credit))
                    for i, (e, (length, future, credit)) in enumerate(zip(profile.experiences, credits)))
    internships = tuple(InternshipCount(i, d.field, d.report, *_length(d.months, d.start, d.end, on))
                        for i, d in enumerate(profile.internships))
    return Counted(_facts(profile, on, numbers, credits), on, periods, internships)


def facts_of(profile: Profile, on: date) -> Facts:
    """The facts of a profile for a question asked on `on` (what `count` gives, without the steps)."""
    numbers, credits = _counted(profile, on)
    return _facts(profile, on, numbers, credits)


def _counted(profile: Profile, on: date) -> tuple[Numbers, list]:
    """The numbers the file is counted in, and each experience's (length, future part, credit) in them."""
    try:
        return INTEGERS, _credits(profile.experiences, on, INTEGERS)
    except _NotWhole:
        return FRACTIONS, _credits(profile.experiences, on, FRACTIONS)


def _facts(profile: Profile, on: date, numbers: Numbers, credits: list) -> Facts:
    totals: dict = {}
    notes = set()
    for e, (length, future, credit) in zip(profile.experiences, credits):
        c = category_of(e)
        totals[c] = totals[c] + credit if c in totals else credit
        if e.time_share < 1:
            notes.add("part_time")
        if e.start is not None:
            if future:
                notes.add("future")
            if e.end is None:
                notes.add("ongoing")
            if credit < length * numbers.shares(e.time_share):
                notes.add("overlap")
    cents = {c: m for c, m in _apportioned_cents(totals, numbers.credit).items() if m > 0} if totals else {}
    done_cents = NO_INTERNSHIP_CENTS
    if profile.internships:
        lengths = [(d, _length(d.months, d.start, d.end, on)[0]) for d in profile.internships]
        done_cents = tuple(_rounded_cents(sum((m for d, m in lengths if done_counts(k, d.field, d.report)),
                                              Fraction(0))) for k in DONE_KEYS)
    decision = profile.decided_internship_months
    decision_cents = -1 if decision is None else _rounded_cents(exact(decision))
    complement = profile.decided_experience_months
    plain = profile.decided_by is None and complement is None and not profile.entered_duties and not notes
    return Facts(dict(zip(cents, map(months_of_cents, cents.values()))),
                 NO_INTERNSHIP if done_cents is NO_INTERNSHIP_CENTS else dict(zip(DONE_KEYS, map(months_of_cents, done_cents))),
                 None if decision is None else months_of_cents(decision_cents), profile.ue_acquired, profile.decided_by,
                 None if complement is None else months_of_cents(_rounded_cents(exact(complement))), profile.entered_duties,
                 frozenset(notes), (*cents.values(), *done_cents, decision_cents) if plain else None)


def _rounded_cents(months: Fraction) -> int:
    """Months in hundredths, rounded halves up (`hundredths`)."""
    return math.floor(months * 100 + Fraction(1, 2))


def apportioned(totals: dict, unit: int = 1) -> dict[Category, Fraction]:
    """Each category's months in hundredths, from its exact months (in 1/`unit` month: integers, or fractions
    when `unit` is 1): the rounded sum of all, shared by largest remainder (ties in the order of
    `CATEGORIES`).

    >>> a, b = ("in", "salaried", "sufficient"), ("out", "salaried", "sufficient")
    >>> apportioned({a: Fraction(1, 3), b: Fraction(1, 3)})
    {('in', 'salaried', 'sufficient'): Fraction(17, 50), ('out', 'salaried', 'sufficient'): Fraction(33, 100)}
    """
    return {c: months_of_cents(m) for c, m in _apportioned_cents(totals, unit).items()}


def _apportioned_cents(totals: dict, unit: int) -> dict[Category, int]:
    """`apportioned`, in hundredths (integers), the categories in the order of `CATEGORIES`."""
    if len(totals) == 1:  # the whole is the one category
        (c, months), = totals.items()
        return {c: math.floor(months * 100 + Fraction(1, 2)) if unit == 1 else (200 * months + unit) // (2 * unit)}
    order = sorted(totals, key=CATEGORY_RANK.__getitem__)
    if unit != 1 and not any(totals[c] % (unit // 100) for c in order):  # every total a whole hundredth
        return {c: totals[c] // (unit // 100) for c in order}
    scaled = [totals[c] * 100 for c in order]  # in 1/unit hundredths
    cents = [math.floor(v) for v in scaled] if unit == 1 else [v // unit for v in scaled]
    whole = sum(scaled)
    rounded = math.floor(whole + Fraction(1, 2)) if unit == 1 else (2 * whole + unit) // (2 * unit)
    left = rounded - sum(cents)
    if left > 0:
        for i in sorted(range(len(order)), key=lambda i: (cents[i] * unit - scaled[i], i))[:left]:
            cents[i] += 1
    return dict(zip(order, cents))


CATEGORY_RANK = {c: i for i, c in enumerate(CATEGORIES)}


_CENTS: dict[int, Fraction] = {}


def months_of_cents(cents: int) -> Fraction:
    """Hundredths of a month as a Fraction (the usual ones made once: making a Fraction is slow)."""
    found = _CENTS.get(cents)
    if found is None:
        found = Fraction(cents, 100)
        if len(_CENTS) < 1 << 17:
            _CENTS[cents] = found
    return found


def _length(months: float | None, start: date | None, end: date | None, on: date) -> tuple[Fraction, Fraction]:
    """(months counted, months after `on`) of a period given by months (as written: `exact`) or by dates."""
    if start is None:
        return exact(months), Fraction(0)
    last = end if end is not None and end <= on else on
    counted = period_months(start, last)
    future = period_months(start, end) - counted if end is not None and end > on else Fraction(0)
    return counted, future


def _credits(experiences: tuple[Experience, ...], on: date, numbers: Numbers) -> list:
    """Each experience's (length, future part, credit) in `numbers`: months × share of full time, the dated
    periods that overlap counted as their union (`_credit_cluster`); a dated period up to `on` only."""
    credits: list = [None] * len(experiences)
    dated: list[tuple[int, date, date]] = []
    for index, e in enumerate(experiences):
        if e.start is None:
            length = numbers.months(e.months)
            credits[index] = (length, 0, length * numbers.shares(e.time_share))
            continue
        last = e.end if e.end is not None and e.end <= on else on
        length = numbers.period(e.start, last)
        future = numbers.period(e.start, e.end) - length if e.end is not None and e.end > on else 0
        credits[index] = (length, future, 0)
        if length:
            dated.append((index, e.start, last))
    for cluster in _clusters(dated) if dated else ():
        for index, credit in _credit_cluster(cluster, experiences, numbers).items():
            credits[index] = credits[index][:2] + (credit,)
    return credits


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


def _credit_cluster(cluster: list[tuple[int, date, date]], experiences: tuple[Experience, ...],
                    numbers: Numbers) -> dict:
    """Full-time-equivalent months each period of an overlapping set counts for (credits, in `numbers`).

    The set's days are cut where a period starts or ends; a piece's length in months is what it adds to
    the months of one period running from the set's first day (so the pieces add up exactly to the
    months of the union). On each piece, the periods present take their share of full time in order of
    priority, as long as some is left."""
    if len(cluster) == 1:
        index, start, end = cluster[0]
        return {index: numbers.period(start, end) * numbers.shares(experiences[index].time_share)}
    first = cluster[0][1]
    cuts = sorted({start for _, start, _ in cluster} | {end + ONE_DAY for _, _, end in cluster})
    order = sorted(cluster, key=lambda p: (_priority(experiences[p[0]]), p[0]))
    credited = {index: 0 for index, _, _ in cluster}
    before, full = 0, numbers.shares(1.0)
    for low, high in zip(cuts, cuts[1:]):
        upto = numbers.period(first, high - ONE_DAY)
        piece, before = upto - before, upto
        free = full
        for index, start, end in order:
            if start <= low and high - ONE_DAY <= end and free > 0:
                share = min(numbers.shares(experiences[index].time_share), free)
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
