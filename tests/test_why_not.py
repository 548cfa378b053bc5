"""« Pourquoi pas ? »: the least single changes that would make a complete file `satisfied`, each confirmed by the
engine and proved least by Z3 (a hundredth of a month less does not do)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from cnam_dsl.answer.explain import missing_answer
from cnam_dsl.answer.why_not import why_not
from cnam_dsl.candidate import read_profile
from cnam_dsl.request import missing_question
from conftest import run_cnam

DAY = date(2026, 1, 1)
OUT_OF_FIELD = {"experiences": [{"label": "Magasinier", "months": 36, "field": "out"}]}


def asked(engine, data, diploma="licence", sources=("cnam-eleves",)):
    q = missing_question(engine.base, {"diploma": diploma, "date": DAY.isoformat(),
                                       **({"sources": list(sources)} if sources else {})}, DAY, read_profile(data))
    return q, missing_answer(engine, q)


def status_of(engine, q, data) -> str:
    return missing_answer(engine, replace(q, profile=read_profile(data)))["status"]


def test_an_internship_answer_lists_the_least_changes_each_confirmed(engine):
    q, answer = asked(engine, OUT_OF_FIELD)
    changes = {c["change"]: c for c in why_not(engine, q, answer)}
    assert set(changes) == {"field", "internship", "decision", "experience_in_field"}
    assert changes["field"]["fact"] == "experiences[0].field" and changes["field"]["months"] == 0
    assert changes["internship"]["months"] == 6
    assert changes["decision"]["decided_months"] == 3 and changes["decision"]["months"] == 3
    assert changes["experience_in_field"]["months"] == 12
    assert "Demander au jury de fixer la durée du stage" in changes["decision"]["text"]
    for change in changes.values():
        assert change["proved_minimal"] is True
        assert status_of(engine, q, change["witness"]) == "satisfied"


def test_a_hundredth_less_than_each_least_change_does_not_do(engine):
    q, answer = asked(engine, OUT_OF_FIELD)
    for change in why_not(engine, q, answer):
        witness = change["witness"]
        if change["change"] == "experience_in_field":
            witness["experiences"][-1]["months"] -= 0.01
        elif change["change"] in ("internship", "decision"):
            witness["internships"][-1]["months"] -= 0.01
        else:
            continue
        assert status_of(engine, q, witness) != "satisfied", change["change"]


def test_missing_experience_is_advised_in_months_and_a_satisfied_file_has_nothing_to_change(engine):
    q, answer = asked(engine, {"experiences": [{"months": 20, "field": "in"}]}, diploma="bac+2", sources=None)
    assert answer["status"] == "missing"
    changes = why_not(engine, q, answer)
    assert [(c["change"], c["months"]) for c in changes] == [("experience_in_field", 4)]  # elsewhere: an internship
    q, answer = asked(engine, {"experiences": [{"months": 36, "field": "in"}]})
    assert answer["status"] == "satisfied" and why_not(engine, q, answer) == []


def test_a_conflict_is_not_advised(engine):
    q, answer = asked(engine, {"experiences": [{"months": 40, "field": "out"}], "decided_internship_months": 2})
    assert answer["status"] == "conflict" and why_not(engine, q, answer) == []


def test_cnam_missing_why_not(tmp_path):
    path = tmp_path / "magasinier.json"
    path.write_text(json.dumps(OUT_OF_FIELD), encoding="utf-8")
    args = ["missing", "--diploma", "licence", "--source", "cnam-eleves", "--profile", str(path), "--date",
            "2026-01-01", "--why-not"]
    data = json.loads(run_cnam(*args, "--format", "json").stdout)
    assert [c["change"] for c in data["why_not"]][0] == "field"
    text = run_cnam(*args).stdout
    assert "Pourquoi pas ? Ce qui suffirait, à lui seul, pour que plus rien ne soit exigé :" in text
    assert "prouvé par le solveur" in text
    plain = run_cnam(*args[:-1], "--format", "json").stdout
    assert "why_not" not in plain


def test_cnam_missing_why_not_on_an_incomplete_file_says_it_answers_complete_files(tmp_path):
    path = tmp_path / "magasinier.json"
    path.write_text(json.dumps({"experiences": [{"label": "Magasinier", "months": 36, "field": "unknown"}]}),
                    encoding="utf-8")
    run = run_cnam("missing", "--diploma", "licence", "--source", "cnam-eleves", "--profile", str(path), "--date",
                   "2026-01-01", "--why-not", "--format", "json")
    assert run.returncode == 0
    assert "why_not" not in json.loads(run.stdout) and "dossier complet" in run.stderr
