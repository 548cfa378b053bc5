"""Many candidates of one requirement at once: `fast.decide` column-wise, in exact integers (no Z3 here).

A table is a batch of candidates asking the same requirement (sources ×
diploma × milestone × day), each a row of aggregated months: one column per
category of `model.CATEGORIES`, one per kind of internship done
(`values.DONE_KEYS`), the decided length. Every number is an integer count
of 1/`scale` month, so the proved program (`fast.Program`, the one the
proof is about) runs on int64 columns exactly, every question it answers in
one pass. `outcomes` turns the columns back into the engine's `Outcome`
values, the same ones `fast.decide` gives one candidate at a time; a row whose
answer is a conflict gets None (its explanation is Z3's unsat core: the
engine answers it).
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction

import numpy as np

from .cohort import ArrayOps
from .fast import QUESTIONS, ClosedForm, Inputs, selection
from .values import (
    DONE_KEYS, OPTION_KINDS, Bound, Facts, Internship, Option, Outcome, internship_of, minimal_options,
)
from ..model import CATEGORIES

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
            return np.broadcast_to(np.asarray(v), (n,))

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


def statuses(form: ClosedForm, scale: int, x, done, has_dec, dec) -> tuple[np.ndarray, dict]:
    """Each row's status code (as `fast.decide` reaches it) and the questions' answers."""
    a = _answers(form, scale, x, done, has_dec, dec)
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

    def bound(self, columns: list[list], i: int) -> Bound:
        """An optimum of row `i` from its (value, closed, bounded) columns."""
        value, closed, bounded = (c[i] for c in columns)
        return Bound(self.fraction(value) if bounded else None, bool(closed))

    def selection(self, mask: int) -> frozenset[str]:
        if mask not in self._selections:
            n = len(self.form.plan.combinations)
            self._selections[mask] = selection(self.form.plan, tuple(bool(mask >> k & 1) for k in range(n)))
        return self._selections[mask]

    def outcomes(self, with_options: bool = True) -> list[Outcome | None]:
        """Each row's `Outcome`, as `fast.decide` gives it; None for a conflict (the solver explains it)."""
        status, a = statuses(self.form, self.scale, self.x, self.done, self.has_dec, self.dec)
        internships = self._internships_of(a[("none", False)], status == INTERNSHIP)
        options = self._options(a, status, internships) if with_options else None
        more = a[("both", False)].optima["least_added"]
        satisfied_mask = a[("none", True)].mask().tolist()
        staged_mask = a[("none", False)].mask().tolist()
        least, closed = more[0].tolist(), more[1].tolist()
        found: list[Outcome | None] = []
        for i, s in enumerate(status.tolist()):
            kept = options[i] if options is not None else ()
            if s == SATISFIED:
                found.append(Outcome("satisfied", None, ZERO, False, (), self.selection(satisfied_mask[i]), ()))
            elif s == INTERNSHIP:
                found.append(Outcome("internship", internships[i], ZERO, False, kept,
                                     self.selection(staged_mask[i]), ()))
            elif s == MISSING:
                found.append(Outcome("missing", None, self.fraction(least[i]), not closed[i], kept,
                                     frozenset(), ()))
            elif with_options:
                found.append(None)
            else:  # a conflict as `fast.decide` gives it, without its core
                found.append(Outcome("conflict", None, ZERO, False, (), frozenset(), ()))
        return found

    def _internships_of(self, staged: Columns, rows: np.ndarray) -> list:
        """The internship of the rows whose status is `internship` (None elsewhere)."""
        found = [None] * len(rows)
        if not rows.any():
            return found
        plan = self.form.plan
        mask = staged.mask().tolist()
        optima = [c.tolist() for k in ("low", "high", "left") for c in staged.optima[k]]
        for i in np.flatnonzero(rows).tolist():
            facts = self.facts[i]
            key = (mask[i], *(c[i] for c in optima), *facts.done.values(), facts.decision)
            internship = self._internships.get(key)
            if internship is None:
                selected = self.selection(mask[i])
                stages = [s for bs, ss in zip(plan.branches, plan.stages) for b, s in zip(bs, ss)
                          if b.key in selected and s is not None]
                low, high, left = (self.bound(optima[j:j + 3], i) for j in (0, 3, 6))
                internship = self._internships[key] = internship_of(stages, facts, low, high, left)
            found[i] = internship
        return found

    def _options(self, a: dict, status: np.ndarray, internships: list) -> list[tuple[Option, ...]]:
        """As `fast._options`, for the rows whose status is `internship` or `missing` (the options are
        compared in 1/`scale` month, exactly as in months)."""
        n = len(status)
        wanted = (status == INTERNSHIP) | (status == MISSING)
        found: list[list[Option]] = [[] for _ in range(n)]
        for i in np.flatnonzero(status == INTERNSHIP).tolist():
            found[i].append(Option("internship", 0, False, "internship", internships[i]))
        for kind, mode, category, _ in OPTION_KINDS:
            column = CATEGORIES.index(category)
            for todo_zero in (True, False):
                answer = a[(mode, todo_zero)]
                value, closed, _ = answer.optima["least_added"]
                rows = wanted & answer.any & ~((value == 0) & closed)
                if not rows.any():
                    continue
                then = self._after(rows & closed, column, value)
                values, closes = value.tolist(), closed.tolist()
                for i in np.flatnonzero(rows).tolist():
                    if closes[i]:
                        status_i, internship = then[i].status, then[i].internship
                    else:
                        status_i, internship = ("satisfied" if todo_zero else "internship"), None
                    found[i].append(Option(kind, values[i], not closes[i], status_i, internship))
        return [tuple(replace(o, months=self.fraction(o.months)) for o in minimal_options(f)) if f else ()
                for f in found]

    def _after(self, rows: np.ndarray, column: int, added: np.ndarray) -> dict[int, Outcome]:
        """The outcome (without options) of the rows once `added` is added to one category. (Their facts
        serve the internships' qualifiers: internships done and decided length, which the addition
        leaves alone.)"""
        index = np.flatnonzero(rows)
        if not len(index):
            return {}
        x = self.x[index].copy()
        x[:, column] += added[index]
        facts = [self.facts[i] for i in index.tolist()]
        table = Table(self.form, self.scale, facts, x, self.done[index], self.has_dec[index], self.dec[index])
        table._fractions, table._selections, table._internships = self._fractions, self._selections, self._internships
        return dict(zip(index.tolist(), table.outcomes(with_options=False)))


def columns_of(facts: list[Facts], scaled: list[tuple[list[int], list[int], int | None]]):
    """The integer columns of rows given as (months per category, internships done, decided length or None),
    already scaled."""
    n = len(facts)
    x = np.array([r[0] for r in scaled], dtype=np.int64).reshape(n, len(CATEGORIES))
    done = np.array([r[1] for r in scaled], dtype=np.int64).reshape(n, len(DONE_KEYS))
    has_dec = np.array([r[2] is not None for r in scaled], dtype=bool)
    dec = np.array([r[2] or 0 for r in scaled], dtype=np.int64)
    return x, done, has_dec, dec
