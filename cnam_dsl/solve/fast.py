"""A requirement's closed form: the answer from the aggregated months, without a solver (no Z3 here).

`plan_of` reads a requirement (sources × diploma × milestone × day) off the
rule base as a `Plan`: for each source, its pathways (`Branch`), each with
its experience thresholds and internship bounds. One pathway per source makes
a combination; the constraints hold exactly when one combination's do. For a
combination, each question the engine asks has a piecewise-linear answer in
the candidate's months: a threshold is met or not, the least experience
still missing is the largest shortfall, the internship lies between the
largest floor and the smallest ceiling.

`scenario` is written once, over abstract operations; traced, it becomes a
`Program` (straight-line operations), which runs on three kinds of numbers:
Z3 terms for the proof (`proof.py`), exact integers for one candidate
(`decide`, through generated Python), NumPy arrays for a cohort
(`cohort.py`). What is proved equal to the constraints is what runs.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from fractions import Fraction

from ..language.model import ADDED_ANY_FIELD, ADDED_IN_FIELD, CATEGORIES, PROFESSIONAL_KINDS, ExperienceRule, RuleBase
from .values import (
    DONE_KEYS, OPTION_KINDS, Bound, Facts, Option, Outcome, exact, internship_of, minimal_options,
)

FORMAT = 1  # bumped whenever what a plan means changes: proofs recorded for older plans no longer count


@dataclass(frozen=True, slots=True)
class Threshold:
    """An experience rule: the months of some categories reach `least` (None: are positive)."""

    categories: tuple[int, ...]  # indices into model.CATEGORIES
    least: Fraction | None
    takes_in: bool  # experience added in the field counts towards it
    takes_any: bool  # experience added in any field counts towards it

    def takes(self, mode: str) -> bool:
        """Whether the experience a question may add (none, in the field, in any field, both) counts."""
        return {"none": False, "in": self.takes_in, "any": self.takes_any,
                "both": self.takes_in or self.takes_any}[mode]


@dataclass(frozen=True, slots=True)
class Stage:
    """An internship: floor (every modulation taken) and ceiling, and which internships done count."""

    floor: Fraction | None
    ceiling: Fraction | None
    done: int  # index into values.DONE_KEYS


@dataclass(frozen=True, slots=True)
class Branch:
    """One pathway: its key, its thresholds, its internship."""

    key: str
    thresholds: tuple[Threshold, ...]
    stage: Stage | None


@dataclass(frozen=True, slots=True)
class Combination:
    """One pathway per source: the thresholds that must all hold, the internships to fit."""

    branches: tuple[Branch, ...]
    thresholds: tuple[Threshold, ...]
    stages: tuple[Stage, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """A requirement in closed form: each source's pathways; whether an internship alone never suffices."""

    sources: tuple[str, ...]
    branches: tuple[tuple[Branch, ...], ...]  # per source, in the order of the rule files
    never_alone: tuple[bool, ...]  # per source: a general rule "un stage seul ne suffit jamais"
    professional: Threshold
    stages: tuple[tuple[object, ...], ...]  # per source, per pathway: its model.InternshipRule (or None)
    combinations: tuple[Combination, ...] = ()  # derived: every choice of one pathway per source
    denominator: int = 1  # derived: a common denominator of the constants


def _threshold(rule: ExperienceRule) -> Threshold:
    return Threshold(tuple(i for i, c in enumerate(CATEGORIES) if rule.counts(c)),
                     None if rule.least is None else exact(rule.least),
                     rule.counts(ADDED_IN_FIELD), rule.counts(ADDED_ANY_FIELD))


def _stage(stage) -> Stage:
    floor = None if stage.least is None else exact(stage.least)
    if floor is not None and stage.modulation is not None:
        floor = min(floor, exact(stage.modulation.floor))
    ceiling = None if stage.most is None else exact(stage.most)
    return Stage(floor, ceiling, DONE_KEYS.index((stage.in_field, stage.needs_report)))


def plan_of(base: RuleBase, sources: tuple[str, ...], diploma: str, milestone: str, on: date) -> Plan | None:
    """The closed form of a requirement; None where it has no pathway to read (the solver answers)."""
    branches, stages = [], []
    for source in sources:
        pathways = base.pathways_for(source, diploma, milestone, on)
        if not pathways:
            return None
        branches.append(tuple(Branch(p.key, tuple(_threshold(r) for r in p.experience),
                                     None if p.internship is None else _stage(p.internship)) for p in pathways))
        stages.append(tuple(p.internship for p in pathways))
    professional = _threshold(ExperienceRule("", False, PROFESSIONAL_KINDS, False, False, None, None))
    never_alone = tuple(bool(base.generals_of(s)) for s in sources)
    combinations = []
    for chosen in itertools.product(*branches):
        thresholds = [t for b in chosen for t in b.thresholds]
        thresholds += [professional for b, alone in zip(chosen, never_alone) if alone and b.stage]
        combinations.append(Combination(chosen, tuple(thresholds), tuple(b.stage for b in chosen if b.stage)))
    thresholds = [t for c in combinations for t in c.thresholds] + [professional]
    if any(t.takes_any and not t.takes_in for t in thresholds):
        return None  # the closed form for "both" adds everything in the field: it needs this to hold
    constants = [t.least for t in thresholds if t.least is not None]
    constants += [v for c in combinations for s in c.stages for v in (s.floor, s.ceiling) if v is not None]
    return Plan(tuple(sources), tuple(branches), never_alone, professional, tuple(stages), tuple(combinations),
                math.lcm(1, *(v.denominator for v in constants)))


def digest(plan: Plan) -> str:
    """A stable name for what a plan means (its proof is recorded under it)."""
    meaning = (FORMAT, plan.sources, plan.branches, plan.never_alone, plan.professional)
    return hashlib.sha256(repr(meaning).encode()).hexdigest()


# ---------------------------------------------------------------- the closed form of one question


@dataclass(frozen=True, slots=True)
class Inputs:
    """A candidate's aggregated facts in some kind of numbers."""

    x: tuple  # months per category (model.CATEGORIES)
    done: tuple  # internships done, per values.DONE_KEYS
    has_decision: object
    decision: object


@dataclass(frozen=True, slots=True)
class Optimum:
    """The least or most value of a quantity: its value, attained (`closed`), `bounded` (for a most)."""

    value: object
    closed: object
    bounded: object


@dataclass(frozen=True, slots=True)
class Answer:
    """A question's answer: each combination feasible or not, the union, and the optima asked."""

    feasible: tuple  # per combination (in the order of Plan.combinations)
    any_feasible: object
    least_added: Optimum | None  # least experience to add (modes in, any, both)
    low: Optimum | None  # least internship length (mode none)
    high: Optimum | None  # most internship length (mode none)
    left: Optimum | None  # least internship still to do (mode none)


def scenario(ops, plan: Plan, inp: Inputs, mode: str, todo_zero: bool) -> Answer:
    """The answer to one question: may the experience grow (`mode`), must the internship be done?"""
    zero = ops.const(Fraction(0))
    measures: dict[tuple[int, ...], object] = {}
    parts = []
    for combination in plan.combinations:
        parts.append(_combination(ops, inp, combination, mode, todo_zero, zero, measures))
    feasible = tuple(p[0] for p in parts)
    any_feasible = ops.false
    for f in feasible:
        any_feasible = ops.or_(any_feasible, f)
    least_added = low = high = left = None
    if mode != "none":
        least_added = _least(ops, [(p[0], p[1]) for p in parts])
    else:
        low = _least(ops, [(p[0], p[2]) for p in parts])
        high = _most(ops, [(p[0], p[3]) for p in parts])
        left = _least(ops, [(p[0], p[4]) for p in parts])
    return Answer(feasible, any_feasible, least_added, low, high, left)


def _measure(ops, inp: Inputs, categories: tuple[int, ...], measures: dict, zero):
    if categories not in measures:
        total = zero
        for i in categories:
            total = ops.add(total, inp.x[i])
        measures[categories] = total
    return measures[categories]


def _combination(ops, inp: Inputs, combination: Combination, mode: str, todo_zero: bool, zero, measures):
    """(feasible, least added, least length, most length, least left to do) for one combination."""
    met = ops.true
    need = zero  # the largest shortfall among the thresholds the addition counts towards
    strict_zero = ops.false  # a "positive" threshold the addition must make positive
    for t in combination.thresholds:
        m = _measure(ops, inp, t.categories, measures, zero)
        if not t.takes(mode):
            met = ops.and_(met, ops.ge(m, ops.const(t.least)) if t.least is not None else ops.gt(m, zero))
        elif t.least is not None:
            need = ops.max(need, ops.sub(ops.const(t.least), m))
        else:
            strict_zero = ops.or_(strict_zero, ops.ge(zero, m))
    added = Optimum(need, ops.not_(ops.and_(strict_zero, ops.ge(zero, need))), ops.true)

    stages = combination.stages
    dec, has_dec = inp.decision, inp.has_decision
    if not stages:
        fits = ops.ite(has_dec, ops.ge(dec, zero), ops.true)
        length_low = Optimum(ops.ite(has_dec, dec, zero), ops.true, ops.true)
        length_high = Optimum(ops.ite(has_dec, dec, zero), ops.true, has_dec)
        return ops.and_(met, fits), added, length_low, length_high, Optimum(zero, ops.true, ops.true)
    floors = [s.floor for s in stages if s.floor is not None]
    floor = max(floors, default=Fraction(0))
    floor_closed = floor > 0  # the length is positive: with no positive floor, it only tends to 0
    low = ops.const(max(floor, Fraction(0)))
    ceilings = [ops.const(s.ceiling) for s in stages if s.ceiling is not None]
    done = [inp.done[s.done] for s in stages]
    ceiling = None
    for c in ceilings + (done if todo_zero else []):
        ceiling = c if ceiling is None else ops.min(ceiling, c)
    above = (lambda v: ops.ge(v, low)) if floor_closed else (lambda v: ops.gt(v, low))
    fits_decision = above(dec) if ceiling is None else ops.and_(above(dec), ops.ge(ceiling, dec))
    fits_free = ops.true if ceiling is None else (ops.ge(ceiling, low) if floor_closed else ops.gt(ceiling, low))
    fits = ops.ite(has_dec, fits_decision, fits_free)
    closed = ops.true if floor_closed else has_dec
    start = ops.ite(has_dec, dec, low)
    length_low = Optimum(start, closed, ops.true)
    if ceiling is None:
        length_high = Optimum(ops.ite(has_dec, dec, zero), ops.true, has_dec)
    else:
        length_high = Optimum(ops.ite(has_dec, dec, ceiling), ops.true, ops.true)
    least_done = done[0]
    for d in done[1:]:
        least_done = ops.min(least_done, d)
    gap = ops.sub(start, least_done)
    left = Optimum(ops.max(zero, gap), ops.or_(closed, ops.gt(zero, gap)), ops.true)
    return ops.and_(met, fits), added, length_low, length_high, left


def _least(ops, candidates: list[tuple[object, Optimum]]) -> Optimum:
    """The least value over the feasible combinations, attained if some combination attains it."""
    found, value, closed = ops.false, None, ops.false
    for feasible, o in candidates:
        if value is None:
            found, value, closed = feasible, o.value, ops.and_(feasible, o.closed)
            continue
        better = ops.and_(feasible, ops.or_(ops.not_(found), ops.gt(value, o.value)))
        tie = ops.and_(ops.and_(feasible, found), ops.eq(value, o.value))
        closed = ops.ite(better, o.closed, ops.or_(closed, ops.and_(tie, o.closed)))
        value = ops.ite(better, o.value, value)
        found = ops.or_(found, feasible)
    return Optimum(value, closed, ops.true)


def _most(ops, candidates: list[tuple[object, Optimum]]) -> Optimum:
    """The most value over the feasible combinations; unbounded if some feasible combination is."""
    found, value, bounded = ops.false, None, ops.true
    for feasible, o in candidates:
        if value is None:
            found, value, bounded = feasible, o.value, ops.or_(ops.not_(feasible), o.bounded)
            continue
        better = ops.and_(feasible, ops.or_(ops.not_(found), ops.gt(o.value, value)))
        value = ops.ite(better, o.value, value)
        bounded = ops.and_(bounded, ops.or_(ops.not_(feasible), o.bounded))
        found = ops.or_(found, feasible)
    return Optimum(value, ops.true, bounded)


# ---------------------------------------------------------------- a question as a program


class Trace:
    """The operations of `scenario` recorded as a program: each subterm once, constants folded."""

    def __init__(self):
        self.nodes: list[tuple] = []
        self._index: dict[tuple, int] = {}
        self.true, self.false = self._node(("bool", True)), self._node(("bool", False))

    def _node(self, node: tuple) -> int:
        if node not in self._index:
            self._index[node] = len(self.nodes)
            self.nodes.append(node)
        return self._index[node]

    def input(self, name: str, i: int = 0) -> int:
        return self._node(("in", name, i))

    def const(self, value: Fraction) -> int:
        return self._node(("const", Fraction(value)))

    def add(self, a, b):
        return self._node(("add", a, b))

    def sub(self, a, b):
        return self._node(("sub", a, b))

    def max(self, a, b):
        return a if a == b else self._node(("max", a, b))

    def min(self, a, b):
        return a if a == b else self._node(("min", a, b))

    def ite(self, c, a, b):
        if c == self.true or a == b:
            return a
        return b if c == self.false else self._node(("ite", c, a, b))

    def ge(self, a, b):
        return self._node(("ge", a, b))

    def gt(self, a, b):
        return self._node(("gt", a, b))

    def eq(self, a, b):
        return self._node(("eq", a, b))

    def and_(self, a, b):
        if a == self.true:
            return b
        if b == self.true:
            return a
        return self.false if self.false in (a, b) else self._node(("and", a, b))

    def or_(self, a, b):
        if a == self.false:
            return b
        if b == self.false:
            return a
        return self.true if self.true in (a, b) else self._node(("or", a, b))

    def not_(self, a):
        if a in (self.true, self.false):
            return self.false if a == self.true else self.true
        return self._node(("not", a))


# How each operation reads in the generated Python (exact integers and bools).
PYTHON = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "max": "{0} if {0} >= {1} else {1}", "min": "{0} if {0} <= {1} else {1}",
    "ite": "{1} if {0} else {2}", "ge": "{0} >= {1}", "gt": "{0} > {1}", "eq": "{0} == {1}",
    "and": "{0} and {1}", "or": "{0} or {1}", "not": "not {0}",
}
OPERATIONS = {"add": "add", "sub": "sub", "max": "max", "min": "min", "ite": "ite", "ge": "ge", "gt": "gt",
              "eq": "eq", "and": "and_", "or": "or_", "not": "not_"}


# The questions the engine asks, as (what may be added, the internship must be done).
QUESTIONS = (("none", True), ("none", False), ("both", False), ("in", True), ("in", False), ("any", True),
             ("any", False))


@dataclass(frozen=True)
class Program:
    """Every question of one plan, as straight-line operations over the candidate's inputs
    (subterms shared between questions); `outputs[question]` are the nodes of its answer:
    feasible per combination, any feasible, then the optima's fields."""

    nodes: tuple[tuple, ...]
    outputs: dict[tuple[str, bool], tuple[int, ...]]
    combinations: int

    @staticmethod
    def of(plan: Plan) -> "Program":
        trace = Trace()
        inputs = Inputs(tuple(trace.input("x", i) for i in range(len(CATEGORIES))),
                        tuple(trace.input("d", i) for i in range(len(DONE_KEYS))),
                        trace.input("h"), trace.input("v"))
        outputs = {}
        for mode, todo_zero in QUESTIONS:
            answer = scenario(trace, plan, inputs, mode, todo_zero)
            optima = [answer.least_added] if mode != "none" else [answer.low, answer.high, answer.left]
            outputs[(mode, todo_zero)] = answer.feasible + (answer.any_feasible,) + tuple(
                f for o in optima for f in (o.value, o.closed, o.bounded))
        return Program(tuple(trace.nodes), outputs, len(plan.combinations))

    def answer(self, mode: str, values) -> Answer:
        """An answer from the values of a question's outputs."""
        n = self.combinations
        optima = [Optimum(*values[i:i + 3]) for i in range(n + 1, len(values), 3)]
        if mode != "none":
            return Answer(tuple(values[:n]), values[n], optima[0], None, None, None)
        return Answer(tuple(values[:n]), values[n], None, *optima)

    def undecided(self) -> "Program":
        """The program for candidates without a decided length (`h` false), simplified as traced:
        the same operations, with those that the decision settles folded away."""
        trace, mapped = Trace(), []
        for node in self.nodes:
            tag = node[0]
            if tag == "in":
                mapped.append(trace.false if node[1] == "h" else trace.input(node[1], node[2]))
            elif tag == "const":
                mapped.append(trace.const(node[1]))
            elif tag == "bool":
                mapped.append(trace.true if node[1] else trace.false)
            else:
                mapped.append(getattr(trace, OPERATIONS[tag])(*(mapped[a] for a in node[1:])))
        outputs = {q: tuple(mapped[o] for o in outs) for q, outs in self.outputs.items()}
        return Program(tuple(trace.nodes), outputs, self.combinations)

    def needed(self, wanted) -> list[int]:
        """The nodes the wanted ones depend on, in order."""
        needed = set(wanted)
        for i in range(len(self.nodes) - 1, -1, -1):
            if i in needed and self.nodes[i][0] in PYTHON:
                needed.update(self.nodes[i][1:])
        return sorted(needed)

    def evaluate(self, ops, inputs: Inputs, questions=QUESTIONS) -> dict[tuple[str, bool], Answer]:
        """The questions' answers computed with these operations (Z3 terms for the proof, NumPy arrays
        for a cohort), each node once."""
        values = self.values(ops, inputs, [o for q in questions for o in self.outputs[q]])
        return {q: self.answer(q[0], [values[o] for o in self.outputs[q]]) for q in questions}

    def values(self, ops, inputs: Inputs, wanted) -> dict[int, object]:
        """The values of the wanted nodes (and of those they depend on), by a straight-line function of
        the operations `ops` (generated once per set of wanted nodes, as `python` writes a question)."""
        wanted = tuple(wanted)
        run = self._straight.get(wanted)
        if run is None:
            run = self._straight[wanted] = self._straight_line(wanted)
        return dict(zip(wanted, run(ops, inputs.x, inputs.done, inputs.has_decision, inputs.decision)))

    @cached_property
    def _straight(self) -> dict[tuple[int, ...], object]:
        return {}

    def _straight_line(self, wanted: tuple[int, ...]):
        """`run(ops, x, d, h, v)`: the wanted nodes' values, each needed node computed once by `ops`."""
        header = ("def run(ops, x, d, h, v):\n    " + ", ".join(f"o_{t}" for t in OPERATIONS) + " = "
                  + ", ".join(f"ops.{name}" for name in OPERATIONS.values()))
        source, constants = self._source(header, wanted, "ops.const(k[{}])", ("ops.false", "ops.true"),
                                         lambda tag, args: f"o_{tag}({', '.join(args)})")
        namespace: dict = {"k": constants}
        exec(compile(source, "<program>", "exec"), namespace)  # noqa: S102
        return namespace["run"]

    def python(self, question: tuple[str, bool]) -> tuple[str, list[Fraction]]:
        """One question as a Python function of exact integers (months × a common denominator),
        `run(x, d, h, v, k)` with `k` the constants (returned alongside) scaled alike."""
        return self._source("def run(x, d, h, v, k):", self.outputs[question], "k[{}]", ("False", "True"),
                            lambda tag, args: PYTHON[tag].format(*args))

    def _source(self, header: str, wanted, constant: str, booleans: tuple[str, str], operation):
        """The source of a function computing the `wanted` nodes in order, each needed node once as
        `n<i>` (`constant` formats the index of a constant, `booleans` spell false and true, `operation`
        writes an operation from its tag and its arguments), and the constants it indexes."""
        constants: list[Fraction] = []
        lines = [header]
        for i in self.needed(wanted):
            node = self.nodes[i]
            tag = node[0]
            if tag == "in":
                expr = f"{node[1]}[{node[2]}]" if node[1] in "xd" else node[1]
            elif tag == "const":
                expr = constant.format(len(constants))
                constants.append(node[1])
            elif tag == "bool":
                expr = booleans[bool(node[1])]
            else:
                expr = operation(tag, [f"n{a}" for a in node[1:]])
            lines.append(f"    n{i} = {expr}")
        lines.append(f"    return ({', '.join(f'n{i}' for i in wanted)},)")
        return "\n".join(lines) + "\n", constants


class ClosedForm:
    """A plan and its questions, traced once into a `Program`; for one candidate at a time,
    each question becomes a Python function over exact integers."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.program = Program.of(plan)
        self._undecided: Program | None = None
        self._functions: dict[tuple[str, bool], tuple[object, list[Fraction]]] = {}
        self._scaled: dict[tuple[str, bool, int], list[int]] = {}

    @property
    def undecided(self) -> Program:
        if self._undecided is None:
            self._undecided = self.program.undecided()
        return self._undecided

    def answer(self, mode: str, todo_zero: bool, e: "Exact") -> Answer:
        key = (mode, todo_zero)
        if key not in self._functions:
            # Generated from the traced program (numbers and indices only), as `dataclasses` and
            # `collections.namedtuple` generate theirs: the straight-line form runs ~10× faster.
            source, constants = self.program.python(key)
            namespace: dict = {}
            exec(compile(source, "<closed form>", "exec"), namespace)  # noqa: S102
            self._functions[key] = (namespace["run"], constants)
        run, constants = self._functions[key]
        scaled = self._scaled.get((mode, todo_zero, e.scale))
        if scaled is None:
            scaled = self._scaled[(mode, todo_zero, e.scale)] = [int(c * e.scale) for c in constants]
        return self.program.answer(mode, run(e.x, e.done, e.has_decision, e.decision, scaled))


# ---------------------------------------------------------------- one candidate, exactly


@dataclass(frozen=True, slots=True)
class Exact:
    """A candidate's facts as integers over a common denominator (`scale`)."""

    x: tuple[int, ...]
    done: tuple[int, ...]
    has_decision: bool
    decision: int
    scale: int

    def bound(self, o: Optimum) -> Bound:
        return Bound(Fraction(o.value, self.scale) if o.bounded else None, bool(o.closed))


def exact_inputs(plan: Plan, facts: Facts, decision: bool = True) -> Exact | None:
    """The facts as the solver reads them (`values.exact`); None outside the proved domain."""
    try:
        raw = [facts.experience.get(c, 0.0) for c in CATEGORIES] + [facts.done[k] for k in DONE_KEYS]
    except (KeyError, TypeError):
        return None
    has_decision = facts.decision is not None and decision
    if has_decision:
        raw.append(facts.decision)
    if all(type(v) is int or (type(v) is float and v.is_integer()) for v in raw):
        numbers, scale = [int(v) for v in raw], plan.denominator  # whole months: the common case
        ints = numbers if scale == 1 else [v * scale for v in numbers]
    else:
        try:
            numbers = [exact(v) for v in raw]
        except (TypeError, ValueError, OverflowError):
            return None
        scale = math.lcm(plan.denominator, *(v.denominator for v in numbers))
        ints = [v.numerator * (scale // v.denominator) for v in numbers]
    if any(v < 0 for v in ints):
        return None
    n = len(CATEGORIES)
    return Exact(tuple(ints[:n]), tuple(ints[n:n + len(DONE_KEYS)]), has_decision,
                 ints[-1] if has_decision else 0, scale)


def selection(plan: Plan, feasible: tuple) -> frozenset[str]:
    """For each source in turn, the first pathway that can hold with those already retained
    (as `solver.Session.selection` asks Z3)."""
    combos = [c.branches for c in plan.combinations]
    chosen: list[Branch] = []
    for branches in plan.branches:
        for b in branches:
            prefix = tuple(chosen) + (b,)
            if any(f and c[:len(prefix)] == prefix for c, f in zip(combos, feasible)):
                chosen.append(b)
                break
    return frozenset(b.key for b in chosen)


def decide(form: ClosedForm, facts: Facts, with_options: bool = True) -> Outcome | None:
    """What `solver.decide` answers, from the closed form; a conflict comes without its core
    (the solver gives it); None when the facts are outside the proved domain."""
    plan = form.plan
    e = exact_inputs(plan, facts)
    if e is None:
        return None
    done = form.answer("none", True, e)
    if done.any_feasible:
        return Outcome("satisfied", None, Fraction(0), False, (), selection(plan, done.feasible), ())
    with_stage = form.answer("none", False, e)
    if with_stage.any_feasible:
        selected = selection(plan, with_stage.feasible)
        stages = [s for bs, ss in zip(plan.branches, plan.stages) for b, s in zip(bs, ss)
                  if b.key in selected and s is not None]
        internship = internship_of(stages, facts, e.bound(with_stage.low), e.bound(with_stage.high),
                                   e.bound(with_stage.left))
        options = _options(form, facts, e, internship) if with_options else ()
        if options is None:
            return None
        return Outcome("internship", internship, Fraction(0), False, options, selected, ())
    conflict = Outcome("conflict", None, Fraction(0), False, (), frozenset(), ())
    if e.has_decision and form.answer("none", False, exact_inputs(plan, facts, decision=False)).any_feasible:
        return conflict
    more = form.answer("both", False, e)
    if not more.any_feasible:
        return conflict
    least = e.bound(more.least_added)
    options = _options(form, facts, e, None) if with_options else ()
    if options is None:
        return None
    return Outcome("missing", None, least.value, not least.closed, options, frozenset(), ())


def _options(form: ClosedForm, facts: Facts, e: Exact, current) -> tuple[Option, ...] | None:
    """As `solver._options`; None if some completed file falls outside the proved domain."""
    found = []
    if current is not None:
        found.append(Option("internship", Fraction(0), False, "internship", current))
    for kind, mode, category, _ in OPTION_KINDS:
        for todo_zero in (True, False):
            answer = form.answer(mode, todo_zero, e)
            if not answer.any_feasible:
                continue
            least = e.bound(answer.least_added)
            if least.value == 0 and least.closed:
                continue
            outcome = None
            if least.closed:
                outcome = decide(form, facts.plus(category, least.value), with_options=False)
                if outcome is None:
                    return None
            status = outcome.status if outcome else ("satisfied" if todo_zero else "internship")
            found.append(Option(kind, least.value, not least.closed, status,
                                outcome.internship if outcome else None))
    return minimal_options(found)
