"""The command line as advisers and scripts use it: answers, exit codes, and one clear line for bad input."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, run_cnam

ALICE = str(ROOT / "examples" / "alice.yaml")


def test_missing_text_answer_is_french_and_cites_rules():
    result = run_cnam("missing", "--diploma", "licence", "--profile", ALICE, "--date", "2026-01-01")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Alice Martin" in out
    assert "stage de 3 à 6 mois" in out
    assert "Pourquoi :" in out
    assert "rules/cnam-eleves/licence.cnr:" in out
    assert "« Pour les licences, le jury peut décider de moduler la durée" in out


def test_missing_json_follows_the_contract():
    result = run_cnam("missing", "--diploma", "licence", "--profile", ALICE, "--format", "json",
                      "--date", "2026-01-01")
    answer = json.loads(result.stdout)
    assert set(answer) >= {"diploma", "milestone", "sources", "status", "internship", "missing_months",
                           "options", "early_review_possible", "explanation", "divergences"}
    assert answer["sources"] == ["cnam-eleves", "cnam-na"]
    assert answer["internship"]["min_months"] == 3 and answer["internship"]["max_months"] == 6
    assert answer["early_review_possible"] is True
    for e in answer["explanation"]:
        assert set(e) == {"file", "line", "source", "quote", "text"}
        lines = (ROOT / e["file"]).read_text(encoding="utf-8").splitlines()
        assert 1 <= e["line"] <= len(lines)
    assert {d["source"] for d in answer["divergences"]} == {"cnam-na", "cnam-eleves"}


def test_profile_from_stdin():
    profile = json.dumps({"experiences": [{"months": 24, "field": "in"}]})
    result = run_cnam("missing", "--diploma", "bac+2", "--source", "cnam-na", "--profile", "-",
                      "--format", "json", stdin=profile)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "satisfied"


def test_vae_text_and_json():
    result = run_cnam("vae", "--certification", "LP110504", "--profile", ALICE, "--year", "2026")
    assert result.returncode == 0 and "VAE" in result.stdout
    result = run_cnam("vae", "--certification", "LP110504", "--profile", ALICE, "--year", "2026",
                      "--format", "json")
    answer = json.loads(result.stdout)
    # Alice's experience is outside the field: none is directly related to the certification.
    assert answer["status"] == "missing" and answer["missing_months"] == 12


def test_check_shipped_rules_passes():
    result = run_cnam("check")
    assert result.returncode == 0, result.stdout
    assert "0 erreur(s)" in result.stdout


def test_help_is_french():
    result = run_cnam("--help")
    assert result.returncode == 0
    assert "candidat" in result.stdout
    for command in ("check", "missing", "vae"):
        assert command in result.stdout
        sub = run_cnam(command, "--help")
        assert sub.returncode == 0 and "--rules" in sub.stdout


BAD_REQUESTS = [
    (["missing", "--diploma", "doctorat", "--profile", ALICE], "diplôme inconnu « doctorat »"),
    (["missing", "--diploma", "licence", "--profile", ALICE, "--source", "wikipedia"], "source inconnue"),
    (["missing", "--diploma", "bac+3", "--profile", ALICE, "--source", "cnam-na"], "n'énonce rien pour bac+3"),
    (["missing", "--diploma", "licence", "--profile", ALICE, "--milestone", "probatoire"], "jalon"),
    (["missing", "--diploma", "licence", "--profile", ALICE, "--date", "2026-13-01"], "date invalide"),
    (["missing", "--diploma", "licence", "--profile", "absent.yaml"], "absent.yaml"),
    (["missing", "--diploma", "licence"], "--profile"),
    (["missing", "--diploma", "licence", "--profile", ALICE, "--format", "xml"], "--format"),
    (["missing", "--diploma", "licence", "--profile", ALICE, "--rules", "/nonexistent"], "dossier de règles"),
    (["vae", "--certification", "LP-11", "--profile", ALICE], "--certification : attendu un code"),
    (["vae", "--certification", "LP110504", "--profile", ALICE, "--year", "1850"], "--year : attendu une année"),
    (["vae", "--certification", "LP110504", "--profile", ALICE, "--year", "2022", "--source", "vae-bfc"],
     "pas de règle de recevabilité VAE en vigueur en 2022"),
    (["frobnicate"], "choix invalide"),
]


@pytest.mark.parametrize("args,fragment", BAD_REQUESTS, ids=[" ".join(a[:3]) for a, _ in BAD_REQUESTS])
def test_bad_request_is_one_clear_line(args, fragment):
    result = run_cnam(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert fragment in lines[0]


HOSTILE_PROFILES = {
    "yaml_tag": ("!!python/object/apply:os.system ['echo pwned']\n", "étiquette YAML"),
    "unknown_key": ("experiences: []\nsalary: 3000\n", "salary"),
    "bad_share": ("experiences:\n  - {months: 12, field: in, time_share: 1.5}\n", "experiences[0].time_share"),
    "end_before_start": ("experiences:\n  - {start: 2022-01-01, end: 2021-01-01, field: in}\n", "experiences[0]"),
    "bad_enum": ("experiences:\n  - {months: 12, field: inside}\n", "experiences[0].field"),
    "negative": ("experiences:\n  - {months: -3, field: in}\n", "experiences[0].months"),
    "deep_json": ("[" * 100000 + "]" * 100000, "imbrication trop profonde"),
    "not_a_mapping": ("- 1\n- 2\n", ""),
    "nan": ('{"experiences": [{"months": NaN, "field": "in"}]}', "months"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_PROFILES))
def test_hostile_candidate_files(name, tmp_path):
    content, fragment = HOSTILE_PROFILES[name]
    path = tmp_path / f"{name}.yaml"
    path.write_text(content, encoding="utf-8")
    result = run_cnam("missing", "--diploma", "licence", "--profile", str(path))
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr and "pwned" not in result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    assert fragment in result.stderr
    assert path.read_text(encoding="utf-8") == content  # bad input changes nothing


def test_huge_and_binary_files(tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"name: " + b"x" * 2_000_000 + b"\n")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    for path in (huge, binary):
        result = run_cnam("missing", "--diploma", "licence", "--profile", str(path))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert str(path.name) in result.stderr


def test_rule_base_with_errors_is_exit_2(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "cnam-na" / "bac2.cnr"
    target.write_text(target.read_text(encoding="utf-8").replace("d'au moins 2 ans", "d'au moins 2 pommes", 1),
                      encoding="utf-8")
    result = run_cnam("missing", "--diploma", "bac+2", "--profile", ALICE, "--rules", str(rules))
    assert result.returncode == 2
    assert "bac2.cnr" in result.stderr and "cnam check" in result.stderr
    checked = run_cnam("check", "--rules", str(rules))
    assert checked.returncode == 1 and "bac2.cnr:" in checked.stdout and "pommes" in checked.stdout


def test_broken_worked_example_fails_check_with_its_line(tmp_path):
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "cnam-eleves" / "licence.cnr"
    text = target.read_text(encoding="utf-8")
    broken = text.replace("  expérience de 36 mois hors domaine\n  attendu stage de 3 à 6 mois",
                          "  expérience de 36 mois hors domaine\n  attendu stage de 4 à 6 mois", 1)
    assert broken != text
    target.write_text(broken, encoding="utf-8")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if text.startswith("  attendu stage de 4 à 6 mois"))
    result = run_cnam("check", "--rules", str(rules))
    assert result.returncode == 1
    assert f"licence.cnr:{line}:3: erreur: exemple" in result.stdout
