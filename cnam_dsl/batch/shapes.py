"""Request lines read by shape: a cohort's flat `missing` lines, told apart only by their digits.

A line's shape is its bytes with every digit written 0. Two lines of one shape
are the same bytes but for their digits, hence the same JSON but for their
numbers and the strings holding digits: the same keys, nesting, list lengths,
`true`, `false`, `null` and digit-free strings (a `\\u` escape could spell a
key or a choice with its hex digits, so a line holding one is never read by
shape). Whether `simple_profile.simple_facts` reads a line is therefore
decided once for its shape, save for what the digits say; so is the category
each experience counts in and the done sums each internship counts in. A
line of the shape (its second) is walked as `batch.Answerer._simple` and
`simple_facts` walk it, and what depends on the digits is written as one
small function (generated, as `solve.fast` generates the closed forms): it
fetches the numbers and the strings holding digits, checks them as
`profile._plain_*` do, and sums as `simple_facts` sums. Each line then costs
its parse and that function: about 3 µs, against 17 for `orjson.loads` and
`Answerer._simple`.

The guarantee (tests/test_shapes.py): when `Shapes.read` gives
`(key, shape, values)`, the line is a JSON object with `command` `missing`
and only `MISSING_FIELDS`, `key` is the (diploma, sources, milestone,
date) `Answerer._simple` reads from it, and `simple_facts` gives, to the bit
and in the same order, `Facts({k: v for k, v in zip(shape, totals) if v > 0},
dict(zip(DONE_KEYS, done)), decision, ue)` where `values` is
`(*totals, *done, decision, ue)`. None is always allowed: the line is then
read the usual way.
"""

from __future__ import annotations

import re

import orjson

from ..memo import Memo
from ..candidate.reader import (
    _EXPERIENCE_KEYS, _INTERNSHIP_KEYS, FIELDS, KINDS, LEVELS, MAX_MONTHS, MAX_UE, _NotPlain, _plain_choice,
    _plain_entries, _plain_keys, _plain_text,
)
from .simple import TOP
from ..solve.values import DONE_KEYS

MISSING_FIELDS = frozenset({"command", "diploma", "source", "sources", "milestone", "date", "profile"})
LONGEST = 2048  # longer lines (dozens of entries) are read the usual way: the shapes remembered stay small
_ZEROS = bytes.maketrans(b"123456789", b"000000000")
_DIGIT = re.compile("[0-9]")
_UNSEEN = object()


class Shapes:
    """Reads flat `missing` request lines with one function per shape, written from a line of the shape."""

    def __init__(self, size: int = 10_000):
        self._seen = Memo(size)  # shapes met once
        self._readers = Memo(size)  # shape -> its function, or None: its lines are read the usual way
        self._made = Memo(size)  # a function's source -> what makes it (shapes often share one)

    def read(self, text: bytes):
        """(key, shape, values) for a flat `missing` request line, else None.

        `key` is (diploma, sources, milestone, date), as `batch.Answerer._simple` reads them (the date
        unparsed); `shape` the experience categories in the order `simple_facts` meets them; `values`
        their totals (rounded, zeros kept), the four done sums (`DONE_KEYS` order), the decision and the
        UE acquired. A shape is learnt from its second line: where every line has a shape of its own (a
        name each, say), learning would cost more than it saves."""
        if len(text) > LONGEST:
            return None
        shape = text.translate(_ZEROS)
        reader = self._readers.get(shape, _UNSEEN)
        if reader is None:
            return None
        if reader is _UNSEEN and shape not in self._seen:
            self._seen.keep(shape, True)
            return None
        try:
            request = orjson.loads(text)
        except orjson.JSONDecodeError:
            return None  # another line of this shape may still parse: nothing is learnt
        if reader is _UNSEEN:
            reader = self._readers.keep(shape, None if b"\\u" in shape else self._reader(request))
            if reader is None:
                return None
        return reader(request)

    def _reader(self, request):
        """The function reading the lines of `request`'s shape, or None."""
        written = _written(request)
        if written is None:
            return None
        source, constants = written
        make = self._made.get(source)
        if make is None:
            namespace = {"NUMBER": (int, float), "is_text": _is_text}
            # Only names, indices and the schema's keys are written in the source; the line's strings are
            # arguments (as `solve.fast` writes the closed forms).
            exec(compile(source, "<shape>", "exec"), namespace)  # noqa: S102
            make = self._made.keep(source, namespace["make"])
        return make(*constants)


def _is_text(value: str) -> bool:
    try:
        _plain_text(value)
    except _NotPlain:
        return False
    return True


class _Writer:
    """The function reading the lines of one shape, written while its first line is walked."""

    def __init__(self):
        self.lines: list[str] = []
        self.constants: list = []
        self.numbers = 0

    def constant(self, value) -> str:
        self.constants.append(value)
        return f"k{len(self.constants) - 1}"

    def number(self, path: str, bad: str) -> str:
        """A variable holding the number at `path`; the line is refused when `bad` (`{0}` for it) holds."""
        name = f"v{self.numbers}"
        self.numbers += 1
        self.lines += [f"{name} = {path}", f"if {bad.format(name)}:", "    return None"]
        return name

    def positive(self, path: str, most) -> str:
        """As `profile._plain_positive`: a number in ]0, most], as a float."""
        return f"float({self.number(path, f'type({{0}}) not in NUMBER or not 0 < {{0}} <= {most!r}')})"

    def text(self, value, path: str) -> str:
        """The expression of a key's string: itself if digit-free (the same for the whole shape), else read."""
        return path if _DIGIT.search(value) else self.constant(value)

    def source(self, returned: str) -> str:
        body = "\n".join("        " + line for line in [*self.lines, f"return {returned}"])
        parameters = ", ".join(f"k{i}" for i in range(len(self.constants)))
        return f"def make({parameters}):\n    def read(r):\n{body}\n    return read\n"


def _written(request) -> tuple[str, list] | None:
    """(source, constants) of the function reading the lines of `request`'s shape; None if they are not
    flat `missing` requests (whatever their digits)."""
    if type(request) is not dict or request.get("command") != "missing" or not MISSING_FIELDS.issuperset(request):
        return None
    writer = _Writer()
    key = _key(request, writer)
    if key is None:
        return None
    try:
        values = _profile(request.get("profile"), writer)
    except _NotPlain:
        return None
    if values is None:
        return None
    return writer.source(f"({key}), {values}"), writer.constants


def _key(request: dict, writer: _Writer) -> str | None:
    """The expression of (diploma, sources, milestone, date), as `Answerer._simple` reads them."""
    diploma, milestone, on = request.get("diploma"), request.get("milestone", "delivery"), request.get("date")
    if type(diploma) is not str or type(milestone) is not str or on is not None and type(on) is not str:
        return None
    field = "sources" if "sources" in request else "source"
    sources = request.get(field)
    if type(sources) is str:
        sources = f"(r[{field!r}],)" if _DIGIT.search(sources) else writer.constant((sources,))
    elif type(sources) is list and all(type(s) is str for s in sources):
        digits = any(_DIGIT.search(s) for s in sources)
        sources = f"tuple(r[{field!r}])" if digits else writer.constant(tuple(sources) or None)
    elif sources is None:
        sources = writer.constant(None)
    else:
        return None
    return ", ".join([writer.text(diploma, "r['diploma']"), sources,
                      writer.text(milestone, "r['milestone']"),
                      writer.constant(None) if on is None else writer.text(on, "r['date']")])


def _profile(data, writer: _Writer) -> str | None:
    """The expression of the values, walking the candidate file as `simple_facts` does; None (or _NotPlain)
    for a file it does not read."""
    _plain_keys(data, TOP)
    writer.lines.append("p = r['profile']")
    _text(data, "name", "p", writer)
    ue = data.get("ue_acquired", 0)
    if type(ue) not in (int, float):  # a number's type is checked on each line: a long integer parses as a float
        return None
    if "ue_acquired" in data:
        ue = writer.number("p['ue_acquired']", "type({0}) is not int or not 0 <= {0} <= " + repr(MAX_UE))
    decision = data.get("decided_internship_months")
    if decision is not None:
        if type(decision) not in (int, float):
            return None
        decision = writer.positive("p['decided_internship_months']", MAX_MONTHS)
    totals = _experiences(_plain_entries(data.get("experiences")), writer)
    done = _internships(_plain_entries(data.get("internships")), writer)
    if totals is None or done is None:
        return None
    sums = []
    for n, products in enumerate(totals.values()):  # added one by one from 0.0 (+ 0.0 changes no product)
        writer.lines += [f"t{n} = {products[0]}", *(f"t{n} += {p}" for p in products[1:])]
        sums.append(f"round(t{n}, 9)")
    return f"{writer.constant(tuple(totals))}, ({', '.join([*sums, *done, str(decision), str(ue)])},)"


def _experiences(entries: list, writer: _Writer) -> dict[tuple, list[str]] | None:
    """Each category's products (months × share), in the order `simple_facts` adds them."""
    totals: dict[tuple[str, str, str], list[str]] = {}
    for n, entry in enumerate(entries):
        _plain_keys(entry, _EXPERIENCE_KEYS)
        path = f"p['experiences'][{n}]"
        months, share = entry.get("months"), entry.get("time_share", 1.0)
        if "start" in entry or "end" in entry or type(months) not in (int, float) or type(share) not in (int, float):
            return None
        _text(entry, "label", path, writer)
        product = writer.positive(f"{path}['months']", MAX_MONTHS)
        if "time_share" in entry:  # else × 1.0, which changes no float
            product += " * " + writer.positive(f"{path}['time_share']", 1)
        field, kind = _plain_choice(entry.get("field"), FIELDS), _plain_choice(entry.get("kind", "salaried"), KINDS)
        level = _plain_choice(entry.get("level", "sufficient"), LEVELS)
        in_field = field == "in" and level == "sufficient"
        totals.setdefault(("in" if in_field else "out", kind, level), []).append(product)
    return totals


def _internships(entries: list, writer: _Writer) -> list[str] | None:
    """The expressions of the four done sums, in `DONE_KEYS` order, summed as `simple_facts` sums them."""
    done_by = []
    for n, entry in enumerate(entries):
        _plain_keys(entry, _INTERNSHIP_KEYS)
        months, report = entry.get("months"), entry.get("report", False)
        if "start" in entry or "end" in entry or type(months) not in (int, float) or type(report) is not bool:
            return None
        field = _plain_choice(entry.get("field", "in"), FIELDS)
        done_by.append((writer.positive(f"p['internships'][{n}]['months']", MAX_MONTHS), field, report))
    sums = []
    for in_field, report in DONE_KEYS:
        counted = [m for m, f, r in done_by if (f == "in" or not in_field) and (r or not report)]
        sums.append(f"sum(({', '.join(counted)},))" if counted else "0")
    return sums


def _text(entry: dict, field: str, path: str, writer: _Writer) -> None:
    """Check a name or label as `_plain_text` does: now, and on each line if it holds digits."""
    value = _plain_text(entry.get(field))
    if value is not None and _DIGIT.search(value):
        writer.lines += [f"if not is_text({path}[{field!r}]):", "    return None"]
