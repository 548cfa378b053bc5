"""The words of the rule language, read from the grammar: keywords, units, milestones (completion, highlighting).

Every keyword is the grammar's: quoted literals (`"voie"`) and the phrases a
named terminal matches (`AU_MOINS: /d['’]au\\s+moins/` gives « d'au moins »
and « d’au moins »). Tests hold the editor grammar (editors/vscode) to them.
"""

from __future__ import annotations

from functools import lru_cache

try:
    import re._parser as sre  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse as sre  # type: ignore[no-redef]

from .parse import HEADER_WORDS, parser

# Terminals that are not words of the language but free text, names or layout.
NOT_WORDS = {"ID", "CODE", "DATE", "NUMBER", "QUOTE", "_NL", "COMMENT"}
VALUE_TERMINALS = {"UNIT", "MILESTONE"}


def phrases(pattern: str) -> list[str]:
    """Every text a finite regular expression matches, one space for each run of spaces.

    >>> phrases(r"(d['’])?au\\s+plus")
    ['au plus', "d'au plus", 'd’au plus']
    >>> phrases(r"jalons?")
    ['jalon', 'jalons']
    """
    return sorted(set(_expand(sre.parse(pattern))))


def _expand(sequence) -> list[str]:
    texts = [""]
    for op, arg in sequence:
        texts = [t + s for t in texts for s in _alternatives(str(op), arg)]
    return texts


def _alternatives(op: str, arg) -> list[str]:
    if op == "LITERAL":
        return [chr(arg)]
    if op == "IN":
        return sorted({" " if str(o) == "CATEGORY" else chr(v) for o, v in arg if str(o) in ("LITERAL", "CATEGORY")})
    if op == "SUBPATTERN":
        return _expand(arg[-1])
    if op == "BRANCH":
        return [t for branch in arg[1] for t in _expand(branch)]
    if op in ("MAX_REPEAT", "MIN_REPEAT"):
        low, high, inner = arg
        texts = _expand(inner)
        if texts == [" "]:
            return [" "]
        if high == 1:
            return ([""] if low == 0 else []) + texts
    if op in ("ASSERT_NOT", "ASSERT", "AT"):
        return [""]
    raise ValueError(f"motif non énumérable : {op}")


@lru_cache(maxsize=1)
def terminal_words() -> dict[str, tuple[str, ...]]:
    """Each terminal of the grammar that stands for words, with the phrases it matches.

    >>> terminal_words()["UNIT"][:3], terminal_words()["VOIE"]
    (('UE', 'an', 'ans'), ('voie',))
    """
    words = {}
    for terminal in parser().terminals:
        if terminal.name in NOT_WORDS or terminal.name.startswith("__"):
            continue
        found = [terminal.pattern.value] if terminal.pattern.type == "str" else phrases(terminal.pattern.value)
        found = tuple(w for w in found if any(c.isalpha() for c in w))
        if found:
            words[terminal.name] = found
    return words


def keywords() -> set[str]:
    """Every keyword phrase of the language (units and milestones apart)."""
    return {w for name, ws in terminal_words().items() if name not in VALUE_TERMINALS for w in ws}


def units() -> tuple[str, ...]:
    return terminal_words()["UNIT"]


def milestones() -> tuple[str, ...]:
    """The milestones' words, as rule files write them (the grammar also takes their ids)."""
    from .model import MILESTONE_WORD

    return tuple(w for w in terminal_words()["MILESTONE"] if w in MILESTONE_WORD.values())


def headers() -> tuple[str, ...]:
    """The words that open a block."""
    return HEADER_WORDS


# What a statement looks like, by kind of block, to complete an empty line (each parses: see tests).
STATEMENTS = {
    "source": ("titre « »", "document « »"),
    "diploma": ("jalons délivrance",),
    "pathway": (
        "selon « »", "jalons délivrance", "exige expérience d'au moins 2 ans",
        "exige expérience dans le domaine, d'au moins 1 an", "exige un stage de 6 mois",
        "exige un stage d'au plus 6 mois", "exige un stage de 3 à 6 mois, dans le domaine",
        "durée décidée par le Cnam", "durée modulable par le jury, sans descendre sous 3 mois",
        "rapport exigé", "stage en relation avec le diplôme préparé",
        "stage non exigé si entrée en fonctions pendant la formation", "en vigueur depuis le 2024-01-01",
    ),
    "reuse": ("selon « »", "jalons délivrance", "en vigueur depuis le 2024-01-01"),
    "general": ("selon « »", "un stage seul ne suffit jamais"),
    "early": ("selon « »", "possible avec au moins 2 UE", "possible sans condition",
              "la commission fixe le complément"),
    "certification": ("selon « »",),
    "check": ("selon « »", "texte « »", "pour licence", "si un stage est exigé"),
    "vae": (
        "selon « »", "exige expérience en lien direct, d'au moins 1 an",
        "au plus 1 demande par certification et par année civile", "au plus 3 demandes par année civile",
        "en vigueur depuis le 2024-01-01",
    ),
    "example": (
        "pour licence", "pour ingenieur au jalon probatoire", "certification LP110504 en 2026",
        "expérience de 24 mois dans le domaine", "expérience de 36 mois hors domaine",
        "stage effectué de 3 mois dans le domaine avec rapport", "2 UE acquises", "stage décidé de 4 mois",
        "stage décidé de 2 mois par la commission", "complément décidé de 6 mois",
        "entrée en fonctions pendant la formation",
        "demande VAE LP110504 en 2025", "attendu satisfait", "attendu stage de 3 à 6 mois",
        "attendu stage d'au plus 6 mois, durée décidée par le Cnam", "attendu manque 12 mois", "attendu conflit",
        "attendu recevable", "attendu limite",
        "attendu examen anticipé possible", "attendu non applicable",
    ),
}
