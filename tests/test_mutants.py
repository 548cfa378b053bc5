"""Mutation testing of the rule base (`cnam check --mutants`): each mutant killed by a worked example, proved
equivalent, or surviving with the missing example proposed — which, pasted, kills it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_cnam
from cnam_dsl.analysis.mutants import VerdictStore, judge, mutation_report, parsed_example
from cnam_dsl.analysis.operators import mutants_of
from cnam_dsl.analysis.verify import check_example
from cnam_dsl.rules import Rules
from cnam_dsl.solve import SolverError
from cnam_dsl.solve.backend import Forced, Unknown

NA = ROOT / "rules" / "cnam-na"
BAC4_35 = "Bac+4 : 35 mois hors domaine"


def bac4_rules(folder: Path) -> Path:
    """A copy of the shipped rules restricted to cnam-na's Bac+4 (its document, its rule file, the diplomas)."""
    rules = folder / "rules"
    (rules / "cnam-na").mkdir(parents=True)
    shutil.copy(ROOT / "rules" / "diplomes.cnr", rules)
    shutil.copy(NA / "bac4.cnr", rules / "cnam-na")
    for document in NA.glob("*.txt"):
        shutil.copy(document, rules / "cnam-na")
    source = (NA / "source.cnr").read_text(encoding="utf-8")
    (rules / "cnam-na" / "source.cnr").write_text(source[:source.index("règle générale")], encoding="utf-8")
    return rules


def without_example(text: str, title: str) -> str:
    """A rule file's text without the `exemple` block of that title."""
    return re.sub(rf"exemple « {re.escape(title)} »\n(  .*\n)*\n?", "", text)


def report_of(rules: Path, store: VerdictStore | None = None, jobs: int = 1) -> dict:
    return mutation_report(Rules.load(rules), jobs=jobs, store=store or VerdictStore(None))


def by_description(report: dict) -> dict[tuple, dict]:
    return {(m["file"].split("/")[-1], m["line"], m["description"]): m for m in report["mutants"]}


def test_removing_an_example_lets_a_mutant_survive_and_the_proposed_block_kills_it(tmp_path):
    rules = bac4_rules(tmp_path)
    before = by_description(report_of(rules))
    three_years = ("bac4.cnr", 11, "expérience exigée : 35 mois au lieu de 36 mois (3 ans)")
    assert before[three_years]["status"] == "killed"
    assert before[three_years]["killed_by"] == [BAC4_35]

    bac4 = rules / "cnam-na" / "bac4.cnr"
    bac4.write_text(without_example(bac4.read_text(encoding="utf-8"), BAC4_35), encoding="utf-8")
    after = by_description(report_of(rules))
    survivor = after[three_years]
    assert survivor["status"] == "survived" and survivor["killed_by"] == []
    block = survivor["proposed_example"]
    # The plainest candidate told apart, in whole years: the rules ask 24 more months, the mutant 23.
    assert block == ("exemple « bac+4 : 12 mois hors domaine »\n  pour bac+4\n  expérience de 12 mois hors domaine\n"
                     "  attendu manque 24 mois")

    bac4.write_text(bac4.read_text(encoding="utf-8") + "\n" + block + "\n", encoding="utf-8")
    pasted = by_description(report_of(rules))
    title = re.match(r"exemple « (.*) »", block).group(1)
    assert pasted[three_years]["status"] == "killed"
    assert title in pasted[three_years]["killed_by"]
    assert run_cnam("check", "--rules", str(rules)).returncode == 0


REDUNDANT = """\
source essai
  titre « Source d'essai »

diplôme bac+3 « Titre de niveau II, Bac+3 »

diplôme bac+4 « Titre de niveau II, Bac+4 »

voie deux-ans pour bac+3
  selon « Deux ans d'expérience professionnelle. »
  exige expérience d'au moins 2 ans

reprise bac+4 comme bac+3
  selon « Les titres de niveau II. »

voie salariee pour bac+4
  selon « Deux ans d'expérience salariée, à temps plein. »
  exige expérience salariée, à temps plein, d'au moins 2 ans

exemple « Bac+4 : deux ans »
  pour bac+4
  expérience de 24 mois hors domaine, non salariée
  attendu satisfait
"""
ONE_YEAR = """
exemple « Bac+4 : un an »
  pour bac+4
  expérience de 12 mois hors domaine
  attendu manque 12 mois
"""


@pytest.fixture
def redundant(tmp_path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "essai.cnr").write_text(REDUNDANT + ONE_YEAR, encoding="utf-8")
    return rules


def test_a_qualifier_a_reprise_makes_redundant_is_equivalent_never_a_survivor(redundant):
    mutants = by_description(report_of(redundant))
    salaried = mutants[("essai.cnr", 17, "expérience : « salariée » retiré (expérience professionnelle, "
                                         "salariée ou non)")]
    assert salaried["status"] == "equivalent"
    assert salaried["proposed_example"] is None
    assert mutants[("essai.cnr", 17, "expérience : « à temps plein » retiré")]["status"] == "equivalent"
    # The pathway the reprise covers can go; the one it copies cannot.
    assert mutants[("essai.cnr", 15, "voie « salariee » supprimée (bac+4)")]["status"] == "equivalent"
    assert mutants[("essai.cnr", 8, "voie « deux-ans » supprimée (bac+3)")]["status"] == "killed"


def test_survivors_are_not_proved_equivalent_and_come_with_an_example(redundant):
    (redundant / "essai.cnr").write_text(REDUNDANT, encoding="utf-8")  # the 24 months example only
    report = report_of(redundant)
    mutants = by_description(report)
    assert mutants[("essai.cnr", 10, "expérience exigée : 25 mois au lieu de 24 mois (2 ans)")]["status"] == "killed"
    shorter = mutants[("essai.cnr", 10, "expérience exigée : 23 mois au lieu de 24 mois (2 ans)")]
    assert shorter["status"] == "survived"
    # The plainest candidate told apart: no experience at all (the rules ask 24 months, the mutant 23).
    assert shorter["proposed_example"] == ("exemple « bac+3 : aucune expérience »\n  pour bac+3\n"
                                           "  attendu manque 24 mois")
    assert report["counts"]["survived"] == sum(m["status"] == "survived" for m in report["mutants"]) > 0


def test_every_proposed_example_holds_under_the_rules_and_fails_under_its_mutant(redundant):
    rules = Rules.load(redundant)
    mutants = mutants_of(rules.base)
    for entry, mutant in zip(report_of(redundant)["mutants"], mutants):
        if entry["status"] != "survived" or not entry["proposed_example"]:
            continue
        example = parsed_example(rules.base, "essai", entry["proposed_example"])
        assert check_example(rules.engine, example) == [], entry
        from cnam_dsl.solve import Engine

        assert check_example(Engine(mutant.base, fast=False), example) != [], entry


OPERATORS = """\
source essai
  titre « Source d'essai »

diplôme licence « Licence »

diplôme ingenieur « Titre d'ingénieur »
  jalons délivrance, candidature et probatoire

voie stage pour licence
  selon « Trois ans, et un stage de 6 mois dans la spécialité avec rapport, modulable par le jury. »
  exige expérience de niveau suffisant, d'au moins 3 ans
  exige un stage de 6 mois, dans le domaine, avec rapport
  durée modulable par le jury, sans descendre sous 3 mois
    selon « Trois ans, et un stage de 6 mois dans la spécialité avec rapport, modulable par le jury. »

voie domaine pour ingenieur
  selon « Deux ans dans le domaine. »
  jalons probatoire et délivrance
  exige expérience dans le domaine, d'au moins 2 ans
  en vigueur du 2020-01-01 au 2030-12-31

exemple « Licence : trois ans »
  pour licence
  expérience de 36 mois hors domaine
  attendu stage de 3 à 6 mois
"""


def test_operators_make_the_documented_mutants(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "essai.cnr").write_text(OPERATORS, encoding="utf-8")
    found = {(m.operator, m.line, m.description) for m in mutants_of(Rules.load(rules).base)}
    expected = {
        ("duration", 11, "expérience exigée : 24 mois (2 ans) au lieu de 36 mois (3 ans)"),
        ("duration", 11, "expérience exigée : 48 mois (4 ans) au lieu de 36 mois (3 ans)"),
        ("qualifier", 11, "expérience : « de niveau suffisant » retiré"),
        ("duration", 12, "stage : 5 mois au lieu de 6 mois"),
        ("duration", 12, "stage : 18 mois au lieu de 6 mois"),
        ("qualifier", 12, "stage : « dans le domaine » retiré"),
        ("qualifier", 12, "stage : « avec rapport » retiré"),
        ("duration", 13, "modulation : plancher de 2 mois au lieu de 3 mois"),
        ("decider", 13, "durée du stage fixée par le Cnam au lieu du jury"),
        ("modulation_floor", 13, "modulation sans plancher (« sans descendre sous 3 mois » retiré)"),
        ("pathway", 9, "voie « stage » supprimée (licence)"),
        ("milestones", 18, "voie « domaine » : jalon « examen probatoire » retiré"),
        ("milestones", 18, "voie « domaine » : jalon « délivrance du diplôme » retiré"),
        ("validity", 20, "période de validité élargie : début le 2019-01-01 au lieu du 2020-01-01"),
        ("validity", 20, "période de validité réduite : fin le 2029-12-31 au lieu du 2030-12-31"),
    }
    assert expected <= found
    # Nothing the checker would refuse: no length of 0, no floor above the internship's length.
    assert not {d for op, _, d in found if op == "duration" and ("-" in d or d.startswith("0 mois"))}
    assert ("duration", 13, "modulation : plancher de 15 mois au lieu de 3 mois") not in found
    assert ("duration", 12, "stage : 2 mois au lieu de 3 mois") not in found


def test_a_reprise_and_the_pathway_it_copies_change_together():
    rules = Rules.load()
    mutant = next(m for m in mutants_of(rules.base)
                  if m.file.endswith("cnam-na/ingenieur.cnr") and m.operator == "duration" and m.line == 12
                  and m.description.startswith("expérience exigée : 23 mois"))
    copies = [p for p in mutant.base.pathways if p.diploma == "psychologue-travail" and p.name == "ingenieur-domaine"]
    assert copies and copies[0].experience[0].least == 23
    deleted = next(m for m in mutants_of(rules.base) if m.operator == "pathway" and "reprise" in m.description
                   and m.file.endswith("cnam-na/ingenieur.cnr"))
    assert {p.diploma for p in rules.base.pathways} - {p.diploma for p in deleted.base.pathways} \
        == {"psychologue-travail"}


def test_verdicts_are_remembered_and_judged_again_only_where_the_rules_change(redundant, tmp_path):
    store = tmp_path / "cache"
    first = report_of(redundant, VerdictStore(store))
    assert first["judged"] == first["counts"]["total"] > 0
    again = report_of(redundant, VerdictStore(store))
    assert again["judged"] == 0 and again["mutants"] == first["mutants"]
    text = (redundant / "essai.cnr").read_text(encoding="utf-8")
    (redundant / "essai.cnr").write_text(text.replace("attendu manque 12 mois", "attendu manque 12 mois\n\n"
                                                      "exemple « Bac+3 : 23 mois »\n  pour bac+3\n"
                                                      "  expérience de 23 mois hors domaine\n"
                                                      "  attendu manque 1 mois"), encoding="utf-8")
    changed = report_of(redundant, VerdictStore(store))
    assert 0 < changed["judged"] <= changed["counts"]["total"]
    shorter = by_description(changed)[("essai.cnr", 10, "expérience exigée : 23 mois au lieu de 24 mois (2 ans)")]
    assert shorter["killed_by"] == ["Bac+4 : un an", "Bac+3 : 23 mois"]


def test_worker_processes_give_the_same_report(redundant):
    assert report_of(redundant, jobs=2)["mutants"] == report_of(redundant, jobs=1)["mutants"]


def test_a_solver_that_gives_up_is_an_error_never_a_kill(redundant):
    rules = Rules.load(redundant)
    mutant = mutants_of(rules.base)[0]
    with pytest.raises(SolverError):
        judge(rules, mutant, backend=Forced(Unknown("délai dépassé (test)")))


VAE = """\
source essai
  titre « Source d'essai »

vae recevabilite
  selon « Un an d'expérience en lien direct, salariée ou bénévole. »
  exige expérience en lien direct, salariée, non salariée, bénévole ou syndicale, d'au moins 1 an
  en vigueur depuis le 2023-12-27

exemple « Un an »
  certification LP110504 en 2026
  expérience de 12 mois dans le domaine
  attendu recevable
"""


def test_vae_mutants_get_a_vae_example(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "essai.cnr").write_text(VAE, encoding="utf-8")
    mutants = by_description(report_of(rules))
    shorter = mutants[("essai.cnr", 6, "expérience exigée : 11 mois au lieu de 12 mois (1 an)")]
    assert shorter["status"] == "survived"
    assert shorter["proposed_example"] == ("exemple « VAE LP110504 en 2026 : 11 mois dans le domaine »\n"
                                           "  certification LP110504 en 2026\n"
                                           "  expérience de 11 mois dans le domaine\n  attendu manque 1 mois")
    narrower = mutants[("essai.cnr", 7, "période de validité réduite : début le 2024-12-27 au lieu du 2023-12-27")]
    assert "certification LP110504 en 2023" in narrower["proposed_example"]
    wider = mutants[("essai.cnr", 7, "période de validité élargie : début le 2022-12-27 au lieu du 2023-12-27")]
    assert wider["status"] == "survived"
    assert wider["proposed_example"] == ("exemple « VAE LP110504 en 2022 : la source n'énonce rien »\n"
                                         "  certification LP110504 en 2022\n  attendu non applicable")


def test_a_milestone_the_source_says_nothing_about_is_told_by_a_not_applicable_example(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "essai.cnr").write_text(OPERATORS, encoding="utf-8")
    mutants = by_description(report_of(rules))
    added = mutants[("essai.cnr", 18, "voie « domaine » : jalon « candidature » ajouté")]
    assert added["status"] == "survived"
    block = added["proposed_example"]
    assert block == ("exemple « ingenieur au jalon candidature : la source n'énonce rien »\n"
                     "  pour ingenieur au jalon candidature\n  attendu non applicable")
    (rules / "essai.cnr").write_text(OPERATORS + "\n" + block + "\n", encoding="utf-8")
    assert by_description(report_of(rules))[("essai.cnr", 18, "voie « domaine » : jalon « candidature » ajouté")][
        "killed_by"] == ["ingenieur au jalon candidature : la source n'énonce rien"]


def test_cnam_check_mutants_on_the_command_line(redundant):
    (redundant / "essai.cnr").write_text(REDUNDANT, encoding="utf-8")  # the 24 months example only
    result = run_cnam("check", "--rules", str(redundant), "--mutants", "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["diagnostics"] == [] or all(d["severity"] != "error" for d in report["diagnostics"])
    entry = report["mutants"][0]
    assert set(entry) >= {"operator", "file", "line", "description", "status", "killed_by", "proposed_example"}
    assert report["mutant_counts"]["survived"] > 0
    failing = run_cnam("check", "--rules", str(redundant), "--fail-on-survivors")
    assert failing.returncode == 1
    assert "Survivants : aucun exemple ne les distingue des règles." in failing.stdout
    assert "Exemple proposé" in failing.stdout


def test_no_mutants_for_rules_with_errors(redundant):
    (redundant / "essai.cnr").write_text(REDUNDANT + ONE_YEAR.replace("manque 12 mois", "satisfait"),
                                         encoding="utf-8")
    result = run_cnam("check", "--rules", str(redundant), "--mutants")
    assert result.returncode == 1
    assert "non calculés, la base de règles a des erreurs" in result.stdout


@pytest.mark.parametrize("statements, problem", [
    ("pour ingenieur au jalon candidature\n  attendu non applicable", None),
    ("pour ingenieur au jalon probatoire\n  attendu non applicable",
     "attendu « non applicable » (la source n'énoncerait rien pour cette question), les règles donnent « manque »"),
    ("pour ingenieur au jalon candidature\n  attendu satisfait", "sans réponse"),
    ("pour ingenieur au jalon candidature\n  attendu non applicable\n  attendu examen anticipé possible",
     "« examen anticipé » ne peut pas y être vérifié"),
])
def test_an_example_may_say_that_its_source_states_nothing(tmp_path, statements, problem):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "essai.cnr").write_text(OPERATORS + f"\nexemple « Essai »\n  {statements}\n", encoding="utf-8")
    result = run_cnam("check", "--rules", str(rules), "--format", "json")
    errors = [d["message"] for d in json.loads(result.stdout) if d["severity"] == "error"]
    if problem is None:
        assert result.returncode == 0 and errors == []
    else:
        assert result.returncode == 1 and len(errors) == 1 and problem in errors[0], errors


def test_who_decides_is_told_by_an_example_that_says_it(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "essai.cnr").write_text(OPERATORS, encoding="utf-8")
    decider = ("essai.cnr", 13, "durée du stage fixée par le Cnam au lieu du jury")
    survivor = by_description(report_of(rules))[decider]
    assert survivor["status"] == "survived"
    assert survivor["proposed_example"].endswith("  attendu stage de 3 à 6 mois, durée décidée par le jury")
    said = OPERATORS.replace("  attendu stage de 3 à 6 mois\n", "  attendu stage de 3 à 6 mois, durée décidée par le jury\n")
    (rules / "essai.cnr").write_text(said, encoding="utf-8")
    assert by_description(report_of(rules))[decider]["killed_by"] == ["Licence : trois ans"]
    (rules / "essai.cnr").write_text(said.replace("décidée par le jury\n", "décidée par le Cnam\n"), encoding="utf-8")
    result = run_cnam("check", "--rules", str(rules), "--format", "json")
    errors = [d["message"] for d in json.loads(result.stdout) if d["severity"] == "error"]
    assert errors == ["exemple « Licence : trois ans » : durée du stage attendue fixée par le Cnam, les règles la "
                      "font fixer par le jury"]


# Survivors the shipped rules cannot kill yet, each with why (a mutant an engine change would let an example
# tell apart: the test below then fails and prints the examples to paste, to read against the source).
KNOWN_SURVIVORS: set[tuple[str, int, str]] = set()  # none: every mutant of the shipped base is killed


@pytest.mark.slow
def test_the_shipped_rule_base_kills_every_mutant(tmp_path):
    """CI: `cnam check --mutants --fail-on-survivors` on the shipped rules."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CNAM_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-m", "cnam_dsl", "check", "--mutants", "--fail-on-survivors",
                             "--format", "json"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert [d for d in report["diagnostics"] if d["severity"] == "error"] == []
    survivors = {(m["file"], m["line"], m["description"]): m for m in report["mutants"] if m["status"] == "survived"}
    unexpected = "\n\n".join(f"{f}:{line}: {d}\n{m['proposed_example'] or m['note']}"
                             for (f, line, d), m in survivors.items() if (f, line, d) not in KNOWN_SURVIVORS)
    assert not unexpected, f"mutants qu'aucun exemple ne tue :\n\n{unexpected}"
    assert set(survivors) == KNOWN_SURVIVORS, "ces survivants connus sont désormais tués : videz KNOWN_SURVIVORS"
    killable = "\n\n".join(m["proposed_example"] for m in survivors.values() if m["proposed_example"])
    assert not killable, f"un exemple peut désormais tuer un survivant connu ; collez-le et videz KNOWN_SURVIVORS :\n\n{killable}"
    assert result.returncode == (1 if survivors else 0)
