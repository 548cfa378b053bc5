"""Candidate files with unknown facts into a `PartialProfile`, and its completions into complete `Profile`s.

The contract lets these facts be written `unknown`: an experience's `months`,
`time_share`, `field`, `kind`, `level`; an internship's `months`, `field`,
`report`; `ue_acquired`; `decided_internship_months`. `read_candidate` reads
a file with the one reader (`schema.read_profile`): a file without an unknown
fact is a `Profile`, exactly as before; a file with some is a
`PartialProfile`, a distinct type that no path answering complete files
accepts (nothing ever reads `unknown` as a default).

`Completions` lays out every way to complete a partial file, for a question
asked on a given day: the unknown facts with a few values (field, kind,
level, report; a share of full time the counting cannot add up on its own)
are *finite* and enumerated; the others (durations, shares, the decided
length) are *numbers*, each adding a number of hundredths of a month to one
of the counted facts (`Contribution`). Each combination of finite values is
counted by the one counting (`counting.facts_of`), with the periods whose
numbers are unknown left out; adding a whole number of hundredths to a
category's months then gives exactly what the counting of the completed file
gives (the totals are shared among categories by their remainders, which
whole hundredths leave unchanged). `Completions.profile` turns a choice of
values back into a complete candidate file (a witness).

>>> partial = read_candidate({"experiences": [{"months": 36, "field": "unknown"}]})
>>> [f.path for f in partial.unknowns]
['experiences[0].field']
>>> partial.complete({"experiences[0].field": "out"}).experiences[0].field
'out'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from ..language.model import DONE_KEYS, done_counts
from .counting import Facts, category_of, count, exact, facts_of
from .schema import FIELDS, KINDS, LEVELS, MAX_MONTHS, MAX_UE, Problem, Profile, ProfileError, read_profile

UNKNOWN = "unknown"
# Where a candidate file may say `unknown`, and the value standing in for it while the rest is read.
TOP_LEVEL = {"ue_acquired": 0, "decided_internship_months": 1}
IN_ENTRIES = {
    "experiences": {"months": 1, "time_share": 1, "field": "in", "kind": "salaried", "level": "sufficient"},
    "internships": {"months": 1, "field": "in", "report": False},
}
ALLOWED_FR = ("months, time_share, field, kind, level d'une expérience ; months, field, report d'un stage ; "
              "ue_acquired ; decided_internship_months")
CHOICES = {"field": FIELDS, "kind": KINDS, "level": LEVELS, "report": (True, False)}
SHARES_TRIED = (1.0, 0.75, 0.5, 0.25)  # a share the counting cannot add up alone (see `Completions`)
CENTS = 100  # numbers of the completions are counted in hundredths of a month
MOST_CENTS = MAX_MONTHS * CENTS
PATH = re.compile(r"^(?:(experiences|internships)\[(\d+)\]\.)?([a-z_]+)$")


@dataclass(frozen=True, slots=True)
class UnknownFact:
    """One fact a candidate file leaves `unknown`: its path in the file, its key, and its entry (list, index)."""

    path: str
    key: str
    entry: str | None = None  # experiences | internships | None (a fact of the candidate)
    index: int | None = None

    @property
    def choices(self) -> tuple | None:
        """The values a finite fact may take (None for a number)."""
        return CHOICES.get(self.key)

    @staticmethod
    def at(path: str) -> "UnknownFact":
        """The fact at a path (`experiences[0].field`).

        >>> UnknownFact.at("internships[1].report")
        UnknownFact(path='internships[1].report', key='report', entry='internships', index=1)
        """
        match = PATH.match(path)
        if match is None:
            raise ValueError(path)
        entry, index, key = match.groups()
        return UnknownFact(path, key, entry, None if index is None else int(index))


@dataclass(frozen=True)
class PartialProfile:
    """A candidate file with unknown facts: what it says (`template`, each unknown fact standing at a
    placeholder value that is never answered as is) and the unknown facts, in the order of the file."""

    template: Profile
    unknowns: tuple[UnknownFact, ...]

    @property
    def name(self) -> str | None:
        return self.template.name

    def complete(self, values: Mapping[str, Any]) -> Profile:
        """The complete file with these values of the unknown facts (by path; `None` for a decided length:
        no decision), taken as valid (`given` reads values typed by a person)."""
        missing = [f.path for f in self.unknowns if f.path not in values]
        if missing:
            raise KeyError(missing[0])
        return _with(self.template, {f: values[f.path] for f in self.unknowns})

    def given(self, values: Mapping[str, Any], origin: str = "<profil>") -> "Profile | PartialProfile":
        """The file with some unknown facts given (values as a candidate file writes them), read again by
        the one reader: ProfileError names a value that is not valid."""
        data = self.to_dict()
        for path, value in values.items():
            fact = UnknownFact.at(path)
            holder = data if fact.entry is None else data[fact.entry][fact.index]
            if value is None:
                holder.pop(fact.key, None)
            else:
                holder[fact.key] = value
        return read_candidate(data, origin)

    def to_dict(self) -> dict[str, Any]:
        """The candidate file, its unknown facts written `unknown` (each entry's keys in the file's order)."""
        data = self.template.to_dict()
        for fact in self.unknowns:
            if fact.entry is None:
                data[fact.key] = UNKNOWN
            else:
                data[fact.entry][fact.index][fact.key] = UNKNOWN
        order = ("name", "ue_acquired", "decided_internship_months", "decided_experience_months", "decided_by",
                 "entered_duties", "experiences", "internships", "vae_requests")
        data = {k: data[k] for k in order if k in data}
        for entry, keys in (("experiences", ("label", "months", "start", "end", "time_share", "field", "kind",
                                              "level")), ("internships", ("months", "start", "end", "field",
                                                                          "report"))):
            if entry in data:
                data[entry] = [{k: e[k] for k in keys if k in e} for e in data[entry]]
        return data


def _with(template: Profile, values: dict[UnknownFact, Any]) -> Profile:
    """The template with these values at the facts' places."""
    experiences, internships = list(template.experiences), list(template.internships)
    top: dict[str, Any] = {}
    for fact, value in values.items():
        if fact.key in ("months", "time_share") and value is not None:
            value = float(value)
        if fact.entry == "experiences":
            experiences[fact.index] = replace(experiences[fact.index], **{fact.key: value})
        elif fact.entry == "internships":
            internships[fact.index] = replace(internships[fact.index], **{fact.key: value})
        else:
            top[fact.key] = float(value) if fact.key == "decided_internship_months" and value is not None else value
    return replace(template, experiences=tuple(experiences), internships=tuple(internships), **top)


def read_candidate(data: object, origin: str = "<profil>") -> Profile | PartialProfile:
    """A complete `Profile` when the file says no fact is `unknown` (read exactly as `read_profile` reads it),
    else a `PartialProfile`; ProfileError naming every bad field (an `unknown` where the contract does not
    allow one among them).

    >>> type(read_candidate({"experiences": [{"months": 24, "field": "in"}]})).__name__
    'Profile'
    """
    unknowns, standing = _unknowns(data)
    if not unknowns:
        try:
            return read_profile(data, origin)
        except ProfileError as error:
            raise _hinted(error) from None
    try:
        template = read_profile(standing, origin)
    except ProfileError as error:
        raise _hinted(error) from None
    return PartialProfile(template, tuple(unknowns))


def load_candidate_file(path: str, *, max_bytes: int = 1_000_000) -> Profile | PartialProfile:
    """The candidate of a YAML or JSON file (`-`: standard input), its facts possibly `unknown`; ProfileError
    naming the file and the field."""
    from .files import STDIN_ORIGIN, load_text, read_bytes

    origin = STDIN_ORIGIN if path == "-" else path
    return read_candidate(load_text(read_bytes(path, max_bytes), origin, path.lower().endswith(".json")), origin)


def may_be_absent(partial: PartialProfile) -> bool:
    """Whether an unknown decided length may be no decision at all (not when the file says who decided and
    nothing else was decided)."""
    t = partial.template
    return not (t.decided_by is not None and t.decided_experience_months is None)


def _unknowns(data: object) -> tuple[list[UnknownFact], object]:
    """The unknown facts of a file's data, and the data with placeholders in their place (a copy)."""
    if not isinstance(data, dict):
        return [], data
    found: list[UnknownFact] = []
    standing = dict(data)
    for key, placeholder in TOP_LEVEL.items():
        if standing.get(key) == UNKNOWN:
            found.append(UnknownFact(key, key))
            standing[key] = placeholder
    for entry, placeholders in IN_ENTRIES.items():
        items = standing.get(entry)
        if type(items) is not list:
            continue
        copied = []
        for i, item in enumerate(items):
            if type(item) is dict and UNKNOWN in item.values():
                item = dict(item)
                for key, placeholder in placeholders.items():
                    if item.get(key) == UNKNOWN:
                        found.append(UnknownFact(f"{entry}[{i}].{key}", key, entry, i))
                        item[key] = placeholder
            copied.append(item)
        standing[entry] = copied
    return found, standing


def _hinted(error: ProfileError) -> ProfileError:
    """The error, where a field held `unknown` that may not, saying where it may."""
    problems = [Problem(p.location, p.reason + f" (« unknown » n'est permis que pour : {ALLOWED_FR})")
                if p.reason.endswith(f'reçu "{UNKNOWN}"') else p for p in error.problems]
    return ProfileError(error.origin, problems)


# ---------------------------------------------------------------- every completion, laid out


@dataclass(frozen=True, slots=True)
class Contribution:
    """What a numeric unknown fact adds under one combination of the finite ones: hundredths of a month
    (from `low` to `high`) to `target`: ("x", category) for experience, ("done", (field, report)) for an
    internship done, ("decision",) for the decided length (`absent`: or no decision), None for nothing."""

    target: tuple | None
    low: int
    high: int
    absent: bool = False


@dataclass(frozen=True)
class Completions:
    """The completions of a partial file for a question asked on `on`: the finite unknown facts with their
    values (`finite`, `values`), the numeric ones (`numeric`), and for each combination of finite values
    (in `itertools.product` order) the counted facts without the numeric unknowns (`bases`) and what each
    numeric unknown adds (`contributions`). `tried` names the finite facts whose values stand for a range
    (a share tried at a few values). An unknown `ue_acquired` changes none of the counted facts the rules
    decide on (only whether the early review may be asked): it is left `aside`, at 0 in the witnesses."""

    partial: PartialProfile
    on: date
    finite: tuple[UnknownFact, ...]
    values: tuple[tuple, ...]
    numeric: tuple[UnknownFact, ...]
    bases: tuple[Facts, ...]
    contributions: tuple[tuple[Contribution, ...], ...]
    tried: tuple[UnknownFact, ...] = ()
    aside: tuple[UnknownFact, ...] = ()

    @staticmethod
    def of(partial: PartialProfile, on: date) -> "Completions":
        """The completions of a partial file."""
        finite, values, numeric, tried, aside = [], [], [], [], []
        shares_alone = _shares_counted_alone(partial, on)
        for fact in partial.unknowns:
            if fact.choices is not None:
                finite.append(fact)
                values.append(fact.choices)
            elif fact.key == "ue_acquired":
                aside.append(fact)
            elif fact.key == "time_share" and fact not in shares_alone:
                finite.append(fact)
                values.append(SHARES_TRIED)
                tried.append(fact)
            else:
                numeric.append(fact)
        bases, contributions = [], []
        for combination in itertools.product(*values):
            chosen = dict(zip(finite, combination)) | {f: 0 for f in aside}
            bases.append(facts_of(_counted_part(partial, chosen, numeric), on))
            contributions.append(tuple(_contribution(partial, chosen, fact, on) for fact in numeric))
        return Completions(partial, on, tuple(finite), tuple(values), tuple(numeric), tuple(bases),
                           tuple(contributions), tuple(tried), tuple(aside))

    def combination(self, index: int) -> tuple:
        """The finite values of a combination, by its index."""
        return next(itertools.islice(itertools.product(*self.values), index, None))

    def profile(self, index: int, cents: tuple[int | None, ...]) -> Profile:
        """The complete file of a combination and hundredths added by each numeric unknown (None: no
        decision), the numbers written so that the counting adds exactly those hundredths."""
        values = dict(zip((f.path for f in self.finite), self.combination(index)))
        values.update({f.path: 0 for f in self.aside})
        for fact, added in zip(self.numeric, cents):
            values[fact.path] = self.value(fact, index, added)
        return self.partial.complete(values)

    def value(self, fact: UnknownFact, index: int, cents: int | None):
        """The value a numeric unknown takes in the file, in a combination, for it to add `cents` hundredths
        of a month (None: no decision), as the file writes it (`24`, `0.5`)."""
        chosen = dict(zip(self.finite, self.combination(index)))
        return _number(self.partial, chosen, fact, cents, self.on)


def _shares_counted_alone(partial: PartialProfile, on: date) -> set[UnknownFact]:
    """The unknown shares that add to their category on their own: a period given in months whose length
    is known, or a dated period that overlaps no other (a dated period overlapping others shares its days
    by priority; a share unknown with the months too multiplies two unknowns): the others are tried."""
    alone = set()
    experiences = partial.template.experiences
    unknown = {f.path for f in partial.unknowns}
    for fact in partial.unknowns:
        if fact.key != "time_share":
            continue
        e = experiences[fact.index]
        if e.start is None:
            if f"experiences[{fact.index}].months" not in unknown:
                alone.add(fact)
        elif not any(_overlap(e, other, on) for j, other in enumerate(experiences)
                     if j != fact.index and other.start is not None):
            alone.add(fact)
    return alone


def _overlap(a, b, on: date) -> bool:
    last_a = a.end if a.end is not None and a.end <= on else on
    last_b = b.end if b.end is not None and b.end <= on else on
    return a.start <= last_b and b.start <= last_a


def _counted_part(partial: PartialProfile, chosen: dict, numeric: list[UnknownFact]) -> Profile:
    """The file of a combination without what its numeric unknowns add (their periods left out, no decision
    when its length is unknown)."""
    placeholders = {f: (None if f.key == "decided_internship_months" else 1) for f in numeric}
    profile = _with(partial.template, {**chosen, **placeholders})
    left_out = {(f.entry, f.index) for f in numeric if f.entry is not None}
    return replace(profile,
                   experiences=tuple(e for i, e in enumerate(profile.experiences) if ("experiences", i) not in left_out),
                   internships=tuple(d for i, d in enumerate(profile.internships) if ("internships", i) not in left_out))


def _entry(partial: PartialProfile, chosen: dict, fact: UnknownFact):
    """The entry of a fact, its finite unknowns at the combination's values."""
    values = {f: v for f, v in chosen.items() if f.entry == fact.entry and f.index == fact.index}
    entries = _with(partial.template, values)
    return (entries.experiences if fact.entry == "experiences" else entries.internships)[fact.index]


def _contribution(partial: PartialProfile, chosen: dict, fact: UnknownFact, on: date) -> Contribution:
    if fact.key == "decided_internship_months":
        return Contribution(("decision",), 1, MOST_CENTS, may_be_absent(partial))
    entry = _entry(partial, chosen, fact)
    if fact.entry == "internships":
        return Contribution(("done", (entry.field, entry.report)), 1, MOST_CENTS)
    if entry.start is None and fact.key == "months":  # its months × a known share
        share = exact(entry.time_share)
        high = int(MOST_CENTS * share)
    elif entry.start is None:  # a share of known months
        high = int(exact(entry.months) * CENTS)
    else:  # a share of a dated period overlapping no other
        high = int(_dated_length(entry, on) * CENTS)
    if high < 1:
        return Contribution(None, 0, 0)
    return Contribution(("x", category_of(entry)), 1, high)


def _dated_length(entry, on: date) -> Fraction:
    """The months a dated period counts up to the question's day, at full time."""
    alone = Profile(experiences=(replace(entry, time_share=1.0),))
    return count(alone, on).periods[0].length


def _number(partial: PartialProfile, chosen: dict, fact: UnknownFact, cents: int | None, on: date):
    """The value a numeric unknown takes in the file for it to add `cents` hundredths of a month."""
    if cents is None:
        return None
    added = Fraction(cents, CENTS)
    if fact.key == "decided_internship_months" or fact.entry == "internships":
        return _plain(added)
    entry = _entry(partial, chosen, fact)
    if fact.key == "months":
        return _plain(added / exact(entry.time_share))
    length = exact(entry.months) if entry.start is None else _dated_length(entry, on)
    return _plain(min(Fraction(1), added / length)) if length else 1


def _plain(value: Fraction) -> int | float:
    """A number as a file writes it (the counting reads it back as this fraction, `counting.exact`)."""
    return int(value) if value.denominator == 1 else float(value)


def done_keys(field: str, report: bool) -> tuple[int, ...]:
    """The kinds of internship (indices of `DONE_KEYS`) that an internship done of this field and report
    counts for."""
    return tuple(i for i, k in enumerate(DONE_KEYS) if done_counts(k, field, report))


__all__ = ["CENTS", "Completions", "Contribution", "MAX_UE", "PartialProfile", "UNKNOWN", "UnknownFact",
           "done_keys", "load_candidate_file", "may_be_absent", "read_candidate"]
