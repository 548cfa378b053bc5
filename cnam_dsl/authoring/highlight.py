"""A Pygments lexer for `.cnr` rule files, its keywords read from the grammar (grammar/cnr.lark).

Registered as a Pygments plugin (entry point `pygments.lexers`, alias `cnr`),
so that ```` ```cnr ```` fences in the documentation are highlighted. Every
keyword of the grammar (quoted literals and named terminals) gets a token
type from `TERMINAL_TOKENS` or `LITERAL_TOKENS`; a test fails when the
grammar gains a terminal that has none.

>>> from pygments import lex
>>> [(t, v) for t, v in lex("voie l3 pour licence-l3\\n", CnrLexer()) if v.strip()][:3]
[(Token.Keyword.Declaration, 'voie'), (Token.Name, 'l3'), (Token.Keyword, 'pour')]
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer
from pygments.token import Comment, Keyword, Literal, Name, Number, Punctuation, String, Text, Whitespace

from ..paths import grammar_path


# Named terminals of the grammar and how they are shown.
TERMINAL_TOKENS = {
    # block headers
    "DIPLOME": Keyword.Declaration, "REGLE_GENERALE": Keyword.Declaration,
    "EXAMEN_ANTICIPE": Keyword.Declaration, "CERTIFICATION_CNAM": Keyword.Declaration,
    "A_VERIFIER": Keyword.Declaration,
    # statement keywords
    "JALONS": Keyword, "AU_JALON": Keyword, "EXPERIENCE": Keyword, "DUREE_DECIDEE": Keyword,
    "DUREE_MODULABLE": Keyword, "SANS_DESCENDRE": Keyword, "RAPPORT_EXIGE": Keyword, "STAGE_SEUL": Keyword,
    "EN_VIGUEUR": Keyword, "STAGE_EFFECTUE": Keyword, "STAGE_DECIDE": Keyword, "UE_ACQUISES": Keyword,
    "DEMANDE_VAE": Keyword, "STAGE_LEVE": Keyword, "STAGE_RELATION": Keyword, "COMMISSION_FIXE": Keyword,
    "SI_STAGE": Keyword, "COMPLEMENT_DECIDE": Keyword, "ENTREE_FONCTIONS": Keyword,
    # qualifiers and connectives
    "AU_MOINS": Keyword.Pseudo, "AU_PLUS": Keyword.Pseudo, "AVEC_AU_MOINS": Keyword.Pseudo,
    "IN_FIELD": Keyword.Pseudo, "OUT_FIELD": Keyword.Pseudo, "KIND": Keyword.Pseudo,
    "SUFFICIENT_LEVEL": Keyword.Pseudo, "INSUFFICIENT_LEVEL": Keyword.Pseudo, "FULL_TIME": Keyword.Pseudo,
    "WITH_REPORT": Keyword.Pseudo, "SANS_CONDITION": Keyword.Pseudo, "PER_CERTIFICATION": Keyword.Pseudo,
    "PER_YEAR": Keyword.Pseudo, "DU": Keyword.Pseudo, "AU": Keyword.Pseudo, "DEPUIS": Keyword.Pseudo,
    "JUSQU_AU": Keyword.Pseudo, "PAR": Keyword.Pseudo,
    # values
    "AUTHORITY": Name.Constant, "MILESTONE": Name.Constant, "SATISFAIT": Name.Constant,
    "CONFLIT": Name.Constant, "RECEVABLE": Name.Constant, "LIMITE": Name.Constant,
    "EARLY_VERDICT": Name.Constant, "NON_APPLICABLE": Name.Constant,
    "UNIT": Keyword.Type, "CODE": Name.Label, "DATE": Literal.Date, "NUMBER": Number,
    "QUOTE": String, "ID": Name,
}
# Quoted literals of the grammar ("voie", "exige", ",") and how they are shown.
LITERAL_TOKENS = {
    "source": Keyword.Declaration, "voie": Keyword.Declaration, "reprise": Keyword.Declaration,
    "vae": Keyword.Declaration, "exemple": Keyword.Declaration,
    "selon": Keyword, "titre": Keyword, "document": Keyword, "exige": Keyword, "stage": Keyword,
    "possible": Keyword, "certification": Keyword, "attendu": Keyword, "manque": Keyword,
    "pour": Keyword, "comme": Keyword, "texte": Keyword,
    "un": Keyword.Pseudo, "de": Keyword.Pseudo, "à": Keyword.Pseudo, "en": Keyword.Pseudo,
    "ou": Keyword.Pseudo, "et": Keyword.Pseudo,
    ",": Punctuation, "%": Punctuation,
}
# Lexed on their own, before keywords: they may contain anything.
EARLY_TERMINALS = ("QUOTE", "DATE", "NUMBER")
# Lexed last, after every keyword: they would match keywords too.
LATE_TERMINALS = ("CODE", "ID")


def grammar_text() -> str | None:
    """The grammar's text, installed or in a source checkout (None if neither is there)."""
    path = grammar_path()
    return path.read_text(encoding="utf-8") if path.exists() else None


def grammar_terminals(text: str) -> dict[str, str]:
    """Named terminals of the grammar and their regular expressions (alternatives joined).

    >>> grammar_terminals('FOO: /a|b/ | /c/\\nbar: "x"\\n')
    {'FOO': '(?:a|b)|(?:c)'}
    """
    terminals = {}
    for name, body in re.findall(r"^([A-Z_]+)(?:\.\d+)?\s*:\s*(.+)$", text, re.MULTILINE):
        patterns = re.findall(r"/((?:[^/\\\n]|\\.)+)/", body)
        if patterns and not name.startswith("_") and name != "COMMENT":
            terminals[name] = "|".join(f"(?:{p})" for p in patterns)
    return terminals


def grammar_literals(text: str) -> set[str]:
    """Quoted literals used in the grammar's rules (keywords and punctuation).

    >>> sorted(grammar_literals('a: "voie" ID "pour" ID\\nB: /x/\\n'))
    ['pour', 'voie']
    """
    rules = "\n".join(line.split("//")[0] for line in text.splitlines() if re.match(r"^\s*[?_a-z|]", line))
    return set(re.findall(r'"([^"\n]+)"', rules))


def _word(pattern: str) -> str:
    """A pattern that matches whole words only (keywords inside identifiers are not keywords)."""
    return rf"(?<![\w+\-])(?:{pattern})(?![\w+\-])"


def token_rules(text: str | None) -> list[tuple[str, object]]:
    """The lexer's rules, in matching order: comments, strings and numbers, keywords (longest first), names."""
    rules: list[tuple[str, object]] = [(r"#[^\n]*", Comment.Single), (r"\s+", Whitespace)]
    if text is None:  # no grammar at hand: comments and strings only
        return rules + [(r"«[^»]*»|\"[^\"]*\"", String), (r"[^\s#«\"]+", Text)]
    terminals = grammar_terminals(text)
    rules += [(terminals[t], TERMINAL_TOKENS[t]) for t in EARLY_TERMINALS if t in terminals]
    words = [(terminals[t], TERMINAL_TOKENS[t]) for t in terminals
             if t in TERMINAL_TOKENS and t not in EARLY_TERMINALS + LATE_TERMINALS]
    words += [(re.escape(lit), tok) for lit, tok in LITERAL_TOKENS.items() if lit.isalpha()]
    words.sort(key=lambda rule: (r"\s" not in rule[0], -len(rule[0])))  # phrases before single words
    rules += [(_word(p), tok) for p, tok in words]
    rules += [(re.escape(lit), tok) for lit, tok in LITERAL_TOKENS.items() if not lit.isalpha()]
    rules += [(_word(terminals[t]), TERMINAL_TOKENS[t]) for t in LATE_TERMINALS if t in terminals]
    return rules + [(r".", Text)]


class CnrLexer(RegexLexer):
    """Rule files of the Cnam experience rules (`.cnr`)."""

    name = "Cnr"
    aliases = ["cnr"]
    filenames = ["*.cnr"]
    mimetypes = ["text/x-cnr"]
    flags = re.UNICODE
    tokens = {"root": token_rules(grammar_text())}
