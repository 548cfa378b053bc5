"""Compile a requirement of the rule base (sources × diploma × milestone) into tracked Z3 constraints.

Every rule is guarded by its own tracking literal (`Implies(lit, constraint)`),
so that an unsatisfiable query comes back as the rules (and candidate facts)
responsible. Variables are reals, in months:

- `x[field,kind,level]`: the candidate's experience in each category;
- `add_in`, `add_any`: experience the candidate would still have to acquire
  (in the field / in any field), fixed to 0 unless the solver looks for what
  is missing;
- `L`: the length of the internship required; `todo`: what is left to do of
  it once the internships already done that count are deducted;
- `done[in_field,report]`: months of internships already done, by qualifier.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from .backend import q

from ..language.model import (
    ADDED_ANY_FIELD, ADDED_IN_FIELD, CATEGORIES, PROFESSIONAL_KINDS, ExperienceRule, Pathway,
    Provenance, RuleBase,
)


@dataclass(frozen=True, slots=True)
class Tracked:
    """What a tracking literal stands for: a rule (with provenance), or a candidate's fact (`rule` is then what
    the fact says: `solver.Session`'s fact values)."""

    key: str
    kind: str  # experience | internship | modulation | general | fact
    provenance: Provenance | None
    rule: object


@dataclass
class Requirement:
    """The compiled constraints of one or several sources for one diploma and milestone."""

    sources: tuple[str, ...]
    diploma: str
    milestone: str
    pathways: dict[str, tuple[Pathway, ...]]
    x: dict[tuple[str, str, str], z3.ArithRef]
    add_in: z3.ArithRef
    add_any: z3.ArithRef
    length: z3.ArithRef
    todo: z3.ArithRef
    done: dict[tuple[bool, bool], z3.ArithRef]
    selectors: dict[str, z3.BoolRef]
    decided: z3.BoolRef = field(default_factory=lambda: z3.Bool("decided"))
    has_decision: z3.BoolRef = field(default_factory=lambda: z3.Bool("has_decision"))
    by_commission: z3.BoolRef = field(default_factory=lambda: z3.Bool("by_commission"))
    duties: z3.BoolRef = field(default_factory=lambda: z3.Bool("duties"))
    constraints: list[z3.BoolRef] = field(default_factory=list)
    tracked: dict[str, Tracked] = field(default_factory=dict)  # literal name -> what it stands for
    literals: dict[str, z3.BoolRef] = field(default_factory=dict)

    def track(self, name: str, what: Tracked, constraint: z3.BoolRef) -> None:
        lit = z3.Bool(name)
        self.literals[name] = lit
        self.tracked[name] = what
        self.constraints.append(z3.Implies(lit, constraint))

    @property
    def rule_literals(self) -> list[z3.BoolRef]:
        return [lit for name, lit in self.literals.items() if self.tracked[name].kind != "fact"]

    def measure(self, rule: ExperienceRule) -> z3.ArithRef:
        terms = [self.x[c] for c in CATEGORIES if rule.counts(c)]
        if rule.counts(ADDED_IN_FIELD):
            terms.append(self.add_in)
        if rule.counts(ADDED_ANY_FIELD):
            terms.append(self.add_any)
        return z3.Sum(terms) if terms else q(0)


def compile_requirement(base: RuleBase, sources: tuple[str, ...], diploma: str, milestone: str,
                        on) -> Requirement:
    """Constraints that hold when every source's requirement is met (each by one of its pathways)."""
    req = Requirement(
        sources, diploma, milestone,
        {s: base.pathways_for(s, diploma, milestone, on) for s in sources},
        {c: z3.Real("x_" + "_".join(c)) for c in CATEGORIES},
        z3.Real("add_in"), z3.Real("add_any"), z3.Real("L"), z3.Real("todo"),
        {(i, r): z3.Real(f"done_{int(i)}{int(r)}") for i in (True, False) for r in (True, False)},
        {},
    )
    req.constraints += [v >= 0 for v in req.x.values()]
    req.constraints += [req.add_in >= 0, req.add_any >= 0, req.todo >= 0, req.length >= 0]
    req.constraints += [v >= 0 for v in req.done.values()]
    for source in sources:
        pathways = req.pathways[source]
        early = base.early_review_of(source)
        for p in pathways:
            req.selectors[p.key] = z3.Bool(f"sel:{p.key}")
            _compile_pathway(req, p, early is not None and early.commission_sets)
        req.constraints.append(z3.Or([req.selectors[p.key] for p in pathways]))
        for g in base.generals_of(source):
            _compile_general(req, g, pathways)
    return req


def _compile_pathway(req: Requirement, p: Pathway, commission_sets: bool) -> None:
    sel = req.selectors[p.key]
    for i, rule in enumerate(p.experience):
        measure = req.measure(rule)
        bound = measure >= q(rule.least) if rule.least is not None else measure > 0
        req.track(f"r:{p.key}:exp{i}", Tracked(rule.key, "experience", rule.provenance, rule),
                  z3.Implies(sel, bound))
    stage = p.internship
    if stage is None:
        return
    active = z3.And(sel, z3.Not(req.duties)) if stage.waivable else sel
    done = req.done[(stage.in_field, stage.needs_report)]
    # What an internship is: a positive length, of which what was done counts.
    req.constraints.append(z3.Implies(active, z3.And(req.length > 0, req.todo >= req.length - done)))
    bounds = []
    if stage.most is not None:
        bounds.append(req.length <= q(stage.most))
    if stage.least is not None:
        modulated = z3.Bool(f"mod:{p.key}")
        floor = req.length >= q(stage.least)
        bounds.append(z3.Or(floor, modulated) if stage.modulation else floor)
        if stage.modulation is not None:  # lowered only by a decision, never under the floor
            m = stage.modulation
            req.track(f"r:{p.key}:mod", Tracked(m.key, "modulation", m.provenance, m),
                      z3.Implies(modulated, z3.And(req.decided, req.length >= q(m.floor))))
    within = z3.And(bounds) if bounds else z3.BoolVal(True)
    if commission_sets:  # the commission's recorded decision sets the length itself
        within = z3.Or(z3.And(req.by_commission, req.decided), within)
    req.track(f"r:{p.key}:stage", Tracked(stage.key, "internship", stage.provenance, stage),
              z3.Implies(active, within))
    if stage.needs_decision:  # no internship done completes it before the decision
        req.track(f"r:{p.key}:decided", Tracked(stage.key, "decided", stage.decided_provenance, stage),
                  z3.Implies(z3.And(active, z3.Not(req.decided)), req.todo > 0))


def _compile_general(req: Requirement, rule, pathways: tuple[Pathway, ...]) -> None:
    """`un stage seul ne suffit jamais`: a pathway with an internship needs some experience too."""
    professional = ExperienceRule(rule.key, False, PROFESSIONAL_KINDS, False, False, None, rule.provenance)
    with_stage = [req.selectors[p.key] for p in pathways if p.internship is not None]
    if with_stage:
        req.track(f"r:{rule.key}", Tracked(rule.key, "general", rule.provenance, rule),
                  z3.Implies(z3.Or(with_stage), req.measure(professional) > 0))
