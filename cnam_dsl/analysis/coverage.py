"""Rule coverage: for each statement of the rule base, the worked examples that exercise it, and on which side of
each of its thresholds they stand (no solver: the examples' candidates are counted as the engine counts them).

What exercises what:

- a pathway (`voie`, `reprise`, `vae`) is exercised by each example whose
  question reaches it: same source, its diploma (or one that takes it over
  by `reprise`) at one of its milestones on the examples' day, or, for VAE,
  a certification asked in a year it is in force;
- an experience requirement by those examples, each standing below its least
  duration, exactly at it, or above (for « de toute durée »: none or some);
- a qualifier (« dans le domaine », a kind, « de niveau suffisant »,
  « à temps plein ») by the examples whose candidate has experience it sets
  aside (the months counted would change without it; for « à temps plein »,
  part-time experience);
- an internship's floor and ceiling by the examples with a decided length,
  or with internships done that count towards it, below, at or above;
  its « dans le domaine » and report by examples with an internship done that
  they set aside; who decides by the examples with a decided length, or that say who decides
  (`attendu stage …, durée décidée par …`);
- a VAE yearly limit by the examples with requests filed that year.

A statement is complete when some example exercises it, each threshold has
an example below it and one at or above it, and each qualifier is put to the
test. `cnam check --coverage` prints them; the language server shows a hint on
incomplete statements; each diploma's documentation page has the table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..answer.describe import (
    AUTHORITY_FR, KIND_FR, experience_fr, internship_fr, limit_fr, modulation_fr, months_fr,
)
from ..candidate import Facts, ProfileError, facts_of, read_profile
from ..diagnostics import Diagnostic
from ..language.model import (
    CATEGORIES, PROFESSIONAL_KINDS, Example, ExperienceRule, Pathway, RuleBase, VaeRules,
)
from ..span import Span
from .verify import EXAMPLE_DAY

SIDES = ("below", "at", "above")
SIDE_FR = {"below": "sous le seuil", "at": "au seuil", "above": "au-dessus"}
ANY_DURATION = "une expérience de toute durée"


@dataclass(frozen=True)
class Threshold:
    """A duration (or count) of a statement and the examples below it, exactly at it, above it."""

    label: str
    value: Fraction
    below: tuple[str, ...] = ()
    at: tuple[str, ...] = ()
    above: tuple[str, ...] = ()

    def gaps(self) -> list[str]:
        if self.label == ANY_DURATION:
            return ((["aucun exemple sans cette expérience"] if not self.below else [])
                    + (["aucun exemple avec cette expérience"] if not self.above else []))
        found = []
        if not self.below:
            found.append(f"aucun exemple sous le seuil — {self.label}")
        if not self.at and not self.above:
            found.append(f"aucun exemple au seuil ou au-dessus — {self.label}")
        return found

    def to_json(self) -> dict:
        return {"label": self.label, "value": float(self.value), "below": list(self.below), "at": list(self.at),
                "above": list(self.above)}


@dataclass(frozen=True)
class Qualifier:
    """A qualifier of a statement and the examples whose candidate it sets something aside for; `effective`
    False when it sets nothing aside for any candidate (« de niveau suffisant » beside « dans le domaine »,
    « à temps plein » where experience counts in full-time equivalent anyway): no example can test it."""

    words: str
    examples: tuple[str, ...]
    effective: bool = True


@dataclass(frozen=True)
class Covered:
    """A statement of the rules, in French, where it is written, and what the worked examples do with it."""

    kind: str  # pathway | reprise | vae | experience | internship | modulation | decider | report | limit
    span: Span
    text: str
    source: str
    examples: tuple[str, ...]
    thresholds: tuple[Threshold, ...] = ()
    qualifiers: tuple[Qualifier, ...] = ()
    diplomas: tuple[str, ...] = field(default=())

    def gaps(self) -> list[str]:
        """What the examples leave untested, in French (empty: complete)."""
        if not self.examples:
            return ["aucun exemple ne l'exerce"]
        found = [g for t in self.thresholds for g in t.gaps()]
        found += [f"aucun exemple ne met « {q.words} » à l'épreuve" for q in self.qualifiers
                  if q.effective and not q.examples]
        return found

    def to_json(self) -> dict:
        return {"file": self.span.file, "line": self.span.line, "kind": self.kind, "statement": self.text,
                "source": self.source, "diplomas": list(self.diplomas), "examples": list(self.examples),
                "thresholds": [t.to_json() for t in self.thresholds],
                "qualifiers": [{"qualifier": q.words, "examples": list(q.examples), "effective": q.effective}
                               for q in self.qualifiers],
                "complete": not self.gaps(), "gaps": self.gaps()}


@dataclass(frozen=True)
class Case:
    """A worked example as coverage reads it: its title, its counted facts and its candidate."""

    example: Example
    facts: Facts
    part_time: frozenset[tuple[str, str, str]]  # categories with experience at less than full time

    @property
    def title(self) -> str:
        return self.example.title


def coverage(base: RuleBase) -> list[Covered]:
    """Every statement of the rule base, in file order, with the examples that exercise it."""
    cases = [_case(ex) for ex in base.examples]
    cases = [c for c in cases if c is not None]
    found = []
    for p in base.pathways:
        if p.reused_from is None:
            found += _pathway(base, p, [c for c in cases if _reaches(base, c.example, p)])
    reprises: dict[Span, list[Pathway]] = {}
    for p in base.pathways:
        if p.reused_from is not None:
            reprises.setdefault(p.provenance.span, []).append(p)
    for span, copies in reprises.items():
        reached = [c.title for c in cases if any(_reaches(base, c.example, p) for p in copies)]
        found.append(Covered("reprise", span, f"reprise : {copies[0].diploma} prend les voies de "
                             f"{_model(base, copies[0]).diploma}", copies[0].source, tuple(dict.fromkeys(reached)),
                             diplomas=(copies[0].diploma,)))
    for v in base.vae:
        found += _vae(v, [c for c in cases if _reaches_vae(c.example, v)])
    return sorted(found, key=lambda c: (c.span.file, c.span.line, c.kind))


def _case(ex: Example) -> Case | None:
    try:
        profile = read_profile(ex.candidate, origin=f"exemple « {ex.title} »")
    except ProfileError:  # an example the checker already reports: it exercises nothing
        return None
    part_time = frozenset((e.field if e.level == "sufficient" else "out", e.kind, e.level)
                          for e in profile.experiences if e.time_share < 1)
    return Case(ex, facts_of(profile, EXAMPLE_DAY), part_time)


def _reaches(base: RuleBase, ex: Example, p: Pathway) -> bool:
    if ex.certification is not None or ex.source != p.source:
        return False
    keys = {q.key for q in base.pathways_for(ex.source, ex.diploma, ex.milestone, EXAMPLE_DAY)}
    return p.key in keys or any(k.startswith(p.key + "->") for k in keys)


def _reaches_vae(ex: Example, v: VaeRules) -> bool:
    return ex.certification is not None and ex.source == v.source and v.in_force_during(ex.year or EXAMPLE_DAY.year)


def _model(base: RuleBase, copy: Pathway) -> Pathway:
    return next(p for p in base.pathways if p.key == copy.reused_from)


# ---------------------------------------------------------------- statements of a pathway


def _pathway(base: RuleBase, p: Pathway, cases: list[Case]) -> list[Covered]:
    diplomas = (p.diploma,) + tuple(q.diploma for q in base.pathways if q.reused_from == p.key)
    titles = tuple(c.title for c in cases)
    found = [Covered("pathway", p.provenance.span, f"voie « {p.name} » pour {p.diploma}", p.source, titles,
                     diplomas=diplomas)]
    found += [replace(_experience(r, cases), diplomas=diplomas) for r in p.experience]
    if p.internship is not None:
        found += [replace(c, diplomas=diplomas) for c in _internship(p, cases)]
    return found


def _experience(rule: ExperienceRule, cases: list[Case]) -> Covered:
    titles = tuple(c.title for c in cases)
    counted = [(c.title, rule.counted(c.facts.experience)) for c in cases]
    if rule.least is not None:
        thresholds = (_threshold(f"{months_fr(rule.least)} d'expérience", rule.least, counted),)
    else:
        thresholds = (Threshold(ANY_DURATION, Fraction(0), tuple(t for t, m in counted if m <= 0), (),
                                tuple(t for t, m in counted if m > 0)),)
    qualifiers = [Qualifier(words, tuple(c.title for c in cases if rule.counted(c.facts.experience)
                                         != looser.counted(c.facts.experience)),
                            any(rule.counts(k) != looser.counts(k) for k in CATEGORIES))
                  for words, looser in _looser(rule)]
    if rule.full_time:  # experience counts in full-time equivalent whatever the rule says
        qualifiers.append(Qualifier("à temps plein", tuple(c.title for c in cases
                                                          if any(rule.counts(k) for k in c.part_time)), False))
    return Covered("experience", rule.provenance.span, experience_fr(rule), rule.provenance.source, titles,
                   thresholds, tuple(qualifiers))


def _looser(rule: ExperienceRule) -> list[tuple[str, ExperienceRule]]:
    """Each qualifier of the rule with the rule without it."""
    found = []
    if rule.in_field:
        found.append(("dans le domaine", replace(rule, in_field=False)))
    if rule.kinds != PROFESSIONAL_KINDS:
        found.append((", ".join(KIND_FR[k] for k in KIND_FR if k in rule.kinds), replace(rule, kinds=PROFESSIONAL_KINDS)))
    if rule.sufficient_level:
        found.append(("de niveau suffisant", replace(rule, sufficient_level=False)))
    return found


def _internship(p: Pathway, cases: list[Case]) -> list[Covered]:
    stage = p.internship
    titles = tuple(c.title for c in cases)
    key = (stage.in_field, stage.needs_report)
    brought = [(c.title, c.facts.decision if c.facts.decision is not None else c.facts.done[key]) for c in cases
               if c.facts.decision is not None or c.facts.done[key] > 0]
    bounds = [(f"durée minimale du stage, {months_fr(stage.least)}", stage.least),
              (f"durée maximale du stage, {months_fr(stage.most)}", stage.most)]
    if stage.standard is not None:
        bounds = [(f"durée du stage, {months_fr(stage.standard)}", stage.standard)]
    thresholds = tuple(_threshold(label, value, brought) for label, value in bounds if value is not None)
    qualifiers = []
    if stage.in_field:
        qualifiers.append(Qualifier("dans le domaine", tuple(c.title for c in cases
                                                             if c.facts.done[(False, stage.needs_report)] != c.facts.done[key])))
    if stage.report:
        qualifiers.append(_report_qualifier("avec rapport", stage.in_field, cases))
    found = [Covered("internship", stage.provenance.span, internship_fr(stage), p.source, titles, thresholds,
                     tuple(qualifiers))]
    decided = tuple(c.title for c in cases if c.facts.decision is not None
                    or any(e.decided_by for e in c.example.expected))  # a decided length, or who decides said
    if stage.modulation is not None:
        m = stage.modulation
        found.append(Covered("modulation", m.provenance.span, modulation_fr(m), p.source, titles,
                             (_threshold(f"plancher de la modulation, {months_fr(m.floor)}", m.floor,
                                         [(c.title, c.facts.decision) for c in cases if c.facts.decision is not None]),),
                             (Qualifier(f"par {AUTHORITY_FR[m.authority]}", decided),)))
    if stage.decided_provenance is not None:
        found.append(Covered("decider", stage.decided_provenance.span,
                             f"durée décidée par {AUTHORITY_FR[stage.decided_by]}", p.source, titles,
                             qualifiers=(Qualifier(f"par {AUTHORITY_FR[stage.decided_by]}", decided),)))
    if stage.report_provenance is not None:
        found.append(Covered("report", stage.report_provenance.span, "rapport de stage exigé", p.source, titles,
                             qualifiers=(_report_qualifier("rapport exigé", stage.in_field, cases),)))
    return found


def _report_qualifier(words: str, in_field: bool, cases: list[Case]) -> Qualifier:
    return Qualifier(words, tuple(c.title for c in cases
                                  if c.facts.done[(in_field, False)] != c.facts.done[(in_field, True)]))


def _threshold(label: str, value: Fraction, brought: list[tuple[str, Fraction]]) -> Threshold:
    sides = {s: [] for s in SIDES}
    for title, months in brought:
        sides["below" if months < value else "at" if months == value else "above"].append(title)
    return Threshold(label, value, *(tuple(sides[s]) for s in SIDES))


# ---------------------------------------------------------------- VAE


def _vae(v: VaeRules, cases: list[Case]) -> list[Covered]:
    titles = tuple(c.title for c in cases)
    found = [Covered("vae", v.provenance.span, f"recevabilité VAE « {v.key.split('/')[-1]} »", v.source, titles)]
    found += [_experience(r, cases) for r in v.experience]
    for limit in v.limits:
        counted = []
        for c in cases:
            ex = c.example
            year = ex.year or EXAMPLE_DAY.year
            requests = [r for r in ex.candidate.get("vae_requests", []) if r["year"] == year]
            if limit.per_certification:
                count = sum(r["certification"] == ex.certification for r in requests)
            else:
                count = len({r["certification"] for r in requests} - {ex.certification})
            if requests:
                counted.append((c.title, Fraction(count)))
        found.append(Covered("limit", limit.provenance.span, limit_fr(limit), v.source, titles,
                             (_threshold(f"limite de {limit.most} demande(s)", Fraction(limit.most), counted),)))
    return found


# ---------------------------------------------------------------- reports


def coverage_hints(base: RuleBase) -> list[Diagnostic]:
    """A hint on each statement the worked examples leave incomplete (for the language server)."""
    return [Diagnostic("hint", "H400", "exemples à compléter : " + " ; ".join(c.gaps()), c.span)
            for c in coverage(base) if c.gaps()]


def coverage_text(found: list[Covered]) -> str:
    """The coverage in French: one line per statement, grouped by file, its gaps after it."""
    complete = sum(not c.gaps() for c in found)
    lines = [f"Couverture des règles par les exemples : {len(found)} instruction(s), {complete} complète(s), "
             f"{len(found) - complete} à compléter."]
    file = None
    for c in found:
        if c.span.file != file:
            file = c.span.file
            lines += ["", file]
        mark = "✓" if not c.gaps() else "✗"
        lines.append(f"  {c.span.line:>3} {mark} {c.text} — {_examples_fr(c.examples)}")
        for t in c.thresholds:
            lines.append(f"        {t.label} : " + ", ".join(f"{SIDE_FR[s]} {len(getattr(t, s))}" for s in SIDES))
        for q in c.qualifiers:
            lines.append(f"        « {q.words} » mis à l'épreuve : {_examples_fr(q.examples)}" if q.effective else
                         f"        « {q.words} » : sans effet sur ce qui est compté, aucun exemple ne peut le tester")
        for gap in c.gaps():
            lines.append(f"        à compléter : {gap}")
    return "\n".join(lines)


def _examples_fr(titles: tuple[str, ...]) -> str:
    if not titles:
        return "aucun exemple"
    shown = ", ".join(f"« {t} »" for t in titles[:3])
    return f"{len(titles)} exemple(s) : {shown}" + (", …" if len(titles) > 3 else "")
