"""`cnam interview` driven in a pseudo-terminal (pexpect), as an adviser types: only the questions that can change
the answer, the most decisive first, until the answer is determined; French replies; the file saved."""

from __future__ import annotations

import json
import sys

import pytest
import yaml

from conftest import ROOT

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.slow
PROMPT = r"Réponse \(numéro ou valeur"


def interview(*options: str):
    child = pexpect.spawn(sys.executable, ["-m", "cnam_dsl", "interview", "--date", "2026-01-01", *options],
                          cwd=str(ROOT), encoding="utf-8", timeout=120, dimensions=(50, 200))
    return child


def test_only_the_decisive_question_is_asked_then_the_answer_is_given_and_saved(tmp_path):
    start = tmp_path / "dossier.yaml"
    start.write_text(json.dumps({"name": "Test", "experiences": [
        {"label": "Magasinier", "months": 36, "field": "unknown"},
        {"label": "Vendeur", "months": 12, "field": "out", "level": "unknown"}]}), encoding="utf-8")
    saved = tmp_path / "complété.yaml"
    child = interview("--diploma", "licence", "--source", "cnam-eleves", "--profile", str(start), "--save", str(saved))
    child.expect("L'expérience « Magasinier » est-elle dans le domaine du diplôme ?")
    child.expect("1. dans le domaine → rien de plus")
    child.expect("2. hors domaine → stage")
    child.expect(PROMPT)
    child.sendline("non")
    child.expect("Il faut un stage de 3 à 6 mois")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Vendeur » est-elle à un niveau" not in child.before  # the level cannot change the answer: not asked
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    assert data["experiences"][0]["field"] == "out"
    assert data["experiences"][1]["level"] == "unknown"


def test_from_nothing_with_french_numbers_a_wrong_reply_and_a_pass(tmp_path):
    saved = tmp_path / "nouveau.yaml"
    child = interview("--diploma", "licence", "--source", "cnam-eleves", "--save", str(saved))
    child.expect("Combien de périodes d'expérience")
    child.sendline("1")
    asked = []
    replies = {"domaine du diplôme": "oui", "nature": "salariée", "niveau de responsabilité": "1",
               "Combien de mois": "35,5"}
    wrong_sent = passed = False
    for _ in range(8):
        index = child.expect([r"\n([^\n]*\?)  \[\d+ réponses encore possibles\]", "Réponses possibles selon",
                              "L'expérience du candidat"])
        if index:
            break
        question = child.match.group(1)
        asked.append(question)
        child.expect(PROMPT)
        if not wrong_sent:
            child.sendline("peut-être")
            child.expect("Réponse non comprise")
            child.expect(PROMPT)
            wrong_sent = True
        reply = next(v for k, v in replies.items() if k in question)
        if "niveau" in question and not passed:
            child.sendline("?")  # not known: the next question comes
            passed = True
            continue
        child.sendline(reply)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert asked and len(asked) == len(set(asked))
    data = yaml.safe_load(saved.read_text(encoding="utf-8"))
    months = data["experiences"][0]["months"]
    assert months in (35.5, "unknown")
    assert any("Combien de mois" in q for q in asked) == (months == 35.5)


def test_stopping_keeps_what_was_answered(tmp_path):
    start = tmp_path / "dossier.yaml"
    start.write_text(json.dumps({"experiences": [{"months": "unknown", "field": "unknown"}]}), encoding="utf-8")
    saved = tmp_path / "arrêté.yaml"
    child = interview("--diploma", "licence", "--profile", str(start), "--save", str(saved))
    child.expect(PROMPT)
    child.sendline("q")
    child.expect("Dossier incomplet")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert yaml.safe_load(saved.read_text(encoding="utf-8")) == {"experiences": [{"months": "unknown",
                                                                                 "field": "unknown"}]}


def test_a_refused_number_is_said_and_asked_again(tmp_path):
    start = tmp_path / "dossier.yaml"
    start.write_text(json.dumps({"experiences": [{"months": "unknown", "field": "in"}]}), encoding="utf-8")
    child = interview("--diploma", "licence", "--source", "cnam-eleves", "--profile", str(start))
    child.expect("Combien de mois a duré l'expérience n° 1 ?")
    child.expect(PROMPT)
    child.sendline("5000")
    child.expect("Réponse refusée : attendu un nombre de mois > 0 \\(au plus 1200\\)")
    child.expect(PROMPT)
    child.sendline("36")
    child.expect("L'expérience du candidat suffit : rien de plus n'est exigé.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
