"""The same question gets the same answer, byte for byte, from one run to the next.

Z3's models depend on the order of the terms it is given, and on the terms made
before in the same process. Iterating a set of strings while building them (its
order changes with Python's string hashing, `PYTHONHASHSEED`), or skipping work
because the cache already holds it (proved closed forms), used to change the
witnesses `cnam diff` prints from one run to the next. Each command here runs
twice in a subprocess: with hash seed 1 and an empty cache, then with hash
seed 2 and the cache the first run filled.
"""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

DAY = "2026-01-01"
SEEDS = ("1", "2")
# A jury decision below the floor the rules allow: the answer is a conflict, explained by an unsat core.
CONFLICT = "decided_internship_months: 2\nexperiences:\n  - months: 40\n    field: out\n"
PAIR = ["--source", "cnam-na", "--source", "cnam-eleves", "--date", DAY]
COMMANDS = {
    "diff-json": ["diff", *PAIR, "--format", "json"],
    "diff-text": ["diff", *PAIR, "--format", "text"],
    "check-json": ["check", "--format", "json"],
    "examples": ["examples", "--diploma", "licence"],
    "missing": ["missing", "--diploma", "licence", "--profile", "examples/alice.yaml", "--date", DAY,
                "--format", "json"],
    "conflict": ["missing", "--diploma", "licence", "--profile", "{conflict}", "--date", DAY, "--format", "json"],
    "vae": ["vae", "--certification", "LP110504", "--profile", "examples/alice.yaml", "--year", "2026",
            "--format", "json"],
}


def _cnam(args: list[str], seed: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": seed, "CNAM_CACHE_DIR": str(cache)}
    env.pop("CNAM_NO_CACHE", None)
    return subprocess.run([sys.executable, "-m", "cnam_dsl", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600)


def _twice(name: str, args: list[str], folder: Path) -> list[subprocess.CompletedProcess]:
    """The command run with each seed in turn, the first with an empty cache, the next with what it left."""
    cache = folder / f"cache-{name}"
    return [_cnam(args, seed, cache) for seed in SEEDS]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, list[subprocess.CompletedProcess]]:
    """Every command's runs (the commands side by side: they take a minute one after the other)."""
    folder = tmp_path_factory.mktemp("determinism")
    profile = folder / "conflict.yaml"
    profile.write_text(CONFLICT, encoding="utf-8")
    commands = {name: [a.replace("{conflict}", str(profile)) for a in args] for name, args in COMMANDS.items()}
    with ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as pool:
        futures = {name: pool.submit(_twice, name, args, folder) for name, args in commands.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_two_runs_print_the_same_bytes(runs, name):
    first, second = runs[name]
    for run in (first, second):
        assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    if first.stdout != second.stdout:
        changed = "".join(difflib.unified_diff(first.stdout.splitlines(True), second.stdout.splitlines(True),
                                               f"PYTHONHASHSEED={SEEDS[0]}, cache vide",
                                               f"PYTHONHASHSEED={SEEDS[1]}, cache rempli", n=2))
        pytest.fail(f"`cnam {' '.join(COMMANDS[name])}` prints something else on the second run:\n"
                    + changed[:4000])
    assert first.stderr == second.stderr


def test_the_commands_answer_what_they_are_asked(runs):
    """The runs compared are real answers: divergences, and a conflict for the jury decision."""
    assert '"divergences": [\n    {' in runs["diff-json"][0].stdout
    assert '"status": "conflict"' in runs["conflict"][0].stdout
    assert "exemple « " in runs["examples"][0].stdout


def test_a_comparison_does_not_depend_on_the_searches_before_it(base):
    """In one process, the divergences of a diploma are the same searched first or after others (which
    leave other terms in Z3's context, as the proofs of closed forms do when the cache lacks them)."""
    from datetime import date

    from cnam_dsl.analysis.diff import Comparison, Party, RuleSet, divergences_of
    from cnam_dsl.solve import Engine

    on = date(2026, 1, 1)
    rules = RuleSet("r", base, Engine(base))

    def divergences(diploma: str) -> list[dict]:
        return divergences_of(Comparison(diploma, "delivery", Party("cnam-na", rules, "cnam-na"),
                                         Party("cnam-eleves", rules, "cnam-eleves")), on)

    alone = divergences("bac+4")
    for diploma in ("bac+2", "licence"):
        divergences(diploma)
    assert divergences("bac+4") == alone
