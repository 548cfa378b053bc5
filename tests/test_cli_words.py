"""The command line's own words: argparse's help and errors in French, `cnam --version`, and one French line
naming the extra to install when a command's optional module is missing."""

from __future__ import annotations

import argparse
import ast
import re
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, run_cnam
from cnam_dsl.argparse_fr import BUILD_ERRORS, CATALOG, french
from cnam_dsl.cli import build_parser

ALICE = str(ROOT / "examples" / "alice.yaml")
COMMANDS = ["check", "missing", "interview", "vae", "fmt", "lsp", "serve", "diff", "batch", "examples", "docs", "docs build",
            "docs serve"]
ENGLISH = re.compile(r"usage:|positional arguments|options:|show this|help message|\berror\b|\brequired\b|"
                     r"invalid choice|choose from|expected one|unrecognized")


def argparse_message_ids() -> set[str]:
    """Every message id the running Python's argparse passes to gettext (`_('…')`, `ngettext('…', '…')`)."""
    tree = ast.parse(Path(argparse.__file__).read_text(encoding="utf-8"))
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
            ids |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return ids


def test_every_message_argparse_can_show_a_user_is_translated():
    ids = argparse_message_ids()
    assert {"usage: ", "unrecognized arguments: %s", "show this help message and exit"} <= ids
    assert ids - BUILD_ERRORS - set(CATALOG) == set()


def test_the_catalog_uses_only_each_message_s_placeholders():
    placeholder = re.compile(r"%(\(\w+\))?[sr]")
    for msgid, text in CATALOG.items():
        assert set(placeholder.findall(text)) <= set(placeholder.findall(msgid)), msgid


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_every_help_is_french(command):
    result = run_cnam(*command.split(), "--help")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith(f"utilisation : cnam {command}".rstrip() + " ")
    assert "options :" in result.stdout and "afficher cette aide et quitter" in result.stdout
    assert not ENGLISH.search(result.stdout), ENGLISH.search(result.stdout)


@pytest.mark.parametrize(("argv", "line"), [
    (["missing"], "arguments obligatoires manquants : --diploma, --profile"),
    (["missing", "--diploma"], "option --diploma : une valeur est attendue"),
    (["check", "--format", "yaml"], "option --format : choix invalide « yaml » ; attendu l'un de : text, json"),
    (["frob"], "argument COMMANDE : choix invalide « frob » ; attendu l'un de : check, missing, interview, vae, fmt, "
               "lsp, serve, diff, batch, examples, docs, record, records"),
    (["docs"], "arguments obligatoires manquants : ACTION"),
    (["missing", "--port", "3", "--diploma", "licence", "--profile", ALICE], "arguments non reconnus : --port 3"),
    (["--verbose"], "arguments non reconnus : --verbose"),
    (["serve", "--port", "http"], "option --port : port invalide « http » ; attendu un entier entre 1 et 65535"),
    (["diff", "--date", "hier"], "option --date : date invalide « hier » ; attendu AAAA-MM-JJ"),
])
def test_argparse_errors_are_one_french_line(argv, line):
    result = run_cnam(*argv)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"cnam: erreur: {line}\n")


def test_messages_formatted_by_argparse_are_translated_whole():
    assert french("ambiguous option: --d could match --diploma, --date") == \
        "option ambiguë --d : elle peut désigner --diploma, --date"
    assert french("argument --jobs: expected 2 arguments") == "option --jobs : 2 valeurs attendues"
    assert french("argument CHEMIN: invalid Path value: '\\x00'") == "argument CHEMIN : valeur invalide « \x00 »"
    assert french("a message of the program itself") == "a message of the program itself"


def test_an_ambiguous_abbreviation_is_reported_in_french():
    result = run_cnam("diff", "--against", "x", "--a", "y")
    assert result.returncode == 2
    assert result.stderr.startswith("cnam: erreur: option ambiguë --a : elle peut désigner ")


def test_version_is_the_package_s():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = run_cnam("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"cnam {declared}\n", "")
    assert "--version" in build_parser().format_help()


# ---------------------------------------------------------------- optional modules


@pytest.mark.parametrize(("argv", "module", "line"), [
    (["docs", "build"], "pygments", "cnam docs build demande le module pygments, absent : pip install 'cnam-dsl[docs]'"),
    (["docs", "serve"], "material", "cnam docs serve demande le module material, absent : pip install 'cnam-dsl[docs]'"),
    (["docs", "build"], "mkdocs", "cnam docs build demande le module mkdocs, absent : pip install 'cnam-dsl[docs]'"),
    (["lsp"], "pygls", "cnam lsp demande le module pygls, absent : pip install 'cnam-dsl[lsp]'"),
    (["lsp"], "lsprotocol", "cnam lsp demande le module lsprotocol, absent : pip install 'cnam-dsl[lsp]'"),
    (["serve"], "uvicorn", "cnam serve demande le module uvicorn, absent : réinstallez cnam-dsl (pip install cnam-dsl)"),
    (["missing", "--diploma", "licence", "--profile", ALICE], "yaml",
     "cnam missing demande le module yaml, absent : réinstallez cnam-dsl (pip install cnam-dsl)"),
    (["batch", "--input", ALICE], "orjson",
     "cnam batch demande le module orjson, absent : réinstallez cnam-dsl (pip install cnam-dsl)"),
])
def test_a_missing_module_is_one_french_line_naming_what_to_install(argv, module, line, tmp_path):
    """The module is made unimportable in the child process only (`sys.modules[name] = None`), as if the
    package had been installed without it."""
    import subprocess

    script = (f"import sys\nsys.modules[{module!r}] = None\nfrom cnam_dsl.cli import main\n"
              "sys.exit(main(sys.argv[1:]))\n")
    result = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, cwd=ROOT,
                            timeout=300, stdin=subprocess.DEVNULL, env={**__import__("os").environ,
                                                                       "CNAM_CACHE_DIR": str(tmp_path)})
    assert (result.returncode, result.stderr) == (2, f"cnam: erreur: {line}\n")
    assert "Traceback" not in result.stdout


# ---------------------------------------------------------------- French typography


def test_a_conflict_lists_its_facts_with_a_space_before_each_semicolon(tmp_path):
    candidate = tmp_path / "conflit.yaml"
    candidate.write_text("experiences:\n  - {months: 36, field: out}\ndecided_internship_months: 1\n", encoding="utf-8")
    result = run_cnam("missing", "--diploma", "licence", "--source", "cnam-eleves", "--profile", str(candidate),
                      "--date", "2026-01-01")
    assert result.returncode == 0 and "Faits en cause : " in result.stdout
    assert "0 mois ; expérience dans le domaine" in result.stdout
    assert not re.search(r"\S[;:] ", result.stdout.replace("http://", "")), re.search(r".{30}\S[;:] ", result.stdout)


def test_several_bad_options_are_separated_the_french_way():
    result = run_cnam("missing", "--diploma", "doctorat", "--date", "hier", "--profile", "-", stdin="{}")
    assert result.returncode == 2
    assert result.stderr.startswith('cnam: erreur: --date : date invalide "hier" ; attendu AAAA-MM-JJ, entre 1900 '
                                    "et 2200 ; --diploma : diplôme inconnu « doctorat » ; attendu l'un de : ")
