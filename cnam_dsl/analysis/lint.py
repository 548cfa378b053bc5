"""Verify the logic of a checked rule base: sources that contradict each other, alternatives that never
apply, requirements implied by the others, candidates or periods a source leaves without an answer.

Findings become diagnostics (French messages, file:line spans); the solver
work is in `solve.lint`. Contradictions are errors; the rest are warnings,
which a rule file explains in a comment where they are meant.

Not flagged: a general rule (`un stage seul ne suffit jamais`) that every
pathway of its source already implies. Such a rule states a principle of the
whole source, meant to hold for pathways written later too; being implied by
today's pathways is its normal state, not a mistake, and a warning that
always fires would teach authors to ignore warnings.
"""

from __future__ import annotations

from datetime import date, timedelta

from ..answer.describe import milestones_fr, profile_facts_fr
from ..diagnostics import Diagnostic
from ..language.model import MILESTONE_FR, Pathway, RuleBase
from ..solve import Engine

ONE_DAY = timedelta(days=1)


def lint(base: RuleBase, engine: Engine, on: date) -> list[Diagnostic]:
    """Every finding on the rule base, contradictions first."""
    return (joint_contradictions(base, engine, on) + dead_alternatives(base, engine, on) + redundancies(base)
            + unanswered_candidates(base, engine, on) + validity_gaps(base))


def requirement_groups(base: RuleBase, on: date):
    """Each (source, diploma, milestone, day) with its pathways; a pathway not yet in force, on its first day."""
    seen = set()
    for p in base.pathways:
        day = on if p.in_force(on) else (p.valid_from or on)
        if not p.in_force(day):
            continue
        for m in p.milestones:
            key = (p.source, p.diploma, m, day)
            if key not in seen:
                seen.add(key)
                yield key, base.pathways_for(p.source, p.diploma, m, day)


def _facts(values) -> str:
    from .diff import witness_profile

    return " ; ".join(profile_facts_fr(witness_profile(values)))


# ---------------------------------------------------------------- contradictions between sources


def joint_contradictions(base: RuleBase, engine: Engine, on: date) -> list[Diagnostic]:
    """Diplomas and milestones no candidate can satisfy under all their sources at once (error)."""
    found = []
    for diploma, info in base.diplomas.items():
        for m in info.milestones:
            sources = tuple(base.sources_for(diploma, m, on))
            if len(sources) < 2 or any(engine.unsatisfiable_core((s,), diploma, m, on) for s in sources):
                continue  # a source alone that no candidate satisfies is reported on its pathways
            core = engine.unsatisfiable_core(sources, diploma, m, on)
            rules = [t for t in core or () if t.provenance is not None]
            if not rules:
                continue
            found.append(Diagnostic(
                "error", "E301",
                f"aucun candidat ne peut satisfaire ensemble les sources {', '.join(sources)} pour {diploma} "
                f"({MILESTONE_FR[m]}) : ces règles se contredisent",
                rules[0].provenance.span,
                tuple(("règle en cause", t.provenance.span) for t in rules[1:])
                + (("diplôme déclaré ici", info.span),)))
    return found


# ---------------------------------------------------------------- dead alternatives


def dead_alternatives(base: RuleBase, engine: Engine, on: date) -> list[Diagnostic]:
    """Pathways that another always beats, at every milestone they state (warning, with a witness)."""
    from ..solve.findings import dead_pathways

    dead: dict[str, list] = {}
    for (source, diploma, milestone, day), pathways in requirement_groups(base, on):
        for d in dead_pathways(pathways, engine.traced((source,), diploma, milestone, day)):
            dead.setdefault(d.pathway.key, []).append(d)
    found = []
    for p in base.pathways:
        findings = dead.get(p.key, [])
        if not findings or len(findings) < len(p.milestones):
            continue
        d = findings[0]
        names = ", ".join(f"« {w.name} »" for w in d.winners)
        found.append(Diagnostic(
            "warning", "W320",
            f"la voie « {p.name} » ne s'applique jamais pour {p.diploma} ({milestones_fr(p.milestones)}) : "
            f"tout candidat qui en remplit les conditions relève aussi de la voie {names}, dont la réponse "
            f"l'emporte{_without_internship(d.winners, p)} — par exemple : {_facts(d.witness)}",
            p.provenance.span, tuple(("voie qui l'emporte", w.provenance.span) for w in d.winners)))
    return found


def _without_internship(winners, p: Pathway) -> str:
    if p.internship is not None and all(w.internship is None for w in winners):
        return " (rien de plus n'est exigé, sans stage)"
    return ""


# ---------------------------------------------------------------- redundancy


def redundancies(base: RuleBase) -> list[Diagnostic]:
    """Requirements implied by the others of their pathway or VAE rule, and modulations without effect."""
    from ..solve.findings import redundant_rules

    found = []
    groups = [(f"de la voie « {p.name} »", p.experience) for p in base.pathways if p.reused_from is None]
    groups += [(f"des règles VAE « {v.key} »", v.experience) for v in base.vae]
    for where, rules in groups:
        for r in redundant_rules(rules):
            lines = ", ".join(str(b.provenance.line) for b in r.by)
            found.append(Diagnostic(
                "warning", "W321",
                f"exigence redondante {where} : tout candidat qui remplit l'exigence de la ligne {lines} "
                f"remplit aussi celle-ci", r.rule.provenance.span,
                tuple(("exigence qui l'implique", b.provenance.span) for b in r.by)))
    for p in base.pathways:
        stage = p.internship
        if p.reused_from is None and stage is not None and stage.modulation is not None and (
                stage.least is None or stage.modulation.floor >= stage.least):
            found.append(Diagnostic(
                "warning", "W322",
                f"modulation sans effet dans la voie « {p.name} » : elle ne permet pas de descendre sous "
                f"la durée exigée", stage.modulation.provenance.span, (("stage exigé ici", stage.provenance.span),)))
    return found


# ---------------------------------------------------------------- gaps


def unanswered_candidates(base: RuleBase, engine: Engine, on: date) -> list[Diagnostic]:
    """Candidates to whom a source stating a requirement can give no answer but « conflit » (warning)."""
    from ..solve.findings import unanswered

    found = []
    for (source, diploma, milestone, day), pathways in requirement_groups(base, on):
        if all(p.reused_from is not None for p in pathways):
            continue
        witness = unanswered(engine.traced((source,), diploma, milestone, day))
        if witness is None:
            continue
        found.append(Diagnostic(
            "warning", "W330",
            f"la source {source} ne donne aucune réponse à certains candidats pour {diploma} "
            f"({MILESTONE_FR[milestone]}) : aucune de ses voies ne peut être remplie, même avec plus "
            f"d'expérience salariée — par exemple : {_facts(witness)}",
            pathways[0].provenance.span, tuple(("voie", p.provenance.span) for p in pathways[1:])))
    return found


def validity_gaps(base: RuleBase) -> list[Diagnostic]:
    """Periods between two periods of validity when a source states nothing it states before and after."""
    groups: dict[tuple, list] = {}
    for p in base.pathways:
        for m in p.milestones:
            groups.setdefault((p.source, f"{p.diploma} ({MILESTONE_FR[m]})"), []).append(
                (p.valid_from, p.valid_until, p.provenance.span))
    for v in base.vae:
        groups.setdefault((v.source, "la recevabilité VAE"), []).append((v.valid_from, v.valid_until, v.provenance.span))
    found = []
    for (source, what), periods in groups.items():
        for start, end, before, after in _holes(periods):
            found.append(Diagnostic(
                "warning", "W331",
                f"la source {source} n'énonce rien pour {what} du {start:%d/%m/%Y} au {end:%d/%m/%Y}, "
                f"alors qu'elle en énonce avant et après — par exemple le {start:%d/%m/%Y}",
                after, (("période précédente", before),)))
    return found


def _holes(periods: list[tuple]):
    """(first day, last day, span before, span after) of each hole between periods of validity."""
    ordered = sorted(periods, key=lambda t: (t[0] or date.min, t[1] or date.max))
    covered_until, span_until = None, None
    for start, end, span in ordered:
        if covered_until is not None and covered_until != date.max and start is not None \
                and start > covered_until + ONE_DAY:
            yield covered_until + ONE_DAY, start - ONE_DAY, span_until, span
        reach = end or date.max
        if covered_until is None or reach > covered_until:
            covered_until, span_until = reach, span
