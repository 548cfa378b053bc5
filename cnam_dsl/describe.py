"""Rules of the rule base in plain French sentences (for answers, documentation and hovers)."""

from __future__ import annotations

from fractions import Fraction

from .model import (
    PROFESSIONAL_KINDS, EarlyReviewRule, ExperienceRule, GeneralRule, InternshipRule, ModulationRule,
    Pathway, RequestLimitRule,
)

KIND_FR = {
    "salaried": "salariée",
    "self_employed": "non salariée",
    "volunteer": "bénévole",
    "union": "syndicale",
}
AUTHORITY_FR = {"jury": "le jury", "cnam": "le Cnam"}


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
    amount = f"au moins {months_fr(rule.least)}" if rule.least is not None else "une durée quelconque"
    where = " dans le domaine" if rule.in_field else ""
    level = ", à un niveau de responsabilité suffisant" if rule.sufficient_level else ""
    full = " (en équivalent temps plein)" if rule.full_time else ""
    return f"{amount} d'expérience {kinds_fr(rule.kinds)}{where}{level}{full}"


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
    return f"{AUTHORITY_FR[rule.authority]} peut moduler la durée du stage, sans descendre sous {months_fr(rule.floor)}"


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
