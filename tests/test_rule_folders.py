"""Which rule base a command uses: a missing or empty folder is refused by every command, a copy of the rule
base is a rule base of its own, and a rule base whose worked examples fail is not used."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, run_cnam

ALICE = str(ROOT / "examples" / "alice.yaml")
COHORT_LINE = json.dumps({"command": "missing", "diploma": "licence", "date": "2026-01-01",
                          "profile": {"experiences": [{"months": 36, "field": "out"}]}})

# Every command that reads a rule base, with the options it needs besides --rules.
COMMANDS = {
    "check": [],
    "missing": ["--diploma", "licence", "--profile", ALICE],
    "vae": ["--certification", "LP110504", "--profile", ALICE, "--year", "2026"],
    "fmt": ["--check"],
    "lsp": [],
    "serve": ["--port", "1"],
    "diff": ["--source", "cnam-na", "--source", "cnam-eleves"],
    "batch": ["--input", "-"],
    "examples": ["--diploma", "licence"],
    "docs build": [],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_rule_folder_is_refused_by_every_command(command, tmp_path):
    missing = tmp_path / "no" / "such"
    result = run_cnam(*command.split(), "--rules", str(missing), *COMMANDS[command], stdin=COHORT_LINE)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"cnam: erreur: dossier de règles introuvable : {missing}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_a_rule_folder_without_rule_files_is_refused_by_every_command(command, tmp_path):
    (tmp_path / "notes.txt").write_text("pas de règles ici", encoding="utf-8")
    result = run_cnam(*command.split(), "--rules", str(tmp_path), *COMMANDS[command], stdin=COHORT_LINE)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"cnam: erreur: aucun fichier .cnr dans {tmp_path}\n"


def test_a_newer_rule_base_that_is_missing_is_refused(tmp_path):
    result = run_cnam("batch", "--input", "-", "--against", str(tmp_path / "none"), stdin=COHORT_LINE)
    assert result.returncode == 2 and result.stderr == f"cnam: erreur: dossier de règles introuvable : {tmp_path / 'none'}\n"


def test_check_refuses_a_path_that_is_missing_or_holds_no_rule_file(tmp_path):
    result = run_cnam("check", str(tmp_path / "absent.cnr"))
    assert result.returncode == 2 and result.stderr == f"cnam: erreur: fichier ou dossier introuvable : {tmp_path / 'absent.cnr'}\n"
    result = run_cnam("check", str(tmp_path))
    assert result.returncode == 2 and result.stderr == f"cnam: erreur: aucun fichier .cnr dans {tmp_path}\n"


# ---------------------------------------------------------------- copies of the rule base


def test_a_copy_of_the_rule_base_is_checked_as_a_rule_base_of_its_own(tmp_path):
    copy = tmp_path / "copie"
    shutil.copytree(ROOT / "rules", copy)
    result = run_cnam("check", str(copy))
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "15 fichier(s) vérifié(s) : 0 erreur(s), 0 avertissement(s)."


def test_a_source_folder_of_a_copy_is_checked_in_the_copy(tmp_path):
    copy = tmp_path / "copie"
    shutil.copytree(ROOT / "rules", copy)
    (copy / "diplomes.cnr").write_text((copy / "diplomes.cnr").read_text(encoding="utf-8").replace(
        "diplôme licence ", "diplôme licence-copie « Licence de la copie »\n\ndiplôme licence ", 1), encoding="utf-8")
    result = run_cnam("check", str(copy / "cnam-na"))
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == ("6 fichier(s) vérifié(s), dans le contexte de 1 autre(s) : "
                                              "0 erreur(s), 0 avertissement(s).")


def test_a_copied_source_folder_alone_uses_its_own_source_description(tmp_path):
    shutil.copytree(ROOT / "rules" / "cnam-na", tmp_path / "cnam-na")
    result = run_cnam("check", str(tmp_path / "cnam-na"))
    assert result.returncode == 0, result.stdout
    assert "déjà décrit" not in result.stdout


def test_one_file_of_the_rule_base_is_checked_without_the_examples_of_the_files_around_it():
    result = run_cnam("check", "rules/cnam-na/bac2.cnr")
    assert result.returncode == 0, result.stdout
    assert result.stdout == ("1 fichier(s) vérifié(s), dans le contexte de 2 autre(s) : 0 erreur(s), "
                             "0 avertissement(s).\n")


def test_a_folder_inside_the_rule_base_is_not_checked_twice():
    result = run_cnam("check", "rules", "rules/cnam-na")
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "15 fichier(s) vérifié(s) : 0 erreur(s), 0 avertissement(s)."


# ---------------------------------------------------------------- worked examples


@pytest.fixture
def failing_example(tmp_path):
    """A copy of the rule base where one worked example expects what the rules do not give: (folder, line)."""
    rules = tmp_path / "regles"
    shutil.copytree(ROOT / "rules", rules)
    bac2 = rules / "cnam-na" / "bac2.cnr"
    lines = bac2.read_text(encoding="utf-8").splitlines()
    line = lines.index("  attendu manque 1 mois") + 1
    lines[line - 1] = "  attendu manque 2 mois"
    bac2.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rules, line


def test_a_rule_base_whose_example_fails_is_not_used(failing_example):
    rules, line = failing_example
    result = run_cnam("missing", "--rules", str(rules), "--diploma", "licence", "--profile", ALICE)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"cnam: erreur: regles/cnam-na/bac2.cnr:{line}:3: un exemple de la base de "
                                    "règles ne tient pas (exemple « ")
    assert result.stderr.endswith(f"il manque 1 mois selon les règles, 2 attendus) ; lancez « cnam check --rules "
                                  f"{rules} »\n")
    again = run_cnam("vae", "--rules", str(rules), "--certification", "LP110504", "--profile", ALICE)
    assert (again.returncode, again.stderr) == (2, result.stderr)  # the verdict remembered gives the same line
    check = run_cnam("check", "--rules", str(rules))
    assert check.returncode == 1 and f"regles/cnam-na/bac2.cnr:{line}:3: erreur: exemple « " in check.stdout


def test_a_rule_base_whose_example_fails_is_refused_by_the_batch(failing_example):
    rules, _ = failing_example
    result = run_cnam("batch", "--rules", str(rules), "--input", "-", stdin=COHORT_LINE)
    assert result.returncode == 2 and "un exemple de la base de règles ne tient pas" in result.stderr


def test_the_examples_verdict_is_kept_with_the_rule_base(failing_example, tmp_path, monkeypatch):
    from cnam_dsl import cache
    from cnam_dsl.rules import ExamplesFail, Rules

    monkeypatch.setenv("CNAM_CACHE_DIR", str(tmp_path / "cache"))
    rules, _ = failing_example
    with pytest.raises(ExamplesFail) as first:
        Rules.load(rules)
    key = cache.rule_base_key(rules)
    assert [d.code for d in cache.cached_example_failures(key)] == ["E311"]
    with pytest.raises(ExamplesFail) as again:
        Rules.load(rules)
    assert str(again.value) == str(first.value)
    assert cache.cached_example_failures(cache.rule_base_key(ROOT / "rules")) is None  # not checked yet
    Rules.load(ROOT / "rules")
    assert cache.cached_example_failures(cache.rule_base_key(ROOT / "rules")) == []


def test_a_solver_that_gives_up_on_an_example_decides_nothing(tmp_path, monkeypatch):
    from cnam_dsl.language.check import load_rule_base
    from cnam_dsl.rules import Rules
    from cnam_dsl.solve.backend import Forced, Unknown

    monkeypatch.setenv("CNAM_CACHE_DIR", str(tmp_path / "cache"))
    base, _ = load_rule_base(ROOT / "rules")
    rules = Rules(base, ROOT / "rules", backend=Forced(Unknown("délai dépassé")))
    assert rules.failing_examples("0" * 64) == []
    from cnam_dsl import cache

    assert cache.cached_example_failures("0" * 64) is None


def test_new_examples_can_be_written_for_a_rule_base_whose_examples_fail(failing_example):
    rules, line = failing_example
    result = run_cnam("examples", "--rules", str(rules), "--diploma", "bac+2", "--source", "cnam-na")
    assert result.returncode == 0 and "exemple « " in result.stdout
    assert result.stderr.startswith(f"cnam: avertissement: regles/cnam-na/bac2.cnr:{line}:3: un exemple de la base "
                                    "de règles ne tient pas (exemple « ")
