"""What each source document gives the rule base: the rules citing it, and the passages no rule cites (with why)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..language.check import normalize_quote
from ..answer.describe import SourceRule, source_rules  # noqa: F401  (re-exported for the pages)
from ..language.model import RuleBase
from ..language.parse import parse_text

MIN_WORDS = 4  # shorter sentences are menu entries or fragments, not passages
HEADING_WORDS = 8  # a line shorter than this, without punctuation and not a bullet, is a heading
CITED_SHARE = 0.5  # a passage at least this much covered by quotes is cited

# Why the main passages that no rule cites are left out: (words the passage contains, reason).
REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "cnam-na": (
        ("spécificités à découvrir", "Les référentiels propres à chaque parcours ne sont pas encodés, "
                                     "sauf celui de la source referentiel-formation."),
        ("difficultés pour obtenir", "Justificatifs : procédure."),
        ("inscription à une UA", "Organisation des rapports en UA : procédure."),
        ("crédits ECTS", "Organisation des rapports en UA : procédure."),
        ("120 diplômes", "Chiffres de présentation du Cnam Nouvelle-Aquitaine, sans exigence."),
        ("La nature, le niveau et la durée", "Introduction : les exigences sont encodées diplôme par diplôme."),
        ("obligatoirement liée", "Principe général, que chaque voie encode pour son diplôme."),
        ("Unités d’Activités", "Organisation des rapports en UA (crédits ECTS, tutorat) : procédure."),
        ("UA correspondent", "Organisation des rapports en UA (crédits ECTS, tutorat) : procédure."),
        ("cahier des charges", "Organisation des rapports en UA : procédure."),
        ("suivi méthodologique", "Accompagnement des élèves : procédure."),
        ("note délivrée", "Évaluation des rapports : procédure, sans effet sur l'expérience exigée."),
        ("avis motivé", "Évaluation des rapports : procédure, sans effet sur l'expérience exigée."),
        ("rédaction d’un rapport", "Le rapport est encodé voie par voie (« rapport exigé »)."),
        ("certificats professionnels - De certains", "Liste des parcours à rapport : seules les voies "
                                                     "avec stage en portent l'exigence."),
        ("Besoin d'aide", "Contact."),
    ),
    "cnam-eleves": (
        ("demande d’étude anticipée", "Démarche administrative de l'examen anticipé : procédure."),
        ("durée du stage est encadrée", "Principe : les durées sont encodées diplôme par diplôme."),
        ("construction des diplômes", "Principe général, que chaque voie encode pour son diplôme."),
        ("Il importe de démontrer", "Contenu du rapport d'expérience : information pour l'élève."),
        ("jury national", "Circuit d'examen du rapport : procédure."),
        ("Par contre, si l’objectif", "Encodé par le jalon « délivrance » des voies."),
        ("soumise à des exigences", "Principe général, que chaque voie encode pour son diplôme."),
        ("critères de sélection", "Sélection des candidats : pas une condition de délivrance."),
        ("Conventions de stage", "Conventions de stage (signature, délai de 15 jours) : procédure, "
                                 "hors du champ des règles d'expérience."),
        ("convention de stage", "Conventions de stage : procédure."),
        ("emploi déguisé", "Cadre juridique des stages : information."),
        ("référentiel du diplôme l’exige", "Principe : le stage n'existe que là où une voie l'exige."),
        ("généralement de 3 mois", "Ordre de grandeur ; les durées exactes sont encodées par diplôme."),
        ("quinzaine de pages", "Forme du rapport d'expérience : information pour l'élève."),
        ("présentation de la totalité", "Contenu du rapport d'expérience : information pour l'élève."),
        ("présentation détaillée", "Contenu du rapport d'expérience : information pour l'élève."),
        ("thèmes d’expériences", "Contenu du rapport d'expérience : information pour l'élève."),
        ("examiné, en local", "Circuit d'examen du rapport et avis du jury : procédure."),
        ("pas obligatoire pour l’inscription", "Inscription aux UE : les règles portent sur la délivrance."),
        ("non contractuel", "Avertissement de la page."),
    ),
    "vae-2009": (
        ("avis de recevabilité de votre demande", "Décision du Cnam : humaine, non calculable."),
        ("505 dossiers", "Statistiques."),
        ("droits d'inscription", "Coût et financement : information."),
        ("demandeurs d'emploi", "Financement : information."),
        ("prise en charge totale", "Financement : information."),
        ("Rédaction et dépôt", "Étape de la démarche : information."),
        ("aide pour le financement", "Financement : information."),
        ("sept étapes", "Les étapes de la VAE : information (page VAE), pas une condition."),
        ("Accueil", "Étape de la démarche : information."),
        ("Information – conseil", "Étape de la démarche : information."),
        ("Recevabilité :", "Étape de la démarche : la recevabilité elle-même est encodée par la règle VAE."),
        ("Accompagnement :", "Étape de la démarche : information."),
        ("Jury :", "Décision du jury : humaine, non calculable."),
        ("Quelques chiffres", "Statistiques."),
        ("validations totales", "Statistiques."),
        ("coût de la VAE", "Coût et financement : information (page VAE)."),
        ("OPCA", "Financement : information."),
        ("OPACIF", "Financement : information."),
        ("Pôle Emploi définit", "Rôle du conseiller Pôle emploi : information."),
        ("tutelle du ministère", "Présentation du Cnam."),
        ("diplômes d'Etat", "Certifications accessibles : la règle vaut pour toute certification."),
    ),
    "referentiel-formation": (
        ("activités de référence", "Ce qui compte « dans la spécialité » : c'est au candidat de le "
                                   "déclarer (field: in) ; la liste n'est pas encodée."),
        ("dossier d’analyse", "Procédure de dépôt : information."),
        ("choix de la pratique", "Contenu du rapport de stage : information."),
        ("pratique choisie", "Contenu du rapport de stage : information."),
        ("pratique est commentée", "Contenu du rapport de stage : information."),
        ("déposer en ligne", "Date de dépôt du rapport : procédure."),
    ),
    "vae-bfc": (
        ("Vous souhaitez valoriser", "Accroche de la page ; les activités qui comptent sont encodées "
                                     "par la règle de recevabilité."),
        ("tout ou partie", "Présentation de la VAE : information."),
        ("10 à 40 minutes", "Durée de l'oral : information (page VAE)."),
        ("30 à 45 minutes", "Durée de l'oral : information (page VAE)."),
        ("validation partielle", "Suites d'une décision du jury : information."),
        ("personnes accompagnées", "Statistiques."),
        ("dossier masculin", "Statistiques."),
        ("portées par des femmes", "Statistiques."),
        ("situation de handicap", "Accessibilité : information."),
        ("fiche de contact", "Contact."),
        ("pouvoir justifier", "Justificatifs : procédure, non vérifiable sur un dossier."),
        ("identifier un diplôme", "Choix de la certification : c'est l'entrée de « cnam vae »."),
        ("Entretien de recevabilité", "Étape et durée : information (page VAE)."),
        ("20 heures", "Durée de l'accompagnement : information (page VAE)."),
        ("Délai d’accès", "Délai : information (page VAE)."),
        ("Recevabilité : 250", "Tarif : information (page VAE)."),
        ("Tarif individuel", "Tarif : information (page VAE)."),
        ("Forfait pris en charge", "Tarif : information (page VAE)."),
        ("40 à 90 minutes", "Durée de l'oral : information (page VAE)."),
        ("20 jours", "Délai de décision : information (page VAE)."),
        ("validation totale, partielle", "Décision du jury : humaine, non calculable."),
        ("Indicateur", "Statistiques."),
        ("CPF", "Financement : information."),
        ("RNCP ou au répertoire", "Certification enregistrée : condition sur la certification, "
                                  "non sur le candidat ; non encodée."),
        ("ne garantit pas", "Avertissement : la recevabilité n'est pas la validation."),
        ("équivalence automatique", "Avertissement."),
    ),
}


@dataclass(frozen=True, slots=True)
class Passage:
    text: str
    covered: float  # share of the passage's characters quoted by some rule
    reason: str | None = None

    @property
    def cited(self) -> bool:
        return self.covered >= CITED_SHARE


def sentences(text: str) -> list[tuple[str, str | None]]:
    """The passages of a document, each with a reason when its form alone says why it is not a rule.

    Lines cut inside a sentence are joined again; headings (short lines without
    punctuation) and table rows are marked as such.

    >>> sentences("Titre court\\n  • Deux ans sont exigés. Si l’expérience est hors\\ndomaine, un stage.\\n")
    [('Titre court', 'Titre de rubrique.'), ('Deux ans sont exigés.', None), ('Si l’expérience est hors domaine, un stage.', None)]
    """
    found = []
    for line, bullet in _lines(text):
        if " | " in line:
            found.append((line, "Ligne de tableau (statistiques)."))
            continue
        if not bullet and len(line.split()) < HEADING_WORDS and not re.search(r"[.!?:;]$", line):
            found.append((line, "Titre de rubrique."))
            continue
        for part in re.split(r"(?<=[.!?;])\s+(?=[A-ZÀ-ÝÉ«•])", line):
            part = part.strip(" •-")
            if len(part.split()) >= MIN_WORDS:
                found.append((part, None))
    return found


def _lines(text: str) -> list[tuple[str, bool]]:
    """Logical lines (a line cut before a lowercase word is joined to the next), with whether each is a bullet."""
    lines: list[tuple[str, bool]] = []
    for raw in text.replace("**", "").splitlines():
        stripped = raw.strip()
        if not stripped:
            continue
        bullet = bool(re.match(r"^([•*]|-\s|\d+\.\s)", stripped))
        line = re.sub(r"^([•*\s]|-\s|\d+\.\s)+", "", stripped).strip().strip("#").strip()
        if not line:
            continue
        if re.fullmatch(r"[|\-: ]+", line):  # a table's rule line
            continue
        ended = lines and re.search(r"[.!?]$", lines[-1][0])
        joins = lines and not bullet and not ended and (re.match(r"^[a-zà-ÿ,;)]", line) or re.search(
            r"\s(au|aux|à|le|la|les|de|du|des|en|et|ou)$", lines[-1][0]))
        if joins:
            lines[-1] = (f"{lines[-1][0]} {line}".replace(" ,", ","), lines[-1][1])
        else:
            lines.append((line, bullet))
    return lines


def citations(base: RuleBase) -> dict[str, list[str]]:
    """Every quote of every rule file, by source (blocks and statements alike, validity included)."""
    found: dict[str, list[str]] = {}
    for path, text in sorted(base.texts.items()):
        rule_file, _ = parse_text(text, path)
        if rule_file is None or not rule_file.blocks or rule_file.blocks[0].kind != "source":
            continue
        quotes = found.setdefault(rule_file.blocks[0].name, [])
        for block in rule_file.blocks:
            quotes += [block.citation.quote] if block.citation else []
            quotes += [st.citation.quote for st in block.statements if st.citation]
    return found


def passages(base: RuleBase, source: str) -> list[Passage]:
    """Every passage of the source's document, with the share of it that rules quote."""
    info = base.sources.get(source)
    if info is None or not info.text:
        return []
    document = normalize_quote(info.text.replace("**", ""))
    covered = bytearray(len(document))
    for quote in citations(base).get(source, []):
        quote = normalize_quote(quote)
        start = document.find(quote) if quote else -1
        while start >= 0:
            covered[start:start + len(quote)] = b"\x01" * len(quote)
            start = document.find(quote, start + 1)
    found, cursor = [], 0
    for text, form in sentences(info.text):
        norm = normalize_quote(text)
        start = document.find(norm, cursor)
        if start < 0:
            start = document.find(norm)
        share = sum(covered[start:start + len(norm)]) / len(norm) if start >= 0 and norm else 0.0
        cursor = max(cursor, start + len(norm)) if start >= 0 else cursor
        found.append(Passage(text, share, reason_for(source, text) or form))
    return found


def reason_for(source: str, text: str) -> str | None:
    folded = normalize_quote(text)
    for words, reason in REASONS.get(source, ()):
        if normalize_quote(words) in folded:
            return reason
    return None
