"""Mutation operators: a checked rule base → its mutants, each one statement of the rules changed.

The operators are fixed (documented in `docs/coverage.md`); each mutant says
which operator made it, the file and line of the statement it changes and,
in French, what it changes:

- `duration`: each duration (an experience's least, an internship's length,
  least or most, a modulation's floor) 1 month and 12 months shorter and
  longer (a mutant that the checker would refuse, a length of 0 or a floor
  above the ceiling, is not made);
- `qualifier`: each qualifier removed: of an experience, « dans le domaine »,
  its kinds (« salariée »…: back to professional experience), « de niveau
  suffisant », « à temps plein »; of an internship, « dans le domaine »,
  « avec rapport », « rapport exigé »;
- `decider`: who sets an internship's length (and who modulates it) changed
  to each other authority the language knows;
- `modulation_floor`: a modulation's floor dropped (the length may then go
  down to nothing);
- `pathway`: each pathway (`voie`) deleted, and each `reprise` (every pathway
  it copies);
- `milestones`: each milestone of a pathway removed (when it has several), each
  milestone of its diploma it lacks added;
- `validity`: each validity period widened and narrowed by one year at each
  of its ends.

A pathway that a `reprise` copies is changed in its copies too (the
statement is written once). Making mutants needs no solver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

from ..answer.describe import AUTHORITY_FR, kinds_fr, months_fr
from ..language.model import (
    MILESTONE_FR, PROFESSIONAL_KINDS, ExperienceRule, InternshipRule, Pathway, RuleBase, VaeRules,
)
from ..span import Span

OPERATORS = ("duration", "qualifier", "decider", "modulation_floor", "pathway", "milestones", "validity")
STEPS = (-12, -1, 1, 12)  # months added to each duration


@dataclass(frozen=True, eq=False)
class Mutant:
    """The rule base with one statement changed: by which operator, where, and what, in French."""

    operator: str
    span: Span
    description: str
    base: RuleBase

    @property
    def file(self) -> str:
        return self.span.file

    @property
    def line(self) -> int:
        return self.span.line


def mutants_of(base: RuleBase) -> list[Mutant]:
    """Every mutant of the rule base, in a fixed order (file order of the statements, then operator)."""
    found = []
    for p in base.pathways:
        if p.reused_from is None:
            found += _pathway_mutants(base, p)
    for span, copies in _reprises(base).items():
        found.append(Mutant("pathway", span, f"reprise supprimée ({len(copies)} voie(s) de "
                            f"{copies[0].diploma} copiées de {_model_diploma(base, copies[0])})",
                            _without(base, {p.key for p in copies})))
    for v in base.vae:
        found += _vae_mutants(base, v)
    return sorted(found, key=lambda m: (m.file, m.line, OPERATORS.index(m.operator)))


# ---------------------------------------------------------------- pathways


def _pathway_mutants(base: RuleBase, p: Pathway) -> list[Mutant]:
    found = []
    for i, rule in enumerate(p.experience):
        def put(new, i=i):
            return _changed(base, p.key, lambda q: replace(q, experience=q.experience[:i] + (new,)
                                                           + q.experience[i + 1:]))
        found += _experience_mutants(base, rule, put)
    if p.internship is not None:
        found += _internship_mutants(base, p)
    found.append(Mutant("pathway", p.provenance.span, f"voie « {p.name} » supprimée ({p.diploma})",
                        _without(base, {p.key} | {q.key for q in base.pathways if q.reused_from == p.key})))
    found += _milestone_mutants(base, p)
    found += _validity_mutants(base, p, lambda **dates: _changed(base, p.key, lambda q: replace(q, **dates)))
    return found


def _experience_mutants(base: RuleBase, rule: ExperienceRule, put) -> list[Mutant]:
    """The mutants of an experience requirement; `put(new_rule)` gives the rule base with it instead."""
    span, found = rule.provenance.span, []
    if rule.least is not None:
        for months in _steps(rule.least):
            found.append(Mutant("duration", span, f"expérience exigée : {_m(months)} au lieu de {_m(rule.least)}",
                                put(replace(rule, least=months))))
    if rule.in_field:
        found.append(Mutant("qualifier", span, f"expérience : « {_field_words(base, span)} » retiré",
                            put(replace(rule, in_field=False))))
    if rule.kinds != PROFESSIONAL_KINDS:
        found.append(Mutant("qualifier", span, f"expérience : « {kinds_fr(rule.kinds)} » retiré (expérience "
                            "professionnelle, salariée ou non)", put(replace(rule, kinds=PROFESSIONAL_KINDS))))
    if rule.sufficient_level:
        found.append(Mutant("qualifier", span, "expérience : « de niveau suffisant » retiré",
                            put(replace(rule, sufficient_level=False))))
    if rule.full_time:
        found.append(Mutant("qualifier", span, "expérience : « à temps plein » retiré",
                            put(replace(rule, full_time=False))))
    return found


def _internship_mutants(base: RuleBase, p: Pathway) -> list[Mutant]:
    stage = p.internship

    def put(**changes):
        return _changed(base, p.key, lambda q: replace(q, internship=replace(q.internship, **changes)))

    span, found = stage.provenance.span, []
    for changes, text in _length_changes(stage):
        found.append(Mutant("duration", span, f"stage : {text}", put(**changes)))
    if stage.in_field:
        found.append(Mutant("qualifier", span, f"stage : « {_field_words(base, span)} » retiré",
                            put(in_field=False)))
    if stage.report:
        found.append(Mutant("qualifier", span, "stage : « avec rapport » retiré", put(report=False)))
    if stage.report_provenance is not None:
        found.append(Mutant("qualifier", stage.report_provenance.span, "« rapport exigé » retiré",
                            put(report_provenance=None)))
    found += _decider_mutants(stage, put)
    m = stage.modulation
    if m is not None:
        ceiling = stage.most if stage.most is not None else stage.standard
        for months in _steps(m.floor):
            if ceiling is None or months <= ceiling:
                found.append(Mutant("duration", m.provenance.span, f"modulation : plancher de {_m(months)} au "
                                    f"lieu de {_m(m.floor)}", put(modulation=replace(m, floor=months))))
        found.append(Mutant("modulation_floor", m.provenance.span,
                            f"modulation sans plancher (« sans descendre sous {_m(m.floor)} » retiré)",
                            put(modulation=replace(m, floor=Fraction(0)))))
    return found


def _length_changes(stage: InternshipRule):
    """(changes to the internship, in French) for each duration of its length, 1 and 12 months off."""
    if stage.standard is not None:
        for months in _steps(stage.standard):
            if stage.modulation is None or stage.modulation.floor <= months:
                yield ({"standard": months, "least": months, "most": months},
                       f"{_m(months)} au lieu de {_m(stage.standard)}")
        return
    for name, word in (("least", "au moins"), ("most", "au plus")):
        value = getattr(stage, name)
        if value is None:
            continue
        for months in _steps(value):
            least = months if name == "least" else stage.least
            most = months if name == "most" else stage.most
            if least is not None and most is not None and least > most:
                continue
            if stage.modulation is not None and most is not None and stage.modulation.floor > most:
                continue
            yield {name: months}, f"{word} {_m(months)} au lieu de {_m(value)}"


def _decider_mutants(stage: InternshipRule, put) -> list[Mutant]:
    if stage.decided_by is None:
        return []
    span = (stage.decided_provenance or stage.modulation.provenance).span
    found = []
    for authority in AUTHORITY_FR:
        if authority == stage.decided_by:
            continue
        changes = {"decided_by": authority}
        if stage.modulation is not None:
            changes["modulation"] = replace(stage.modulation, authority=authority)
        found.append(Mutant("decider", span, f"durée du stage fixée par {AUTHORITY_FR[authority]} au lieu "
                            f"{_of(AUTHORITY_FR[stage.decided_by])}", put(**changes)))
    return found


def _milestone_mutants(base: RuleBase, p: Pathway) -> list[Mutant]:
    declared = base.diplomas[p.diploma].milestones
    if len(declared) < 2:
        return []
    span = _statement_span(base, p.provenance.span, "jalon") or p.provenance.span
    found = []
    for m in p.milestones:
        if len(p.milestones) > 1:
            kept = tuple(x for x in p.milestones if x != m)
            found.append(Mutant("milestones", span, f"voie « {p.name} » : jalon « {MILESTONE_FR[m]} » retiré",
                                _with_milestones(base, p, kept)))
    for m in declared:
        if m not in p.milestones:
            added = tuple(x for x in declared if x in p.milestones or x == m)
            found.append(Mutant("milestones", span, f"voie « {p.name} » : jalon « {MILESTONE_FR[m]} » ajouté",
                                _with_milestones(base, p, added)))
    return found


def _with_milestones(base: RuleBase, p: Pathway, milestones: tuple[str, ...]) -> RuleBase:
    """The pathway at other milestones; its copies keep those of theirs it still has (none: dropped)."""
    pathways = []
    for q in base.pathways:
        if q.key == p.key:
            q = replace(q, milestones=milestones)
        elif q.reused_from == p.key:
            kept = tuple(m for m in q.milestones if m in milestones)
            if not kept:
                continue
            q = replace(q, milestones=kept)
        pathways.append(q)
    return replace(base, pathways=tuple(pathways))


# ---------------------------------------------------------------- validity and VAE


def _validity_mutants(base: RuleBase, rules: Pathway | VaeRules, put) -> list[Mutant]:
    """Each end of a validity period one year earlier and later (an open end stays open)."""
    start, end = rules.valid_from, rules.valid_until
    if start is None and end is None:
        return []
    span = _statement_span(base, rules.provenance.span, "en vigueur") or rules.provenance.span
    found = []
    for name, value in (("valid_from", start), ("valid_until", end)):
        if value is None:
            continue
        for years in (-1, 1):
            moved = _years_later(value, years)
            new_start, new_end = (moved, end) if name == "valid_from" else (start, moved)
            if new_start is not None and new_end is not None and new_start > new_end:
                continue
            wider = (years < 0) == (name == "valid_from")
            word = "élargie" if wider else "réduite"
            found.append(Mutant("validity", span, f"période de validité {word} : "
                                f"{'début' if name == 'valid_from' else 'fin'} le {moved.isoformat()} au lieu du "
                                f"{value.isoformat()}", put(**{name: moved})))
    return found


def _vae_mutants(base: RuleBase, v: VaeRules) -> list[Mutant]:
    def with_vae(new: VaeRules) -> RuleBase:
        return replace(base, vae=tuple(new if x is v else x for x in base.vae))

    found = []
    for i, rule in enumerate(v.experience):
        def put(new, i=i):
            return with_vae(replace(v, experience=v.experience[:i] + (new,) + v.experience[i + 1:]))
        found += _experience_mutants(base, rule, put)
    found += _validity_mutants(base, v, lambda **dates: with_vae(replace(v, **dates)))
    return found


# ---------------------------------------------------------------- helpers


def _changed(base: RuleBase, key: str, change) -> RuleBase:
    """The rule base with the pathway `key`, and its copies by a `reprise`, changed by `change`."""
    return replace(base, pathways=tuple(change(p) if key in (p.key, p.reused_from) else p for p in base.pathways))


def _without(base: RuleBase, keys: set[str]) -> RuleBase:
    return replace(base, pathways=tuple(p for p in base.pathways if p.key not in keys))


def _reprises(base: RuleBase) -> dict[Span, list[Pathway]]:
    """The pathways each `reprise` copies, by the reprise's span."""
    found: dict[Span, list[Pathway]] = {}
    for p in base.pathways:
        if p.reused_from is not None:
            found.setdefault(p.provenance.span, []).append(p)
    return found


def _model_diploma(base: RuleBase, copy: Pathway) -> str:
    return next((p.diploma for p in base.pathways if p.key == copy.reused_from), "?")


def _steps(months: Fraction) -> list[Fraction]:
    return [months + step for step in STEPS if months + step > 0]


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _m(months: Fraction) -> str:
    return months_fr(months)


def _of(who: str) -> str:
    """« le jury » → « du jury », « la commission » → « de la commission »."""
    return "du " + who[3:] if who.startswith("le ") else "de " + who


FIELD_WORDS = ("dans le domaine", "dans la spécialité", "en lien direct")


def _field_words(base: RuleBase, span: Span) -> str:
    """How the statement's line says « in the field »."""
    lines = base.texts.get(span.file, "").splitlines()
    line = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
    return next((w for w in FIELD_WORDS if w in line), FIELD_WORDS[0])


def _statement_span(base: RuleBase, block: Span, keyword: str) -> Span | None:
    """The span of the first line of a block that starts with the keyword (a statement the rule base does not
    keep a span for: `jalons`, `en vigueur`)."""
    lines = base.texts.get(block.file, "").splitlines()
    pattern = re.compile(r"\s*" + re.escape(keyword))
    for number in range(block.line, min(block.end_line, len(lines)) + 1):
        text = lines[number - 1]
        if number > block.line and pattern.match(text):
            return Span(block.file, number, len(text) - len(text.lstrip()) + 1, number, len(text.rstrip()) + 1)
    return None
