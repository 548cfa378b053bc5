"""Where the sources of a diploma disagree: `cnam diff`'s witnesses, or else the decision table's differing rows."""

from __future__ import annotations

from datetime import date
from itertools import combinations

import yaml

from ..language.model import RuleBase
from ..solve import Engine
from .decisions import DecisionTable, answer_text
from .markdown import escape, rule_link


def source_divergences(base: RuleBase, engine: Engine, diploma: str, milestone: str,
                       on: date) -> list[dict] | None:
    """The divergences `cnam diff --source A --source B` reports for every pair of sources stating
    requirements for this diploma at this milestone; None when the diff machinery is not available."""
    try:
        from ..analysis.diff import RuleSet, compare, source_comparisons
    except ImportError:
        return None
    rules = RuleSet("règles", base, engine)
    found = []
    for a, b in combinations(base.sources_for(diploma, milestone, on), 2):
        found += compare(source_comparisons(rules, [a, b], diploma, milestone, on), on)["divergences"]
    return found


def divergences_md(t: DecisionTable, found: list[dict] | None, page: str) -> list[str]:
    """The divergences section for one milestone."""
    if len(t.sources) < 2:
        return [f"Une seule source ({', '.join(t.sources) or 'aucune'}) énonce des exigences à ce jalon : "
                "pas de divergence possible.", ""]
    command = (f"`cnam diff --source {t.sources[0]} --source {t.sources[1]} --diploma {t.diploma}"
               + (f" --milestone {t.milestone}`" if t.milestone != "delivery" else "`"))
    if found is None:
        return table_divergences_md(t, command)
    if not found:
        return [f"Les sources donnent la même réponse à tout candidat ({command} n'a trouvé aucune divergence).",
                ""]
    lines = [f"{command} trouve **{len(found)}** sortes de candidats auxquels les sources ne donnent pas la "
             "même réponse. Pour chacune, un candidat témoin (un fichier candidat valide : `cnam missing` "
             "avec chaque source seule donne les réponses indiquées), les candidats voisins qui divergent "
             "de la même façon, et les règles en cause.", ""]
    for k, d in enumerate(found, 1):
        answers = " ; ".join(f"`{side}` : {escape(answer_text(a))}" for side, a in d["answers"].items())
        lines += [f"{k}. **{escape(' ; '.join(d['facts']) or 'aucune expérience')}** — {answers}", ""]
        if d.get("bands"):
            lines += ["    Même écart : " + escape(" ; ".join(b["text"] for b in d["bands"])) + ".", ""]
        rules = ", ".join(rule_link(r, page) for r in d.get("rules", []))
        if rules:
            lines += [f"    Règles : {rules}", ""]
        lines += ["    ```yaml"] + ["    " + ln for ln in _yaml(d["witness"]).splitlines()] + ["    ```", ""]
    return lines


def table_divergences_md(t: DecisionTable, command: str) -> list[str]:
    """Without `cnam diff`: the rows of the decision table on which the sources answer differently."""
    rows = t.divergent_rows
    if not rows:
        return ["Sur les situations du tableau de décision, les sources donnent la même réponse.", ""]
    lines = [f"Sur {len(t.rows)} situations du tableau de décision, **{len(rows)}** reçoivent des réponses "
             "différentes selon la source ; chacune est un candidat témoin (fichier ci-dessous). Pour une "
             f"recherche exhaustive : {command}.", ""]
    for k, r in enumerate(rows, 1):
        answers = " ; ".join(f"`{s}` : {escape(answer_text(a))}" for s, a in r.per_source.items())
        lines += [f"{k}. **{escape(r.situation.label())}** — {answers}", ""]
        lines += ["    ```yaml"] + ["    " + ln for ln in r.situation.candidate_yaml().splitlines()] + ["    ```", ""]
    return lines


def _yaml(witness: dict) -> str:
    """A witness as a candidate file (an empty one says so: no experience at all)."""
    return yaml.safe_dump(witness or {"experiences": []}, allow_unicode=True, sort_keys=False)
