"""Errors in what people give the tool, in French and whole: every bad field of an API body, every message of
the YAML and JSON readers (with line and column), the batch's error lines, the milestone's French names."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from conftest import ROOT, run_cnam
from cnam_dsl.candidate import ProfileError, read_profile_text
from cnam_dsl.candidate.files import JSON_FR, json_reason, yaml_reason
from cnam_dsl.rules import Rules
from cnam_dsl.web.app import create_app

ENGLISH = re.compile(r"\b(?:found|expected|expecting|while|allowed|could not|but|invalid|unexpected|delimiter|"
                     r"character|value|Extra|Illegal|escape)\b")


@pytest.fixture(scope="module")
def client(base):
    with TestClient(create_app(Rules(base))) as http:
        yield http


# ---------------------------------------------------------------- every bad field of an API body


def test_a_422_names_every_bad_field_of_the_question_and_of_the_candidate(client):
    body = {"diploma": "licence", "milestone": "demain", "date": "2026-13-01", "colour": "bleu",
            "profile": {"ue_acquired": -1, "experiences": [{"months": 0, "field": "in"},
                                                           {"months": 3, "field": "ailleurs", "time_share": 2}]}}
    response = client.post("/api/missing", json=body)
    assert response.status_code == 422
    fields = [d["field"] for d in response.json()["detail"]]
    assert set(fields) == {"colour", "date", "milestone", "profile.ue_acquired", "profile.experiences[0].months",
                           "profile.experiences[1].field", "profile.experiences[1].time_share"}


def test_a_422_names_every_bad_field_of_a_vae_question(client):
    response = client.post("/api/vae", json={"certification": "LP 11", "year": "demain",
                                             "profile": {"vae_requests": [{"certification": "", "year": 1}]}})
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["detail"]}
    assert {"certification", "year", "profile.vae_requests[0].certification", "profile.vae_requests[0].year"} <= fields


@pytest.mark.parametrize(("content", "message"), [
    (b"{", "JSON invalide ligne 1, colonne 2 : nom de champ attendu entre guillemets droits \"…\""),
    (b'{"diploma": }', "JSON invalide ligne 1, colonne 13 : valeur attendue"),
    (b'{"diploma": "licence",\n "profile": {}', "JSON invalide ligne 2, colonne 15 : virgule « , » attendue"),
])
def test_an_api_body_that_is_not_json_is_a_french_422_with_line_and_column(client, content, message):
    response = client.post("/api/missing", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert [d["msg"] for d in response.json()["detail"]] == [message]


# ---------------------------------------------------------------- the YAML and JSON readers


def pyyaml_problems() -> list[str]:
    """Every problem PyYAML's scanner, parser and composer raise, their placeholders filled as PyYAML fills
    them (`%r` with a quoted character or token)."""
    folder = Path(yaml.__file__).parent
    problems = set()
    for name in ("scanner.py", "parser.py", "composer.py"):
        for node in ast.walk(ast.parse((folder / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and len(node.exc.args) >= 3:
                problem = node.exc.args[2]
                if isinstance(problem, ast.BinOp):  # 'found %r' % ch
                    problem = problem.left
                if isinstance(problem, ast.Constant) and isinstance(problem.value, str):
                    problems.add(problem.value.replace("%r", "'@'").replace("%d", "4").replace("%s", "x"))
    return sorted(problems)


@pytest.mark.parametrize("problem", pyyaml_problems())
def test_every_problem_pyyaml_reports_is_translated(problem):
    french = yaml_reason(problem)
    assert french != "syntaxe YAML invalide" and not ENGLISH.search(french), (problem, french)


@pytest.mark.parametrize(("text", "message"), [
    ("experiences:\n\t- months: 3\n", "YAML invalide ligne 2, colonne 1 : tabulation interdite (indenter avec des espaces)"),
    ("name: @alice\n", "YAML invalide ligne 1, colonne 7 : caractère « @ » interdit en début de valeur (écrire la "
                       "valeur entre guillemets)"),
    ("experiences: [{months: 3, field: in}\n", "YAML invalide ligne 2, colonne 1 : « , » ou « ] » attendu, trouvé la "
                                                "fin du fichier"),
    ("name: \"Alice\nue_acquired: 2\n", "YAML invalide ligne 3, colonne 1 : fin du fichier inattendue (guillemet non "
                                       "fermé ?)"),
    ("experiences:\n  - months: 3\n field: in\n", "YAML invalide ligne 3, colonne 2 : indentation incohérente : un "
                                                  "champ inattendu(e) ici"),
    ("name: a\x07\n", "YAML invalide ligne 1, colonne 8 : caractère interdit (U+0007)"),
    ("{\"name\": \"a\",}", "JSON invalide ligne 1, colonne 14 : nom de champ attendu entre guillemets droits \"…\""),
    ("{\"name\": \"a\nb\"}", "JSON invalide ligne 1, colonne 12 : caractère de contrôle interdit dans un texte (un "
                            "retour à la ligne s'écrit \\n)"),
])
def test_a_file_that_does_not_read_says_where_in_french(text, message):
    with pytest.raises(ProfileError) as error:
        read_profile_text(text, origin="alice.yaml")
    assert str(error.value) == f"alice.yaml: {message}"


@pytest.mark.parametrize("text", ["{", '{"a": 1,}', '{"a" 1}', '{"a": 1 "b": 2}', '{"a": "\\q"}', '{"a": "x\ny"}',
                                  '\ufeff{}', '{"a": 1} x', '{"a": "\\u12"}', "[1,]", '{"a": "x'])
def test_every_message_of_the_json_module_is_translated(text):
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        assert json_reason(error.msg) in JSON_FR.values() and not ENGLISH.search(json_reason(error.msg))
    else:
        pytest.fail("JSON valide")


def test_the_command_line_reports_a_broken_file_in_french(tmp_path):
    broken = tmp_path / "alice.yaml"
    broken.write_text("experiences:\n\t- months: 3\n", encoding="utf-8")
    result = run_cnam("missing", "--diploma", "licence", "--profile", str(broken))
    assert (result.returncode, result.stderr) == (2, f"cnam: erreur: {broken}: YAML invalide ligne 2, colonne 1 : "
                                                     "tabulation interdite (indenter avec des espaces)\n")


def test_batch_lines_that_are_not_json_say_why_in_french():
    lines = ['{', '{"command": "missing" "diploma": "licence"}', '{"command": "missing", "x": NaN}', '[1]']
    result = run_cnam("batch", "--input", "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"line": 1, "error": "JSON invalide, colonne 2 : nom de champ attendu entre guillemets droits \"…\""},
        {"line": 2, "error": "JSON invalide, colonne 23 : virgule « , » attendue"},
        {"line": 3, "error": "JSON invalide : valeur hors de JSON (NaN, Infinity, nombre trop grand)"},
        {"line": 4, "error": "attendu un objet JSON par ligne"},
    ]


def test_batch_error_lines_name_the_request_s_fields_not_the_options():
    line = json.dumps({"command": "missing", "diploma": "doctorat", "profile": {}})
    result = run_cnam("batch", "--input", "-", stdin=line + "\n")
    error = json.loads(result.stdout)["error"]
    assert error.startswith("diploma : diplôme inconnu « doctorat »") and "--" not in error


# ---------------------------------------------------------------- milestones by their French names


ALICE = str(ROOT / "examples" / "alice.yaml")


@pytest.mark.parametrize(("word", "milestone"), [("candidature", "application"), ("soutenance", "defense"),
                                                 ("probatoire", "probatoire"), ("délivrance", "delivery")])
def test_the_command_line_takes_a_milestone_s_french_word(word, milestone):
    by_word = run_cnam("missing", "--diploma", "ingenieur", "--milestone", word, "--profile", ALICE, "--format",
                       "json", "--date", "2026-01-01")
    by_id = run_cnam("missing", "--diploma", "ingenieur", "--milestone", milestone, "--profile", ALICE, "--format",
                     "json", "--date", "2026-01-01")
    assert by_word.returncode == 0, by_word.stderr
    assert json.loads(by_word.stdout) == json.loads(by_id.stdout)
    assert json.loads(by_word.stdout)["milestone"] == milestone


def test_the_api_takes_a_milestone_s_french_word(client):
    body = {"diploma": "ingenieur", "date": "2026-01-01", "profile": {"experiences": [{"months": 30, "field": "in"}]}}
    by_word = client.post("/api/missing", json={**body, "milestone": "soutenance"})
    by_id = client.post("/api/missing", json={**body, "milestone": "defense"})
    assert by_word.status_code == 200 and by_word.json() == by_id.json()


def test_a_worked_example_may_name_its_milestone_by_word_or_by_id(tmp_path):
    from cnam_dsl.language.check import load_rule_base

    rules = tmp_path / "regles"
    import shutil

    shutil.copytree(ROOT / "rules", rules)
    ingenieur = rules / "cnam-eleves" / "ingenieur.cnr"
    text = ingenieur.read_text(encoding="utf-8")
    assert "au jalon candidature" in text
    ingenieur.write_text(text.replace("au jalon candidature", "au jalon application"), encoding="utf-8")
    base, diagnostics = load_rule_base(rules)
    assert base is not None, [d.message for d in diagnostics]
    shipped, _ = load_rule_base(ROOT / "rules")
    assert [(e.title, e.milestone) for e in base.examples] == [(e.title, e.milestone) for e in shipped.examples]
    assert run_cnam("check", "--rules", str(rules)).returncode == 0


def test_diff_takes_a_milestone_s_french_word():
    by_word = run_cnam("diff", "--source", "cnam-na", "--source", "cnam-eleves", "--diploma", "ingenieur",
                       "--milestone", "délivrance", "--date", "2026-01-01", "--format", "json")
    by_id = run_cnam("diff", "--source", "cnam-na", "--source", "cnam-eleves", "--diploma", "ingenieur",
                     "--milestone", "delivery", "--date", "2026-01-01", "--format", "json")
    assert by_word.returncode == 0, by_word.stderr
    assert json.loads(by_word.stdout) == json.loads(by_id.stdout)
