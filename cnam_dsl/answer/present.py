"""Render the answers (contract JSON dicts) and diagnostics as French text for advisers and authors."""

from __future__ import annotations

import json

from .describe import AUTHORITY_FR, months_fr
from ..language.model import MILESTONE_FR

STATUS_SENTENCE = {
    "satisfied": "L'expérience du candidat suffit : rien de plus n'est exigé.",
    "internship": "L'expérience du candidat suffit à condition d'effectuer un stage.",
    "missing": "L'expérience du candidat ne suffit pas : il lui faut davantage d'expérience.",
    "conflict": "Les règles et les faits du candidat se contredisent : aucune réponse ne les respecte tous.",
}
VAE_SENTENCE = {
    "eligible": "Le candidat peut déposer une demande de VAE pour cette certification cette année.",
    "missing": "Le candidat n'a pas encore assez d'expérience en lien direct avec la certification.",
    "limit": "Les limites annuelles de demandes de VAE sont atteintes pour cette année.",
}
OPTION_FR = {
    "internship": "effectuer le stage",
    "experience_any_field": "acquérir {months} d'expérience supplémentaire, dans n'importe quel domaine{what}",
    "experience_in_field": "acquérir {months} d'expérience supplémentaire dans le domaine{what}",
}


def authorities_fr(decided_by: str) -> str:
    """Who sets the length, in French (several sources may name several authorities: `cnam+jury`).

    >>> authorities_fr("cnam+jury")
    'le Cnam et le jury'
    """
    names = [AUTHORITY_FR[a] for a in decided_by.split("+")]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


def to_json(answer) -> str:
    return json.dumps(answer, ensure_ascii=False, indent=2)


def internship_text(i: dict) -> str:
    """
    >>> internship_text({"min_months": 3, "max_months": 6, "standard_months": 6, "decided_by": "jury",
    ...                  "in_field": True, "report": True, "done_months": 0, "remaining_min_months": 3})
    'stage de 3 à 6 mois (durée de référence : 6 mois), durée fixée par le jury, dans le domaine, avec rapport'
    """
    low, high = i["min_months"], i["max_months"]
    if low is not None and low == high:
        text = f"stage de {months_fr(low)}"
    elif low is not None and high is not None:
        text = f"stage de {_num(low)} à {months_fr(high)}"
    elif high is not None:
        text = f"stage de {months_fr(high)} au plus (pas de durée minimale écrite)"
    elif low is not None:
        text = f"stage d'au moins {months_fr(low)}"
    else:
        text = "stage"
    if i["standard_months"] is not None and not (low == high == i["standard_months"]):
        text += f" (durée de référence : {months_fr(i['standard_months'])})"
    if i["decided_by"]:
        text += f", durée fixée par {authorities_fr(i['decided_by'])}"
    if i["in_field"]:
        text += ", dans le domaine"
    if i["report"]:
        text += ", avec rapport"
    return text


def missing_text(a: dict, diploma_name: str, candidate: str | None) -> str:
    lines = [f"Candidat : {candidate or '(sans nom)'}",
             f"Diplôme : {diploma_name} — {MILESTONE_FR[a['milestone']]} — règles en vigueur le {a['date']}",
             f"Sources : {', '.join(a['sources'])}", "", STATUS_SENTENCE[a["status"]]]
    if a["status"] == "internship":
        i = a["internship"]
        lines.append(f"Il faut un {internship_text(i)}.")
        if i["done_months"]:
            lines.append(f"Stages déjà effectués qui comptent : {months_fr(i['done_months'])}.")
        lines += decision_lines(i, a["early_review_possible"])
    if a["status"] == "missing":
        more = "plus de " if a.get("missing_strict") else "au moins "
        lines.append(f"Il manque {more}{months_fr(a['missing_months'])} d'expérience (équivalent temps plein).")
    if a["status"] == "conflict":
        lines.append("Faits en cause : " + " ; ".join(a.get("conflicting_facts") or ["aucun"]) + ".")
    if a["options"]:
        lines += ["", "Pour compléter le dossier :"]
        lines += [f"  {k}. {option_text(o)}" for k, o in enumerate(a["options"], 1)]
    if a["early_review_possible"] is not None:
        verdict = "possible" if a["early_review_possible"] else "pas encore possible"
        lines += ["", f"Examen anticipé de l'expérience : {verdict}."]
    if a["divergences"]:
        lines += ["", "Attention, les sources ne donnent pas la même réponse :"]
        lines += [f"  - {d['source']} : {short_answer(d)}" for d in a["divergences"]]
    lines += checks_lines(a.get("to_check", []), a.get("set_aside", []))
    lines += ["", "Pourquoi :"] + explanation_text(a["explanation"])
    return "\n".join(lines)


def decision_lines(i: dict, early: bool | None) -> list[str]:
    """Who must still decide the internship's length, and how to ask."""
    lines = []
    if i.get("awaiting_decision"):
        who = "le Cnam" if "cnam" in (i["decided_by"] or "cnam").split("+") else authorities_fr(i["decided_by"])
        lines.append(f"La durée du stage doit être fixée par {who}, sur dossier d'examen anticipé de "
                     "l'expérience ; tant que la décision n'est pas au dossier, aucun stage déjà fait ne suffit.")
        if early is not None:
            lines.append("Le candidat peut demander cet examen maintenant." if early
                         else "Le candidat ne peut pas encore demander cet examen (conditions d'UE non remplies).")
    if i.get("can_be_lowered") and i["min_months"] is not None and i["standard_months"] is not None:
        lines.append(f"Sans décision, le stage est de {months_fr(i['standard_months'])} ; le jury peut le réduire "
                     f"jusqu'à {months_fr(i['min_months'])} sur demande d'étude anticipée de l'expérience.")
    return lines


def checks_lines(checks: list[dict], aside: list[dict]) -> list[str]:
    """What was not counted, and what the adviser must still check (never part of the status)."""
    lines = []
    if aside:
        lines += ["", "Non compté ou compté autrement :"] + [f"  - {e['text']}" for e in aside]
    if checks:
        lines += ["", "À vérifier par le conseiller (les règles ne le calculent pas) :"]
        for c in checks:
            lines += [f"  - {c['text']} ({c['source']}, {c['file']}:{c['line']})", f"      « {c['quote']} »"]
    return lines


def option_text(o: dict) -> str:
    months = ("plus de " if o.get("strict") else "") + months_fr(o["months"])
    text = OPTION_FR[o["kind"]].format(months=months, what=experience_fr_of(o.get("experience")))
    if o["kind"] == "internship":
        return f"{text} ({internship_text(o['internship'])})"
    if o["status"] == "satisfied":
        return text + " : plus rien ne serait exigé"
    if o["internship"]:
        return text + f", puis un {internship_text(o['internship'])}"
    return text + ", puis un stage"


def experience_fr_of(experience: dict | None) -> str:
    """The qualifiers the experience of an option must have, in parentheses.

    >>> experience_fr_of({"kind": "salaried", "sufficient_level": True, "full_time": False, "in_field": False})
    ' (salariée, à un niveau de responsabilité suffisant)'
    """
    if not experience:
        return ""
    words = ["salariée"] if experience["kind"] == "salaried" else []
    if experience["sufficient_level"]:
        words.append("à un niveau de responsabilité suffisant")
    if experience["full_time"]:
        words.append("à temps plein (ou en équivalent)")
    return f" ({', '.join(words)})" if words else ""


def short_answer(d: dict) -> str:
    if d["status"] == "internship":
        text = internship_text(d["internship"])
    elif d["status"] == "missing":
        text = f"il manque {months_fr(d['missing_months'])} d'expérience"
    else:
        text = {"satisfied": "rien de plus n'est exigé", "conflict": "conflit"}[d["status"]]
    if "early_review_possible" in d and d["early_review_possible"] is not None:
        text += f" ; examen anticipé {'possible' if d['early_review_possible'] else 'pas encore possible'}"
    return text


def explanation_text(entries: list[dict]) -> list[str]:
    lines = []
    for e in entries:
        lines.append(f"  - {e['file']}:{e['line']} ({e['source']}) : {e['text']}")
        if e["quote"]:
            lines.append(f"      « {e['quote']} »")
    return lines


def vae_text(a: dict, candidate: str | None) -> str:
    title = f" ({a['certification_title']})" if a.get("certification_title") else ""
    lines = [f"Candidat : {candidate or '(sans nom)'}",
             f"Certification : {a['certification']}{title} — année {a['year']}",
             f"Sources : {', '.join(a['sources'])}", "", VAE_SENTENCE[a["status"]]]
    if a.get("certification_known") is False:
        lines.append(f"Les règles ne connaissent pas la certification {a['certification']} : la réponse vaut "
                     "pour une certification du Cnam ; vérifier qu'elle en est une (le Cnam n'accompagne que "
                     "celles-là).")
    if a["status"] == "missing":
        lines.append(f"Il manque au moins {months_fr(a['missing_months'])} d'expérience en lien direct.")
    if a["next_possible_year"]:
        lines.append(f"Prochaine année possible pour une demande : {a['next_possible_year']}.")
    lines += checks_lines(a.get("to_check", []), [])
    lines += ["", "Pourquoi :"] + explanation_text(a["explanation"])
    return "\n".join(lines)


def _num(value) -> str:
    return months_fr(value).split(" ")[0]
