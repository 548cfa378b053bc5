"""Start-up: `cnam missing` answers from the cache without pydantic, the AST or Z3, and a plain candidate
file is read without the schema into the very profile the schema gives (anything else goes to the schema).

The figure itself (process start to answer) is measured by `python bench/run.py`, not here.
"""

from __future__ import annotations

import os
import subprocess
import sys


from conftest import ROOT


COMMAND = ["-m", "cnam_dsl", "missing", "--diploma", "licence", "--profile", "examples/alice.yaml",
           "--date", "2026-01-01"]
HEAVY = ("pydantic", "pydantic_core", "lark", "z3", "cnam_dsl.language.nodes", "cnam_dsl.language.check", "cnam_dsl.language.parse")


def cnam(args: list[str], cache_dir, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CNAM_")}
    environment.update(CNAM_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=300)


def test_a_fresh_cache_a_warm_cache_and_no_cache_give_the_same_answer(tmp_path):
    fresh = cnam(COMMAND, tmp_path / "cache")
    assert fresh.returncode == 0, fresh.stderr
    assert "Alice Martin" in fresh.stdout and fresh.stderr == ""
    assert list((tmp_path / "cache").glob("rules-*.pickle")) and (tmp_path / "cache" / "proofs.json").is_file()
    warm = cnam(COMMAND, tmp_path / "cache")
    uncached = cnam(COMMAND, tmp_path / "unused", CNAM_NO_CACHE="1")
    assert (warm.returncode, warm.stdout, warm.stderr) == (0, fresh.stdout, "")
    assert (uncached.returncode, uncached.stdout, uncached.stderr) == (0, fresh.stdout, "")


def test_a_warm_answer_imports_neither_pydantic_nor_the_parser_nor_z3(tmp_path):
    assert cnam(COMMAND, tmp_path / "cache").returncode == 0  # fills the cache (rule base, proofs)
    script = ("import sys\nfrom cnam_dsl.cli import main\nstatus = main(sys.argv[1:])\n"
              f"print('\\n' + repr(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))), file=sys.stderr)\n"
              "sys.exit(status)\n")
    run = cnam(["-c", script, *COMMAND[2:]], tmp_path / "cache")
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "[]"


def test_an_invalid_file_is_reported_in_french_naming_the_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiences:\n  - {months: 3, field: in, time_share: 0}\n", encoding="utf-8")
    run = cnam(["-m", "cnam_dsl", "missing", "--diploma", "licence", "--profile", str(bad)], tmp_path / "cache")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"cnam: erreur: {bad}: experiences[0].time_share : attendu un nombre dans ]0, 1], reçu 0\n"


