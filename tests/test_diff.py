"""`cnam diff`: where two sources, or two versions of the rule base, answer a candidate differently.

Every witness must be a valid candidate file on which `cnam missing`, with each
side alone, gives exactly the two answers reported.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from cnam_dsl.candidate import facts_of
from conftest import ROOT, run_cnam

DAY = "2026-01-01"
ON = date(2026, 1, 1)
ANSWER_KEYS = ("status", "internship", "missing_months")


def diff(*args: str) -> tuple[int, dict]:
    result = run_cnam("diff", *args, "--format", "json", "--date", DAY)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def missing(tmp_path: Path, witness: dict, diploma: str, milestone: str, source: str, rules: Path | None = None):
    """The answer of the real `cnam missing` on a witness, for one source alone."""
    profile = tmp_path / "temoin.yaml"
    profile.write_text(yaml.safe_dump(witness, allow_unicode=True), encoding="utf-8")
    args = ["missing", "--diploma", diploma, "--milestone", milestone, "--source", source,
            "--profile", str(profile), "--format", "json", "--date", DAY]
    if rules is not None:
        args += ["--rules", str(rules)]
    result = run_cnam(*args)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    return {k: answer[k] for k in ANSWER_KEYS}


def statuses(report: dict, diploma: str) -> set[tuple[str, str]]:
    return {tuple(d["answers"][s]["status"] for s in report["sides"])
            for d in report["divergences"] if d["diploma"] == diploma}


def rule_base_copy(tmp_path: Path, name: str = "rules") -> Path:
    copy = tmp_path / name
    shutil.copytree(ROOT / "rules", copy)
    return copy


def change_bac2_in_field_threshold(rules: Path, examples: bool = True) -> None:
    """cnam-na, Bac+2 in the field: 2 years (24 months) become 18 months; and, as an author would (unless
    `examples` is false), the worked examples at that threshold are brought in line."""
    path = rules / "cnam-na" / "bac2.cnr"
    text = path.read_text(encoding="utf-8")
    old = "exige expérience salariée, dans le domaine, de niveau suffisant, d'au moins 2 ans"
    assert text.count(old) == 1
    text = text.replace(old, old.replace("2 ans", "18 mois"))
    if examples:  # 23 months in the field now suffice; whoever missed 24 months now misses 18
        before = "expérience de 23 mois dans le domaine\n  attendu manque 1 mois"
        assert text.count(before) == 1
        text = text.replace(before, "expérience de 23 mois dans le domaine\n  attendu satisfait")
        assert "attendu manque 24 mois" in text
        text = text.replace("attendu manque 24 mois", "attendu manque 18 mois")
    path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- the two general sources


@pytest.fixture(scope="module")
def general_sources() -> dict:
    code, report = diff("--source", "cnam-na", "--source", "cnam-eleves")
    assert code == 0
    return report


@pytest.mark.slow
def test_the_two_general_sources_diverge_where_their_pages_do(general_sources):
    report = general_sources
    assert report["sides"] == ["cnam-na", "cnam-eleves"]
    diverging = {d["diploma"] for d in report["divergences"]}
    assert {"bac+2", "bac+4", "licence", "licence-l3", "certificat", "ingenieur"} <= diverging
    # Bac+2: "A internship / B more experience" and "A more experience / B satisfied" are two kinds.
    assert {("internship", "missing"), ("missing", "satisfied")} <= statuses(report, "bac+2")
    # Certificat: cnam-na asks nothing; cnam-eleves a 3-month internship without salaried experience.
    certificat = [d for d in report["divergences"] if d["diploma"] == "certificat"][0]
    assert certificat["witness"] == {}
    assert certificat["answers"]["cnam-eleves"]["internship"]["min_months"] == 3
    # Every kind is reported once.
    kinds = [(d["diploma"], tuple(json.dumps(d["answers"][s], sort_keys=True) for s in report["sides"]))
             for d in report["divergences"]]
    assert len(kinds) == len(set(kinds))


@pytest.mark.slow
def test_witnesses_are_plain_candidate_files_with_different_answers(general_sources):
    from cnam_dsl.candidate import read_profile

    for d in general_sources["divergences"]:
        profile = read_profile(d["witness"])
        assert len(profile.experiences) + len(profile.internships) <= 3
        assert all(float(e.months).is_integer() for e in profile.experiences)
        a, b = (d["answers"][s] for s in general_sources["sides"])
        assert a != b
        assert d["rules"] and all((ROOT / r["file"]).is_file() for r in d["rules"])


@pytest.mark.slow
def test_witnesses_reproduce_with_the_real_cnam_missing(general_sources, tmp_path):
    firsts = {}
    for d in general_sources["divergences"]:
        firsts.setdefault(d["diploma"], d)
    for d in firsts.values():
        for source, answer in d["answers"].items():
            assert missing(tmp_path, d["witness"], d["diploma"], d["milestone"], source) == answer


@pytest.fixture(scope="module")
def bac2(engine) -> dict:
    """cnam-na against cnam-eleves for Bac+2, computed in this process."""
    from cnam_dsl.analysis.diff import RuleSet, compare, source_comparisons

    rules = RuleSet("base", engine.base, engine)
    return compare(source_comparisons(rules, ["cnam-na", "cnam-eleves"], "bac+2", None, ON), ON)


def test_every_witness_reproduces_in_process(engine, bac2):
    from helpers import ask
    from cnam_dsl.candidate import read_profile

    assert len(bac2["divergences"]) >= 5
    for d in bac2["divergences"]:
        for source, answer in d["answers"].items():
            got = ask(engine, "bac+2", read_profile(d["witness"]), [source], "delivery", ON)
            assert {k: got[k] for k in ANSWER_KEYS} == answer


def test_bands_say_in_french_where_the_divergence_holds(bac2):
    by_witness = {json.dumps(d["witness"], sort_keys=True): d for d in bac2["divergences"]}
    out_24 = by_witness[json.dumps({"experiences": [{"field": "out", "months": 24}]}, sort_keys=True)]
    # 24 months out of the field: cnam-na sends on an internship, cnam-eleves wants 36 months.
    assert out_24["answers"]["cnam-na"]["status"] == "internship"
    assert out_24["answers"]["cnam-eleves"]["status"] == "missing"
    assert [b["text"] for b in out_24["bands"]] == ["de 24 à 35 mois d'expérience hors domaine"]
    lines = {(r["file"], r["line"]) for r in out_24["rules"]}
    from helpers import line_of

    assert ("rules/cnam-na/bac2.cnr", line_of("rules/cnam-na/bac2.cnr", "exige expérience",
                                               after="voie bac2-autre-domaine")) in lines
    assert ("rules/cnam-eleves/rncp.cnr", line_of("rules/cnam-eleves/rncp.cnr", "exige expérience",
                                                   after="voie niveau3-hors-domaine")) in lines


def test_text_output_is_french_and_names_the_sides():
    result = run_cnam("diff", "--source", "cnam-na", "--source", "cnam-eleves", "--diploma", "licence-l3",
                      "--date", DAY)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Comparaison : cnam-na / cnam-eleves")
    assert "licence-l3" in out and "Candidat : 12 mois (1 an) d'expérience salariée hors domaine" in out
    assert "Même écart" in out and "Fichier candidat :" in out and "Règles (cnam-na) :" in out


# ---------------------------------------------------------------- the answers as terms are the engine's


def test_answers_as_terms_agree_with_the_engine(base, engine):
    """The Z3 encoding of a source's answer gives, on sampled candidates, exactly the engine's answer."""
    import z3

    from cnam_dsl.analysis.diff import witness_profile
    from cnam_dsl.answer.explain import summary
    from cnam_dsl.language.model import CATEGORIES
    from cnam_dsl.solve.backend import Backend, value
    from cnam_dsl.solve.closed_form import STATUSES
    from cnam_dsl.solve.terms import DECISION, Candidate, answer_terms, stage_name, var_name

    rnd = random.Random(3)
    c = Candidate.fresh()

    def maybe(model, m):
        return float(value(model, m.value)) if z3.is_true(model.eval(m.given, model_completion=True)) else None

    for source, diploma, milestone in [("cnam-na", "bac+2", "delivery"), ("cnam-eleves", "licence", "delivery"),
                                       ("cnam-eleves", "certificat", "delivery"), ("cnam-na", "ingenieur", "probatoire")]:
        terms = answer_terms(c, engine.traced((source,), diploma, milestone, ON))
        for _ in range(15):
            values = {var_name(k): Fraction(rnd.choice([1, 11, 12, 23, 24, 25, 35, 36]))
                      for k in rnd.sample(CATEGORIES, rnd.randint(0, 2))}
            if rnd.random() < 0.3:
                values[stage_name(rnd.choice(["in", "out"]), rnd.random() < 0.5)] = Fraction(rnd.choice([1, 3, 6]))
            if rnd.random() < 0.3:
                values[DECISION] = Fraction(rnd.choice([2, 3, 6, 7]))
            model = Backend().model(c.fixed(values))
            status = STATUSES[int(value(model, terms.status))]
            bounds = [maybe(model, m) for m in (terms.low, terms.high, terms.standard)] if status == "internship" \
                else [None] * 3
            symbolic = (status, *bounds, float(value(model, terms.missing)) if status == "missing" else 0)
            s = summary(engine.outcome((source,), diploma, milestone, ON,
                                       facts_of(witness_profile(values), ON), with_options=False))
            i = s["internship"] or {}
            expected = (s["status"], i.get("min_months"), i.get("max_months"), i.get("standard_months"),
                        s["missing_months"])
            assert symbolic == expected, (source, diploma, values)


# ---------------------------------------------------------------- two versions of the rule base


def test_one_number_changed_gives_divergences_in_the_changed_band_only(tmp_path):
    new = rule_base_copy(tmp_path)
    change_bac2_in_field_threshold(new)
    code, report = diff("--rules", str(ROOT / "rules"), "--against", str(new), "--fail-on-divergence")
    assert code == 1
    assert report["divergences"] and not report["changes"]
    assert {(d["diploma"], d["source"]) for d in report["divergences"]} == {("bac+2", "cnam-na")}
    for d in report["divergences"]:
        in_field = sum(e["months"] for e in d["witness"].get("experiences", []) if e["field"] == "in")
        assert in_field < 24
    satisfied = [d for d in report["divergences"] if d["answers"][report["sides"][1]]["status"] == "satisfied"]
    assert satisfied and all(18 <= d["witness"]["experiences"][0]["months"] < 24 for d in satisfied)
    assert any(b["text"] == "de 18 à 23 mois d'expérience dans le domaine" for d in satisfied for b in d["bands"])
    first = satisfied[0]
    for side, rules in zip(report["sides"], (ROOT / "rules", new)):
        assert missing(tmp_path, first["witness"], "bac+2", "delivery", "cnam-na", rules) == first["answers"][side]


def test_a_new_version_whose_examples_fail_is_compared_with_a_warning_naming_them(tmp_path):
    new = rule_base_copy(tmp_path, "nouvelle")
    change_bac2_in_field_threshold(new, examples=False)
    result = run_cnam("diff", "--rules", str(ROOT / "rules"), "--against", str(new), "--diploma", "bac+2",
                      "--format", "json")
    assert result.returncode == 0 and json.loads(result.stdout)["divergences"]
    warnings = result.stderr.splitlines()
    # one warning per worked example at that threshold (those that miss 24 months, and 23 months in the field)
    assert len(warnings) >= 2 and all(w.startswith("cnam: avertissement: nouvelle/cnam-na/bac2.cnr:") for w in warnings)
    assert "(exemple « Bac+2 : 23 mois dans le domaine ne suffisent pas seuls » : attendu « manque », les règles " \
           "donnent « satisfait »)" in warnings[0]
    refused = run_cnam("missing", "--rules", str(new), "--diploma", "bac+2", "--profile", "-", stdin="{}")
    assert refused.returncode == 2 and "un exemple de la base de règles ne tient pas" in refused.stderr


def test_identical_rule_bases_give_no_divergence(tmp_path):
    code, report = diff("--rules", str(ROOT / "rules"), "--against", str(rule_base_copy(tmp_path)),
                        "--fail-on-divergence")
    assert code == 0
    assert report["divergences"] == [] and report["changes"] == []
    assert len(report["compared"]) >= 15


def test_against_a_git_revision(tmp_path):
    rules = rule_base_copy(tmp_path)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run(git + ["init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(git + ["add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(git + ["commit", "-qm", "rules"], cwd=tmp_path, check=True)
    code, report = diff("--rules", str(rules), "--against-rev", "HEAD", "--diploma", "bac+2", "--fail-on-divergence")
    assert code == 0 and report["divergences"] == []
    change_bac2_in_field_threshold(rules)
    code, report = diff("--rules", str(rules), "--against-rev", "HEAD", "--diploma", "bac+2", "--fail-on-divergence")
    assert code == 1
    assert report["sides"][0] == "HEAD"
    assert {d["source"] for d in report["divergences"]} == {"cnam-na"}


def test_a_source_that_stops_stating_a_diploma_is_a_change(tmp_path):
    new = rule_base_copy(tmp_path)
    (new / "cnam-na" / "certificat.cnr").unlink()
    code, report = diff("--rules", str(ROOT / "rules"), "--against", str(new), "--diploma", "certificat",
                        "--fail-on-divergence")
    assert code == 1
    assert report["changes"] == [{"diploma": "certificat", "milestone": "delivery", "source": "cnam-na",
                                  "change": "removed"}]


# ---------------------------------------------------------------- bad requests


@pytest.mark.parametrize("args, words", [
    (["--source", "cnam-na"], "deux sources"),
    (["--source", "cnam-na", "--source", "inconnue"], "source inconnue"),
    (["--source", "cnam-na", "--source", "cnam-eleves", "--diploma", "doctorat"], "diplôme inconnu"),
    (["--source", "cnam-na", "--source", "cnam-eleves", "--diploma", "bac+3"], "n'énoncent pas toutes deux"),
    (["--source", "cnam-na", "--source", "cnam-eleves", "--milestone", "fin"], "jalon inconnu"),
    (["--against", "/nonexistent/rules"], "dossier de règles introuvable"),
    (["--against-rev", "no-such-revision"], "révision inconnue"),
    (["--against", "rules", "--against-rev", "HEAD"], "l'une des deux"),
])
def test_bad_requests_are_one_french_line_and_exit_2(args, words):
    result = run_cnam("diff", *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr
