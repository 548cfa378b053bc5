"""`cnam batch` for people: answers in French with `--format text`, the impact of a change of rules in French,
two copies of a rule base compared file for file (not by where they lie); `cnam diff` of sources that share
nothing says so."""

from __future__ import annotations

import json
import shutil

from conftest import ROOT, run_cnam

LINES = [
    {"command": "missing", "diploma": "licence", "date": "2026-01-01",
     "profile": {"name": "Léa Moreau", "experiences": [{"months": 36, "field": "out"}]}},
    {"command": "vae", "certification": "LP110504", "year": 2026, "profile": {"name": "Bruno"}},
    {"command": "missing", "diploma": "doctorat", "profile": {}},
]
COHORT = "".join(json.dumps(line) + "\n" for line in LINES)


def test_batch_text_is_each_answer_in_french_under_its_line_number(tmp_path):
    result = run_cnam("batch", "--input", "-", "--format", "text", stdin=COHORT)
    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\n\n== ")
    assert result.stdout.startswith("== Ligne 1\nCandidat : Léa Moreau\nDiplôme : Licence, parcours complet")
    assert "L'expérience du candidat suffit à condition d'effectuer un stage." in blocks[0]
    assert blocks[1].startswith("Ligne 2\nCandidat : Bruno\nCertification : LP110504 (Licence Commerce, Vente, Marketing) — année 2026")
    assert blocks[2] == "Ligne 3\nerreur : diploma : diplôme inconnu « doctorat » ; attendu l'un de : bac+2, " \
                        "bac+3, bac+4, certificat, ingenierie-formation, ingenieur, licence, licence-l3, " \
                        "psychologue-travail\n\n"
    assert "{" not in result.stdout


def test_batch_without_format_writes_json_lines():
    result = run_cnam("batch", "--input", "-", stdin=COHORT)
    assert [sorted(json.loads(line))[:2] for line in result.stdout.splitlines()][2] == ["error", "line"]


def test_two_copies_of_a_rule_base_give_the_same_answers(tmp_path):
    copy = tmp_path / "copie-des-regles"
    shutil.copytree(ROOT / "rules", copy)
    result = run_cnam("batch", "--input", "-", "--against", str(copy), stdin=COHORT)
    assert (result.returncode, result.stdout) == (0, "0 réponse(s) changent sur 3 candidat(s).\n"), result.stderr


def test_the_impact_of_a_change_is_in_french(tmp_path):
    rules = tmp_path / "nouvelles"
    shutil.copytree(ROOT / "rules", rules)
    licence = rules / "cnam-eleves" / "licence.cnr"
    licence.write_text(licence.read_text(encoding="utf-8").replace("sans descendre sous 3 mois",
                                                                   "sans descendre sous 4 mois"), encoding="utf-8")
    result = run_cnam("batch", "--input", "-", "--against", str(rules), stdin=COHORT)
    assert result.returncode == 0
    assert result.stdout == ("1 réponse(s) changent sur 3 candidat(s).\n"
                             "- montants : durée minimale du stage : 1\n"
                             "    ligne 1 : stage de 3 à 6 mois → stage de 4 à 6 mois\n")
    assert "cnam: avertissement: nouvelles/cnam-eleves/licence.cnr:" in result.stderr  # its example at 3 months


def test_diff_of_sources_that_share_no_diploma_says_so():
    result = run_cnam("diff", "--source", "cnam-na", "--source", "vae-bfc", "--date", "2026-01-01")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "cnam: erreur: --source : les sources cnam-na et vae-bfc n'énoncent d'exigence pour aucun diplôme commun à "
        "la date du 2026-01-01, rien à comparer (cnam-na : bac+2, bac+4, certificat, ingenieur, licence, "
        "licence-l3, psychologue-travail ; vae-bfc : aucun diplôme (règles de recevabilité VAE seulement, que "
        "cnam diff ne compare pas))\n")
    other = run_cnam("diff", "--source", "referentiel-formation", "--source", "cnam-eleves", "--date", "2026-01-01")
    assert other.returncode == 2 and "aucun diplôme commun" in other.stderr
