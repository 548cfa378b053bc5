"""The engine's facts read straight off the simplest candidate files, without building a `Profile`.

A cohort's candidate files are mostly flat: experiences and internships given
in months, a few qualifiers. For those, `simple_facts` gives the very `Facts`
that `Facts.of(parse_profile(data))` gives (the same sums, in the same order),
about ten times faster. Anything else, and anything it is not sure the schema
accepts (dated periods, VAE requests, an unknown field, a wrong type, a
number out of range), gets None: the caller then reads the file with the
schema, which accepts it or says what is wrong. A property test holds the two
readings equal.
"""

from __future__ import annotations

from collections import defaultdict

from .profile import FIELDS, KINDS, LEVELS, MAX_MONTHS, MAX_PERIODS, MAX_TEXT, MAX_UE
from .solve import Facts

TOP = frozenset({"name", "ue_acquired", "decided_internship_months", "experiences", "internships"})
EXPERIENCE = frozenset({"label", "months", "time_share", "field", "kind", "level"})
INTERNSHIP = frozenset({"months", "field", "report"})


def _months(value) -> float | None:
    """A length the schema accepts (a number > 0, at most MAX_MONTHS), as the float it reads; else None."""
    kind = type(value)
    if kind is int:
        return float(value) if 0 < value <= MAX_MONTHS else None
    if kind is float and 0 < value <= MAX_MONTHS:  # NaN fails the comparison
        return value
    return None


def _entries(data: dict, name: str) -> list | None:
    entries = data.get(name)
    if entries is None:
        return []
    return entries if type(entries) is list and len(entries) <= MAX_PERIODS else None


def simple_facts(data) -> Facts | None:
    """`Facts.of(parse_profile(data))` for a flat candidate file; None for any other (or a doubtful one)."""
    if type(data) is not dict or not TOP.issuperset(data):
        return None
    name = data.get("name")
    if name is not None and not (type(name) is str and len(name) <= MAX_TEXT):
        return None
    ue = data.get("ue_acquired", 0)
    if not (type(ue) is int and 0 <= ue <= MAX_UE):
        return None
    decision = data.get("decided_internship_months")
    if decision is not None and (decision := _months(decision)) is None:
        return None
    experiences, internships = _entries(data, "experiences"), _entries(data, "internships")
    if experiences is None or internships is None:
        return None
    totals: dict[tuple[str, str, str], float] = defaultdict(float)
    for e in experiences:
        if type(e) is not dict or not EXPERIENCE.issuperset(e):
            return None
        months = _months(e.get("months"))
        share = e.get("time_share", 1.0)
        share = float(share) if type(share) is int else share
        field, kind, level = e.get("field"), e.get("kind", "salaried"), e.get("level", "sufficient")
        label = e.get("label")
        if (months is None or type(share) is not float or not 0 < share <= 1 or field not in FIELDS
                or kind not in KINDS or level not in LEVELS or type(field) is not str or type(kind) is not str
                or type(level) is not str or (label is not None and not (type(label) is str
                                                                         and len(label) <= MAX_TEXT))):
            return None
        in_field = field == "in" and level == "sufficient"
        totals[("in" if in_field else "out", kind, level)] += months * share
    done_by = []
    for i in internships:
        if type(i) is not dict or not INTERNSHIP.issuperset(i):
            return None
        months, field, report = _months(i.get("months")), i.get("field", "in"), i.get("report", False)
        if months is None or type(field) is not str or field not in FIELDS or type(report) is not bool:
            return None
        done_by.append((months, field, report))
    rounded = {key: round(value, 9) for key, value in totals.items()}
    done = {}
    for in_field in (True, False):
        for report in (True, False):
            done[(in_field, report)] = sum(m for m, f, r in done_by if (f == "in" or not in_field)
                                           and (r or not report))
    return Facts({k: v for k, v in rounded.items() if v > 0}, done, decision, ue)
