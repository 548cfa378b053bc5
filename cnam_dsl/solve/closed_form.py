"""A requirement's closed form: the rules' answer from a candidate's aggregated months, written once over abstract
operations (no Z3, no numbers of any particular kind here).

`plan_of` reads a requirement (sources × diploma × milestone × day) off the
rule base as a `Plan`: for each source, its pathways (`Branch`), each with
its experience thresholds and internship bounds. One pathway per source makes
a combination; the constraints hold exactly when one combination's do. For a
combination, each question the engine asks has a piecewise-linear answer in
the candidate's months: a threshold is met or not, the least experience
still missing is the largest shortfall, the internship lies between the
largest floor and the smallest ceiling.

`scenario` answers one question the engine asks; `decision` combines the
questions into the answer (status, the pathways retained, the internship's
bounds, what is missing, the candidate options). Both are written once, over
abstract operations; traced, they become a `program.Program` (straight-line
operations), which runs on every kind of numbers the project needs: Z3 terms
(the proof that each question's answer is the constraints', `proof`; the
search for witnesses, `terms`), exact integers for one candidate (`scalar`,
through generated Python), int64 columns for a cohort (`table`). What is
proved equal to the constraints is what runs, everywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from ..language.model import ADDED_ANY_FIELD, ADDED_IN_FIELD, CATEGORIES, PROFESSIONAL_KINDS, ExperienceRule, RuleBase
from .values import DONE_KEYS, OPTION_KINDS, exact

FORMAT = 2  # bumped whenever what a plan means changes: proofs recorded for older plans no longer count


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
    """An internship: floor (every modulation taken, which a decision allows) and ceiling, the floor in force
    as long as no decision is (`standard`), which internships done count, whether a decision must set it
    (`needs`), whether the commission's decision sets it (`commission`), whether duties taken up during the
    training waive it."""

    floor: Fraction | None
    ceiling: Fraction | None
    done: int  # index into values.DONE_KEYS
    standard: Fraction | None = None
    needs: bool = False
    commission: bool = False
    waivable: bool = False


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


def _stage(stage, commission: bool) -> Stage:
    floor, ceiling = stage.lengths()
    standard = stage.least if stage.least is not None and stage.least > 0 else None
    return Stage(None if floor is None else exact(floor), None if ceiling is None else exact(ceiling),
                 DONE_KEYS.index((stage.in_field, stage.needs_report)), None if standard is None else exact(standard),
                 stage.needs_decision, commission, stage.waivable)


def plan_of(base: RuleBase, sources: tuple[str, ...], diploma: str, milestone: str, on: date) -> Plan | None:
    """The closed form of a requirement; None where it has no pathway to read (the solver answers)."""
    branches, stages = [], []
    for source in sources:
        pathways = base.pathways_for(source, diploma, milestone, on)
        if not pathways:
            return None
        early = base.early_review_of(source)
        commission = early is not None and early.commission_sets
        branches.append(tuple(Branch(p.key, tuple(_threshold(r) for r in p.experience),
                                     None if p.internship is None else _stage(p.internship, commission))
                              for p in pathways))
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
    constants += [v for c in combinations for s in c.stages for v in (s.floor, s.ceiling, s.standard) if v is not None]
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
    by_commission: object = False  # the recorded decision is the commission's
    complement: object = 0  # more professional experience decided (months; 0: none)
    duties: object = False  # duties taken up during the training


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
    if mode == "none":  # a complement of experience decided cannot be met without more experience
        met = ops.and_(met, ops.ge(zero, inp.complement))
    else:
        need = ops.max(need, inp.complement)
    added = Optimum(need, ops.not_(ops.and_(strict_zero, ops.ge(zero, need))), ops.true)
    stages = combination.stages
    if not any(s.waivable for s in stages):
        fits, low, high, left = _internship(ops, inp, stages, todo_zero, zero)
    else:  # duties taken up during the training waive some internships
        required = _internship(ops, inp, stages, todo_zero, zero)
        waived = _internship(ops, inp, tuple(s for s in stages if not s.waivable), todo_zero, zero)
        fits, low, high, left = (
            ops.ite(inp.duties, w, r) if not isinstance(r, Optimum)
            else Optimum(*(ops.ite(inp.duties, a, b) for a, b in zip((w.value, w.closed, w.bounded),
                                                                     (r.value, r.closed, r.bounded))))
            for r, w in zip(required, waived))
    return ops.and_(met, fits), added, low, high, left


def _internship(ops, inp: Inputs, stages: tuple[Stage, ...], todo_zero: bool, zero):
    """(fits, least length, most length, least left to do) of the internship these stages ask for.

    With a decision recorded, its length is the internship's, within each stage's bounds (the modulation
    allowed) unless the commission, where it sets the complement, took it. Without one, the internship
    still to do may be set by a decision to come (every modulation allowed); but nothing is complete as the
    file stands unless the length in force without a decision (no modulation; no stage whose length a
    decision must set) is done."""
    dec, has_dec = inp.decision, inp.has_decision
    if not stages:
        fits = ops.ite(has_dec, ops.ge(dec, zero), ops.true)
        return (fits, Optimum(ops.ite(has_dec, dec, zero), ops.true, ops.true),
                Optimum(ops.ite(has_dec, dec, zero), ops.true, has_dec), Optimum(zero, ops.true, ops.true))
    done = [inp.done[s.done] for s in stages]
    least_done = done[0]
    for d in done[1:]:
        least_done = ops.min(least_done, d)
    # A decision recorded: its length must fit each stage (the commission's, where it sets it, fits any), and
    # what was done must cover it if nothing is left to do.
    decided_fits = _within(ops, dec, [s for s in stages if not s.commission], "floor", done if todo_zero else [])
    if any(s.commission for s in stages):
        decided_fits = ops.and_(decided_fits, ops.or_(inp.by_commission, _within(
            ops, dec, [s for s in stages if s.commission], "floor", [])))
        if todo_zero:
            for d in done:
                decided_fits = ops.and_(decided_fits, ops.ge(d, dec))
    decided = (decided_fits, Optimum(dec, ops.true, ops.true), Optimum(dec, ops.true, ops.true),
               Optimum(ops.max(zero, ops.sub(dec, least_done)), ops.true, ops.true))
    if todo_zero:  # as the file stands: no decision to come, nothing waiting for one
        as_is = ops.false if any(s.needs for s in stages) else _interval(ops, stages, "standard", done, zero)[0]
        free = (as_is,) + decided[1:]
    else:  # a decision may come: the commission's only if recorded (`by_commission` without one: the
        # question whether the recorded decision is what stops the internship)
        free = _free(ops, inp, stages, least_done, zero)
    return tuple(_pick(ops, has_dec, d, f) for d, f in zip(decided, free))


def _free(ops, inp: Inputs, stages: tuple[Stage, ...], least_done, zero):
    """(fits, low, high, left) when a decision may still come: every modulation allowed, the commission's
    freedom where its decision is recorded."""
    every = _interval_answer(ops, stages, least_done, zero)
    if not any(s.commission for s in stages):
        return every
    bound = _interval_answer(ops, tuple(s for s in stages if not s.commission), least_done, zero)
    return tuple(_pick(ops, inp.by_commission, b, a) for b, a in zip(bound, every))


def _interval_answer(ops, stages, least_done, zero):
    fits, low, high = _interval(ops, stages, "floor", (), zero)
    gap = ops.sub(low.value, least_done)
    left = Optimum(ops.max(zero, gap), ops.or_(low.closed, ops.gt(zero, gap)), ops.true)
    return fits, low, high, left


def _interval(ops, stages, floor_of: str, caps, zero):
    """Whether some length fits every stage (from each stage's `floor_of`, a floor or the standard length,
    to its ceiling and every cap): (fits, least, most)."""
    floors = [getattr(s, floor_of) for s in stages if getattr(s, floor_of) is not None]
    floor = max(floors, default=Fraction(0))
    floor_closed = floor > 0  # the length is positive: with no positive floor, it only tends to 0
    low = ops.const(max(floor, Fraction(0)))
    ceiling = None
    for c in [ops.const(s.ceiling) for s in stages if s.ceiling is not None] + list(caps):
        ceiling = c if ceiling is None else ops.min(ceiling, c)
    fits = ops.true if ceiling is None else (ops.ge(ceiling, low) if floor_closed else ops.gt(ceiling, low))
    high = Optimum(zero, ops.true, ops.false) if ceiling is None else Optimum(ceiling, ops.true, ops.true)
    return fits, Optimum(low, ops.true if floor_closed else ops.false, ops.true), high


def _within(ops, value, stages, floor_of: str, caps):
    """Whether a length fits these stages (their floors or standard lengths, ceilings, and the caps)."""
    floors = [getattr(s, floor_of) for s in stages if getattr(s, floor_of) is not None]
    floor = max(floors, default=Fraction(0))
    fits = ops.ge(value, ops.const(floor)) if floor > 0 else ops.gt(value, ops.const(Fraction(0)))
    for c in [ops.const(s.ceiling) for s in stages if s.ceiling is not None] + list(caps):
        fits = ops.and_(fits, ops.ge(c, value))
    return fits


def _pick(ops, condition, a, b):
    """`a` where the condition holds, else `b` (a value or an `Optimum`)."""
    if isinstance(a, Optimum):
        return Optimum(*(ops.ite(condition, x, y) for x, y in zip((a.value, a.closed, a.bounded),
                                                                  (b.value, b.closed, b.bounded))))
    return ops.ite(condition, a, b)


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




# ---------------------------------------------------------------- the questions combined into the answer

# The questions the engine asks, as (what may be added, the internship must be done).
QUESTIONS = (("none", True), ("none", False), ("both", False), ("in", True), ("in", False), ("any", True),
             ("any", False))
STATUSES = ("satisfied", "internship", "missing", "conflict")  # a decision's status, by its code
# The candidate options a decision considers, in order: (kind, what may be added, where the experience
# goes, the internship must be done).
OPTIONS = tuple((kind, mode, category, todo_zero) for kind, mode, category, _ in OPTION_KINDS
                for todo_zero in (True, False))


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer, in some kind of numbers: the status's code (`STATUSES`), the combination of pathways the
    answer rests on (its index in `Plan.combinations`, -1 for none), the internship's least and most length
    and least left to do, the least experience missing, and for each candidate option (`OPTIONS`) whether
    it is one and its least months (`Optimum`: value, attained)."""

    status: object
    combination: object
    low: Optimum
    high: Optimum
    left: Optimum
    least: Optimum
    options: tuple[tuple[object, Optimum], ...]


def first_feasible(ops, feasible: tuple):
    """The index of the first feasible combination, -1 if none. It is the retained one: taking, for each source
    in turn, the first pathway that can hold with those already retained picks the first combination in the
    order of `Plan.combinations` (one pathway per source, in the order of the rule files)."""
    index = ops.code(-1)
    for i in range(len(feasible) - 1, -1, -1):
        index = ops.ite(feasible[i], ops.code(i), index)
    return index


def decision(ops, plan: Plan, inp: Inputs, answers: dict | None = None) -> Decision:
    """The answer (codes, such as the status's, are `ops.code(n)`: integers, never scaled like months) to a
    candidate: satisfied if no internship is left to do; else an internship if one is possible; else a
    conflict if the decided length is what stops it, or if even more experience could not meet the rules;
    else missing. `answers` are the questions' (`scenario`), computed here if not given."""
    a = answers or {q: scenario(ops, plan, inp, *q) for q in QUESTIONS}
    free = scenario(ops, plan, Inputs(inp.x, inp.done, ops.false, inp.decision, inp.by_commission, inp.complement,
                                      inp.duties), "none", False)
    finished, staged, possible = a[("none", True)].any_feasible, a[("none", False)].any_feasible, \
        a[("both", False)].any_feasible
    decided_conflict = ops.and_(inp.has_decision, free.any_feasible)
    conflict = ops.or_(decided_conflict, ops.not_(possible))
    status = ops.ite(finished, ops.code(0), ops.ite(staged, ops.code(1), ops.ite(conflict, ops.code(3), ops.code(2))))
    combination = ops.ite(finished, first_feasible(ops, a[("none", True)].feasible),
                          ops.ite(staged, first_feasible(ops, a[("none", False)].feasible), ops.code(-1)))
    open_ = ops.and_(ops.not_(finished), ops.or_(staged, ops.not_(conflict)))  # an internship, or missing
    zero = ops.const(Fraction(0))
    options = []
    for _, mode, _, todo_zero in OPTIONS:
        answer = a[(mode, todo_zero)]
        least = answer.least_added
        trivial = ops.and_(ops.eq(least.value, zero), least.closed)
        options.append((ops.and_(open_, ops.and_(answer.any_feasible, ops.not_(trivial))), least))
    staged_answer = a[("none", False)]
    return Decision(status, combination, staged_answer.low, staged_answer.high, staged_answer.left,
                    a[("both", False)].least_added, tuple(options))
