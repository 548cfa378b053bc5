"""Incomplete candidate files (contract, "Unknown facts"): read only where allowed, every possible answer with a
witness, the questions that matter ranked, the facts that do not, and complete files answered as before."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from datetime import date

import pytest

from cnam_dsl.answer.explain import missing_answer
from cnam_dsl.answer.present import to_json
from cnam_dsl.answer.unknown import partial_answer, partial_text
from cnam_dsl.candidate import Profile, ProfileError, read_profile
from cnam_dsl.candidate.unknown import PartialProfile, read_candidate
from cnam_dsl.request import RequestError, missing_question
from cnam_dsl.solve import Engine, SolverError
from cnam_dsl.solve import completions
from cnam_dsl.solve.backend import Forced, Unknown
from conftest import run_cnam

DAY = date(2026, 1, 1)
# The file of the issue: is the magasinier's job in the field? The vendeur's level cannot matter for cnam-eleves
# (experience outside the field counts whatever its level there).
MAGASINIER = {"experiences": [{"label": "Magasinier", "months": 36, "field": "unknown"},
                              {"label": "Vendeur", "months": 12, "field": "out", "level": "unknown"}]}
ALLOWED = ["experiences[0].months", "experiences[0].time_share", "experiences[0].field", "experiences[0].kind",
           "experiences[0].level", "internships[0].months", "internships[0].field", "internships[0].report",
           "ue_acquired", "decided_internship_months"]


def question(engine, data, diploma="licence", sources=("cnam-eleves",), partial=True):
    asked = {"diploma": diploma, "date": DAY.isoformat(), **({"sources": list(sources)} if sources else {})}
    profile = read_candidate(data) if partial else read_profile(data)
    return missing_question(engine.base, asked, DAY, profile, partial=partial)


def answer(engine, data, diploma="licence", sources=("cnam-eleves",)):
    q = question(engine, data, diploma, sources)
    return partial_answer(engine, q) if isinstance(q.profile, PartialProfile) else missing_answer(engine, q)


def statuses(a: dict) -> list[str]:
    return [p["status"] for p in a["possible"]]


# ---------------------------------------------------------------- reading


def a_file_with(path: str) -> dict:
    data = {"experiences": [{"months": 24, "field": "in"}], "internships": [{"months": 3, "field": "in"}],
            "ue_acquired": 1, "decided_internship_months": 4}
    fact = path.split(".")[-1]
    holder = data if "[" not in path else data[path.split("[")[0]][0]
    holder[fact] = "unknown"
    return data


@pytest.mark.parametrize("path", ALLOWED)
def test_unknown_is_read_where_the_contract_allows_it(path):
    partial = read_candidate(a_file_with(path))
    assert isinstance(partial, PartialProfile) and not isinstance(partial, Profile)
    assert [f.path for f in partial.unknowns] == [path]
    assert read_candidate(partial.to_dict()) == partial


ALLOWED_FR = "« unknown » n'est permis que pour"


@pytest.mark.parametrize(("data", "field", "said"), [
    ({"experiences": [{"start": "unknown", "end": "2023-01-01", "field": "in"}]}, "experiences[0].start", ALLOWED_FR),
    ({"experiences": [{"months": 3, "field": "in"}], "entered_duties": "unknown"}, "entered_duties", ALLOWED_FR),
    ({"experiences": [], "decided_experience_months": "unknown"}, "decided_experience_months", ALLOWED_FR),
    ({"vae_requests": [{"certification": "LP1", "year": "unknown"}]}, "vae_requests[0].year", ALLOWED_FR),
    ({"experiences": [{"months": "unknown", "start": "2020-01-01", "end": "2021-01-01", "field": "in"}]},
     "experiences[0].months", "soit months, soit start et end"),
])
def test_unknown_elsewhere_is_an_error_naming_the_field_and_where_it_is_allowed(data, field, said):
    with pytest.raises(ProfileError) as error:
        read_candidate(data)
    assert error.value.location == field
    assert said in str(error.value)


def test_a_file_without_unknown_is_a_profile_read_as_before():
    data = {"name": "unknown", "experiences": [{"label": "unknown", "months": 24, "field": "in"}]}
    assert read_candidate(data) == read_profile(data)


def test_paths_that_answer_complete_files_never_read_unknown(engine):
    with pytest.raises(RequestError) as error:
        missing_question(engine.base, {"diploma": "licence", "profile": MAGASINIER}, DAY)
    assert error.value.errors[0].path == "profile.experiences[0].field"
    with pytest.raises(ProfileError):
        read_profile(MAGASINIER)


# ---------------------------------------------------------------- the file


def test_an_unknown_field_gives_both_answers_asks_it_first_and_lists_the_level_as_irrelevant(engine):
    a = answer(engine, MAGASINIER)
    assert a["complete"] is False and a["status"] == "undetermined"
    assert statuses(a) == ["satisfied", "internship"]
    assert a["possible"][1]["internship"]["min_months"] == 3 and a["possible"][1]["internship"]["max_months"] == 6
    first = a["questions"][0]
    assert first["fact"] == "experiences[0].field"
    assert first["outcomes"] == {"in": "satisfied", "out": "internship"}
    assert first["text"] == "L'expérience « Magasinier » est-elle dans le domaine du diplôme ?"
    assert a["irrelevant"] == ["experiences[1].level"]
    assert a["unknown"] == ["experiences[0].field", "experiences[1].level"]
    assert any("ne manquera jamais" in s for s in a["certain"])
    assert a["certified"] is True


def test_each_witness_gives_its_answer(engine):
    a = answer(engine, MAGASINIER)
    for possible in a["possible"]:
        witnessed = answer(engine, possible["witness"])
        assert witnessed["status"] == possible["status"]
        assert witnessed["internship"] == possible["internship"]


def test_answering_the_question_gives_exactly_the_complete_files_answer(engine):
    partial = read_candidate(MAGASINIER)
    answered = partial.given({"experiences[0].field": "out"})
    a = partial_answer(engine, question(engine, answered.to_dict()))
    assert a["status"] == "internship" and len(a["possible"]) == 1 and a["questions"] == []
    for level in ("sufficient", "insufficient"):
        complete = answered.given({"experiences[1].level": level})
        expected = missing_answer(engine, question(engine, complete.to_dict()))
        assert {k: a[k] for k in expected} == expected
    complete = partial.given({"experiences[0].field": "in", "experiences[1].level": "sufficient"})
    assert isinstance(complete, Profile)
    assert answer(engine, complete.to_dict())["status"] == "satisfied"


def test_a_complete_file_is_answered_byte_for_byte_as_before(engine, tmp_path):
    data = {"name": "Alice", "experiences": [{"label": "Commerciale", "months": 36, "field": "out"}]}
    path = tmp_path / "alice.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    run = run_cnam("missing", "--diploma", "licence", "--profile", str(path), "--date", "2026-01-01",
                   "--format", "json")
    assert run.returncode == 0, run.stderr
    expected = missing_answer(engine, question(engine, data, sources=None, partial=False))
    assert run.stdout == to_json(expected) + "\n"
    assert "complete" not in run.stdout


# ---------------------------------------------------------------- numbers


def test_unknown_months_give_ranges_of_answers_and_of_missing_months(engine):
    a = answer(engine, {"experiences": [{"label": "Formatrice", "months": "unknown", "field": "in"}]})
    assert statuses(a) == ["satisfied", "missing"]
    assert a["possible"][1]["missing_months_range"] == {"min": 0.01, "max": 35.99}
    q = a["questions"][0]
    assert q["fact"] == "experiences[0].months"
    assert q["outcomes"] == {"0.01..35.99": "missing", "36..1200": "satisfied"}
    assert [r["text"] for r in q["replies"]] == ["moins de 36 mois (3 ans)", "36 mois (3 ans) ou plus"]


def test_an_unknown_decided_length_may_be_no_decision_a_length_within_the_bounds_or_a_conflict(engine):
    a = answer(engine, {"experiences": [{"months": 40, "field": "out"}], "decided_internship_months": "unknown"})
    assert statuses(a) == ["internship", "internship", "conflict"]
    decided = next(p for p in a["possible"] if "decided_months_range" in p)
    assert decided["decided_months_range"] == {"min": 3, "max": 6}
    assert a["questions"][0]["outcomes"] == {"absent": "internship", "0.01..2.99": "conflict",
                                             "3..6": "internship", "6.01..1200": "conflict"}


def test_an_unknown_internship_length_decides_between_an_internship_and_nothing(engine):
    a = answer(engine, {"experiences": [{"months": 36, "field": "out"}],
                        "internships": [{"months": "unknown", "report": True}]})
    assert set(statuses(a)) == {"internship", "satisfied"}
    q = a["questions"][0]
    assert q["outcomes"]["6..1200"] == "satisfied" and q["outcomes"]["0.01..5.99"] == "internship"


def test_unknown_ue_decide_only_the_early_review(engine):
    a = answer(engine, {"experiences": [{"months": 12, "field": "out"}], "ue_acquired": "unknown"},
               diploma="licence-l3", sources=("cnam-na",))
    assert a["early_review_possible"] is None
    assert all(p["early_review_possible"] is None for p in a["possible"])
    q = next(q for q in a["questions"] if q["fact"] == "ue_acquired")
    assert [(r["reply"], r["early_review_possible"]) for r in q["replies"]] == [("0..1", False), ("2..1000", True)]
    assert answer(engine, {"experiences": [{"months": 12, "field": "out"}], "ue_acquired": "unknown"},
                  diploma="licence-l3", sources=("cnam-eleves",))["irrelevant"] == ["ue_acquired"]


def test_z3_finds_the_answers_the_values_tried_miss(engine, monkeypatch):
    data = {"experiences": [{"months": "unknown", "field": "unknown"}, {"months": "unknown", "field": "out"}]}
    expected = answer(engine, data, sources=None)
    monkeypatch.setattr(completions._Space, "cuts", lambda self, j, k: set())
    found = answer(engine, data, sources=None)
    assert found["certified"] is True
    assert statuses(found) == statuses(expected)
    assert {q["fact"] for q in found["questions"]} == {q["fact"] for q in expected["questions"]}


class Proved:
    """Proofs remembered as done (the closed forms are used without asking the solver)."""

    def proved(self, digest: str) -> bool:
        return True

    def record(self, digest: str) -> None:
        pass


def test_a_solver_that_gives_up_leaves_the_answer_said_not_certified(engine):
    forced = Engine(engine.base, proofs=Proved(), backend=Forced(Unknown("délai dépassé")))
    a = answer(forced, {"experiences": [{"months": "unknown", "field": "in"}]})
    assert a["certified"] is False and any("pas pu vérifier à temps" in limit for limit in a["limits"])
    assert statuses(a) == ["satisfied", "missing"]  # what the completions tried give, each confirmed


def test_without_a_proved_closed_form_an_incomplete_file_is_not_answered(engine):
    unproved = Engine(engine.base, backend=Forced(Unknown("délai dépassé")))
    with pytest.raises(SolverError):
        answer(unproved, {"experiences": [{"months": "unknown", "field": "in"}]})


def test_a_share_of_overlapping_periods_is_tried_at_a_few_values_and_said_so(engine):
    a = answer(engine, {"experiences": [
        {"start": "2020-01-01", "end": "2022-12-31", "field": "out", "time_share": "unknown"},
        {"start": "2021-01-01", "end": "2023-12-31", "field": "in", "time_share": 0.5}]})
    assert a["certified"] is False
    assert any("experiences[0].time_share" in limit for limit in a["limits"])


def test_the_french_text_lists_the_answers_the_questions_and_the_facts_without_effect(engine):
    a = answer(engine, MAGASINIER)
    text = partial_text(a, "Licence", "Test")
    assert "Dossier incomplet : 2 fait(s) inconnu(s)" in text
    assert "L'expérience « Magasinier » est-elle dans le domaine du diplôme ?" in text
    assert "Sans effet sur la réponse : experiences[1].level." in text


# ---------------------------------------------------------------- command line


def test_cnam_missing_answers_an_incomplete_file(tmp_path):
    path = tmp_path / "magasinier.yaml"
    path.write_text(json.dumps(MAGASINIER), encoding="utf-8")
    run = run_cnam("missing", "--diploma", "licence", "--source", "cnam-eleves", "--profile", str(path),
                   "--date", "2026-01-01", "--format", "json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["questions"][0]["fact"] == "experiences[0].field"
    text = run_cnam("missing", "--diploma", "licence", "--source", "cnam-eleves", "--profile", str(path),
                    "--date", "2026-01-01")
    assert "Réponses possibles selon ce qui manque au dossier" in text.stdout


def test_cnam_missing_refuses_unknown_where_it_is_not_allowed(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("experiences:\n  - start: unknown\n    field: in\n", encoding="utf-8")
    run = run_cnam("missing", "--diploma", "licence", "--profile", str(path))
    assert run.returncode == 2
    assert "experiences[0].start" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_the_api_answers_an_incomplete_file_and_says_so_in_its_description(client):
    body = {"diploma": "licence", "sources": ["cnam-eleves"], "date": "2026-01-01", "profile": MAGASINIER}
    a = client.post("/api/missing", json=body).json()
    assert a["complete"] is False and statuses(a) == ["satisfied", "internship"]
    assert a["irrelevant"] == ["experiences[1].level"]
    described = json.dumps(client.get("/api/openapi.json").json()["paths"]["/api/missing"], ensure_ascii=False)
    assert "unknown" in described and "possible" in described


def test_the_live_page_answers_an_incomplete_form_through_the_server(client):
    """The form read into a file with unknown facts is the solver's work: handed to the server's worker
    processes like any question (it once failed there, the file's periods counted as a complete file's)."""
    form = {"diploma": "licence", "sources": "cnam-eleves", "date": "2026-01-01",
            "experiences-0-label": "Magasinier", "experiences-0-months": "36", "experiences-0-field": "unknown"}
    answered = client.post("/live", data=form)
    assert answered.status_code == 200, answered.text
    assert "L'expérience « Magasinier » est-elle dans le domaine du diplôme ?" in html.unescape(answered.text)

def test_the_same_question_asked_twice_gets_the_same_answer(engine):
    first = answer(engine, MAGASINIER | {"decided_internship_months": "unknown"}, sources=None)
    again = answer(engine, MAGASINIER | {"decided_internship_months": "unknown"}, sources=None)
    assert first == again


def test_engine_outcome_without_core_is_the_same_conflict_status(engine):
    data = {"experiences": [{"months": 40, "field": "out"}], "decided_internship_months": 2}
    q = question(engine, data, partial=False)
    with_core = missing_answer(engine, q)
    without = missing_answer(engine, q, core=False)
    assert with_core["status"] == without["status"] == "conflict"
    assert with_core["explanation"] and replace(q, profile=q.profile) == q
