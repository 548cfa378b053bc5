"""Editor support: the TextMate grammar (VS Code) against the rule grammar and the docs' Pygments lexer."""

from __future__ import annotations

import json
import re

import pytest

from cnam_dsl.language.parse import parse_text
from cnam_dsl.language.vocabulary import STATEMENTS, phrases, terminal_words
from conftest import ROOT

VSCODE = ROOT / "editors" / "vscode"
TEXTMATE = json.loads((VSCODE / "syntaxes" / "cnr.tmLanguage.json").read_text(encoding="utf-8"))
WORD_SCOPES = {"storage.type.block.cnr", "keyword.other.statement.cnr", "keyword.operator.word.cnr",
               "constant.language.cnr", "keyword.other.unit.cnr"}
GRAMMAR_PHRASES = sorted({w for name, ws in terminal_words().items() for w in ws})


def textmate_patterns() -> list[dict]:
    """The grammar's top-level patterns, in the order TextMate tries them, includes resolved."""
    return [TEXTMATE["repository"][p["include"][1:]] if "include" in p else p for p in TEXTMATE["patterns"]]


def textmate_scope(text: str) -> tuple[str, int] | None:
    """The scope TextMate gives at the start of a text, and how long a match: the first pattern that matches."""
    for pattern in textmate_patterns():
        if "match" in pattern:
            found = re.match(pattern["match"], text)
            if found:
                return pattern["name"], found.end()
    return None


def test_the_extension_declares_the_language_and_its_grammar():
    package = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    language = package["contributes"]["languages"][0]
    assert language["id"] == "cnr" and language["extensions"] == [".cnr"]
    grammar = package["contributes"]["grammars"][0]
    assert grammar["scopeName"] == TEXTMATE["scopeName"] == "source.cnr"
    assert (VSCODE / grammar["path"]).is_file()
    assert (VSCODE / package["main"]).is_file()
    configuration = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    assert configuration["comments"]["lineComment"] == "#"


@pytest.mark.parametrize("phrase", GRAMMAR_PHRASES)
def test_every_keyword_of_the_grammar_is_highlighted_whole(phrase):
    found = textmate_scope(phrase)
    assert found is not None, f"« {phrase} » n'est pas coloré"
    scope, length = found
    assert scope in WORD_SCOPES and length == len(phrase), (phrase, found)


def test_the_textmate_grammar_has_no_word_the_grammar_lacks():
    for pattern in textmate_patterns():
        if pattern.get("name") in WORD_SCOPES:
            extra = set(phrases(pattern["match"])) - set(GRAMMAR_PHRASES)
            assert not extra, f"{pattern['name']} : mots absents de grammar/cnr.lark : {sorted(extra)}"


def test_words_inside_ids_and_quotes_are_not_keywords():
    for name in ("l3-specialite", "certificat-stage", "bac+2", "stage-seul", "vae-bfc", "cnam-eleves"):
        found = [p["name"] for p in textmate_patterns() if "match" in p and re.search(p["match"], name)]
        assert found == [], (name, found)
    strings = [p for p in textmate_patterns() if p.get("begin") in ("«", '"')]
    assert {p["end"] for p in strings} == {"»", '"'}


def test_the_same_words_as_the_docs_lexer():
    pygments = pytest.importorskip("pygments")
    highlight = pytest.importorskip("cnam_dsl.authoring.highlight")
    from pygments.token import Keyword, Name

    scope_of = {Keyword.Declaration: "storage.type.block.cnr", Keyword: "keyword.other.statement.cnr",
                Keyword.Pseudo: "keyword.operator.word.cnr", Name.Constant: "constant.language.cnr",
                Keyword.Type: "keyword.other.unit.cnr"}
    lexer = highlight.CnrLexer()
    differ = []
    for phrase in GRAMMAR_PHRASES:
        kind, value = next(iter(pygments.lex(phrase, lexer)))
        if value != phrase or scope_of.get(kind) != textmate_scope(phrase)[0]:
            differ.append((phrase, str(kind), textmate_scope(phrase)))
    assert differ == []


@pytest.mark.parametrize("kind", sorted(STATEMENTS))
def test_completion_templates_are_valid_statements(kind):
    header = {"source": "source s", "diploma": "diplôme d « D »", "pathway": "voie v pour d",
              "reuse": "reprise d comme e", "general": "règle générale g", "early": "examen anticipé",
              "vae": "vae v", "example": "exemple « e »", "certification": "certification du Cnam C1 « C »",
              "check": "à vérifier c"}[kind]
    for statement in STATEMENTS[kind]:
        rule_file, diagnostics = parse_text(f"{header}\n  {statement}\n", "t.cnr")
        assert rule_file is not None, (statement, [d.message for d in diagnostics])
