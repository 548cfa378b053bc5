"""`cnam batch`'s answers for many candidates of one requirement at once: columns in, answer bytes out.

The proved closed forms run column-wise (`solve.table.Table.found`): each row's
status, pathways retained, internship, options and, under each source alone,
status, internship and missing months, as integer columns. Rows alike in all
of that (their *structure*: `table.alike` over those columns) get the same
answer but for a few numbers: the months missing, each option's months, each
source's months missing, and in the reasons the months the candidate has and
whether they meet the rule. For each structure one answer is written the
usual way (`explain.answer_of`, for the first row that has it) with markers
where those numbers go, and cut there: a *template*. Each row's answer is
then its template's pieces joined with its own numbers, each number written
once per hundredth (`ByHundredths`). The template is checked on the row it
was made from (filled, it must be that row's answer, byte for byte) before
any row uses it.

What is not answered here (a conflict, whose explanation is Z3's unsat core;
a number not a whole count of 1/`UNITS` month; a requirement without a proved
closed form) gets None: the caller answers it one by one.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import orjson

from ..answer.describe import months_fr
from ..answer.explain import VERDICT, Parts, answer_of, number
from ..memo import Memo
from ..language.model import CATEGORIES
from ..solve.table import CANDIDATES, CONFLICT, MISSING, Registry, Table, alike, scale_of
from ..candidate.counting import NOTES, months_of_cents
from ..solve.values import DONE_KEYS, Facts

UNITS = 100  # months in hundredths: every counted number is one (candidate.counting)
MARK = re.compile(rb'"\\u0000N(\d+)\\u0000"|\\u0000T(\d+)\\u0000')  # a marker as orjson writes it
CATEGORY = {c: i for i, c in enumerate(CATEGORIES)}


NO_DECISION = -1  # a row's decided length when there is none


def facts_of(shape: tuple, values: tuple) -> Facts:
    """The engine's facts of a row: `values` are, in hundredths of a month, the totals of the categories
    `shape`, the internships done (`DONE_KEYS` order), the decided length (or NO_DECISION), then the UE and
    the counting's notes (bits in the order of `counting.NOTES`)."""
    k = len(shape)
    return Facts({c: months_of_cents(v) for c, v in zip(shape, values[:k]) if v > 0},
                 {key: months_of_cents(v) for key, v in zip(DONE_KEYS, values[k:k + 4])},
                 None if values[k + 4] == NO_DECISION else months_of_cents(values[k + 4]), values[k + 5],
                 notes=frozenset(n for b, n in enumerate(NOTES) if values[k + 6] >> b & 1))


def row_of(facts: Facts) -> tuple[tuple, tuple]:
    """(shape, values) of facts (`facts_of`'s inverse; every number of the facts is a hundredth)."""
    notes = sum(1 << b for b, n in enumerate(NOTES) if n in facts.notes)
    if facts.cents is not None:  # the counting's own hundredths (its decision's -1 is NO_DECISION)
        return tuple(facts.experience), (*facts.cents, facts.ue_acquired, notes)
    decision = NO_DECISION if facts.decision is None else _cents(facts.decision)
    return (tuple(facts.experience), (*map(_cents, facts.experience.values()), *map(_cents, facts.done.values()),
                                      decision, facts.ue_acquired, notes))


def _cents(months: Fraction) -> int:
    if 100 % months.denominator:
        raise ValueError(f"not a hundredth of a month: {months}")  # never: the counting rounds to hundredths
    return months.numerator * (100 // months.denominator)


class Rows:
    """One requirement's rows in a chunk, each a (shape, values) as `facts_of` reads them, kept by shape;
    their facts made on demand."""

    def __init__(self):
        self.rows: list[tuple[tuple, tuple]] = []
        self.shapes: dict[tuple, tuple[list[int], list[tuple]]] = {}  # shape -> (its rows, their values)
        self._facts: dict[int, Facts] = {}

    def add(self, shape: tuple, values: tuple) -> None:
        index, listed = self.shapes.get(shape) or self.shapes.setdefault(shape, ([], []))
        index.append(len(self.rows))
        listed.append(values)
        self.rows.append((shape, values))

    def __getitem__(self, i: int) -> Facts:
        if i not in self._facts:
            self._facts[i] = facts_of(*self.rows[i])
        return self._facts[i]

    def __len__(self) -> int:
        return len(self.rows)


class Columns:
    """The integer columns of a requirement's rows, in hundredths of a month (what the counting gives)."""

    def __init__(self, rows: Rows):
        n, kinds = len(rows), len(DONE_KEYS)
        self.x = np.zeros((n, len(CATEGORIES)), dtype=np.int64)
        self.totals: dict[tuple, np.ndarray] = {}  # per shape: the rows' totals of its categories
        rest = np.zeros((n, kinds + 3), dtype=np.int64)  # internships done, decided length, UE, notes
        for shape, (index, values) in rows.shapes.items():
            k = len(shape)
            table = np.array(values, dtype=np.int64).reshape(len(index), k + kinds + 3)
            self.totals[shape] = table[:, :k]
            self.x[np.ix_(index, [CATEGORY[c] for c in shape])] = self.totals[shape]
            rest[index] = table[:, k:]
        self.has_dec = rest[:, kinds] != NO_DECISION
        self.done, self.dec = rest[:, :kinds], np.where(self.has_dec, rest[:, kinds], 0)
        self.ue, self.notes = rest[:, kinds + 1], rest[:, kinds + 2]
        self.exact = np.ones(n, dtype=bool)


class Holes(Parts):
    """Parts that leave a marker where a reason states the candidate's months (and record what to count)."""

    def __init__(self):
        self.specs: list[tuple] = []

    def mark(self, spec: tuple, text: bool = False) -> str:
        self.specs.append(spec)
        return f"\x00{'T' if text else 'N'}{len(self.specs) - 1}\x00"

    def measured(self, fixed: dict, text: str, categories, rule, facts):
        months = self.mark(("months", categories), text=True)
        return {**fixed, "text": text + months + self.mark(("verdict", categories, rule), text=True)}

    def set_aside(self, categories, text: str, facts):
        return {"kind": "experience", "text": text + self.mark(("months", categories), text=True) + "."}

    def unused(self, text: str, counted, facts):
        return {"kind": "internship", "text": text + self.mark(("unused", counted), text=True) + "."}


class Template:
    """An answer cut where its numbers go: `pieces` around `holes` (specs, as `Holes.specs`)."""

    def __init__(self, written: bytes, specs: list[tuple]):
        parts = MARK.split(written)
        self.pieces = parts[0::3]
        self.holes = [specs[int(n if n is not None else t)] for n, t in zip(parts[1::3], parts[2::3])]
        self.format = b"%b".join(p.replace(b"%", b"%%") for p in self.pieces)  # filled by `bytes % values`

    def fill(self, values) -> bytes:
        return self.format % tuple(values)

    @property
    def nbytes(self) -> int:
        """About what it holds in memory (its pieces and its format)."""
        return 2 * len(self.format) + 64 * len(self.holes)


class Writer:
    """Answers of requirements' rows from their columns (one per rule base; its templates and numbers kept)."""

    def __init__(self, base, engine, memo_size: int, memo_bytes: int | None = None):
        self.base, self.engine = base, engine
        self.registry = Registry()
        self.templates = Memo(memo_size, memo_bytes)
        self.numbers = ByHundredths(lambda k: orjson.dumps(number(k / 100)))  # as `explain.number` writes
        self.months = ByHundredths(lambda k: _months_bytes(k / 100))  # as the reasons write them
        self.suffix = {ok: orjson.dumps(f" — {verdict}.")[1:-1] for ok, verdict in VERDICT.items()}
        self.checked_out = 0  # templates that did not give back the answer they were made from (tests: 0)

    def answers(self, requirement: tuple, rows: Rows) -> list[bytes | None]:
        """Each row's answer (None: to answer one by one)."""
        if len(self.registry.items) > self.templates.size:  # the templates' keys hold internship ids
            self.registry, self.templates = Registry(), Memo(self.templates.size, self.templates.max_bytes)
        diploma, chosen, milestone, on = requirement
        n = len(rows)
        cols = Columns(rows)
        tables, found = {}, {}
        for sources in [chosen] + ([(s,) for s in chosen] if len(chosen) > 1 else []):
            form = self.engine.closed_form(sources, diploma, milestone, on)
            scale = None if form is None else scale_of(form, UNITS)
            if scale is None:
                return [None] * n
            f = scale // UNITS
            tables[sources] = Table(form, scale, rows, cols.x * f, cols.done * f, cols.has_dec, cols.dec * f)
            found[sources] = tables[sources].found(self.registry, with_options=sources == chosen)
        answerable = cols.exact & (found[chosen].status != CONFLICT)
        kept, place = found[chosen].kept()
        present = (cols.x > 0).astype(np.int64) @ (1 << np.arange(len(CATEGORIES), dtype=np.int64))
        everything = cols.done[:, DONE_KEYS.index((False, False))]
        unused = [everything > cols.done[:, DONE_KEYS.index(key)] for key in ((True, False), (False, True))]
        structure = [answerable, present, cols.notes, *unused] + self._structure(chosen, tables, found, kept, place,
                                                                                 cols.ue)
        structure = [np.broadcast_to(np.asarray(c, dtype=np.int64), (n,)) for c in structure]
        first, inverse = alike(structure)
        keys = {r: (requirement, *(c[r].item() for c in structure)) for r in first.tolist() if answerable[r]}
        templates = {r: self.templates.get(key) for r, key in keys.items()}
        columns = _Lazy(self, requirement, rows, cols, tables, found, place)
        new = [r for r, template in templates.items() if template is None]
        if new:
            templates.update(zip(new, self._templates(requirement, rows, tables, new, columns)))
            for r in new:
                self.templates.keep(keys[r], templates[r], templates[r].nbytes if templates[r] else 0)
        out: list[bytes | None] = [None] * n
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(first) + 1)).tolist()
        for u, r in enumerate(first.tolist()):
            template = templates.get(r)
            if not template:  # unanswerable, or a template that did not check out
                continue
            index = order[bounds[u]:bounds[u + 1]]
            form = template.format
            if template.holes:
                for i, values in zip(index.tolist(), zip(*(columns.get(s)[index].tolist() for s in template.holes))):
                    out[i] = form % values
            else:
                for i in index.tolist():
                    out[i] = form
        return out

    def _structure(self, chosen, tables, found, kept, place, ue) -> list:
        """The columns an answer depends on but for its numbers: status, strictness of the months missing,
        pathways retained (their combinations), internship, UE; each option kept, in its place, with what
        it leads to; and where the sources alone diverge, each one's status and internship."""
        main = found[chosen]
        structure = [main.status, np.where(main.status == MISSING, main.closed, 0), main.combination,
                     main.internship, ue]
        for c in range(len(CANDIDATES)):
            _, _, strict, then, internship = main.options[c]
            on_row = kept[:, c]
            structure += [place[:, c], np.where(on_row, strict, 0), np.where(on_row, then, -1),
                          np.where(on_row, internship, -1)]
        if len(chosen) > 1:
            apart = self._divergent(chosen, tables, found)
            for s in chosen:
                single = found[(s,)]
                structure += [apart, np.where(apart, single.status, -1), np.where(apart, single.internship, -1)]
        return structure

    def _divergent(self, chosen, tables, found) -> np.ndarray:
        """Whether the sources alone give answers that diverge (`explain.divergences`), row by row: their
        exact values differ (`explain._compared`), and so do the values written (`explain.comparable`)."""
        singles = [found[(s,)] for s in chosen]
        scales = [tables[(s,)].scale for s in chosen]
        common = int(np.lcm.reduce(scales))
        items = self.registry.items
        ids: dict = {}  # shared by the sources, so that their columns compare
        exact = [np.stack([f.status.astype(np.int64), _ids(f.internship, lambda i: _bounds(items, i), ids),
                           np.where(f.status == MISSING, f.least, 0) * (common // scale)], axis=1)
                 for f, scale in zip(singles, scales)]
        apart = ~np.all([(e == exact[0]).all(axis=1) for e in exact[1:]], axis=0)
        rows = np.flatnonzero(apart)
        if len(rows):
            shown = [np.stack([f.status[rows].astype(np.int64),
                               _ids(f.internship[rows], lambda i: _bounds(items, i, number), ids),
                               _ids(np.where(f.status[rows] == MISSING, f.least[rows], 0),
                                    lambda u, scale=scale: ("months", number(u / scale)), ids)], axis=1)
                     for f, scale in zip(singles, scales)]
            apart[rows] = ~np.all([(s == shown[0]).all(axis=1) for s in shown[1:]], axis=0)
        return apart

    def _templates(self, requirement, rows: Rows, tables, new: list[int], columns: "_Lazy") -> list:
        """The templates of the structures of rows `new`, one each (False where, filled, it does not give
        back that row's answer). Their outcomes are found together, as objects (`Table.outcomes`)."""
        diploma, chosen, milestone, on = requirement
        index = np.array(new)

        def outcomes(sources, with_options):
            return tables[sources]._sub(index, tables[sources].x[index]).outcomes(self.registry, with_options)

        found = outcomes(chosen, True)
        alone = {s: outcomes((s,), False) for s in chosen} if len(chosen) > 1 else {}
        return [self._template(requirement, rows[r], outcome, {s: alone[s][j] for s in alone} or {chosen[0]: outcome},
                               r, columns) for j, (r, outcome) in enumerate(zip(new, found))]

    def _template(self, requirement, facts: Facts, outcome, singles, r: int, columns: "_Lazy"):
        """The template of row `r`'s structure, from its outcomes (False if, filled, it does not give back
        row `r`'s answer)."""
        diploma, chosen, milestone, on = requirement
        plain = orjson.dumps(answer_of(self.base, chosen, diploma, milestone, on, facts, outcome, singles))
        holes = Holes()
        answer = answer_of(self.base, chosen, diploma, milestone, on, facts, outcome, singles, holes)
        if outcome.status == "missing":
            answer["missing_months"] = holes.mark(("least",))
        kept = [c for c in range(len(CANDIDATES)) if columns.place[r, c] >= 0]
        kept.sort(key=lambda c: columns.place[r, c])
        for option, c in zip(answer["options"], kept):
            option["months"] = holes.mark(("option", c))
        for entry in answer["divergences"]:
            if entry["status"] == "missing":
                entry["missing_months"] = holes.mark(("single", entry["source"]))
        template = Template(orjson.dumps(answer), holes.specs)
        if len(answer["options"]) != len(kept) or template.fill(columns.get(s)[r] for s in template.holes) != plain:
            self.checked_out += 1
            return False
        return template


class ByHundredths:
    """What `write` writes for months in hundredths, kept in an array up to `size` (looked up column-wise,
    each written once per process), in a bounded memo beyond."""

    def __init__(self, write, size: int = 1 << 17):
        self.write, self.size = write, size
        self.table = np.full(size, None, dtype=object)
        self.beyond = Memo(size)

    def column(self, hundredths: np.ndarray) -> np.ndarray:
        inside = hundredths < self.size
        if not inside.all():
            found = np.empty(len(hundredths), dtype=object)
            found[inside] = self.column(hundredths[inside])
            found[~inside] = [self.beyond.get(k) or self.beyond.keep(k, self.write(k))
                              for k in hundredths[~inside].tolist()]
            return found
        found = self.table[hundredths]
        unwritten = np.equal(found, None)
        if unwritten.any():
            for k in np.unique(hundredths[unwritten]).tolist():
                self.table[k] = self.write(k)
            found = self.table[hundredths]
        return found


class _Lazy:
    """A chunk's hole values (bytes per row) for one requirement, each kind made when a template asks for it."""

    def __init__(self, writer: Writer, requirement, rows: Rows, cols: Columns, tables, found, place):
        self.writer, self.requirement, self.rows, self.cols = writer, requirement, rows, cols
        self.tables, self.found, self.place = tables, found, place
        self.made: dict[tuple, np.ndarray] = {}

    def get(self, spec: tuple) -> np.ndarray:
        if spec not in self.made:
            self.made[spec] = self._make(spec)
        return self.made[spec]

    def _make(self, spec: tuple) -> np.ndarray:
        """The bytes (an object column) that fill the holes `spec` of every row."""
        chosen = self.requirement[1]
        if spec[0] == "least":
            return self._numbers(self.found[chosen].least, self.tables[chosen].scale)
        if spec[0] == "option":
            return self._numbers(self.found[chosen].options[spec[1]][1], self.tables[chosen].scale)
        if spec[0] == "single":
            single = (spec[1],)
            return self._numbers(self.found[single].least, self.tables[single].scale)
        if spec[0] == "months":
            return self.writer.months.column(self._counted(spec[1]))
        if spec[0] == "unused":
            done = self.cols.done
            unused = done[:, DONE_KEYS.index((False, False))] - done[:, DONE_KEYS.index(spec[1])]
            return self.writer.months.column(unused)
        _, categories, rule = spec
        reached = _reached(rule, self._counted(categories))
        return np.where(reached, self.writer.suffix[True], self.writer.suffix[False]).astype(object)

    def _counted(self, categories) -> np.ndarray:
        """The rows' months in `categories`, in hundredths, as `explain.counted` adds them up (exactly)."""
        key = ("counted", categories)
        if key not in self.made:
            months = np.zeros(len(self.rows), dtype=np.int64)
            for shape, (index, _) in self.rows.shapes.items():
                total = np.zeros(len(index), dtype=np.int64)
                totals = self.cols.totals[shape]
                for j, c in enumerate(shape):
                    if c in categories:
                        total = total + totals[:, j]
                months[index] = total
            self.made[key] = months
        return self.made[key]

    def _numbers(self, column, scale: int) -> np.ndarray:
        """`explain.number` of units/scale months (`units / scale`, as NumPy divides, is the float of the
        fraction: both are rounded correctly)."""
        return self.writer.numbers.column(_hundredths(np.broadcast_to(column, (len(self.rows),)) / scale))


def _months_bytes(months: float) -> bytes:
    written = months_fr(months).encode()
    if not written.isascii() or b'"' in written or b"\\" in written:  # never: digits, commas, "mois", "ans"
        raise ValueError(f"unexpected rendering of months: {written!r}")
    return written


def _reached(rule, cents: np.ndarray) -> np.ndarray:
    """`rule.reached` for each of `cents` (months in hundredths), exactly."""
    least = rule.least
    if least is None:
        return cents > 0
    return cents * least.denominator >= least.numerator * 100


def _hundredths(months: np.ndarray) -> np.ndarray:
    """`round(m, 2)` in hundredths for each of `months` (floats, not negative). Where m × 100 is 0.49 or
    less from an integer, that integer is it (whatever rounding error m × 100 has); the others (none
    whose months are hundredths or days) are rounded one by one."""
    scaled = months * 100
    hundredths = np.rint(scaled)
    clear = np.abs(scaled - hundredths) <= 0.49
    hundredths = hundredths.astype(np.int64)
    if not clear.all():
        for i in np.flatnonzero(~clear).tolist():
            hundredths[i] = round(round(months[i].item(), 2) * 100)
    return hundredths


def _bounds(items: list, i: int, written=lambda v: v) -> tuple | None:
    """The internship `i`'s min, max and standard months (as `written` writes them), None for none."""
    return None if i < 0 else tuple(written(v) for v in (items[i].min_months, items[i].max_months,
                                                          items[i].standard_months))


def _ids(column: np.ndarray, key, ids: dict) -> np.ndarray:
    """Each value of `column` replaced by the id of `key(value)` in `ids` (equal keys, equal ids)."""
    values, inverse = np.unique(np.asarray(column), return_inverse=True)
    mapped = np.array([ids.setdefault(key(v), len(ids)) for v in values.tolist()], dtype=np.int64)
    return mapped[inverse.reshape(-1)]
