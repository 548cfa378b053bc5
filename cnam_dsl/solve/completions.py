"""Every completion of an incomplete candidate file at once: the answers they can get, and what each unknown fact decides.

The answer of a completion is the proved program's decision
(`closed_form.decision`, the statement the engine runs) evaluated on its
counted facts: here on int64 columns (`table.ColumnOps`), one row per
completion tried, and on Z3 terms (`terms.Terms`) to make sure nothing was
missed. The layout of the completions (`candidate.unknown.Completions`) gives
each combination of the finite unknown facts (field, kind, level, report...)
its counted facts, and what each numeric unknown fact (months, a share, the
decided length) adds to which of them.

`explore` tries every combination of the finite facts, and for the numeric
ones the values where the answer can change: the bounds of their domain and
the rules' thresholds, floors and ceilings less what is already counted.
Each row gets its *kind* (status; for an internship the pathways retained,
whether a length is decided, its bounds) and its *key* (the kind and the amounts: missing
months, the decided length, the internship left to do). The replies to each
unknown fact (a value; a range of values for a number, cut where a threshold
falls) are mapped to the kinds seen.

With no numeric unknown, every completion was tried: the result is exact.
With some, Z3 certifies it: one query asks for a completion whose kind was
not seen for its reply to some fact (or whose amount lies outside the range
seen); each one found is added (evaluated on columns: the program is the
truth here too) until there is none. A fact no row shows changing the answer
is proved irrelevant by Z3 (two completions differing only in that fact,
with different answers, cannot exist), or found relevant by the pair Z3
gives. Most facts without effect need no query: the program reads the months
of experience only through the sums its thresholds count, and the internships
done only for the internships it asks; a fact whose every value leaves those
unchanged, whatever the other facts, cannot change the answer (`_Space.inert`).
Z3 is given a time limit here; a query it cannot settle in time leaves the
result said not certified, or the fact neither relevant nor irrelevant
(`unproved`), never a wrong claim. The callers confirm every witness with the
engine.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import z3

from ..candidate.unknown import CENTS, Completions, Contribution, done_keys
from ..language.model import CATEGORIES, DONE_KEYS
from .backend import Backend
from .values import SolverError
from .closed_form import Inputs
from .program import ClosedForm
from .scalar import exact_inputs
from .table import ColumnOps
from .terms import Terms

MAX_ROWS = 20_000  # completions tried on columns, at most (the numeric values are thinned beyond)
MAX_ROUNDS = 24  # completions Z3 may add before the result is said not certified
MAX_CERTIFIED = 256  # combinations of finite facts beyond which Z3 is not asked (the result says so)
PROOF_MS = 400  # each query proving that a fact cannot change the answer, at most
SATISFIED, INTERNSHIP, MISSING, CONFLICT = range(4)
ABSENT = "absent"  # the reply "no decision" to an unknown decided length
NO_VALUE = np.iinfo(np.int64).min  # the value of an unknown decided length when there is no decision (on columns)


@dataclass(frozen=True, slots=True)
class Row:
    """One completion: a combination of the finite facts (its index) and the hundredths each numeric fact
    adds (None: no decision)."""

    combination: int
    cents: tuple[int | None, ...]


@dataclass
class Exploration:
    """What the completions tried say. Facts are numbered finite first, then numeric (as in `Completions`).

    `rows[i]` has kind `kinds[i]`, key `keys[i]` and amount `amounts[i]` (missing months, or a decided
    length: what a kind's range is made of); the numbers in kinds, keys and amounts are integer counts of
    1/`scale` month (`months` reads them). `replies[f]` are the replies to fact `f` (a value's index, a
    range (low, high) of hundredths, or `ABSENT`) and `seen[f][r]` the kinds a reply allows. `relevant[f]`:
    whether the fact can change the answer; `unproved[f]`: the solver could not settle it in time (then
    `relevant[f]` is False, and the fact is not claimed irrelevant either). `certified`: every completion's
    kind is among those seen, and every amount within its kind's range."""

    completions: Completions
    scale: int = 1
    rows: list[Row] = field(default_factory=list)
    kinds: list[tuple] = field(default_factory=list)
    keys: list[tuple] = field(default_factory=list)
    amounts: list[Fraction | None] = field(default_factory=list)
    replies: list[list] = field(default_factory=list)
    seen: list[list[set]] = field(default_factory=list)
    relevant: list[bool] = field(default_factory=list)
    unproved: list[bool] = field(default_factory=list)
    certified: bool = True
    _digits: list = field(default_factory=list)
    _known: set = field(default_factory=set)
    _values: list = field(default_factory=list)  # per batch of rows added: each fact's value (int64, rows × facts)
    _key_ids: dict = field(default_factory=dict)  # each key met, numbered
    _keyed: list = field(default_factory=list)  # per batch of rows added: each row's key number

    def months(self, value: int | None) -> Fraction | None:
        """A number of the kinds, keys or amounts in months."""
        return None if value is None else Fraction(value, self.scale)

    def digits(self, combination: int) -> tuple[int, ...]:
        """The index of each finite fact's value in a combination."""
        if not self._digits:
            self._digits = [_digits(k, self.completions.values) for k in range(len(self.completions.bases))]
        return self._digits[combination]

    def rows_of(self, kind: tuple) -> list[int]:
        """The rows of a kind, in the order they were tried."""
        return [i for i, k in enumerate(self.kinds) if k == kind]

    def plainest(self, kind: tuple, count: int) -> list[int]:
        """The `count` rows of a kind with the plainest numbers: fewest numeric facts given (a decision
        absent), then fewest not whole years, fewest not whole months, the first combination, the smallest
        sum; in the order tried between equals."""
        rows = np.array(self.rows_of(kind), dtype=np.int64)
        cents = np.concatenate(self._values)[rows, len(self.completions.finite):]
        given = cents != NO_VALUE
        combination = np.array([self.rows[i].combination for i in rows.tolist()], dtype=np.int64)
        order = np.lexsort((rows, np.where(given, cents, 0).sum(axis=1), combination,
                            (given & (cents % 100 != 0)).sum(axis=1), (given & (cents % 1200 != 0)).sum(axis=1),
                            given.sum(axis=1)))
        return rows[order[:count]].tolist()

    def range_of(self, kind: tuple) -> tuple[Fraction, Fraction] | None:
        """The least and most amount over the rows of a kind, in months (None for a kind without amounts)."""
        amounts = [a for a, k in zip(self.amounts, self.kinds) if k == kind and a is not None]
        return (self.months(min(amounts)), self.months(max(amounts))) if amounts else None

    def possible(self) -> list[tuple]:
        """The kinds seen, in the order first met."""
        return list(dict.fromkeys(self.kinds))

    def reply_of(self, fact: int, row: Row):
        """The reply a completion gives to a fact."""
        c = self.completions
        if fact < len(c.finite):
            return self.digits(row.combination)[fact]
        value = row.cents[fact - len(c.finite)]
        if value is None:
            return ABSENT
        return next(r for r in self.replies[fact] if r != ABSENT and r[0] <= value <= r[1])


def explore(form: ClosedForm, completions: Completions, backend: Backend | None = None) -> Exploration:
    """The completions' answers, kinds and replies."""
    c = completions
    space = _Space(form, c)
    found = Exploration(c, space.scale)
    found.replies = [list(range(len(v))) for v in c.values] + [space.ranges(j) for j in range(len(c.numeric))]
    found.seen = [[set() for _ in replies] for replies in found.replies]
    space.add(found, space.sampled())
    found.unproved = [False] * len(found.replies)
    if not c.numeric:  # every completion was tried
        found.relevant = _evidence(found)
        return found
    backend = backend or Backend()
    symbolic = _Symbolic(space, backend) if len(c.bases) <= MAX_CERTIFIED else None
    try:
        found.certified = symbolic is not None and symbolic.certify(found)
    except SolverError:  # Z3 could not settle it in time: the kinds seen are not said to be all
        found.certified = False
    found.relevant = _evidence(found)
    proving = symbolic.with_backend(Backend(min(backend.timeout_ms, PROOF_MS))) if symbolic else None
    for fact, relevant in enumerate(found.relevant):
        if relevant or space.inert(fact) or (found.certified and _one_answer(found)):
            continue
        if proving is None or not found.certified:
            found.unproved[fact] = True
            continue
        try:
            pair = proving.changing(found, fact)
        except SolverError:
            found.unproved[fact] = True
            continue
        if pair:
            space.add(found, pair)
            found.relevant[fact] = True
    return found


def _one_answer(found: Exploration) -> bool:
    """Whether every completion has the same answer, once certified: one kind, which no amount qualifies
    (satisfied, a conflict) or whose amounts all certified equal (missing months)."""
    kinds = found.possible()
    if len(kinds) != 1:
        return False
    if kinds[0][0] in (SATISFIED, CONFLICT):
        return True
    return kinds[0][0] == MISSING and len(set(found.keys)) == 1


def _digits(index: int, values: tuple[tuple, ...]) -> tuple[int, ...]:
    """The index of each finite fact's value in a combination (`itertools.product` order)."""
    digits = []
    for size in reversed([len(v) for v in values]):
        index, digit = divmod(index, size)
        digits.append(digit)
    return tuple(reversed(digits))


def _radices(values: tuple[tuple, ...]) -> list[int]:
    sizes = [len(v) for v in values]
    return [math.prod(sizes[i + 1:]) for i in range(len(sizes))]


def _evidence(found: Exploration) -> list[bool]:
    """For each fact, whether two rows differing only in it have different keys: the rows grouped by their
    other facts' values, a group with two keys."""
    if not found.rows:
        return [False] * len(found.replies)
    values = np.concatenate(found._values)
    keys = np.concatenate(found._keyed)
    relevant = []
    for fact in range(values.shape[1]):
        others = np.delete(values, fact, axis=1)
        groups = np.unique(others, axis=0, return_inverse=True)[1].reshape(-1) if others.shape[1] else \
            np.zeros(len(keys), dtype=np.int64)
        pairs = np.unique(groups * len(found._key_ids) + keys)
        relevant.append(len(pairs) > len(np.unique(groups)))
    return relevant


# ---------------------------------------------------------------- rows on columns


class _Space:
    """The completions as the program reads them: each combination's facts as integers over one scale."""

    def __init__(self, form: ClosedForm, completions: Completions):
        self.form, self.c = form, completions
        plan = form.plan
        exact = [exact_inputs(plan, facts) for facts in completions.bases]
        self.scale = math.lcm(plan.denominator, CENTS, *(e.scale for e in exact))
        self.x = np.array([[v * (self.scale // e.scale) for v in e.x] for e in exact], dtype=np.int64)
        self.done = np.array([[v * (self.scale // e.scale) for v in e.done] for e in exact], dtype=np.int64)
        first = exact[0]
        self.has_decision, self.decision = first.has_decision, first.decision * (self.scale // first.scale)
        self.complement = first.complement * (self.scale // first.scale)
        self.duties, self.by_commission = first.duties, completions.bases[0].decided_by == "commission"
        self.thresholds = list({t for comb in plan.combinations for t in comb.thresholds} | {plan.professional})
        self.stages = list({s for comb in plan.combinations for s in comb.stages})

    # ------------------------------------------------------------ where the answer may change

    def cuts(self, j: int, combination: int) -> set[int]:
        """Hundredths added by numeric fact `j` where a comparison of the program may turn, in a combination."""
        contribution = self.c.contributions[combination][j]
        target = contribution.target
        if target is None:
            return set()
        found = set()
        if target[0] == "x":
            i = CATEGORIES.index(target[1])
            for t in self.thresholds:
                if i in t.categories:
                    counted = self.months(int(self.x[combination, list(t.categories)].sum()))
                    found.add(math.ceil((t.least - counted) * CENTS) if t.least is not None
                              else math.floor(-counted * CENTS) + 1)
        elif target[0] == "done":
            keys = done_keys(*target[1])
            for s in self.stages:
                if s.done in keys:
                    counted = self.months(int(self.done[combination, s.done]))
                    for level in (s.floor, s.standard, s.ceiling, self._decided()):
                        if level is not None:
                            found.add(math.ceil((level - counted) * CENTS))
        else:
            for s in self.stages:
                for level in (s.floor, s.standard):
                    if level is not None:
                        found.add(math.ceil(level * CENTS))
                if s.ceiling is not None:
                    found.add(math.floor(s.ceiling * CENTS) + 1)
                found.add(math.floor(self.months(int(self.done[combination, s.done])) * CENTS) + 1)
        return {v for v in found if contribution.low < v <= contribution.high}

    def months(self, units: int) -> Fraction:
        """A number of 1/`scale` month, in months."""
        return Fraction(units, self.scale)

    # ------------------------------------------------------------ facts without effect, by what the program reads

    def read(self, combination: int) -> tuple:
        """What the program reads of a combination's counted facts: the months each threshold counts, the
        internships done of each kind an internship of the rules asks."""
        counted = tuple(int(self.x[combination, list(t.categories)].sum()) for t in self.thresholds)
        return counted + tuple(int(self.done[combination, s.done]) for s in self.stages)

    def reaches(self, contribution: Contribution) -> tuple:
        """Which of the numbers the program reads a numeric fact's value adds to."""
        target = contribution.target
        if target is None:
            return ()
        if target[0] == "x":
            i = CATEGORIES.index(target[1])
            return ("x",) + tuple(i in t.categories for t in self.thresholds)
        if target[0] == "done":
            keys = done_keys(*target[1])
            return ("done",) + tuple(s.done in keys for s in self.stages)
        return ("decision",)

    def inert(self, fact: int) -> bool:
        """Whether a fact cannot change what the program reads, whatever the other facts: a finite one, if the
        combinations differing only in it count the same for every threshold and internship and send every
        numeric fact's value to the same of them; a numeric one, if its value reaches none of them."""
        c = self.c
        if fact >= len(c.finite):
            j = fact - len(c.finite)
            return all(self.reaches(cs[j])[:1] in ((), ("x",), ("done",)) and not any(self.reaches(cs[j])[1:])
                       for cs in c.contributions)
        groups: dict[tuple, set] = {}
        for k in range(len(c.bases)):
            digits = _digits(k, c.values)
            groups.setdefault(digits[:fact] + digits[fact + 1:], set()).add(
                (self.read(k), tuple(self.reaches(cs) for cs in c.contributions[k])))
        return all(len(seen) == 1 for seen in groups.values())

    def _decided(self) -> Fraction | None:
        return self.months(self.decision) if self.has_decision else None

    def ranges(self, j: int) -> list:
        """The replies to numeric fact `j`: ranges of hundredths cut where the answer may change, and
        `ABSENT` where a decision may be absent."""
        contributions = [cs[j] for cs in self.c.contributions]
        low = min(c.low for c in contributions)
        high = max(c.high for c in contributions)
        cuts = sorted(set().union(*(self.cuts(j, k) for k in range(len(contributions)))))
        starts = [low] + [v for v in cuts if v > low]
        ranges = [(a, b - 1) for a, b in zip(starts, starts[1:])] + [(starts[-1], high)]
        return ([ABSENT] if any(c.absent for c in contributions) else []) + ranges

    def sampled(self) -> list[Row]:
        """The completions tried first: every combination, and for the numeric facts the ends of each range
        and the values around each cut (their product, thinned to `MAX_ROWS` in all)."""
        rows = []
        n = len(self.c.bases)
        for k in range(n):
            choices = []
            for j, contribution in enumerate(self.c.contributions[k]):
                values = {contribution.low, contribution.high}
                for v in self.cuts(j, k):
                    values |= {v - 1, v, v + 1}
                values = sorted(v for v in values if contribution.low <= v <= contribution.high)
                choices.append(([None] if contribution.absent else []) + values)
            product = math.prod(len(v) for v in choices)
            if product * n <= MAX_ROWS:
                rows += [Row(k, cents) for cents in itertools.product(*choices)]
            else:  # each fact over its values, the others at their first and last
                for j, values in enumerate(choices):
                    for ends in (0, -1):
                        rows += [Row(k, tuple(v if i == j else choices[i][ends] for i in range(len(choices))))
                                 for v in values]
        return list(dict.fromkeys(rows))

    # ------------------------------------------------------------ the program's answers

    def add(self, found: Exploration, rows: list[Row]) -> None:
        """Evaluate rows and record their kinds, keys, amounts and replies."""
        rows = [r for r in dict.fromkeys(rows) if r not in found._known]
        if not rows:
            return
        made = self.answers(rows)
        for row, (kind, key, amount) in zip(rows, made):
            found._known.add(row)
            found.rows.append(row)
            found.kinds.append(kind)
            found.keys.append(key)
            found.amounts.append(amount)
        values, replies = self.replies_of(found, rows)
        kinds = list(dict.fromkeys(kind for kind, _, _ in made))
        kind_of = np.array([kinds.index(kind) for kind, _, _ in made], dtype=np.int64)
        for fact in range(values.shape[1]):
            for pair in np.unique(replies[:, fact] * len(kinds) + kind_of).tolist():
                found.seen[fact][pair // len(kinds)].add(kinds[pair % len(kinds)])
        found._values.append(values)
        found._keyed.append(np.array([found._key_ids.setdefault(key, len(found._key_ids)) for _, key, _ in made],
                                     dtype=np.int64))

    def replies_of(self, found: Exploration, rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
        """Each row's value of each fact (a finite fact's index, a numeric fact's hundredths, `NO_VALUE` for no
        decision) and the index of its reply among the fact's (`Exploration.reply_of`, on columns)."""
        c = self.c
        digits = np.array([found.digits(row.combination) for row in rows], dtype=np.int64).reshape(
            len(rows), len(c.finite))
        cents = self.cents(rows)
        replies = [digits]
        for j in range(len(c.numeric)):
            ranges = found.replies[len(c.finite) + j]
            absent = int(ABSENT in ranges)
            starts = np.array([r[0] for r in ranges[absent:]], dtype=np.int64)
            index = np.searchsorted(starts, cents[:, j], side="right") - 1 + absent
            replies.append(np.where(cents[:, j] == NO_VALUE, 0, index)[:, None])
        return np.concatenate([digits, cents], axis=1), np.concatenate(replies, axis=1)

    def cents(self, rows: list[Row]) -> np.ndarray:
        """The hundredths each row gives each numeric fact (rows × numeric facts; `NO_VALUE` for no decision)."""
        return np.array([[NO_VALUE if v is None else v for v in row.cents] for row in rows],
                        dtype=np.int64).reshape(len(rows), len(self.c.numeric))

    def answers(self, rows: list[Row]) -> list[tuple]:
        """(kind, key, amount) of each row: the program's decision on int64 columns."""
        index = np.array([r.combination for r in rows], dtype=np.int64)
        x, done = self.x[index].copy(), self.done[index].copy()
        n = len(rows)
        has = np.full(n, self.has_decision)
        dec = np.full(n, self.decision, dtype=np.int64)
        unit = self.scale // CENTS
        cents = self.cents(rows)
        for j in range(len(self.c.numeric)):
            targets: dict = {}
            for k, contributions in enumerate(self.c.contributions):
                targets.setdefault(contributions[j].target, []).append(k)
            for target, combinations in targets.items():
                if target is not None:
                    _add(target, cents[:, j], unit, np.isin(index, combinations), x, done, has, dec)
        by_commission = has & self.by_commission
        ops = ColumnOps(self.scale)
        d = self.form.program.decide(ops, Inputs(tuple(x.T), tuple(done.T), has, dec, by_commission,
                                                 np.int64(self.complement), np.bool_(self.duties)), False)

        def col(v):
            return np.broadcast_to(np.asarray(v), (n,))

        status, combination = col(d.status).tolist(), col(d.combination).tolist()
        low = [col(f).tolist() for f in (d.low.value, d.low.closed)]
        high = [col(f).tolist() for f in (d.high.value, d.high.bounded)]
        left = [col(f).tolist() for f in (d.left.value, d.left.closed)]
        least = [col(f).tolist() for f in (d.least.value, d.least.closed)]
        made = []
        for i, row in enumerate(rows):
            kind, key, amount = _kind(self, row, i, status, combination, low, high, left, least, has, dec)
            made.append((kind, key, amount))
        return made


def _add(target: tuple, cents: np.ndarray, unit: int, rows: np.ndarray, x, done, has, dec) -> None:
    """Add to the columns of the rows chosen (`rows`, a mask) what a numeric fact adds to `target` (its
    hundredths, `cents`, one per row)."""
    if target[0] == "x":
        x[rows, CATEGORIES.index(target[1])] += cents[rows] * unit
    elif target[0] == "done":
        for k in done_keys(*target[1]):
            done[rows, k] += cents[rows] * unit
    else:
        absent = cents[rows] == NO_VALUE
        has[rows] = ~absent
        dec[rows] = np.where(absent, 0, cents[rows]) * unit


def _kind(space: _Space, row: Row, i: int, status, combination, low, high, left, least, has, dec):
    """A row's kind, key and amount from the decision's columns."""
    s = status[i]
    if s == INTERNSHIP:
        decided = bool(has[i])
        bounds = (None, None) if decided else (low[0][i] if low[1][i] else None, high[0][i] if high[1][i] else None)
        kind = (s, combination[i], decided) + bounds
        amount = int(dec[i]) if decided else None
        return kind, (kind, amount, left[0][i] if left[1][i] else None), amount
    kind = (s,)
    if s == MISSING:
        return kind, (kind, least[0][i], least[1][i]), least[0][i]
    return kind, (kind,), None


# ---------------------------------------------------------------- Z3: nothing missed


class ScaledTerms(Terms):
    """The closed form's operations on Z3 integers: months as whole counts of 1/`scale` month (linear integer
    arithmetic, where Z3 is fastest; `scale` a multiple of every constant's denominator)."""

    def __init__(self, scale: int):
        self.scale = scale

    def const(self, value: Fraction):
        scaled = value * self.scale
        assert scaled.denominator == 1, "the scale is a multiple of every constant's denominator"
        return z3.IntVal(scaled.numerator)


@functools.lru_cache(maxsize=32)
def decision_terms(form: ClosedForm, scale: int, prefix: str):
    """Symbolic inputs (in 1/`scale` month) and the program's decision on them (made once per closed form,
    scale and prefix)."""
    x = tuple(z3.Int(f"{prefix}x{i}") for i in range(len(CATEGORIES)))
    done = tuple(z3.Int(f"{prefix}d{k}") for k in range(len(DONE_KEYS)))
    inputs = Inputs(x, done, z3.Bool(f"{prefix}h"), z3.Int(f"{prefix}v"), z3.Bool(f"{prefix}bc"),
                    z3.Int(f"{prefix}e"), z3.Bool(f"{prefix}w"))
    return inputs, form.program.decide(ScaledTerms(scale), inputs, False)


@dataclass
class _Copy:
    """One symbolic completion: its finite facts' values, numeric facts' hundredths, and the decision."""

    finite: list
    cents: list
    present: list
    inputs: Inputs
    decision: object
    kappa: object


class _Symbolic:
    """The completions as Z3 constraints over the program's decision."""

    def __init__(self, space: _Space, backend: Backend):
        self.space, self.backend = space, backend
        self.c = space.c
        self.n = len(self.c.bases)
        self._members: dict = {}
        self._first: tuple | None = None

    def with_backend(self, backend: Backend) -> "_Symbolic":
        """The same completions (their terms shared) asked through another backend (another time limit)."""
        other = _Symbolic(self.space, backend)
        other._members, other._first = self._members, self._first
        return other

    def first(self) -> tuple["_Copy", list]:
        """The symbolic completion `a` and its constraints (made once: every query starts from it)."""
        if self._first is None:
            self._first = self.copy("a:")
        return self._first

    def copy(self, prefix: str, shared: _Copy | None = None, differing: int | None = None) -> tuple[_Copy, list]:
        """A symbolic completion (sharing every fact but `differing` with `shared`) and its constraints."""
        c = self.c
        finite = [z3.Int(f"{prefix}f{i}") if shared is None or i == differing else shared.finite[i]
                  for i in range(len(c.finite))]
        numbered = [len(c.finite) + j for j in range(len(c.numeric))]
        cents = [z3.Int(f"{prefix}n{j}") if shared is None or f == differing else shared.cents[j]
                 for j, f in enumerate(numbered)]
        present = [z3.Bool(f"{prefix}p{j}") if shared is None or f == differing else shared.present[j]
                   for j, f in enumerate(numbered)]
        inputs, decision = decision_terms(self.space.form, self.space.scale, prefix)
        kappa = z3.Sum([f * r for f, r in zip(finite, _radices(c.values))]) if finite else z3.IntVal(0)
        constraints = [z3.And(0 <= f, f < len(v)) for f, v in zip(finite, c.values)]
        constraints += self._links(inputs, kappa, cents, present)
        return _Copy(finite, cents, present, inputs, decision, kappa), constraints

    def member(self, kappa, chosen: set[int]):
        """Whether the combination is one of those chosen (the formulas made once per set)."""
        key = (kappa.get_id(), frozenset(chosen))
        if key not in self._members:
            self._members[key] = self._member(kappa, chosen)
        return self._members[key]

    def _member(self, kappa, chosen: set[int]):
        if len(chosen) == self.n:
            return z3.BoolVal(True)
        if not chosen:
            return z3.BoolVal(False)
        if len(chosen) <= self.n // 2:
            return z3.Or([kappa == k for k in sorted(chosen)])
        return z3.Not(z3.Or([kappa == k for k in range(self.n) if k not in chosen]))

    def by_combination(self, kappa, values: list):
        """A value that depends on the combination (one per combination)."""
        groups: dict = {}
        for k, v in enumerate(values):
            groups.setdefault(v, set()).add(k)
        items = list(groups.items())
        term = z3.IntVal(items[-1][0])
        for v, ks in reversed(items[:-1]):
            term = z3.If(self.member(kappa, ks), v, term)
        return term

    def _links(self, inputs: Inputs, kappa, cents: list, present: list) -> list:
        s, c = self.space, self.c
        unit = s.scale // CENTS
        constraints = []
        contributions = c.contributions
        for j in range(len(c.numeric)):
            bounds: dict = {}
            for k, cs in enumerate(contributions):
                bounds.setdefault((cs[j].low, cs[j].high), set()).add(k)
            for (low, high), ks in bounds.items():
                constraints.append(z3.Implies(self.member(kappa, ks), z3.Or(
                    z3.Not(present[j]), z3.And(low <= cents[j], cents[j] <= high))))
            if not any(cs[j].absent for cs in contributions):
                constraints.append(present[j])
            constraints.append(z3.Implies(z3.Not(present[j]), cents[j] == 0))
        for i, var in enumerate(inputs.x):
            total = self.by_combination(kappa, s.x[:, i].tolist())
            total += self._added(kappa, cents, unit, lambda t: t[0] == "x" and CATEGORIES.index(t[1]) == i)
            constraints.append(var == total)
        for k, var in enumerate(inputs.done):
            total = self.by_combination(kappa, s.done[:, k].tolist())
            total += self._added(kappa, cents, unit, lambda t: t[0] == "done" and k in done_keys(*t[1]))
            constraints.append(var == total)
        decided = [j for j in range(len(c.numeric)) if contributions[0][j].target == ("decision",)]
        if decided:
            j = decided[0]
            constraints += [inputs.has_decision == present[j], inputs.decision == cents[j] * unit]
        else:
            constraints += [inputs.has_decision == z3.BoolVal(s.has_decision), inputs.decision == s.decision]
        constraints += [inputs.by_commission == z3.And(inputs.has_decision, z3.BoolVal(s.by_commission)),
                        inputs.complement == s.complement, inputs.duties == z3.BoolVal(s.duties)]
        return constraints

    def _added(self, kappa, cents: list, unit: int, aims) -> object:
        """What numeric facts add to one input (`aims(target)`), in 1/`scale` month."""
        total = z3.IntVal(0)
        for j in range(len(self.c.numeric)):
            chosen = {k for k, cs in enumerate(self.c.contributions)
                      if cs[j].target is not None and aims(cs[j].target)}
            if chosen:
                total = total + z3.If(self.member(kappa, chosen), cents[j] * unit, 0)
        return total

    # ------------------------------------------------------------ kinds and replies as formulas

    def kind_formula(self, kind: tuple, copy: _Copy):
        d = copy.decision
        status = d.status == kind[0]
        if kind[0] != INTERNSHIP:
            return status
        _, combination, decided, low, high = kind
        if decided:
            return z3.And(status, d.combination == combination, copy.inputs.has_decision)
        return z3.And(status, d.combination == combination, z3.Not(copy.inputs.has_decision),
                      _is(d.low.value, d.low.closed, low), _is(d.high.value, d.high.bounded, high))

    def amount(self, kind: tuple, copy: _Copy):
        if kind[0] == MISSING:
            return copy.decision.least.value
        if kind[0] == INTERNSHIP and kind[2]:
            return copy.inputs.decision
        return None

    def reply_formula(self, fact: int, reply, copy: _Copy):
        c = self.c
        if fact < len(c.finite):
            return copy.finite[fact] == reply
        j = fact - len(c.finite)
        if reply == ABSENT:
            return z3.Not(copy.present[j])
        return z3.And(copy.present[j], reply[0] <= copy.cents[j], copy.cents[j] <= reply[1])

    def row(self, model, copy: _Copy) -> Row:
        kappa = model.eval(copy.kappa, model_completion=True).as_long()
        cents = tuple(model.eval(n, model_completion=True).as_long()
                      if z3.is_true(model.eval(p, model_completion=True)) else None
                      for n, p in zip(copy.cents, copy.present))
        return Row(kappa, cents)

    # ------------------------------------------------------------ the queries

    def certify(self, found: Exploration) -> bool:
        """Add the completions Z3 finds with a kind unseen for one of their replies, or an amount outside
        their kind's range, until there is none (True), or for `MAX_ROUNDS` (False)."""
        copy, constraints = self.first()
        tried: list = []
        formulas: dict = {}
        for _ in range(MAX_ROUNDS):
            unseen = []
            for kind in found.possible():
                if kind not in formulas:
                    formulas[kind] = self.kind_formula(kind, copy)
            for fact, replies in enumerate(found.replies):
                for r, reply in enumerate(replies):
                    kinds = [formulas[k] for k in sorted(found.seen[fact][r], key=repr)]
                    unseen.append(z3.And(self.reply_formula(fact, reply, copy), z3.Not(z3.Or(kinds))))
            for kind in found.possible():
                amount = self.amount(kind, copy)
                amounts = [a for a, k in zip(found.amounts, found.kinds) if k == kind and a is not None]
                if amount is not None and amounts:
                    unseen.append(z3.And(formulas[kind], z3.Or(amount < min(amounts), amount > max(amounts))))
            model = self.backend.model(constraints + tried + [z3.Or(unseen)], preprocessed=True)
            if model is None:
                return True
            row = self.row(model, copy)
            if row in found._known:  # Z3 and the columns disagree on it: never count it again
                tried.append(z3.Not(self._is_row(row, copy)))
                continue
            self.space.add(found, [row])
        return False

    def _is_row(self, row: Row, copy: _Copy):
        digits = _digits(row.combination, self.c.values)
        same = [f == d for f, d in zip(copy.finite, digits)]
        same += [z3.Not(p) if v is None else z3.And(p, n == v) for n, p, v in zip(copy.cents, copy.present, row.cents)]
        return z3.And(same) if same else z3.BoolVal(True)

    def changing(self, found: Exploration, fact: int) -> list[Row]:
        """Two completions differing only in `fact` whose answers differ (Z3's), or [] when none exists:
        the fact is then proved irrelevant."""
        a, constraints_a = self.first()
        b, constraints_b = self.copy("b:", a, fact)
        model = self.backend.model(constraints_a + constraints_b + [z3.Not(self._same(a, b))], preprocessed=True)
        if model is None:
            return []
        return [self.row(model, a), self.row(model, b)]

    def _same(self, a: _Copy, b: _Copy):
        """Whether two completions get the same answer (the rows' keys)."""
        da, db = a.decision, b.decision
        decided = a.inputs.has_decision
        internship = z3.And(da.combination == db.combination, decided == b.inputs.has_decision,
                            z3.If(decided, a.inputs.decision == b.inputs.decision,
                                  z3.And(_same(da.low.value, da.low.closed, db.low.value, db.low.closed),
                                         _same(da.high.value, da.high.bounded, db.high.value, db.high.bounded))),
                            _same(da.left.value, da.left.closed, db.left.value, db.left.closed))
        missing = z3.And(da.least.value == db.least.value, da.least.closed == db.least.closed)
        return z3.And(da.status == db.status, z3.Implies(da.status == INTERNSHIP, internship),
                      z3.Implies(da.status == MISSING, missing))


def _is(value, given, expected: Fraction | None):
    """A bound of the answer is this value (None: not given)."""
    return z3.Not(given) if expected is None else z3.And(given, value == expected)


def _same(value_a, given_a, value_b, given_b):
    return z3.And(given_a == given_b, z3.Implies(given_a, value_a == value_b))
