"""The VAE page: eligibility and yearly limits from the rules, a decision table, and the sources' practical information."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..language.check import normalize_quote
from ..answer.describe import experience_fr, limit_fr, months_fr, sentence, validity_fr
from ..answer.explain import vae_answer
from ..request import vae_question
from ..language.model import RuleBase
from ..candidate import Experience, Profile, VaeRequest
from .markdown import escape, quoted, status_badge, table

PAGE = "vae.md"
CERTIFICATION = "LP110504"  # a real code of the vae-bfc page (Licence Commerce, Vente, Marketing)
OTHER_CERTIFICATIONS = ("CPN7700A", "LP120204", "MR1401A")

# Practical information the sources state, which no rule encodes: (topic, source, what, quote).
INFORMATION = (
    ("Étapes", "vae-bfc", "Premier contact avec un conseiller, qui aide à choisir la certification.",
     "Un conseiller du Cnam vous aide à identifier la certification la plus adaptée à votre profil."),
    ("Étapes", "vae-bfc", "Entretien de recevabilité, d'environ deux heures.", "Entretien de recevabilité (2h)"),
    ("Étapes", "vae-bfc", "Avis de recevabilité, rendu par un spécialiste du domaine.",
     "Étude par un spécialiste du domaine (enseignant-chercheur du Cnam)."),
    ("Étapes", "vae-bfc", "Accompagnement personnalisé, jusqu'à 20 heures.",
     "Jusqu’à 20 heures d’accompagnement (en présentiel ou à distance)."),
    ("Étapes", "vae-bfc", "Constitution du dossier (expériences, compétences, preuves).",
     "Présentation de vos expériences, compétences et preuves."),
    ("Étapes", "vae-bfc", "Entretien devant le jury, qui décide d'une validation totale, partielle ou d'un refus.",
     "Le jury décide d’une validation totale, partielle ou d’un refus."),
    ("Étapes", "vae-2009", "La fiche de 2009 décrit sept étapes : accueil, information-conseil, recevabilité, "
                           "accompagnement, rédaction et dépôt du dossier, jury, suivi après jury.",
     "Votre certification en sept étapes"),
    ("Durées et délais", "vae-bfc", "Délai d'accès : d'une semaine à trois mois.",
     "Délai d’accès : de 1 semaine à 3 mois selon la maturité du projet"),
    ("Durées et délais", "vae-bfc", "La recevabilité vaut un an.", "Recevabilité valable 1 an"),
    ("Durées et délais", "vae-bfc", "L'oral devant le jury dure de 40 à 90 minutes.",
     "Soutenance orale (en présentiel ou à distance) d’une durée de 40 à 90 minutes."),
    ("Durées et délais", "vae-bfc", "La décision du jury est transmise dans les 20 jours.",
     "La décision du jury est transmise dans les 20 jours suivant l’oral."),
    ("Tarifs et financement", "vae-bfc", "Recevabilité : 250 €.", "Recevabilité : 250 €"),
    ("Tarifs et financement", "vae-bfc", "Accompagnement individuel : 1 200 € au tarif individuel.",
     "Tarif individuel : 1200 €"),
    ("Tarifs et financement", "vae-bfc", "Accompagnement individuel : 2 200 € en forfait pris en charge.",
     "Forfait pris en charge (employeur, OPCO , CPF…) : 2200 €"),
    ("Tarifs et financement", "vae-2009", "Le coût varie selon les centres et les certifications ; il peut être "
                                          "pris en charge (Pôle emploi, Conseil régional, OPCA, OPACIF).",
     "Le coût de la VAE est variable selon les centres régionaux et les certifications visées."),
)


@dataclass(frozen=True, slots=True)
class VaeSituation:
    label: str
    profile: Profile


def vae_situations(year: int) -> tuple[VaeSituation, ...]:
    def related(months: int, *requests: VaeRequest) -> Profile:
        experiences = (Experience(months=float(months), field="in"),) if months else ()
        return Profile(experiences=experiences, vae_requests=requests)

    found = [VaeSituation(f"{months_fr(m)} d'expérience en lien direct" if m else "aucune expérience",
                          related(m)) for m in (0, 6, 11, 12, 24)]
    found.append(VaeSituation(f"24 mois en lien direct, une demande déjà déposée en {year} pour {CERTIFICATION}",
                              related(24, VaeRequest(CERTIFICATION, year))))
    found.append(VaeSituation(f"24 mois en lien direct, trois demandes déjà déposées en {year} pour "
                              "d'autres certifications",
                              related(24, *(VaeRequest(c, year) for c in OTHER_CERTIFICATIONS))))
    found.append(VaeSituation(f"24 mois en lien direct, trois demandes déposées en {year - 1}",
                              related(24, *(VaeRequest(c, year - 1) for c in OTHER_CERTIFICATIONS))))
    return tuple(found)


def vae_text(answer: dict) -> str:
    if answer["status"] == "eligible":
        return "recevable"
    if answer["status"] == "missing":
        return f"manque {months_fr(answer['missing_months'])}"
    return f"limite atteinte (prochaine année : {answer['next_possible_year']})"


def missing_information(base: RuleBase) -> list[str]:
    """The information quotes that are not (or no longer) in their source document."""
    problems = []
    for topic, source, _, quote in INFORMATION:
        info = base.sources.get(source)
        if info is None or not info.text or normalize_quote(quote) not in normalize_quote(info.text):
            problems.append(f"{source} : citation introuvable ({topic}) : « {quote} »")
    return problems


def vae_md(base: RuleBase, engine, on: date, examples_md: list[str]) -> str:
    year = on.year
    in_force = base.vae_sources(year)
    lines = ["# La VAE (validation des acquis de l'expérience)", "",
             "La VAE permet d'obtenir tout ou partie d'une certification du Cnam sur la base de l'expérience. "
             "Cette page sépare nettement **les règles** (recevabilité, limites annuelles), encodées et "
             "vérifiées comme les autres, et **les informations pratiques** (étapes, durées, tarifs) que les "
             "sources donnent, reprises telles quelles.", "",
             "## Recevabilité et limites annuelles (règles)", ""]
    for rules in base.vae:
        lines += [f"### {escape(base.sources[rules.source].title or rules.source)} (`{rules.source}`)", ""]
        validity = validity_fr(rules.valid_from, rules.valid_until)
        state = "en vigueur" if rules.in_force_during(year) else "plus en vigueur"
        period = sentence(validity).removesuffix(".") if validity else "Sans date de début ni de fin"
        lines += [f"*{period} ({state} en {year}).*", ""]
        for r in rules.experience:
            lines += [f"**{escape(sentence('exige ' + experience_fr(r)))}**", "", quoted(r.provenance, PAGE), ""]
        for r in rules.limits:
            lines += [f"**{escape(sentence(limit_fr(r)))}**", "", quoted(r.provenance, PAGE), ""]
    lines += ["## Tableau de décision", "",
              f"Réponse de `cnam vae --certification {CERTIFICATION} --year {year}` pour quelques candidats "
              f"(expérience salariée en lien direct avec la certification), source par source et avec toutes "
              f"les sources en vigueur en {year} ({', '.join(in_force) or 'aucune'}).", ""]
    if in_force:
        headers = ["Situation"] + [f"`{s}`" for s in in_force] + (["Toutes les sources"] if len(in_force) > 1 else [])
        rows = []
        for s in vae_situations(year):
            asked = [[src] for src in in_force] + ([None] if len(in_force) > 1 else [])
            answers = [vae_answer(engine, vae_question(base, {"certification": CERTIFICATION, "year": year,
                                                              **({"sources": src} if src else {})}, on, s.profile))
                       for src in asked]
            rows.append([escape(s.label)] + [status_badge(a["status"], vae_text(a)) for a in answers])
        lines += [table(headers, rows), ""]
    lines += ["## Exemples vérifiés", ""] + examples_md
    lines += ["## Informations pratiques (non encodées en règles)", "",
              '!!! info "Information, pas règle"', "",
              "    Ces éléments décrivent la démarche telle que les sources la présentent. Ils ne sont pas des "
              "conditions calculées par `cnam vae` ; chaque citation est vérifiée dans son document à la "
              "construction du site.", ""]
    topics: dict[str, list] = {}
    for topic, source, what, quote in INFORMATION:
        topics.setdefault(topic, []).append((source, what, quote))
    for topic, items in topics.items():
        lines += [f"### {topic}", "",
                  table(["Information", "Source", "Passage"],
                        [[escape(what), f"`{source}`", f"« {escape(quote)} »"] for source, what, quote in items]), ""]
    return "\n".join(lines)
