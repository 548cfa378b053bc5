"""The generated pages of the documentation site, as Markdown: home, diplomas, sources, rule files."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from ..answer.describe import (
    check_scope_fr, early_fr, expected_fr, general_fr, milestones_fr, pathway_statements, profile_facts_fr,
    sentence, validity_fr,
)
from ..language.model import MILESTONE_FR, Example, Pathway, RuleBase
from ..candidate import read_profile
from .charts import chart_svg, legend_html
from .coverage import coverage_md
from .divergences import divergences_md
from .decisions import ChartGrid, DecisionTable, answer_text
from .markdown import (
    code_span, details, diploma_page, escape, quoted, relative, rule_file_page, rule_link, source_page, status_badge,
    table,
)
from .sources import passages, source_rules

# What each source document is, for readers (the seeds' description, in French).
SOURCE_ABOUT = {
    "cnam-na": "Page du Cnam Nouvelle-Aquitaine « Valider des crédits professionnels dans les formations » : "
               "l'expérience exigée par niveau de diplôme (Bac+2, licence, Bac+4, ingénieur, psychologue du "
               "travail, certificats), l'examen anticipé (2 UE), le stage seul qui ne suffit jamais, les "
               "justificatifs et les rapports (UA).",
    "cnam-eleves": "Page « Espace élèves — Expérience professionnelle et stage » du Cnam : titres RNCP de "
                   "niveau III et II, licences, titre d'ingénieur à la candidature et à la soutenance du "
                   "mémoire, certificats, conventions de stage, rapport d'expérience.",
    "vae-2009": "Fiche Pôle emploi sur la VAE au Cnam (2009) : les sept étapes, les expériences qui comptent "
                "(professionnelles, bénévoles, syndicales), le financement.",
    "referentiel-formation": "Référentiel d'un diplôme d'ingénierie de la formation des adultes : trois ans "
                             "d'expérience dont deux dans la spécialité, sinon un stage de 3 mois avec un "
                             "rapport d'une quinzaine de pages.",
    "vae-bfc": "Page VAE du Cnam Bourgogne-Franche-Comté (après le décret n° 2023-1275) : recevabilité (un "
               "an d'expérience en lien direct), limites annuelles de demandes, étapes, tarifs, décisions du "
               "jury, statistiques.",
}


def source_name(base: RuleBase, source: str) -> str:
    info = base.sources.get(source)
    return (info.title if info and info.title else source)


def source_link(base: RuleBase, source: str, from_page: str) -> str:
    return f"[{escape(source)}]({relative(from_page, source_page(source))})"


# ---------------------------------------------------------------- home


def home_page(base: RuleBase, on: date, examples_checked: int, hand_written: list[str]) -> str:
    page = "index.md"
    rules = sum(len(pathway_statements(p)) for p in base.pathways if p.reused_from is None)
    lines = [
        "# Les exigences d'expérience professionnelle du Cnam",
        "",
        "Avant de délivrer un diplôme, le Cnam exige une **expérience professionnelle** — tant d'années, "
        "dont une part dans le domaine du diplôme — ou, à défaut, un **stage** dont la durée dépend du "
        "diplôme. La VAE a ses propres conditions de recevabilité. Ce site présente ces exigences telles "
        "que les sources officielles les énoncent.",
        "",
        "Il est **produit à partir des règles exécutables** du projet (`rules/**/*.cnr`) : chaque exigence "
        "est une phrase générée depuis une règle, suivie du passage de la source qu'elle encode et d'un lien "
        "vers la ligne du fichier de règles. Les tableaux de décision sont calculés par le solveur (Z3), "
        "les mêmes réponses que la commande `cnam missing`, et chaque exemple des fichiers de règles est "
        "revérifié à chaque construction du site : une page ne peut pas dire autre chose que les règles.",
        "",
        f"Règles en vigueur le **{on:%d/%m/%Y}** · {len(base.diplomas)} diplômes · {len(base.sources)} sources · "
        f"{rules} exigences · {examples_checked} exemples vérifiés.",
        "",
        "## Les diplômes et leurs jalons",
        "",
        "Un **jalon** est le moment où l'expérience est exigée : la délivrance du diplôme, et pour le titre "
        "d'ingénieur aussi la candidature, l'examen probatoire et la soutenance du mémoire.",
        "",
    ]
    rows = []
    for d in base.diplomas.values():
        sources = sorted({p.source for p in base.pathways if p.diploma == d.id and p.in_force(on)})
        rows.append([f"[{escape(d.name)}]({relative(page, diploma_page(d.id))})", f"`{d.id}`",
                     ", ".join(MILESTONE_FR[m] for m in d.milestones),
                     ", ".join(source_link(base, s, page) for s in sources) or "—"])
    lines += [table(["Diplôme", "Identifiant", "Jalons", "Sources"], rows), ""]
    lines += ["## Les sources", "",
              "Les deux pages générales (`cnam-na`, `cnam-eleves`) ne disent pas la même chose pour "
              "chaque diplôme : la base de règles garde l'énoncé de chaque source, et chaque page de "
              "diplôme montre où elles divergent.", ""]
    rows = [[source_link(base, s, page), escape(source_name(base, s)), escape(SOURCE_ABOUT.get(s, ""))]
            for s in sorted(base.sources)]
    lines += [table(["Source", "Document", "Ce qu'il contient"], rows), ""]
    lines += ["## Aller plus loin", "",
              "- [La VAE](vae.md) : recevabilité, limites annuelles, étapes et tarifs.",
              "- [Le langage des règles](auteurs/langage.md) : chaque construction, avec un exemple.",
              "- [Les fichiers de règles](regles/index.md), colorés et numérotés."]
    if "contributing.md" in hand_written:
        lines.append("- [Contribuer](projet/contributing.md) : écrire une règle, lancer `cnam check`, "
                     "`cnam diff`, les tests et la construction de ce site.")
    if "architecture.md" in hand_written:
        lines.append("- [L'architecture](projet/architecture.md) : de la grammaire au solveur, étape par étape.")
    lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------- diploma pages


def requirement_blocks(base: RuleBase, source: str, pathways: list[Pathway], page: str) -> list[str]:
    """A source's pathways for a diploma: each requirement, its quote and its rule's line."""
    lines = []
    if len(pathways) > 1:
        lines += ["Une seule de ces voies suffit.", ""]
    for p in pathways:
        title = f"#### Voie « {escape(p.name)} » — {milestones_fr(p.milestones)}"
        if p.reused_from is not None:
            title += f" (reprise des voies du diplôme `{p.reused_from.split('/')[1].split('->')[0]}`)"
        lines += [title, ""]
        if p.reused_from is not None:
            lines += [quoted(p.provenance, page), ""]
        validity = validity_fr(p.valid_from, p.valid_until)
        if validity:
            lines += [f"*{sentence(validity)}*", ""]
        for text, provenance in pathway_statements(p):
            lines += [f"**{escape(text)}**", "", quoted(provenance, page), ""]
    for g in base.generals_of(source):
        lines += ["#### Règle générale de la source", "", f"**{escape(sentence(general_fr(g)))}**", "",
                  quoted(g.provenance, page), ""]
    early = base.early_review_of(source)
    if early is not None:
        lines += ["#### Examen anticipé de l'expérience", "", f"**{escape(sentence(early_fr(early)))}**", "",
                  quoted(early.provenance, page), ""]
    return lines


def decision_table_md(t: DecisionTable) -> list[str]:
    several = len(t.sources) > 1
    headers = ["Situation du candidat"] + [f"`{s}`" for s in t.sources]
    if several:
        headers += ["Toutes les sources (`cnam missing`)", "Accord"]
    rows = []
    for r in t.rows:
        cells = [escape(r.situation.label())]
        cells += [status_badge(a["status"], answer_text(a)) for a in r.per_source.values()]
        if several:
            cells += [status_badge(r.combined["status"], answer_text(r.combined)),
                      "⚠ divergent" if r.differs else "="]
        rows.append(cells)
    limits = ", ".join(f"{m} mois" for m in t.thresholds) or "aucun"
    return [f"Seuils des règles : {limits}. Candidats à expérience salariée, à temps plein, de niveau "
            "suffisant, sans stage effectué ni UE déclarée.", "", table(headers, rows), ""]


def examples_md(examples: list[Example], page: str) -> list[str]:
    if not examples:
        return ["Aucun exemple dans les fichiers de règles pour ce diplôme.", ""]
    rows = []
    for ex in examples:
        title = escape(ex.title)
        if ex.milestone != "delivery":
            title += f" ({MILESTONE_FR[ex.milestone]})"
        rows.append([title, f"`{ex.source}`", escape(" ; ".join(profile_facts_fr(read_profile(ex.candidate)))),
                     escape(" ; ".join(expected_fr(e) for e in ex.expected)),
                     "✓ " + rule_link(ex.span, page)])
    return ["Les exemples écrits dans les fichiers de règles, chacun revérifié par le solveur à la "
            "construction du site (la construction échoue si l'un d'eux ne tient plus).", "",
            table(["Exemple", "Source", "Candidat", "Attendu", "Vérifié"], rows), ""]


def diploma_md(base: RuleBase, diploma: str, on: date, tables: dict[str, DecisionTable],
               grids: dict[str, list[ChartGrid]], divergences: dict[str, list[dict] | None]) -> str:
    info = base.diplomas[diploma]
    page = diploma_page(diploma)
    sources = sorted({p.source for p in base.pathways if p.diploma == diploma and p.in_force(on)})
    several_milestones = len(info.milestones) > 1
    lines = [f"# {escape(info.name)}", "",
             f"Identifiant `{diploma}` · jalons : {', '.join(MILESTONE_FR[m] for m in info.milestones)} · "
             f"sources : {', '.join(source_link(base, s, page) for s in sources) or 'aucune'} · "
             f"règles en vigueur le {on:%d/%m/%Y}.", "",
             "## En un coup d'œil", "",
             "Pour chaque source, la réponse du solveur selon les mois d'expérience dans le domaine "
             "(verticalement) et hors domaine (horizontalement). Survolez une case pour le détail.", ""]
    for milestone in info.milestones:
        if milestone not in grids:
            continue
        if several_milestones:
            lines += [f"### {MILESTONE_FR[milestone].capitalize()}", ""]
        svgs = "".join(chart_svg(g, f"{g.source} — {MILESTONE_FR[milestone]}") for g in grids[milestone])
        lines += [f'<div class="cnam-charts">{svgs}</div>', "", legend_html(), ""]
    lines += ["## Exigences par source", ""]
    for source in sources:
        pathways = [p for p in base.pathways if p.source == source and p.diploma == diploma and p.in_force(on)]
        lines += [f"### {escape(source_name(base, source))} (`{source}`)", ""]
        lines += requirement_blocks(base, source, pathways, page)
    lines += ["## Tableau de décision", "",
              "Des candidats de part et d'autre de chaque seuil des règles, et la réponse du solveur : "
              "satisfait, stage de tant de mois, ou tant de mois d'expérience manquants. La colonne « toutes "
              "les sources » est la réponse de `cnam missing` sans option `--source`.", ""]
    for milestone, t in tables.items():
        if several_milestones:
            lines += [f"### {MILESTONE_FR[milestone].capitalize()}", ""]
        lines += decision_table_md(t)
    lines += ["## Divergences entre les sources", ""]
    for milestone, t in tables.items():
        if several_milestones:
            lines += [f"### {MILESTONE_FR[milestone].capitalize()}", ""]
        lines += divergences_md(t, divergences.get(milestone), page)
    lines += checks_md(base, sources, diploma, page)
    lines += ["## Couverture des règles par les exemples", ""]
    lines += coverage_md(base, diploma, page)
    lines += ["## Exemples vérifiés", ""]
    lines += examples_md([e for e in base.examples if e.diploma == diploma], page)
    return "\n".join(lines)


def checks_md(base: RuleBase, sources: list[str], diploma: str, page: str) -> list[str]:
    """What the adviser must still check for this diploma (`à vérifier`): the answers never compute it."""
    checks = base.checks_for(sources, diploma, True)
    if not checks:
        return []
    lines = ["## À vérifier par le conseiller", "",
             "Ce que les sources exigent et que les règles ne calculent pas : la réponse le suppose rempli et "
             "le rappelle au conseiller (champ `to_check`).", ""]
    for c in checks:
        lines += [f"**{escape(c.text)}**{escape(check_scope_fr(c))}", "", quoted(c.provenance, page), ""]
    return lines


# ---------------------------------------------------------------- source pages


def source_md(base: RuleBase, source: str, on: date) -> str:
    info = base.sources[source]
    page = source_page(source)
    files = sorted({p for p in base.texts if _file_source(base, p) == source})
    diplomas = sorted({p.diploma for p in base.pathways if p.source == source})
    lines = [f"# {escape(source_name(base, source))}", "",
             f"Identifiant `{source}` · document {code_span(info.document or '—')} · fichiers de règles : "
             + ", ".join(f"[{escape(f)}]({relative(page, rule_file_page(f))})" for f in files), "",
             escape(SOURCE_ABOUT.get(source, "")), ""]
    if diplomas:
        lines += ["Diplômes dont elle énonce les exigences : "
                  + ", ".join(f"[{escape(base.diplomas[d].name)}]({relative(page, diploma_page(d))})"
                              for d in diplomas) + ".", ""]
    lines += ["## Ce que la base de règles en retient", ""]
    by_heading = defaultdict(list)
    for rule in source_rules(base, source):
        by_heading[rule.heading].append(rule)
    for heading, rules in by_heading.items():
        lines += [f"### {escape(heading)}", ""]
        for rule in rules:
            lines += [f"**{escape(rule.text)}**", "", quoted(rule.provenance, page), ""]
    lines += passages_md(base, source)
    return "\n".join(lines)


def passages_md(base: RuleBase, source: str) -> list[str]:
    found = passages(base, source)
    if not found:
        return []
    cited = [p for p in found if p.cited]
    forms = {"Titre de rubrique.", "Ligne de tableau (statistiques)."}
    explained = [p for p in found if not p.cited and p.reason and p.reason not in forms]
    others = [p for p in found if not p.cited and not p.reason]
    layout = [p for p in found if not p.cited and p.reason in forms]
    lines = ["## Passages non encodés", "",
             f"Le document compte {len(found)} passages (phrases, éléments de liste, titres) ; **{len(cited)}** "
             "sont cités par une règle (à moitié au moins). Les autres ne sont pas des exigences "
             "vérifiables sur le dossier d'un candidat : voici pourquoi pour les principaux.", ""]
    if explained:
        lines += [table(["Passage", "Pourquoi il n'est pas encodé"],
                        [[escape(_short(p.text)), escape(p.reason)] for p in explained]), ""]
    if others:
        lines += [details(f"Autres passages non cités ({len(others)}) : présentation, démarches, liens",
                          "\n".join(f"- {escape(p.text)}" for p in others)), ""]
    if layout:
        lines += [details(f"Titres de rubrique et lignes de tableau ({len(layout)})",
                          "\n".join(f"- {escape(p.text)}" for p in layout)), ""]
    return lines


def _short(text: str, limit: int = 220) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " […]"


def _file_source(base: RuleBase, path: str) -> str | None:
    for line in base.texts.get(path, "").splitlines():
        if line.startswith("source "):
            return line.split()[1] if len(line.split()) > 1 else None
    return None


# ---------------------------------------------------------------- rule files


def rule_file_md(base: RuleBase, path: str) -> str:
    source = _file_source(base, path)
    page = rule_file_page(path)
    intro = f"Source : {source_link(base, source, page)}." if source in base.sources else \
        "Déclarations communes à toutes les sources."
    return "\n".join([f"# {escape(path)}", "", intro, "", '````cnr linenums="1"',
                      base.texts[path].rstrip("\n"), "````", ""])


def rule_files_index_md(base: RuleBase) -> str:
    page = "regles/index.md"
    rows = [[f"[{escape(p)}]({relative(page, rule_file_page(p))})", f"`{_file_source(base, p) or '—'}`",
             str(len(base.texts[p].splitlines()))] for p in sorted(base.texts)]
    return "\n".join(["# Les fichiers de règles", "",
                      "Chaque fichier, coloré par le lexer Pygments `cnr` du projet, avec ses lignes numérotées "
                      "(les liens « fichier:ligne » des autres pages y mènent).", "",
                      table(["Fichier", "Source", "Lignes"], rows), ""])
