"""Many candidates of one requirement at once: `fast.decide` column-wise, in exact integers (no Z3 here).

A table is a batch of candidates asking the same requirement (sources ×
diploma × milestone × day), each a row of aggregated months: one column per
category of `model.CATEGORIES`, one per kind of internship done
(`values.DONE_KEYS`), the decided length. Every number is an integer count
of 1/`scale` month, so the proved program (`fast.Program`, the one the
proof is about) runs on int64 columns exactly, every question it answers in
one pass. `found` gives the answers as columns (`Found`: statuses, pathways,
internships, options, for `batch_columns`); `outcomes` turns them back into
the engine's `Outcome` values, the same ones `fast.decide` gives one
candidate at a time; a row whose answer is a conflict gets None (its
explanation is Z3's unsat core: the engine answers it).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .cohort import STATUSES, ArrayOps
from .fast import QUESTIONS, ClosedForm, Inputs, selection
from .values import (
    OPTION_KINDS, Bound, Facts, Internship, Option, Outcome, internship_of,
)
from ..language.model import CATEGORIES

SATISFIED, INTERNSHIP, MISSING, CONFLICT = range(4)
MAX_SCALE = 10**9  # beyond, int64 columns could overflow: the engine answers one by one
MAX_COMBINATIONS = 62  # combinations are read as the bits of an int64
ZERO = Fraction(0)


def scale_of(form: ClosedForm, denominator: int) -> int | None:
    """The common denominator of the rules' numbers and the candidates' (`denominator`), if small enough."""
    scale = math.lcm(form.plan.denominator, denominator)
    if scale > MAX_SCALE or len(form.plan.combinations) > MAX_COMBINATIONS:
        return None
    return scale


class IntOps(ArrayOps):
    """The closed form's operations on int64 and bool columns, constants scaled to 1/`scale` month."""

    def __init__(self, scale: int):
        self.scale = scale

    def const(self, value: Fraction):
        scaled = value * self.scale
        assert scaled.denominator == 1, "the scale is a multiple of every constant's denominator"
        return np.int64(scaled.numerator)


class Columns:
    """One question's answer over the rows: numbers as int64 columns, bools as bool columns."""

    def __init__(self, answer, n: int):
        def col(v):
            return v if type(v) is np.ndarray and v.shape == (n,) else np.broadcast_to(np.asarray(v), (n,))

        self.feasible = [col(f) for f in answer.feasible]
        self.any = col(answer.any_feasible)
        self.optima = {name: tuple(col(f) for f in (o.value, o.closed, o.bounded))
                       for name in ("least_added", "low", "high", "left")
                       if (o := getattr(answer, name)) is not None}

    def mask(self) -> np.ndarray:
        """The feasible combinations of each row, as the bits of an int64."""
        bits = np.zeros(self.any.shape, dtype=np.int64)
        for k, f in enumerate(self.feasible):
            bits |= f.astype(np.int64) << k
        return bits


def _answers(form: ClosedForm, scale: int, x, done, has_dec, dec, questions=QUESTIONS) -> dict:
    n = len(has_dec)
    answers = form.program.evaluate(IntOps(scale), Inputs(tuple(x.T), tuple(done.T), has_dec, dec), questions)
    return {q: Columns(a, n) for q, a in answers.items()}


STATUS_QUESTIONS = (("none", True), ("none", False), ("both", False))  # what the status and its amounts need


def statuses(form: ClosedForm, scale: int, x, done, has_dec, dec, questions=QUESTIONS) -> tuple[np.ndarray, dict]:
    """Each row's status code (as `fast.decide` reaches it) and the `questions`' answers (at least
    `STATUS_QUESTIONS`; the options need all of `fast.QUESTIONS`)."""
    a = _answers(form, scale, x, done, has_dec, dec, questions)
    finished, staged, more = a[("none", True)].any, a[("none", False)].any, a[("both", False)].any
    status = np.full(len(has_dec), MISSING, dtype=np.int8)
    conflict = ~more
    if has_dec.any():  # a decided length that is what makes it impossible
        free = _answers(form, scale, x, done, np.zeros_like(has_dec), dec, (("none", False),))
        conflict = conflict | (has_dec & free[("none", False)].any)
    status[conflict] = CONFLICT
    status[staged] = INTERNSHIP
    status[finished] = SATISFIED
    return status, a


class Table:
    """The rows of one requirement: their facts (for the internships' qualifiers) and their integer columns."""

    def __init__(self, form: ClosedForm, scale: int, facts: list[Facts], x: np.ndarray, done: np.ndarray,
                 has_dec: np.ndarray, dec: np.ndarray):
        self.form, self.scale, self.facts = form, scale, facts
        self.x, self.done, self.has_dec, self.dec = x, done, has_dec, dec
        self._fractions: dict[int, Fraction] = {}
        self._selections: dict[int, frozenset[str]] = {}
        self._internships: dict[tuple, Internship] = {}  # the same internship, the same object

    def fraction(self, scaled: int) -> Fraction:
        if scaled not in self._fractions:
            self._fractions[scaled] = Fraction(scaled, self.scale)
        return self._fractions[scaled]

    def bound(self, value: int, closed: bool, bounded: bool) -> Bound:
        """An optimum from its (value, closed, bounded) in 1/`scale` month."""
        return Bound(self.fraction(value) if bounded else None, bool(closed))

    def selection(self, mask: int) -> frozenset[str]:
        if mask not in self._selections:
            n = len(self.form.plan.combinations)
            self._selections[mask] = selection(self.form.plan, tuple(bool(mask >> k & 1) for k in range(n)))
        return self._selections[mask]

    def outcomes(self, registry: "Registry", with_options: bool = True) -> list[Outcome | None]:
        """Each row's `Outcome`, as `fast.decide` gives it, made from `found`; None for a conflict (the
        solver explains it)."""
        found = self.found(registry, with_options)
        kept, place = found.kept() if with_options else (None, None)
        made: list[Outcome | None] = []
        for i, s in enumerate(found.status.tolist()):
            options = ()
            if with_options and s in (INTERNSHIP, MISSING):
                order = sorted((int(place[i, c]), c) for c in np.flatnonzero(kept[i]).tolist())
                options = tuple(self._option(found.options[c], CANDIDATES[c][0], i, registry) for _, c in order)
            if s == SATISFIED or s == INTERNSHIP:
                made.append(Outcome(STATUSES[s], registry.items[found.internship[i]] if s == INTERNSHIP else None,
                                    ZERO, False, options, self.selection(int(found.mask[i])), ()))
            elif s == MISSING:
                made.append(Outcome("missing", None, self.fraction(int(found.least[i])), not found.closed[i],
                                    options, frozenset(), ()))
            elif with_options:
                made.append(None)
            else:  # a conflict as `fast.decide` gives it, without its core
                made.append(Outcome("conflict", None, ZERO, False, (), frozenset(), ()))
        return made

    def _option(self, candidate: tuple, kind: str, i: int, registry: "Registry") -> Option:
        _, months, strict, status, internship = (c[i] for c in candidate)
        return Option(kind, self.fraction(int(months)), bool(strict), STATUSES[status],
                      registry.items[internship] if internship >= 0 else None)

    def _internship(self, i: int, mask: int, optima: list) -> Internship:
        """Row `i`'s internship from its feasible combinations and its (value, closed, bounded) optima."""
        facts = self.facts[i]
        key = (mask, *optima, *facts.done.values(), facts.decision)
        internship = self._internships.get(key)
        if internship is None:
            plan, selected = self.form.plan, self.selection(mask)
            stages = [s for bs, ss in zip(plan.branches, plan.stages) for b, s in zip(bs, ss)
                      if b.key in selected and s is not None]
            low, high, left = (self.bound(*optima[j:j + 3]) for j in (0, 3, 6))
            internship = self._internships[key] = internship_of(stages, facts, low, high, left)
        return internship

    def _sub(self, index: np.ndarray, x: np.ndarray) -> "Table":
        """The table of the rows `index`, their experience columns replaced by `x` (memos shared)."""
        table = Table(self.form, self.scale, Subset(self.facts, index.tolist()), x, self.done[index],
                      self.has_dec[index], self.dec[index])
        table._fractions, table._selections, table._internships = self._fractions, self._selections, self._internships
        return table

    def found(self, registry: "Registry", with_options: bool = True) -> "Found":
        """The rows' answers as columns (`Found`), what `outcomes` gives as objects."""
        status, a = statuses(self.form, self.scale, self.x, self.done, self.has_dec, self.dec,
                             QUESTIONS if with_options else STATUS_QUESTIONS)
        n = len(status)
        staged = a[("none", False)]
        mask = np.where(status == SATISFIED, a[("none", True)].mask(), np.where(status == INTERNSHIP, staged.mask(), 0))
        least, closed, _ = a[("both", False)].optima["least_added"]
        internship = self._internship_ids(staged, status == INTERNSHIP, registry)
        options = self._candidates(a, status, internship, registry) if with_options else None
        return Found(status, np.broadcast_to(mask, (n,)), np.broadcast_to(least, (n,)),
                     np.broadcast_to(closed, (n,)), internship, options)

    def _candidates(self, a: dict, status: np.ndarray, internship: np.ndarray, registry: "Registry") -> list:
        """The candidate options of each row (`CANDIDATES`: present, months, strict, status once done,
        internship once done), as `fast._options` makes them before keeping the minimal ones. The files
        completed by each addition are answered together, in one table."""
        n = len(status)
        wanted = (status == INTERNSHIP) | (status == MISSING)
        zero, no = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
        options = [(status == INTERNSHIP, zero, no, np.full(n, INTERNSHIP, dtype=np.int8), internship)]
        added = []  # (rows, experience columns once completed) of each candidate
        for kind, mode, category, _ in OPTION_KINDS:
            for todo_zero in (True, False):
                answer = a[(mode, todo_zero)]
                value, closed, _ = (np.broadcast_to(c, (n,)) for c in answer.optima["least_added"])
                present = wanted & answer.any & ~((value == 0) & closed)
                after = np.flatnonzero(present & closed)
                x = self.x[after].copy()
                x[:, CATEGORIES.index(category)] += value[after]
                added.append((after, x))
                then = np.full(n, SATISFIED if todo_zero else INTERNSHIP, dtype=np.int8)
                options.append((present, value, ~closed, then, np.full(n, -1, dtype=np.int64)))
        index = np.concatenate([after for after, _ in added])
        if len(index):
            done = self._sub(index, np.concatenate([x for _, x in added])).found(registry, with_options=False)
            start = 0
            for (after, _), (present, _, _, then, then_internship) in zip(added, options[1:]):
                end = start + len(after)
                then[after], then_internship[after] = done.status[start:end], done.internship[start:end]
                start = end
        return options

    def _internship_ids(self, staged: Columns, rows: np.ndarray, registry: "Registry") -> np.ndarray:
        """The registry ids of the internships of `rows` (-1 elsewhere), each made once per distinct key."""
        ids = np.full(len(rows), -1, dtype=np.int64)
        index = np.flatnonzero(rows)
        if not len(index):
            return ids
        mask = staged.mask()
        optima = [np.broadcast_to(c, rows.shape) for k in ("low", "high", "left") for c in staged.optima[k]]
        first, inverse = alike([mask[index]] + [c[index].astype(np.int64) for c in optima]
                               + [self.done[index, j] for j in range(self.done.shape[1])]
                               + [self.has_dec[index].astype(np.int64), self.dec[index]])
        made = [registry.id(self._internship(i, int(mask[i]), [c[i].item() for c in optima]))
                for i in index[first].tolist()]
        ids[index] = np.array(made, dtype=np.int64)[inverse]
        return ids


class Subset:
    """Some rows of a sequence, by index (without copying what they hold)."""

    def __init__(self, items, index: list[int]):
        self.items, self.index = items, index

    def __getitem__(self, i: int):
        return self.items[self.index[i]]

    def __len__(self) -> int:
        return len(self.index)


# ---------------------------------------------------------------- answers as columns (no object per row)

STRENGTH = {"internship": 0, "experience_any_field": 1, "experience_in_field": 2}  # as values.minimal_options
RESULT = np.array([1, 0, -1, -1], dtype=np.int8)  # by status code, as values.minimal_options ranks them
CANDIDATES = (("internship", None, None),) + tuple((kind, mode, todo_zero) for kind, mode, _, _ in OPTION_KINDS
                                                   for todo_zero in (True, False))


class Registry:
    """The internships met, each with an id: equal internships, the same id (so rows compare as integers)."""

    def __init__(self):
        self.ids: dict[Internship, int] = {}
        self.items: list[Internship] = []

    def id(self, internship: Internship) -> int:
        found = self.ids.get(internship)
        if found is None:
            found = self.ids[internship] = len(self.items)
            self.items.append(internship)
        return found


class Found:
    """A requirement's answers over the rows, as columns: `status` (codes), `mask` (the feasible combinations
    the pathways retained are read from: 0 for `missing`), `least` and `closed` (the experience missing),
    `internship` (registry ids, -1 for none) and, with the options, one column set per candidate option
    (`CANDIDATES`): present, months, strict, status, internship."""

    def __init__(self, status, mask, least, closed, internship, options=None):
        self.status, self.mask, self.least, self.closed, self.internship = status, mask, least, closed, internship
        self.options = options

    def kept(self) -> tuple[np.ndarray, np.ndarray]:
        """`values.minimal_options` column-wise: for each candidate, whether it is kept, and its place
        among those kept (-1 where not kept)."""
        present, months, strict, status, internship = (np.stack(c, axis=1) for c in zip(*self.options))
        n, k = present.shape
        result = RESULT[status]
        strength = [STRENGTH[c[0]] for c in CANDIDATES]

        def equal(a, b):
            return ((strength[a] == strength[b]) & (months[:, a] == months[:, b]) & (strict[:, a] == strict[:, b])
                    & (status[:, a] == status[:, b]) & (internship[:, a] == internship[:, b]))

        kept = present & (result >= 0)
        for b in range(k):
            for a in range(k):
                if a != b and strength[a] <= strength[b]:
                    kept[:, b] &= ~(present[:, a] & (months[:, a] <= months[:, b])
                                    & (result[:, a] >= result[:, b]) & ~equal(a, b))
        unique = kept.copy()
        for b in range(k):
            for a in range(b):
                unique[:, b] &= ~(kept[:, a] & equal(a, b))
        place = np.zeros((n, k), dtype=np.int64)
        for b in range(k):
            for a in range(k):
                if a != b:
                    before = (months[:, a] < months[:, b]) | ((months[:, a] == months[:, b])
                                                              & ((strength[a], a) < (strength[b], b)))
                    place[:, b] += unique[:, a] & before
        return unique, np.where(unique, place, -1)


def alike(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows alike in every (integer) column: the first row of each kind, and each row's kind. The columns
    are packed into one integer code (a column's values over a small range by arithmetic, others by
    their rank), renumbered before it could overflow."""
    code, span = np.zeros(len(columns[0]), dtype=np.int64), 1
    for column in columns:
        low, high = int(column.min()), int(column.max())
        if low == high:
            continue
        if high - low < 1 << 20:
            digits, size = column - low, high - low + 1
        else:
            values, digits = np.unique(column, return_inverse=True)
            digits, size = digits.reshape(-1), len(values)
        if span * size >= 1 << 62:
            values, code = np.unique(code, return_inverse=True)
            code, span = code.reshape(-1), len(values)
        code, span = code * size + digits, span * size
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)
