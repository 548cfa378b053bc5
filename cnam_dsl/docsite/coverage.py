"""The coverage of a diploma's rules by the worked examples, as a section of its documentation page."""

from __future__ import annotations

from ..analysis.coverage import SIDES, Covered, coverage
from ..language.model import RuleBase
from .markdown import escape, rule_link, table

SIDE_WORDS = {"below": "sous", "at": "au seuil", "above": "au-dessus"}


def coverage_md(base: RuleBase, diploma: str, page: str) -> list[str]:
    """Each statement of the diploma's rules, the examples that exercise it, its thresholds, what is missing."""
    found = [c for c in coverage(base) if diploma in c.diplomas]
    if not found:
        return ["Aucune règle pour ce diplôme.", ""]
    complete = sum(not c.gaps() for c in found)
    rows = [[rule_link(c.span, page), escape(c.text), _examples(c), _tested(c),
             "✓" if not c.gaps() else escape(" ; ".join(c.gaps()))] for c in found]
    return [f"Pour chaque instruction des règles de ce diplôme, les exemples vérifiés qui l'exercent et de quel "
            f"côté de chaque seuil ils se trouvent (`cnam check --coverage`) : **{complete}** instruction(s) sur "
            f"{len(found)} sont complètement testées. `cnam check --mutants` dit en plus quelles modifications "
            "des règles aucun exemple ne détecterait, et propose l'exemple qui manque.", "",
            table(["Règle", "Instruction", "Exemples", "Seuils et qualificatifs", "À compléter"], rows), ""]


def _examples(c: Covered) -> str:
    return str(len(c.examples)) if c.examples else "aucun"


def _tested(c: Covered) -> str:
    parts = [f"{escape(t.label)} : " + ", ".join(f"{SIDE_WORDS[s]} {len(getattr(t, s))}" for s in SIDES)
             for t in c.thresholds]
    parts += [f"« {escape(q.words)} » : {len(q.examples) if q.effective else 'sans effet'}" for q in c.qualifiers]
    return "<br>".join(parts) or "—"
