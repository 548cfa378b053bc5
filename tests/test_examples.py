"""`cnam examples`: candidates on both sides of every threshold, in the rule files' example syntax,
which pass `cnam check` once pasted into a file of their source."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import ROOT, run_cnam


def sections(text: str) -> dict[str, str]:
    """The printed examples, by source."""
    parts = re.split(r"^# ---- source (\S+) ----$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.slow
@pytest.mark.parametrize("diploma", ["licence", "certificat"])
def test_examples_paste_into_their_source_and_pass_cnam_check(diploma, tmp_path):
    result = run_cnam("examples", "--diploma", diploma)
    assert result.returncode == 0, result.stderr
    by_source = sections(result.stdout)
    assert set(by_source) >= {"cnam-eleves"}
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    for source, text in by_source.items():
        target = sorted((rules / source).glob("*.cnr"))[0]
        target.write_text(target.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    check = run_cnam("check", "--rules", str(rules), "--format", "json")
    assert check.returncode == 0, check.stdout
    assert [d for d in json.loads(check.stdout) if d["severity"] == "error"] == []


def test_examples_stand_on_both_sides_of_each_threshold():
    result = run_cnam("examples", "--diploma", "licence", "--source", "cnam-na", "--format", "json")
    assert result.returncode == 0, result.stderr
    examples = json.loads(result.stdout)
    assert {e["source"] for e in examples} == {"cnam-na"}
    out_of_field = {e["profile"]["experiences"][0]["months"]: e["answer"] for e in examples
                    if e["profile"] == {"experiences": [{"months": e["profile"]["experiences"][0]["months"],
                                                         "field": "out"}]}}
    assert out_of_field[35]["status"] == "missing" and out_of_field[35]["missing_months"] == 1
    assert out_of_field[36]["status"] == "internship"
    decided = {e["profile"]["decided_internship_months"]: e["answer"]["status"] for e in examples
               if "decided_internship_months" in e["profile"]}
    assert decided == {6: "internship", 7: "conflict"}
    text = "\n".join(e["text"] for e in examples)
    assert "exemple « licence : 35 mois hors domaine »\n  pour licence\n  expérience de 35 mois hors domaine\n" \
           "  attendu manque 1 mois" in text


def test_milestones_are_written_in_french():
    result = run_cnam("examples", "--diploma", "ingenieur", "--source", "cnam-eleves")
    assert result.returncode == 0, result.stderr
    assert "pour ingenieur au jalon candidature" in result.stdout
    assert "pour ingenieur au jalon soutenance" in result.stdout


@pytest.mark.parametrize("args, words", [
    (["--diploma", "doctorat"], "diplôme inconnu"),
    (["--diploma", "bac+3", "--source", "cnam-na"], "n'énonce rien"),
])
def test_bad_requests_exit_2(args, words):
    result = run_cnam("examples", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
