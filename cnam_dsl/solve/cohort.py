"""A whole cohort at once: the proved closed form run on NumPy arrays (status, internship bounds, missing months).

Each candidate is a row of aggregated months (one column per category of
`model.CATEGORIES`, one per kind of internship done, the decided length or
NaN). The closed form's program (`fast.Program`, the one the proof is about)
is evaluated column-wise in float64. Floats are exact here when every number
is a multiple of 2⁻²⁰ below 2³⁰ (whole months, halves, quarters...): rows with
other numbers, outside the proved domain, or whose answer is a conflict are
answered one by one by the engine (exact arithmetic, or the solver).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..language.model import CATEGORIES
from .fast import ClosedForm, Inputs
from .values import DONE_KEYS, Facts

STATUSES = ("satisfied", "internship", "missing", "conflict")
GRID = 2.0**20  # floats are exact on multiples of 1/GRID of moderate size
LIMIT = 2.0**30


class ArrayOps:
    """The closed form's operations on float64 and bool arrays."""

    true, false = np.bool_(True), np.bool_(False)

    def const(self, value: Fraction):
        return float(value)

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

    def ite(self, c, a, b):
        return np.where(c, a, b)


def _exact_rows(values: np.ndarray) -> np.ndarray:
    """Rows whose every number is a non-negative multiple of 1/GRID below LIMIT (float arithmetic exact)."""
    scaled = values * GRID
    ok = np.isfinite(values) & (values >= 0) & (values < LIMIT) & (scaled == np.floor(scaled))
    return ok.all(axis=1)


def evaluate(form: ClosedForm, experience: np.ndarray, done: np.ndarray, decision: np.ndarray) -> dict:
    """Status code (index into STATUSES), internship min/max (NaN: none), missing months, and `exact`
    (False: this row must be answered one by one) for each row.

    `experience`: (n, 12) months per category; `done`: (n, 4) per values.DONE_KEYS; `decision`: (n,) or NaN.
    Rows without a decided length run the program with that input fixed (`Program.undecided`).
    """
    denominator = form.plan.denominator  # the rules' own numbers must be on the grid too
    plan_ok = denominator <= GRID and denominator & (denominator - 1) == 0
    has_dec = ~np.isnan(decision)
    dec = np.where(has_dec, decision, 0.0)
    exact = _exact_rows(np.hstack([experience, done, dec[:, None]])) & plan_ok
    result = {"status": np.zeros(len(decision), dtype=np.int8), "min_months": np.full(len(decision), np.nan),
              "max_months": np.full(len(decision), np.nan), "missing_months": np.zeros(len(decision))}
    for rows, program in ((~has_dec, form.undecided), (has_dec, form.program)):
        if rows.all():
            part = _evaluate(form, program, experience, done, has_dec, dec)
        elif rows.any():
            part = _evaluate(form, program, experience[rows], done[rows], has_dec[rows], dec[rows])
        else:
            continue
        for k, v in part.items():
            if rows.all():
                result[k] = v
            else:
                result[k][rows] = v
    result["exact"] = exact & (result["status"] != 3)
    return result


def _evaluate(form: ClosedForm, program, experience, done, has_dec, dec) -> dict:
    ops = ArrayOps()
    x = tuple(experience[:, i] for i in range(experience.shape[1]))
    d = tuple(done[:, i] for i in range(done.shape[1]))
    n = program.combinations
    done_, staged, more = (program.outputs[q] for q in (("none", True), ("none", False), ("both", False)))
    # Only what the status and the amounts need: any feasible, least and most length, least addition.
    wanted = [done_[n], staged[n], staged[n + 1], staged[n + 2], staged[n + 4], staged[n + 6], more[n], more[n + 1]]
    v = program.values(ops, Inputs(x, d, has_dec, dec), wanted)
    finished, possible, staged_ok = (np.broadcast_to(v[i], has_dec.shape) for i in (done_[n], more[n], staged[n]))
    internship = ~finished & staged_ok
    conflict = ~finished & ~internship & ~possible
    if has_dec.any():  # a decided length that is what makes it impossible
        free = form.undecided
        undecided = free.values(ops, Inputs(x, d, False, dec), [free.outputs[("none", False)][n]])
        conflict |= ~finished & ~internship & has_dec & undecided[free.outputs[("none", False)][n]]
    status = np.select([finished, internship, conflict], [0, 1, 3], default=2).astype(np.int8)
    low = np.where(internship & v[staged[n + 2]], v[staged[n + 1]], np.nan)
    high = np.where(internship & v[staged[n + 6]], v[staged[n + 4]], np.nan)
    missing = np.where(status == 2, v[more[n + 1]], 0.0)
    return {"status": status, "min_months": low, "max_months": high, "missing_months": missing}


def facts_of_row(experience_row, done_row, decision) -> Facts:
    """The engine's facts for one row (to answer it one by one)."""
    return Facts({c: float(v) for c, v in zip(CATEGORIES, experience_row) if v},
                 {k: float(v) for k, v in zip(DONE_KEYS, done_row)},
                 None if np.isnan(decision) else float(decision))


def evaluate_parallel(form: ClosedForm, experience, done, decision, threads: int = 2, chunk: int = 65536) -> dict:
    """`evaluate` over chunks of rows on several threads (NumPy releases the GIL), results in order."""
    from concurrent.futures import ThreadPoolExecutor

    starts = range(0, len(decision), chunk)
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda s: evaluate(form, experience[s:s + chunk], done[s:s + chunk],
                                                 decision[s:s + chunk]), starts))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]} if parts else {}
