"""The language reference for rule authors: every construct of grammar/cnr.lark, its grammar rule and an example.

Each example is a whole rule file that the tests parse; the grammar rules shown
are read from the grammar itself, and a test checks that the examples together
use every rule of the grammar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..authoring.highlight import grammar_literals, grammar_terminals, grammar_text
from .markdown import code_span

PAGE = "auteurs/langage.md"


@dataclass(frozen=True, slots=True)
class Construct:
    title: str
    rules: tuple[str, ...]  # the grammar rules it shows (their definitions are printed)
    text: str  # what it means, in French (Markdown)
    example: str  # a whole rule file


CONSTRUCTS = (
    Construct(
        "Source", ("source_header", "title", "document"),
        "Un fichier de règles commence par la source qu'il encode. Le fichier qui la décrit donne son titre et "
        "le document (texte brut, dans le même dossier) où chaque citation est recherchée.",
        'source cnam-na\n  titre « Cnam Nouvelle-Aquitaine — Valider des crédits professionnels »\n'
        '  document « 000_6c32f63ad9fce940.txt »\n'),
    Construct(
        "Diplôme et jalons", ("diploma_header", "milestones"),
        "Déclare un diplôme sous l'identifiant du contrat, avec son libellé. Tout diplôme a le jalon "
        "« délivrance » ; `jalons` en ajoute (candidature, probatoire, soutenance).",
        "diplôme ingenieur « Titre d'ingénieur »\n  jalons délivrance, candidature, probatoire et soutenance\n"),
    Construct(
        "Voie et citation", ("pathway_header", "citation", "requires"),
        "Une voie est une manière de satisfaire une source pour un diplôme ; une seule voie d'une source "
        "suffit. `selon « … »` juste après l'en-tête cite le passage que tout le bloc encode ; juste après "
        "une instruction, celui de cette instruction. Le vérificateur retrouve chaque citation dans le document.",
        "source cnam-na\n\nvoie bac2-domaine pour bac+2\n"
        "  selon « Deux ans d’expérience professionnelle salariée à un niveau de responsabilité suffisant "
        "dans le domaine du diplôme préparé sont exigés. »\n"
        "  exige expérience salariée, dans le domaine, de niveau suffisant, d'au moins 2 ans\n"),
    Construct(
        "Expérience exigée", ("experience_req", "in_field", "kind", "sufficient_level", "full_time", "quantity"),
        "`exige expérience` suivi de qualificatifs : `dans le domaine` (ou `dans la spécialité`, `en lien "
        "direct`), une nature (`salariée`, `non salariée`, `bénévole`, `syndicale` ; par défaut : "
        "professionnelle, salariée ou non), `de niveau suffisant`, `à temps plein` (compté en équivalent temps "
        "plein), et une durée `d'au moins N mois|an|ans`. Sans durée, toute durée positive compte.",
        "source cnam-eleves\n\nvoie certificat-experience pour certificat\n"
        "  selon « Stage professionnel de 3 mois ou expérience professionnelle pour les salariés. »\n"
        "  exige expérience salariée\n"
        "  exige expérience à temps plein, dans le domaine, de niveau suffisant, d'au moins 2 ans\n"),
    Construct(
        "Stage exigé", ("internship_req", "fixed_length", "range_length", "at_most_length", "at_least_length",
                        "with_report"),
        "Au plus un stage par voie : `de 6 mois` (durée de référence), `de 3 à 6 mois`, `d'au plus 6 mois` "
        "(pas de plancher écrit), `d'au moins 3 mois` ; qualificatifs `dans le domaine`, `avec rapport`.",
        "source exemple\n\nvoie a pour licence\n  exige un stage de 6 mois, dans le domaine, avec rapport\n\n"
        "voie b pour bac+3\n  exige un stage de 3 à 6 mois\n\nvoie c pour bac+2\n  exige un stage d'au plus 6 mois\n\n"
        "voie d pour certificat\n  exige un stage d'au moins 3 mois\n"),
    Construct(
        "Durée du stage : décidée, modulable ; rapport", ("decided_by", "modulation", "report_required"),
        "Qui fixe la durée (`durée décidée par le Cnam|le jury`), jusqu'où elle peut descendre (`durée "
        "modulable par le jury, sans descendre sous 3 mois`), et `rapport exigé`, chacun avec sa citation.",
        "source cnam-eleves\n\nvoie licence-hors-specialite pour licence\n  exige expérience d'au moins 3 ans\n"
        "  exige un stage de 6 mois, dans le domaine\n"
        "  durée modulable par le jury, sans descendre sous 3 mois\n"
        "    selon « Pour les licences, le jury peut décider de moduler la durée sans que le stage puisse être "
        "inférieur à 3 mois. »\n  rapport exigé\n\n"
        "voie bac2-autre-domaine pour bac+2\n  exige un stage d'au plus 6 mois\n  durée décidée par le Cnam\n"),
    Construct(
        "Stage : dans le domaine, levé", ("internship_in_field", "waiver"),
        "`stage en relation avec le diplôme préparé` : seul un stage effectué dans le domaine compte (comme le "
        "qualificatif `dans le domaine`, mais avec sa propre citation). `stage non exigé si entrée en fonctions "
        "pendant la formation` : le candidat entré en fonctions pendant la formation (fait `entered_duties` du "
        "fichier candidat) n'a pas de stage à faire.",
        "source referentiel-formation\n\nvoie ingenierie-formation pour ingenierie-formation\n"
        "  exige un stage de 3 mois\n  stage en relation avec le diplôme préparé\n"
        "  stage non exigé si entrée en fonctions pendant la formation\n"),
    Construct(
        "Période de validité", ("validity",),
        "Une voie ou une règle VAE peut ne valoir que sur une période : `en vigueur du D1 au D2`, `depuis le D`, "
        "`jusqu'au D` (dates AAAA-MM-JJ, bornes comprises).",
        "source exemple\n\nvoie ancienne pour bac+2\n  exige expérience d'au moins 2 ans\n"
        "  en vigueur du 2009-01-01 au 2023-12-26\n\nvoie nouvelle pour bac+2\n  exige expérience d'au moins 1 an\n"
        "  en vigueur depuis le 2023-12-27\n\nvoie transitoire pour bac+4\n  exige expérience d'au moins 3 ans\n"
        "  en vigueur jusqu'au 2030-12-31\n"),
    Construct(
        "Reprise", ("reuse_header",),
        "`reprise A comme B` : le diplôme A a, dans cette source, les mêmes voies que le diplôme B.",
        "source cnam-eleves\n\nreprise bac+4 comme bac+3\n  selon « Les diplômes de niveau II (Bac+3/Bac+4) »\n"),
    Construct(
        "Règle générale", ("general_header", "internship_alone"),
        "Une règle de toute la source : `un stage seul ne suffit jamais` (un stage sans aucune expérience "
        "professionnelle ne permet pas la délivrance).",
        "source cnam-na\n\nrègle générale stage-seul\n  un stage seul ne suffit jamais\n"),
    Construct(
        "Examen anticipé", ("early_header", "early_possible"),
        "Les conditions de l'examen anticipé de l'expérience : `possible avec au moins 2 UE` ou `possible sans "
        "condition`.",
        "source cnam-na\n\nexamen anticipé\n  possible avec au moins 2 UE\n\n"
        "source cnam-eleves\n\nexamen anticipé\n  possible sans condition\n"),
    Construct(
        "Complément fixé par la commission", ("commission_decides",),
        "Dans le bloc de l'examen anticipé : `la commission fixe le complément`. La commission qui examine le "
        "dossier fixe elle-même le complément (stage ou expérience) : sans décision au dossier, la réponse dit "
        "la durée écrite et que la commission peut en fixer une autre ; avec une décision (`stage décidé … par "
        "la commission`, `complément décidé …`), c'est elle qui compte.",
        "source cnam-eleves\n\nexamen anticipé\n  possible sans condition\n  la commission fixe le complément\n"),
    Construct(
        "À vérifier par le conseiller", ("check_header", "check_text", "check_when_internship"),
        "Ce qu'une source exige et que les règles ne peuvent pas calculer (un justificatif, un avis sur le "
        "rapport) : `à vérifier ID`, le `texte « … »` dit au conseiller, `pour` les diplômes concernés (tous "
        "par défaut), `si un stage est exigé`. Jamais dans le statut d'une réponse : listé dans `to_check`.",
        "source cnam-na\n\nà vérifier justificatifs\n  texte « L'expérience est justifiée par une attestation "
        "de l'employeur. »\n\nà vérifier rapport-de-stage\n  texte « Le rapport de stage a été rendu. »\n"
        "  pour licence, bac+3\n  si un stage est exigé\n"),
    Construct(
        "Certification du Cnam", ("certification_header",),
        "Une certification que la source nomme, avec son titre : la réponse VAE donne ce titre "
        "(`certification_title`) et dit si le code est connu des règles.",
        "source vae-bfc\n\ncertification du Cnam LP110504 « Licence professionnelle Gestion des ressources "
        "humaines »\n"),
    Construct(
        "Recevabilité VAE", ("vae_header", "request_limit"),
        "Les règles de recevabilité d'une source VAE : l'expérience exigée (`en lien direct`) et les limites "
        "annuelles de demandes, par certification ou en tout.",
        "source vae-bfc\n\nvae recevabilite\n"
        "  exige expérience en lien direct, salariée, non salariée, bénévole ou syndicale, d'au moins 1 an\n"
        "  au plus 1 demande par certification et par année civile\n  au plus 3 demandes par année civile\n"),
    Construct(
        "Exemple pour un diplôme", ("example_header", "example_target", "fact_experience", "in_field",
                                    "out_field", "fact_kind", "share", "insufficient_level", "fact_internship",
                                    "fact_ue", "fact_decision", "fact_complement", "fact_duties", "expected"),
        "Un exemple travaillé : un candidat (expérience, stage effectué, UE acquises, stage décidé et par qui, "
        "complément d'expérience décidé, entrée en fonctions pendant la formation) et les réponses attendues. "
        "`pour a, b` le pose pour plusieurs diplômes. `cnam check` et la construction de ce site les revérifient "
        "avec le solveur.",
        "source exemple\n\nexemple « Licence : 36 mois dont 12 dans le domaine »\n  pour licence\n"
        "  expérience de 24 mois hors domaine, salariée\n  expérience de 12 mois dans le domaine, à 50 %\n"
        "  expérience de 6 mois dans le domaine, de niveau insuffisant\n"
        "  stage effectué de 3 mois dans le domaine avec rapport\n  2 UE acquises\n"
        "  stage décidé de 4 mois par le jury\n  attendu satisfait\n\n"
        "exemple « Complément décidé »\n  pour licence, bac+3\n  expérience de 24 mois hors domaine\n"
        "  complément décidé de 6 mois par la commission\n  entrée en fonctions pendant la formation\n"
        "  attendu manque 6 mois\n\nexemple « Ingénieur au probatoire »\n  pour ingenieur au jalon probatoire\n"
        "  expérience de 24 mois hors domaine\n  attendu stage de 6 mois\n"),
    Construct(
        "Réponses attendues", ("expect_satisfied", "expect_internship", "expect_missing", "expect_conflict",
                               "expect_early", "expect_not_applicable"),
        "`attendu satisfait`, `attendu stage de 3 à 6 mois` (ou `d'au plus 6 mois`…, suivi s'il le faut de "
        "`, durée décidée par le jury|le Cnam` : qui fixe la durée), `attendu manque 12 mois`, "
        "`attendu conflit`, `attendu examen anticipé possible|impossible`. `attendu non applicable` : la source "
        "n'énonce rien pour cette question (aucune exigence pour ce diplôme à ce jalon, aucune règle VAE en "
        "vigueur cette année-là) ; un tel exemple dit où une source s'arrête.",
        "source exemple\n\nexemple « Réponses »\n  pour licence\n  attendu satisfait\n"
        "  attendu stage de 3 à 6 mois, durée décidée par le jury\n  attendu manque 12 mois\n  attendu conflit\n"
        "  attendu examen anticipé impossible\n\nexemple « Rien à la candidature »\n"
        "  pour ingenieur au jalon candidature\n  attendu non applicable\n"),
    Construct(
        "Exemple VAE", ("example_certification", "fact_request", "expect_eligible", "expect_limit"),
        "Un exemple de recevabilité VAE : la certification et l'année, les demandes déjà déposées, et "
        "`attendu recevable`, `attendu limite` ou `attendu manque …`.",
        "source vae-bfc\n\nexemple « Une demande déjà faite cette année »\n  certification LP110504 en 2026\n"
        "  expérience de 24 mois dans le domaine\n  demande VAE LP110504 en 2026\n  attendu limite\n\n"
        "exemple « Un an en lien direct »\n  certification LP110504 en 2026\n"
        "  expérience de 12 mois dans le domaine, non salariée\n  attendu recevable\n"),
    Construct(
        "Commentaires", (),
        "`#` jusqu'à la fin de la ligne. L'indentation n'a pas de sens (le formateur la normalise) ; les "
        "apostrophes droites ou typographiques sont équivalentes.",
        "# Lecture : « l'expérience » de la seconde phrase est celle de la première.\nsource cnam-na  # en tête\n"),
)


def grammar_rules(text: str) -> dict[str, str]:
    """Each rule of the grammar (by name, `?` and `_` prefixes dropped) and its definition's text.

    >>> grammar_rules('a: "x" b\\n  | "y"\\n?b: ID -> c\\n')
    {'a': 'a: "x" b\\n  | "y"', 'b': '?b: ID -> c'}
    """
    found, name, body = {}, None, []
    for line in text.splitlines():
        head = re.match(r"^([?_]?)([a-z_]+)\s*:", line)
        if head or not line.strip() or line.startswith(("//", "%")) or re.match(r"^[A-Z_]+(?:\.\d+)?\s*:", line):
            if name:
                found[name] = "\n".join(body).rstrip()
            name, body = (head.group(2), [line]) if head else (None, [])
        elif name:
            body.append(line)
    if name:
        found[name] = "\n".join(body).rstrip()
    return found


def grammar_names(text: str) -> set[str]:
    """Every node name a parse tree can hold: rules (not inlined) and aliases."""
    names = set()
    for line in text.splitlines():
        head = re.match(r"^([a-z][a-z_]*)\s*:", line)  # neither ?inlined nor _hidden
        if head:
            names.add(head.group(1))
        names |= set(re.findall(r"->\s*([a-z_]+)", line))
    return names - {"internship_length"}  # every alternative of internship_length is aliased


def definition(rules: dict[str, str], name: str) -> str | None:
    """The grammar text that defines a rule or an alias."""
    if name in rules:
        return rules[name]
    for body in rules.values():
        for line in body.splitlines():
            if re.search(rf"->\s*{name}\b", line):
                return line.strip().lstrip("|: ").strip()
    return None


def readable(pattern: str) -> str:
    """A terminal's regular expression as an author would type it.

    >>> readable(r"(?:règle\\s+générale)")
    'règle générale'
    """
    text = pattern.replace(r"\s+", " ").replace("['’]", "'").replace("(?![\\w-])", "")
    text = re.sub(r"^\(\?:(.*)\)$", r"\1", text)
    return text.replace("(?:", "(")


def reference_md() -> str:
    grammar = grammar_text() or ""
    rules = grammar_rules(grammar)
    lines = ["# Le langage des règles (`.cnr`)", "",
             "Un fichier de règles est une suite de blocs ; chaque bloc s'ouvre par une ligne d'en-tête (`source`, "
             "`diplôme`, `voie`, `reprise`, `règle générale`, `examen anticipé`, `vae`, `exemple`) suivie "
             "d'instructions. Chaque construction ci-dessous donne sa règle de grammaire (tirée de "
             "`grammar/cnr.lark`) et un exemple, que les tests analysent.", ""]
    for c in CONSTRUCTS:
        lines += [f"## {c.title}", "", c.text, "", "```cnr", c.example.rstrip("\n"), "```", ""]
        shown = [d for d in (definition(rules, r) for r in c.rules) if d]
        if shown:
            lines += ["Grammaire :", "", "```text"] + list(dict.fromkeys(shown)) + ["```", ""]
    lines += ["## Mots-clés", "",
              "Tirés de la grammaire : les mots simples puis les expressions (les espaces peuvent être "
              "multiples, les apostrophes droites ou typographiques).", "",
              " ".join(code_span(w) for w in sorted(grammar_literals(grammar)) if w.isalpha()), ""]
    rows = [f"| `{name}` | {code_span(readable(p))} |" for name, p in sorted(grammar_terminals(grammar).items())]
    lines += ["| Terminal | Forme |", "|---|---|"] + rows + [""]
    return "\n".join(lines)
