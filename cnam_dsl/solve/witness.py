"""Where two sides (two sources, or one source in two versions of the rule base) answer differently.

Each side's answer is its requirement's closed form evaluated on one unknown
candidate (`terms.answer_terms`: the program the engine runs, on Z3 terms); Z3 looks for the plainest candidate on whom they
differ, the witness, that *kind* of divergence (the pair of answers, bounds
included) is blocked, and the search goes on until no new kind is left: the
kinds come plainest witness first, whatever Z3 was asked before in the
process (two runs print the same report). Candidates are looked for in
tiers, plainest first: experience only; then internships already done; then
a decided internship length, for candidates both sides would otherwise send
on an internship (the decision is then what they answer differently), and
only for pairs of statuses not seen yet (a decided length always differs
from the bounds the rules state).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import z3

from ..language.model import ADDED_ANY_FIELD, ADDED_IN_FIELD
from .backend import Backend, Extreme, q, value
from .closed_form import STATUSES
from .program import ClosedForm
from .terms import (
    DECISION, MAX_MONTHS, SEARCH_MS, STAGE_CLASSES, STATUS_CODES, AnswerTerms, Candidate, Maybe, answer_terms,
    simplest, stage_name, var_name,
)
from .values import SolverError

TIERS = ("plain", "internships", "decision")
MAX_PER_TIER = 24  # kinds of divergence looked for in each tier, at most
MAX_RETRIES = 3  # candidates tried for one kind when the engine does not confirm them
PLAIN_EXPERIENCE = [var_name(ADDED_IN_FIELD), var_name(ADDED_ANY_FIELD)]


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a label and the closed form of its requirement (one source; None: it states
    no pathway)."""

    label: str
    form: ClosedForm | None


@dataclass(frozen=True)
class Band:
    """Values of one fact (others as in the witness) for which the same divergence holds."""

    name: str
    low: Fraction
    low_closed: bool
    high: Fraction | None  # None: no upper end (up to the longest duration a file accepts)
    high_closed: bool


@dataclass(frozen=True)
class Found:
    """A divergence: the witness (values by variable name), its tier and kind, and its bands."""

    values: dict[str, Fraction]
    tier: str
    kind: tuple[tuple, tuple]
    bands: tuple[Band, ...]


@dataclass
class DivergenceSearch:
    """The search over two sides; `next()` gives the next divergence, `reject()` refuses the last one."""

    left: Side
    right: Side
    candidate: Candidate = field(default_factory=Candidate.fresh)
    backend: Backend = field(default_factory=lambda: Backend(SEARCH_MS))
    blocked: list[z3.BoolRef] = field(default_factory=list)
    seen_statuses: set[tuple[str, str]] = field(default_factory=set)
    excluded: list[z3.BoolRef] = field(default_factory=list)
    _tier: int = 0
    _count: int = 0
    _last: tuple | None = None
    _retries: int = 0

    def __post_init__(self) -> None:
        c = self.candidate
        self.terms = (answer_terms(c, self.left.form), answer_terms(c, self.right.form))

    def next(self) -> Found | None:
        """The next kind of divergence with its plainest witness; None when there is none left."""
        while self._tier < len(TIERS):
            tier = TIERS[self._tier]
            found = self._find(tier) if self._count < MAX_PER_TIER else None
            if found is not None:
                self._count += 1
                return found
            self._tier, self._count = self._tier + 1, 0
        return None

    def reject(self, found: Found) -> None:
        """The engine does not confirm this witness: look for another candidate of the same kind."""
        self._retries += 1
        self.excluded.append(z3.Not(z3.And(self.candidate.fixed(found.values))))
        if self._retries <= MAX_RETRIES and self._last is not None:
            block, statuses = self._last
            self.blocked = [f for f in self.blocked if f is not block]
            self.seen_statuses.discard(statuses)
            self._count -= 1
            self._last = None

    def _region(self, tier: str) -> list[z3.BoolRef]:
        c = self.candidate
        stages = [c.vars[stage_name(f, r)] for f, r in STAGE_CLASSES]
        if tier == "plain":
            return c.plain()
        if tier == "internships":
            return [z3.Not(c.decided), z3.Or([s > 0 for s in stages])]
        a, b = self.terms
        # Sorted: a set of strings iterates in an order that changes with PYTHONHASHSEED, and the order
        # of the terms given to Z3 changes the models it finds (here and in every later search).
        old = [z3.Not(z3.And(a.is_status(x), b.is_status(y))) for x, y in sorted(self.seen_statuses)]
        undecided = [(c.decided, z3.BoolVal(False)), (c.decision, q(0))]
        both_internship = [z3.substitute(t.status, *undecided) == STATUS_CODES["internship"] for t in (a, b)]
        return [c.decided] + both_internship + old

    def _find(self, tier: str) -> Found | None:
        a, b = self.terms
        differ = z3.Not(a.same(b))
        constraints = self.candidate.domain() + self._region(tier) + self.blocked + self.excluded + [differ]
        # The plainest divergent candidate left, then its kind (it is the plainest of that kind too): not
        # the kind of Z3's first model, which depends on the terms made before in the process (the
        # closed forms proved, or read from the cache; the comparisons before this one).
        if not self.backend.satisfiable(constraints):
            return None
        witness = simplest(self.candidate, constraints, backend=self.backend)
        if witness is None:  # cannot happen: some candidate meets the constraints
            raise SolverError("aucun témoin simple trouvé pour une divergence")
        model = self.backend.model(constraints + self.candidate.fixed(witness))
        if model is None:  # cannot happen: the witness meets the constraints
            raise SolverError("le témoin d'une divergence ne vérifie pas ses contraintes")
        kind = (kind_of(model, a), kind_of(model, b))
        match = z3.And(kind_formula(a, kind[0], tier), kind_formula(b, kind[1], tier))
        statuses = (kind[0][0], kind[1][0])
        self.blocked.append(z3.Not(match))
        self._last = (self.blocked[-1], None if statuses in self.seen_statuses else statuses)
        self.seen_statuses.add(statuses)
        bands = tuple(self._bands(witness, z3.And(match, differ)))
        return Found(witness, tier, kind, bands)

    def _bands(self, witness: dict[str, Fraction], holds: z3.BoolRef):
        """Bands along each fact of the witness (along plain experience when it has none)."""
        names = [n for n in self.candidate.vars if n in witness]
        if not any(n.startswith("exp:") for n in names):
            names = PLAIN_EXPERIENCE + names
        for name in names:
            band = band_of(self.candidate, witness, name, holds, self.backend)
            if band is not None:
                yield band


def kind_of(model: z3.ModelRef, t: AnswerTerms) -> tuple:
    """The kind of an answer in a model: its status, and for an internship its bounds."""
    status = STATUSES[int(value(model, t.status))]
    if status != "internship":
        return (status,)
    if z3.is_true(model.eval(t.decided, model_completion=True)):
        return (status, "decided", _maybe(model, t.standard))
    return (status, _maybe(model, t.low), _maybe(model, t.high), _maybe(model, t.standard))


def _maybe(model: z3.ModelRef, m: Maybe) -> Fraction | None:
    return value(model, m.value) if z3.is_true(model.eval(m.given, model_completion=True)) else None


def kind_formula(t: AnswerTerms, kind: tuple, tier: str) -> z3.BoolRef:
    """The answers of that kind (for a jury decision, of that status whatever the bounds)."""
    status = t.is_status(kind[0])
    if tier == "decision" or kind[0] != "internship":
        return status
    if kind[1] == "decided":
        return z3.And(status, t.decided, _is(t.standard, kind[2]))
    return z3.And(status, z3.Not(t.decided), _is(t.low, kind[1]), _is(t.high, kind[2]), _is(t.standard, kind[3]))


def _is(m: Maybe, v: Fraction | None) -> z3.BoolRef:
    return z3.Not(m.given) if v is None else z3.And(m.given, m.value == q(v))


# ---------------------------------------------------------------- bands


def band_of(c: Candidate, witness: dict[str, Fraction], name: str, holds: z3.BoolRef,
            backend: Backend) -> Band | None:
    """The values of one fact around the witness's for which the divergence holds; None if all do."""
    v = c.vars[name]
    pairs = [(other, q(witness.get(n, Fraction(0)))) for n, other in c.vars.items() if n != name]
    pairs.append((c.decided, z3.BoolVal(name == DECISION or DECISION in witness)))
    fails = z3.substitute(z3.Not(holds), *pairs)
    here = witness.get(name, Fraction(0))
    domain = [v >= 0, v <= MAX_MONTHS] + ([v > 0] if name == DECISION else [])
    above = _optimum(backend, domain + [fails, v >= q(here)], v, maximize=False)
    below = _optimum(backend, domain + [fails, v <= q(here)], v, maximize=True)
    if above is None and (below is None or (name == DECISION and below.value == 0)):
        return None
    low, low_closed = (Fraction(0), name != DECISION) if below is None else (below.value, not below.attained)
    high, high_closed = (None, False) if above is None else (above.value, not above.attained)
    return Band(name, low, low_closed, high, high_closed)


def _optimum(backend: Backend, constraints: list[z3.BoolRef], v: z3.ArithRef, maximize: bool) -> Extreme | None:
    """The least (or most) value of v under the constraints; None when none or beyond any file's durations."""
    extreme = backend.extreme(backend.optimizer(constraints), v, maximize)
    return None if extreme is None or extreme.value is None or extreme.value > MAX_MONTHS else extreme
