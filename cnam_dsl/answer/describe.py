"""Rules of the rule base in plain French sentences (for answers, documentation and hovers)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..language.model import (
    PROFESSIONAL_KINDS, EarlyReviewRule, ExperienceRule, GeneralRule, InternshipRule, ModulationRule,
    Pathway, Provenance, RequestLimitRule, RuleBase,
)

KIND_FR = {
    "salaried": "salariée",
    "self_employed": "non salariée",
    "volunteer": "bénévole",
    "union": "syndicale",
}
AUTHORITY_FR = {"jury": "le jury", "cnam": "le Cnam", "commission": "la commission"}


def months_fr(months: Fraction | float | None) -> str:
    """A duration in months, in French, with years where they are whole.

    >>> months_fr(Fraction(36)), months_fr(Fraction(6)), months_fr(Fraction(12)), months_fr(1.5)
    ('36 mois (3 ans)', '6 mois', '12 mois (1 an)', '1,5 mois')
    """
    if months is None:
        return "—"
    value = round(float(months), 2)
    text = str(int(value)) if value == int(value) else f"{value:g}".replace(".", ",")
    if value >= 12 and value % 12 == 0:
        years = int(value // 12)
        return f"{text} mois ({years} an{'s' if years > 1 else ''})"
    return f"{text} mois"


def number_fr(months) -> str:
    """A number of months, French style, to the hundredth.

    >>> number_fr(Fraction(24)), number_fr(Fraction(3, 2))
    ('24', '1,5')
    """
    value = round(float(months), 2)
    return str(int(value)) if value == int(value) else f"{value:g}".replace(".", ",")


def fact_fr(fact: tuple) -> str:
    """A candidate's fact as a conflict's core names it (`solve.solver.Session`): its experience in a category,
    the internships done, the decided length.

    >>> fact_fr(("experience", ("in", "salaried", "sufficient"), Fraction(24)))
    'expérience dans le domaine, salariée : 24 mois'
    >>> fact_fr(("decision", Fraction(2)))
    'durée de stage décidée : 2 mois'
    """
    if fact[0] == "experience":
        (field_, kind, level), months = fact[1], fact[2]
        where = "dans le domaine" if field_ == "in" else "hors domaine"
        level_fr = ", niveau insuffisant" if level == "insufficient" else ""
        return f"expérience {where}, {KIND_FR[kind]}{level_fr} : {number_fr(months)} mois"
    if fact[0] == "done":
        return f"stages déjà effectués : {number_fr(fact[1])} mois"
    if fact[0] == "decision":
        by = f" par {AUTHORITY_FR[fact[2]]}" if len(fact) > 2 and fact[2] else ""
        return f"durée de stage décidée{by} : {number_fr(fact[1])} mois"
    if fact[0] == "complement":
        return f"complément d'expérience décidé : {number_fr(fact[1])} mois"
    if fact[0] == "commission":
        return "décision prise par la commission" if fact[1] else "décision qui n'est pas celle de la commission"
    if fact[0] == "duties":
        return ("entrée en fonctions pendant la formation" if fact[1]
                else "pas d'entrée en fonctions pendant la formation")
    return "une décision est enregistrée" if fact[1] else "aucune décision enregistrée"


def kinds_fr(kinds: frozenset[str]) -> str:
    if kinds == PROFESSIONAL_KINDS:
        return "professionnelle"
    names = [KIND_FR[k] for k in KIND_FR if k in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " ou " + names[-1]


def experience_fr(rule: ExperienceRule) -> str:
    """
    >>> r = ExperienceRule("k", True, frozenset({"salaried"}), True, False, Fraction(24), None)
    >>> experience_fr(r)
    "au moins 24 mois (2 ans) d'expérience salariée dans le domaine, à un niveau de responsabilité suffisant"
    """
    where = " dans le domaine" if rule.in_field else ""
    level = ", à un niveau de responsabilité suffisant" if rule.sufficient_level else ""
    full = " (en équivalent temps plein)" if rule.full_time else ""
    if rule.least is None:
        return f"une expérience {kinds_fr(rule.kinds)}{where}{level}, de toute durée"
    return f"au moins {months_fr(rule.least)} d'expérience {kinds_fr(rule.kinds)}{where}{level}{full}"


def internship_fr(rule: InternshipRule) -> str:
    """
    >>> r = InternshipRule("k", Fraction(6), Fraction(6), Fraction(6), True, True, None, None, None)
    >>> internship_fr(r)
    'un stage de 6 mois, dans le domaine, avec rapport'
    """
    if rule.standard is not None:
        length = f"un stage de {months_fr(rule.standard)}"
    elif rule.least is not None and rule.most is not None:
        length = f"un stage de {_n(rule.least)} à {months_fr(rule.most)}"
    elif rule.most is not None:
        length = f"un stage de {months_fr(rule.most)} au plus"
    elif rule.least is not None:
        length = f"un stage d'au moins {months_fr(rule.least)}"
    else:
        length = "un stage"
    parts = [length]
    if rule.in_field:
        parts.append("dans le domaine")
    if rule.report:
        parts.append("avec rapport")
    if rule.decided_by:
        parts.append(f"durée décidée par {AUTHORITY_FR[rule.decided_by]}")
    return ", ".join(parts)


def modulation_fr(rule: ModulationRule) -> str:
    return (f"{AUTHORITY_FR[rule.authority]} peut moduler la durée du stage, sans descendre sous "
            f"{months_fr(rule.floor)}")


def general_fr(rule: GeneralRule) -> str:
    return "un stage seul, sans expérience professionnelle, ne suffit jamais"


def early_fr(rule: EarlyReviewRule) -> str:
    if rule.least_ue is None:
        return "l'examen anticipé de l'expérience peut être demandé sans condition d'UE"
    return f"l'examen anticipé de l'expérience demande au moins {rule.least_ue} UE du parcours visé"


def limit_fr(rule: RequestLimitRule) -> str:
    plural = "s" if rule.most > 1 else ""
    per = " pour une même certification" if rule.per_certification else " en tout (certifications différentes)"
    return f"au plus {rule.most} demande{plural} de VAE par année civile{per}"


def pathway_fr(pathway: Pathway) -> str:
    """A pathway as one sentence: its experience requirements and its internship."""
    parts = [experience_fr(r) for r in pathway.experience]
    if pathway.internship is not None:
        stage = internship_fr(pathway.internship)
        if pathway.internship.modulation is not None:
            stage += f" ({modulation_fr(pathway.internship.modulation)})"
        parts.append(stage)
    if not parts:
        return "aucune exigence d'expérience"
    return ", et ".join(parts)


def _n(value: Fraction) -> str:
    return months_fr(value).split(" ")[0]


# ---------------------------------------------------------------- whole sentences (documentation, hovers)


def sentence(text: str) -> str:
    """A clause as a sentence: capital first letter, final full stop.

    >>> sentence("un stage seul ne suffit jamais")
    'Un stage seul ne suffit jamais.'
    """
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def milestones_fr(milestones: tuple[str, ...]) -> str:
    """
    >>> milestones_fr(("probatoire", "delivery"))
    "à l'examen probatoire et à la délivrance du diplôme"
    """
    from ..language.model import MILESTONE_FR

    names = [("à l'" if MILESTONE_FR[m][0] in "aeéiou" else "à la ") + MILESTONE_FR[m] for m in milestones]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def validity_fr(valid_from, valid_until) -> str | None:
    """The period a rule is in force, or None when it always is.

    >>> from datetime import date
    >>> validity_fr(date(2023, 12, 27), None)
    'en vigueur depuis le 27/12/2023'
    """
    if valid_from and valid_until:
        return f"en vigueur du {valid_from:%d/%m/%Y} au {valid_until:%d/%m/%Y}"
    if valid_from:
        return f"en vigueur depuis le {valid_from:%d/%m/%Y}"
    if valid_until:
        return f"en vigueur jusqu'au {valid_until:%d/%m/%Y}"
    return None


def check_scope_fr(check) -> str:
    """When an `à vérifier` applies, in French (after its text).

    >>> from types import SimpleNamespace as C
    >>> check_scope_fr(C(diplomas=("licence",), when_internship=True))
    ' (licence ; seulement si un stage est exigé)'
    """
    scope = [", ".join(check.diplomas)] if check.diplomas else []
    if check.when_internship:
        scope.append("seulement si un stage est exigé")
    return f" ({' ; '.join(scope)})" if scope else ""


def pathway_statements(pathway: Pathway) -> list[tuple[str, object]]:
    """Each requirement of a pathway as a French sentence, with the provenance of its rule."""
    if not pathway.experience and pathway.internship is None:
        return [("Aucune exigence d'expérience professionnelle.", pathway.provenance)]
    statements = [(sentence("exige " + experience_fr(r)), r.provenance) for r in pathway.experience]
    stage = pathway.internship
    if stage is not None:
        statements.append((sentence("exige " + internship_fr(stage)), stage.provenance))
        if stage.modulation is not None:
            statements.append((sentence(modulation_fr(stage.modulation)), stage.modulation.provenance))
        if stage.decided_provenance is not None:
            statements.append((sentence(f"la durée du stage est décidée par {AUTHORITY_FR[stage.decided_by]}"),
                               stage.decided_provenance))
        if stage.report_provenance is not None:
            statements.append(("Le stage donne lieu à un rapport.", stage.report_provenance))
        if stage.field_provenance is not None:
            statements.append(("Le stage est en relation avec le diplôme préparé (un stage hors domaine ne "
                               "compte pas).", stage.field_provenance))
        if stage.waiver_provenance is not None:
            statements.append(("Le stage n'est pas exigé du candidat entré en fonctions pendant la formation.",
                               stage.waiver_provenance))
    return statements


def experience_fact_fr(experience) -> str:
    """One period of a candidate's experience (profile.Experience), in French.

    >>> from types import SimpleNamespace as E
    >>> experience_fact_fr(E(months=24.0, time_share=0.5, field="in", kind="salaried", level="sufficient"))
    "24 mois (2 ans) d'expérience salariée dans le domaine, à 50 %"
    """
    where = "dans le domaine" if experience.field == "in" else "hors domaine"
    text = f"{months_fr(experience.months)} d'expérience {KIND_FR[experience.kind]} {where}"
    if experience.time_share != 1:
        text += f", à {round(experience.time_share * 100):d} %"
    if experience.level != "sufficient":
        text += ", de niveau insuffisant"
    return text


def profile_facts_fr(profile) -> list[str]:
    """A candidate's facts (profile.Profile) as French phrases, one per fact."""
    facts = [experience_fact_fr(e) for e in profile.experiences]
    for i in profile.internships:
        facts.append(f"stage effectué de {months_fr(i.months)}" + (" dans le domaine" if i.field == "in" else "")
                     + (", avec rapport" if i.report else ""))
    if profile.ue_acquired:
        facts.append(f"{profile.ue_acquired} UE acquise{'s' if profile.ue_acquired > 1 else ''}")
    if profile.decided_internship_months is not None:
        facts.append(f"stage décidé de {months_fr(profile.decided_internship_months)}")
    facts += [f"demande de VAE {r.certification} déjà déposée en {r.year}" for r in profile.vae_requests]
    return facts or ["aucune expérience"]


def expected_fr(expected) -> str:
    """An expected answer of a worked example (model.Expected), in French.

    >>> from types import SimpleNamespace as X
    >>> expected_fr(X(kind="internship", least=Fraction(3), most=Fraction(6), missing=None, early=None))
    'un stage de 3 à 6 mois'
    """
    if expected.kind == "internship":
        decided = getattr(expected, "decided_by", None)
        return "un " + internship_length_fr(expected.least, expected.most) + (
            f", durée décidée par {AUTHORITY_FR[decided]}" if decided else "")
    if expected.kind == "missing":
        return f"il manque {months_fr(expected.missing)} d'expérience"
    if expected.kind == "early":
        return "examen anticipé " + ("possible" if expected.early else "impossible")
    return {"satisfied": "rien de plus n'est exigé", "conflict": "les règles et les faits se contredisent",
            "eligible": "demande de VAE recevable", "limit": "limite annuelle de demandes atteinte",
            "not_applicable": "la source n'énonce rien pour cette question"}[expected.kind]


def internship_length_fr(low, high) -> str:
    """An internship's least and most length (None: no bound), in French.

    >>> internship_length_fr(3, 6), internship_length_fr(None, 6), internship_length_fr(6, 6)
    ('stage de 3 à 6 mois', 'stage de 6 mois au plus', 'stage de 6 mois')
    """
    if low is not None and low == high:
        return f"stage de {months_fr(low)}"
    if low is not None and high is not None:
        return f"stage de {months_fr(low).split(' ')[0]} à {months_fr(high)}"
    if high is not None:
        return f"stage de {months_fr(high)} au plus"
    return f"stage d'au moins {months_fr(low)}" if low is not None else "stage"


# ---------------------------------------------------------------- what each source gives the rule base


@dataclass(frozen=True, slots=True)
class SourceRule:
    """A rule citing a source: what it says in French, and where it is."""

    heading: str
    text: str
    provenance: Provenance


def source_rules(base: RuleBase, source: str) -> list[SourceRule]:
    """Every rule of the rule base that cites this source, in file order."""
    found = []
    for p in base.pathways:
        if p.source == source and p.reused_from is None:
            heading = f"Voie « {p.name} » ({p.diploma})"
            found += [SourceRule(heading, text, prov) for text, prov in pathway_statements(p)]
        elif p.source == source and not any(r.provenance == p.provenance for r in found):
            model = next(q.diploma for q in base.pathways if q.key == p.reused_from)
            name = base.diplomas[model].name if model in base.diplomas else model
            found.append(SourceRule(f"Reprise ({p.diploma})",
                                    f"Le diplôme {p.diploma} reprend les voies du diplôme {model} ({name}) de la "
                                    "même source.", p.provenance))
    for g in base.generals_of(source):
        found.append(SourceRule("Règle générale", sentence(general_fr(g)), g.provenance))
    early = base.early_review_of(source)
    if early is not None:
        found.append(SourceRule("Examen anticipé", sentence(early_fr(early)), early.provenance))
        if early.commission_provenance is not None:
            found.append(SourceRule("Examen anticipé", "La commission qui examine le dossier fixe elle-même le "
                                    "complément exigé (stage ou expérience), sans durée écrite.",
                                    early.commission_provenance))
    for c in base.checks:
        if c.source == source:
            found.append(SourceRule("À vérifier par le conseiller", c.text + check_scope_fr(c), c.provenance))
    for c in base.certifications:
        if c.source == source:
            found.append(SourceRule("Certifications du Cnam", f"{c.code} : {c.title}.", c.provenance))
    for v in base.vae:
        if v.source == source:
            found += [SourceRule("Recevabilité VAE", sentence("exige " + experience_fr(r)), r.provenance)
                      for r in v.experience]
            found += [SourceRule("Limite VAE", sentence(limit_fr(r)), r.provenance) for r in v.limits]
    return sorted(found, key=lambda r: (r.provenance.file, r.provenance.line))
