"""A record into the document handed to the candidate, in French: text, HTML (one template), PDF (WeasyPrint).

One to two pages: the answer, the facts as counted, each rule applied with
its quote and source, what the adviser must still check, the divergences,
and the information the code des relations entre le public et
l'administration asks for a decision taken on the basis of an algorithmic
processing (articles L311-3-1 and R311-3-1-2).
"""

from __future__ import annotations

import json
from datetime import date, datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from ..answer.describe import AUTHORITY_FR, months_fr, number_fr
from ..answer.present import STATUS_SENTENCE, VAE_SENTENCE, internship_text, option_text, short_answer
from ..language.model import MILESTONE_FR
from .decision import category_fr

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")
PDF_EXTRA = ("cnam records show --format pdf demande WeasyPrint et les bibliothèques Pango du système : "
             "pip install 'cnam-dsl[pdf]' (Debian : apt-get install libpango-1.0-0 libpangoft2-1.0-0)")


STATUS_FR = {"satisfied": "rien de plus", "internship": "stage", "missing": "expérience manquante",
             "conflict": "conflit", "eligible": "recevable", "limit": "limite atteinte"}


class PrintError(Exception):
    """A document that cannot be made here (WeasyPrint missing): one French line naming what to install."""


def date_fr(iso: str) -> str:
    """
    >>> date_fr("2026-01-01"), date_fr("2026-11-23T08:15:00+00:00")
    ('1er janvier 2026', '23 novembre 2026')
    """
    day = datetime.fromisoformat(iso).date() if "T" in iso else date.fromisoformat(iso)
    return f"{'1er' if day.day == 1 else day.day} {MONTHS_FR[day.month - 1]} {day.year}"


# ---------------------------------------------------------------- what the document says


def is_vae(record: dict) -> bool:
    return record["question"]["command"] == "vae"


def heading(record: dict) -> str:
    q = record["question"]
    if is_vae(record):
        return f"Recevabilité d'une demande de VAE — certification {q['certification']}, année {q['year']}"
    return (f"Ce qu'il manque au candidat pour : {record['titles']['subject']} — {MILESTONE_FR[q['milestone']]}, "
            f"règles en vigueur le {date_fr(q['date'])}")


def candidate_name(record: dict) -> str:
    if record.get("erased"):
        return "(données personnelles effacées)"
    return record["profile"].get("name") or "(sans nom)"


def verdict(record: dict) -> list[str]:
    """The answer in sentences: its status, then what it requires."""
    a = record["answer"]
    if is_vae(record):
        lines = [VAE_SENTENCE[a["status"]]]
        if a["status"] == "missing":
            lines.append(f"Il manque {months_fr(a['missing_months'])} d'expérience en lien direct.")
        if a.get("next_possible_year"):
            lines.append(f"Prochaine année possible pour une demande : {a['next_possible_year']}.")
        return lines
    lines = [STATUS_SENTENCE[a["status"]]]
    if a["status"] == "internship":
        lines.append(f"Il faut un {internship_text(a['internship'])}.")
    if a["status"] == "missing":
        more = "plus de " if a.get("missing_strict") else "au moins "
        lines.append(f"Il manque {more}{months_fr(a['missing_months'])} d'expérience (équivalent temps plein).")
    if a["status"] == "conflict":
        lines.append("Faits en cause : " + "; ".join(a.get("conflicting_facts") or ["aucun"]) + ".")
    if a.get("options"):
        lines.append("Pour compléter le dossier : " + " ; ou ".join(option_text(o) for o in a["options"]) + ".")
    if a.get("early_review_possible") is not None:
        possible = "possible" if a["early_review_possible"] else "pas encore possible"
        lines.append(f"Examen anticipé de l'expérience : {possible}.")
    return lines


def periods(record: dict) -> list[dict]:
    """Each period as the document shows it: its label (unless erased), when, how it was counted."""
    experiences = record["profile"].get("experiences", [])
    shown = []
    for p in record["counted"]["periods"]:
        e = experiences[p["index"]] if p["index"] < len(experiences) else {}
        when = (f"du {date_fr(p['start'])} au {date_fr(p['end'])}" if p["start"] and p["end"]
                else f"depuis le {date_fr(p['start'])}" if p["start"] else f"{number_fr(p['months'])} mois")
        aside = [f"{number_fr(s['months'])} mois écartés : {s['text']}" for s in p["set_aside"]]
        shown.append({"number": p["index"] + 1, "label": e.get("label") or "—", "when": when,
                      "category": category_fr(p), "months": number_fr(p["months"]),
                      "share": f"{p['time_share']:g}".replace(".", ","),
                      "full_time": number_fr(p["full_time_months"]), "credited": number_fr(p["credited_months"]),
                      "aside": aside + p["notes"]})
    return shown


def totals(record: dict) -> list[str]:
    c = record["counted"]
    lines = [f"{category_fr(t)} : {months_fr(t['months'])}" for t in c["experience"]]
    done = [d for d in c["internships_done"] if d["months"]]
    if c["internships"]:
        lines.append("stages déjà effectués : " + ", ".join(
            f"{number_fr(i['months'])} mois ({'dans le domaine' if i['field'] == 'in' else 'hors domaine'}"
            f"{', avec rapport' if i['report'] else ''})" for i in c["internships"]))
    if c["decided_internship_months"] is not None:
        lines.append(f"durée de stage décidée : {months_fr(c['decided_internship_months'])}")
    if not is_vae(record):
        lines.append(f"UE acquises du parcours visé : {c['ue_acquired']}")
    return lines if lines or done else ["aucune expérience comptée"]


def rules_applied(record: dict) -> list[dict]:
    """The answer's reasons, those in a row that cite the same passage of the same file together: their
    statements, then the passage once, its source and lines.

    >>> e = {"file": "r/a.cnr", "source": "a", "quote": "Q"}
    >>> reasons = [{**e, "line": 3, "text": "x"}, {**e, "line": 4, "text": "y"}, {**e, "line": 9, "quote": "R",
    ...                                                                          "text": "z"}]
    >>> record = {"titles": {"sources": {}}, "answer": {"explanation": reasons}}
    >>> [(g["texts"], g["lines"]) for g in rules_applied(record)]
    [(['x', 'y'], [3, 4]), (['z'], [9])]
    """
    titles = record["titles"]["sources"]
    groups: list[dict] = []
    for e in record["answer"]["explanation"]:
        if groups and (groups[-1]["file"], groups[-1]["quote"]) == (e["file"], e["quote"]):
            groups[-1]["texts"].append(e["text"])
            groups[-1]["lines"].append(e["line"])
        else:
            groups.append({"file": e["file"], "quote": e["quote"], "source": e["source"], "texts": [e["text"]],
                           "lines": [e["line"]], "title": titles.get(e["source"], e["source"])})
    return groups


def lines_fr(lines: list[int]) -> str:
    """
    >>> lines_fr([6]), lines_fr([6, 7, 9])
    ('ligne 6', 'lignes 6, 7, 9')
    """
    return f"ligne {lines[0]}" if len(lines) == 1 else "lignes " + ", ".join(map(str, lines))


def divergences(record: dict) -> list[str]:
    titles = record["titles"]["sources"]
    return [f"{titles.get(d['source'], d['source'])} : {short_answer(d)}"
            for d in record["answer"].get("divergences", [])]


def adviser_checks(record: dict) -> list[str]:
    """What the answer rests on that the adviser must still check (it takes the facts as entered)."""
    a, c = record["answer"], record["counted"]
    checks = ["Les pièces justificatives de chaque période (dates, quotité de temps de travail, nature de "
              "l'activité) : la réponse repose sur les faits saisis."]
    if any(p["field"] == "in" for p in c["periods"]):
        checks.append("Que les expériences comptées « dans le domaine » relèvent bien du domaine ou de la "
                      "spécialité visés, à un niveau de responsabilité suffisant.")
    if any(s["reason"] == "future" for p in c["periods"] for s in p["set_aside"]):
        checks.append("Les périodes qui se poursuivent après la date de la question ne sont comptées que "
                      "jusqu'à cette date : la réponse peut changer ensuite.")
    if any(s["reason"] == "not_counted" for p in c["periods"] for s in p["set_aside"]):
        checks.append("Une partie de l'expérience n'est comptée par aucune règle applicable (voir les faits "
                      "retenus) : vérifier sa nature.")
    internship = a.get("internship") or {}
    if a["status"] == "internship" and internship.get("decided_by"):
        checks.append(f"La durée du stage est fixée par {AUTHORITY_FR[internship['decided_by']]} : la réponse en "
                      f"donne les bornes.")
    if a.get("divergences"):
        checks.append("Les sources ne donnent pas la même réponse : retenir celle qui s'applique au candidat.")
    if a["status"] == "conflict":
        checks.append("Les faits saisis contredisent les règles : les corriger ou saisir le jury.")
    if is_vae(record):
        checks.append("Les demandes de VAE déjà déposées cette année, pour cette certification et pour d'autres.")
    return checks


def crpa(record: dict) -> dict:
    """The explicit mention (L311-3-1, R311-3-1-1) and the four items of R311-3-1-2, for this decision."""
    q = record["question"]
    purpose = ("la recevabilité d'une demande de validation des acquis de l'expérience" if is_vae(record)
               else f"ce que les règles du Cnam exigent encore du candidat pour : {record['titles']['subject']}")
    sources = ", ".join(record["titles"]["sources"].values())
    return {
        "mention": (f"Cette réponse a été établie sur le fondement d'un traitement algorithmique (article L311-3-1 "
                    f"du code des relations entre le public et l'administration), dont la finalité est de "
                    f"déterminer, à partir des faits déclarés, {purpose}. Vous pouvez obtenir communication des "
                    f"règles qui définissent ce traitement et des principales caractéristiques de sa mise en "
                    f"œuvre en les demandant par écrit au Cnam (à votre conseiller ou au service qui a reçu votre "
                    f"dossier) ; en cas de refus ou de silence gardé pendant un mois, vous pouvez saisir la "
                    f"Commission d'accès aux documents administratifs (CADA)."),
        "items": [
            ("Degré et mode de contribution du traitement à la décision",
             f"le traitement a calculé la réponse ci-dessus à partir des faits saisis par {record['adviser']} ; "
             f"il ne décide pas seul : le conseiller vérifie les points listés, et la décision sur le dossier "
             f"appartient au Cnam ou au jury."),
            ("Données traitées et leurs sources",
             "les faits déclarés par le candidat (périodes d'expérience et de stage, quotités, domaine, nature, "
             "niveau, UE acquises), repris dans « Les faits retenus » ; les règles, tirées des documents : "
             f"{sources}."),
            ("Paramètres de traitement appliqués à votre situation",
             f"les seuils des règles citées dans « Les règles appliquées », chacun avec le passage qu'il traduit ; "
             f"date d'application : {date_fr(q['date'])}."),
            ("Opérations effectuées",
             "chaque période est comptée en mois (mois civils entiers, puis les jours restants divisés par 30), "
             "multipliée par sa quotité de temps de travail ; les jours où des périodes se chevauchent ne comptent "
             "qu'une fois, à temps plein au plus ; ce qui suit la date de la question est écarté ; les totaux sont "
             "arrondis au centième de mois ; puis chaque voie de chaque source est comparée à ces totaux."),
        ],
    }


def context(record: dict) -> dict:
    return {"r": record, "heading": heading(record), "name": candidate_name(record), "verdict": verdict(record),
            "periods": periods(record), "totals": totals(record), "rules": rules_applied(record),
            "divergences": divergences(record), "checks": adviser_checks(record), "crpa": crpa(record),
            "created": date_fr(record["created_at"]), "counted_on": date_fr(record["counted"]["on"]),
            "vae": is_vae(record)}


# ---------------------------------------------------------------- formats


def record_text(record: dict) -> str:
    c = context(record)
    lines = [f"Décision enregistrée n° {record['id']} — {c['created']} — conseiller : {record['adviser']}",
             f"Candidat : {c['name']}", c["heading"], "", *c["verdict"], "",
             f"Les faits retenus (au {c['counted_on']}) :"]
    for p in c["periods"]:
        lines.append(f"  {p['number']}. {p['label']} — {p['when']} — {p['category']} : {p['months']} mois × "
                     f"{p['share']} = {p['full_time']} ; compté : {p['credited']} mois")
        lines += [f"       {a}" for a in p["aside"]]
    lines.append("  Totaux : " + " ; ".join(c["totals"]))
    lines += ["", "Les règles appliquées :"]
    for g in c["rules"]:
        lines += [f"  - {text}" for text in g["texts"]]
        lines.append(f"      « {g['quote']} » ({g['title']}, {g['file']}, {lines_fr(g['lines'])})")
    if c["divergences"]:
        lines += ["", "Divergences entre les sources :"] + [f"  - {d}" for d in c["divergences"]]
    lines += ["", "À vérifier par le conseiller :"] + [f"  - {x}" for x in c["checks"]]
    lines += ["", "Traitement algorithmique :", "  " + c["crpa"]["mention"]]
    lines += [f"  {n}° {title} : {text}" for n, (title, text) in enumerate(c["crpa"]["items"], 1)]
    lines += ["", *footer(record)]
    return "\n".join(lines)


def footer(record: dict) -> list[str]:
    return [f"Enregistrement n° {record['id']} — empreinte SHA-256 {record['sha256']}",
            f"précédent {record['previous_sha256'] or '(aucun : premier enregistrement)'}",
            f"règles {record['rules_sha256']} — cnam-dsl {record['tool_version']}",
            f"Vérifiable hors ligne : cnam records verify {record['id']}"]


_templates = Environment(loader=PackageLoader("cnam_dsl.records", "templates"), autoescape=select_autoescape(),
                         trim_blocks=True, lstrip_blocks=True)
_templates.filters["lines_fr"] = lines_fr


def record_html(record: dict, *, screen: bool = False, links: dict | None = None) -> str:
    """The document as a standalone HTML page (`screen`: with the links of the web page, hidden in print)."""
    return _templates.get_template("record.html").render(**context(record), footer=footer(record), screen=screen,
                                                         links=links or {})


def record_pdf(record: dict) -> bytes:
    """The document as PDF (WeasyPrint, from the HTML); PrintError naming the extra to install without it."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        raise PrintError(PDF_EXTRA) from None
    return HTML(string=record_html(record)).write_pdf()


def record_json_text(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2)
