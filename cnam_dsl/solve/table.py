"""Many candidates of one requirement at once: the proved program's decision on int64 columns (no Z3 here).

A table is a batch of candidates asking the same requirement (sources ×
diploma × milestone × day), each a row of aggregated months: one column per
category of `model.CATEGORIES`, one per kind of internship done
(`model.DONE_KEYS`), the decided length. Every number is an integer count of
1/`scale` month, so the program (`program.Program`, the one the proof is
about) runs its decision (`closed_form.decision`, the statement `scalar`
runs for one candidate) on int64 columns exactly. `found` gives the answers
as columns (`Found`); `outcomes` turns them into the engine's `Outcome`
values, the same ones `scalar.decide` gives one candidate at a time; a row
whose answer is a conflict gets None (its explanation is Z3's unsat core: the
engine answers it).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..language.model import CATEGORIES
from .closed_form import OPTIONS, STATUSES, Inputs
from .program import ClosedForm
from .scalar import retained, stages_of
from .values import RESULT, STRENGTH, Bound, Internship, Option, Outcome, internship_of, kept_options

SATISFIED, INTERNSHIP, MISSING, CONFLICT = range(4)
MAX_SCALE = 10**9  # beyond, int64 columns could overflow: the engine answers one by one
ZERO = Fraction(0)
# The candidate options of a row, in the order `scalar._options` considers them: the internship of the
# answer itself, then `closed_form.OPTIONS`.
CANDIDATES = (("internship", None, None, None),) + OPTIONS


def scale_of(form: ClosedForm, denominator: int) -> int | None:
    """The common denominator of the rules' numbers and the candidates' (`denominator`), if small enough."""
    scale = math.lcm(form.plan.denominator, denominator)
    return scale if scale <= MAX_SCALE else None


class ColumnOps:
    """The program's operations on int64 and bool columns, constants scaled to 1/`scale` month."""

    true, false = np.bool_(True), np.bool_(False)

    def __init__(self, scale: int):
        self.scale = scale

    def const(self, value: Fraction):
        scaled = value * self.scale
        assert scaled.denominator == 1, "the scale is a multiple of every constant's denominator"
        return np.int64(scaled.numerator)

    def code(self, value: int):
        return np.int64(value)

    add = staticmethod(np.add)
    sub = staticmethod(np.subtract)
    max = staticmethod(np.maximum)
    min = staticmethod(np.minimum)
    ge = staticmethod(np.greater_equal)
    gt = staticmethod(np.greater)
    eq = staticmethod(np.equal)
    and_ = staticmethod(np.logical_and)
    or_ = staticmethod(np.logical_or)
    not_ = staticmethod(np.logical_not)

    @staticmethod
    def ite(c, a, b):
        return np.where(c, a, b)


class Table:
    """The rows of one requirement: their facts (for the internships' qualifiers) and their integer columns."""

    def __init__(self, form: ClosedForm, scale: int, facts, x: np.ndarray, done: np.ndarray,
                 has_dec: np.ndarray, dec: np.ndarray):
        self.form, self.scale, self.facts = form, scale, facts
        self.x, self.done, self.has_dec, self.dec = x, done, has_dec, dec
        self._fractions: dict[int, Fraction] = {}
        self._internships: dict[tuple, Internship] = {}  # the same internship, the same object

    def fraction(self, scaled: int) -> Fraction:
        if scaled not in self._fractions:
            self._fractions[scaled] = Fraction(scaled, self.scale)
        return self._fractions[scaled]

    def bound(self, value: int, closed: bool, bounded: bool) -> Bound:
        """An optimum from its (value, closed, bounded) in 1/`scale` month."""
        return Bound(self.fraction(value) if bounded else None, bool(closed))

    def decision(self, options: bool = True):
        """The program's decision for every row (`closed_form.Decision` of columns), and a function making a
        value a column."""
        n = len(self.has_dec)
        d = self.form.program.decide(ColumnOps(self.scale), Inputs(tuple(self.x.T), tuple(self.done.T),
                                                                   self.has_dec, self.dec), options)

        def col(v):
            return v if type(v) is np.ndarray and v.shape == (n,) else np.broadcast_to(np.asarray(v), (n,))

        return d, col

    def found(self, registry: "Registry", with_options: bool = True) -> "Found":
        """The rows' answers as columns (`Found`)."""
        d, col = self.decision(with_options)
        status = col(d.status).astype(np.int8)
        combination = col(d.combination).astype(np.int64)
        optima = [col(f) for o in (d.low, d.high, d.left) for f in (o.value, o.closed, o.bounded)]
        internship = self._internship_ids(status == INTERNSHIP, combination, optima, registry)
        options = self._candidates(d, col, status, internship, registry) if with_options else None
        return Found(status, combination, col(d.least.value), col(d.least.closed), internship, options)

    def outcomes(self, registry: "Registry", with_options: bool = True) -> list[Outcome | None]:
        """Each row's `Outcome`, as `scalar.decide` gives it, made from `found`; None for a conflict (the
        solver explains it)."""
        found = self.found(registry, with_options)
        kept, place = found.kept() if with_options else (None, None)
        plan = self.form.plan
        made: list[Outcome | None] = []
        for i, s in enumerate(found.status.tolist()):
            options = ()
            if with_options and s in (INTERNSHIP, MISSING):
                order = sorted((int(place[i, c]), c) for c in np.flatnonzero(kept[i]).tolist())
                options = tuple(self._option(found.options[c], CANDIDATES[c][0], i, registry) for _, c in order)
            if s == SATISFIED or s == INTERNSHIP:
                made.append(Outcome(STATUSES[s], registry.items[found.internship[i]] if s == INTERNSHIP else None,
                                    ZERO, False, options, retained(plan, int(found.combination[i])), ()))
            elif s == MISSING:
                made.append(Outcome("missing", None, self.fraction(int(found.least[i])), not found.closed[i],
                                    options, frozenset(), ()))
            elif with_options:
                made.append(None)
            else:  # a conflict as `scalar.decide` gives it, without its core
                made.append(Outcome("conflict", None, ZERO, False, (), frozenset(), ()))
        return made

    def _option(self, candidate: tuple, kind: str, i: int, registry: "Registry") -> Option:
        _, months, strict, status, internship = (c[i] for c in candidate)
        return Option(kind, self.fraction(int(months)), bool(strict), STATUSES[status],
                      registry.items[internship] if internship >= 0 else None)

    def _internship(self, i: int, combination: int, optima: list) -> Internship:
        """Row `i`'s internship from its combination and its (value, closed, bounded) optima."""
        facts = self.facts[i]
        key = (combination, *optima, *facts.done.values(), facts.decision)
        internship = self._internships.get(key)
        if internship is None:
            low, high, left = (self.bound(*optima[j:j + 3]) for j in (0, 3, 6))
            internship = internship_of(stages_of(self.form.plan, combination), facts, low, high, left)
            self._internships[key] = internship
        return internship

    def _sub(self, index: np.ndarray, x: np.ndarray) -> "Table":
        """The table of the rows `index`, their experience columns replaced by `x` (memos shared)."""
        table = Table(self.form, self.scale, Subset(self.facts, index.tolist()), x, self.done[index],
                      self.has_dec[index], self.dec[index])
        table._fractions, table._internships = self._fractions, self._internships
        return table

    def _candidates(self, d, col, status: np.ndarray, internship: np.ndarray, registry: "Registry") -> list:
        """The candidate options of each row (`CANDIDATES`: present, months, strict, status once done,
        internship once done), as `scalar._options` makes them before keeping the minimal ones. The files
        completed by each addition are answered together, in one table."""
        n = len(status)
        zero = np.zeros(n, dtype=np.int64)
        options = [(status == INTERNSHIP, zero, np.zeros(n, dtype=bool), np.full(n, INTERNSHIP, dtype=np.int8),
                    internship)]
        added = []  # (rows, experience columns once completed) of each candidate
        for (_, _, category, todo_zero), (present, least) in zip(OPTIONS, d.options):
            present, value, closed = col(present), col(least.value), col(least.closed)
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
            for (after, _), (_, _, _, then, then_internship) in zip(added, options[1:]):
                end = start + len(after)
                then[after], then_internship[after] = done.status[start:end], done.internship[start:end]
                start = end
        return options

    def _internship_ids(self, rows: np.ndarray, combination: np.ndarray, optima: list,
                        registry: "Registry") -> np.ndarray:
        """The registry ids of the internships of `rows` (-1 elsewhere), each made once per distinct key."""
        ids = np.full(len(rows), -1, dtype=np.int64)
        index = np.flatnonzero(rows)
        if not len(index):
            return ids
        first, inverse = alike([combination[index]] + [c[index].astype(np.int64) for c in optima]
                               + [self.done[index, j] for j in range(self.done.shape[1])]
                               + [self.has_dec[index].astype(np.int64), self.dec[index]])
        made = [registry.id(self._internship(i, int(combination[i]), [c[i].item() for c in optima]))
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

RESULT_CODES = np.array([RESULT[s] for s in STATUSES], dtype=np.int8)  # by status code


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
    """A requirement's answers over the rows, as columns: `status` (codes), `combination` (the combination of
    pathways retained, -1 for none), `least` and `closed` (the experience missing), `internship` (registry
    ids, -1 for none) and, with the options, one column set per candidate option (`CANDIDATES`): present,
    months, strict, status, internship."""

    def __init__(self, status, combination, least, closed, internship, options=None):
        self.status, self.combination, self.least, self.closed = status, combination, least, closed
        self.internship, self.options = internship, options

    def kept(self) -> tuple[np.ndarray, np.ndarray]:
        """`values.kept_options` column-wise: for each candidate, whether it is kept, and its place among
        those kept (-1 where not kept)."""
        present, months, strict, status, internship = zip(*self.options)
        strength = [STRENGTH[c[0]] for c in CANDIDATES]
        result = [RESULT_CODES[s] for s in status]
        k = len(CANDIDATES)
        same = [[(strength[a] == strength[b]) & (months[a] == months[b]) & (strict[a] == strict[b])
                 & (status[a] == status[b]) & (internship[a] == internship[b]) for b in range(k)] for a in range(k)]
        unique, place = kept_options(ColumnOps, strength, list(present), list(months), list(strict), result, same)
        unique = np.stack([np.broadcast_to(u, present[0].shape) for u in unique], axis=1)
        place = np.stack([np.broadcast_to(p, present[0].shape) for p in place], axis=1)
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
