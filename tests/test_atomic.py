"""Commands that write files, killed (SIGKILL) at random moments: every file is the old one or the new one."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnam_dsl.cache import read_entry, rules_key

from conftest import ROOT

pytestmark = pytest.mark.slow
KILLS = 30


def messed_up(text: str) -> str:
    """The same rules, badly laid out: odd indentation, doubled spaces (`cnam fmt` puts them back)."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith("  ") and "«" not in line and not line.lstrip().startswith("#"):
            line = "      " + line.lstrip().replace(" ", "   ", 1)
        elif line.startswith("  "):
            line = "   " + line.lstrip()
        lines.append(line)
    return "".join(lines)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def killed_after(args: list[str], delay: float, cwd: Path = ROOT, env: dict | None = None) -> int | None:
    """Run the command, SIGKILL it after `delay` seconds (by its pid); its exit code if it ended first."""
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        return None


def timed(args: list[str], cwd: Path = ROOT, env: dict | None = None) -> float:
    started = time.monotonic()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return time.monotonic() - started


def test_fmt_killed_at_any_moment_leaves_each_file_old_or_new(tmp_path):
    formatted = snapshot(ROOT / "rules")  # the shipped rules are in canonical form (test_fmt checks it)
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    for path in rules.rglob("*.cnr"):
        path.write_text(messed_up(path.read_text(encoding="utf-8")), encoding="utf-8")
    old = snapshot(rules)
    assert old != formatted
    command = [sys.executable, "-m", "cnam_dsl", "fmt", "--rules", str(rules)]
    full = timed(command)  # one full run, on a copy, to time the random kills
    rng, outcomes = random.Random(8), {"old": 0, "new": 0, "mixed": 0, "leftovers": 0}
    for _ in range(KILLS):
        shutil.rmtree(rules)
        shutil.copytree(ROOT / "rules", rules)
        for name, data in old.items():
            (rules / name).write_bytes(data)
        killed_after(command, rng.uniform(0, full * 1.1))
        now = snapshot(rules)
        leftovers = [name for name in now if name not in old]
        assert not [n for n in leftovers if n.endswith(".cnr")], leftovers
        assert all(n.rsplit("/", 1)[-1].startswith(".") and n.endswith(".tmp") for n in leftovers), leftovers
        outcomes["leftovers"] += len(leftovers)
        for name in old:
            assert now[name] in (old[name], formatted[name]), f"{name}: ni l'ancien ni le nouveau contenu"
        states = {now[name] == formatted[name] for name in old if old[name] != formatted[name]}
        outcomes["new" if states == {True} else "old" if states == {False} else "mixed"] += 1
    print(f"\ncnam fmt tué {KILLS} fois (exécution complète {full:.1f} s) : {outcomes}")
    assert outcomes["new"] + outcomes["mixed"] > 0 and outcomes["old"] + outcomes["mixed"] > 0, outcomes


def test_docs_build_killed_leaves_the_rules_untouched_and_can_be_built_again(tmp_path):
    pytest.importorskip("mkdocs")
    rules, out = tmp_path / "rules", tmp_path / "site"
    shutil.copytree(ROOT / "rules", rules)
    before = snapshot(rules)
    command = [sys.executable, "-m", "cnam_dsl", "docs", "build", "--rules", str(rules), "--out", str(out),
               "--date", "2026-01-01"]
    rng = random.Random(9)
    for delay in [rng.uniform(0.2, 20) for _ in range(5)]:
        killed_after(command, delay)
        assert snapshot(rules) == before
    timed(command)  # a partial site from a killed build is rebuilt in place
    assert (out / "index.html").is_file() and snapshot(rules) == before


def test_the_cache_killed_while_written_is_whole_or_absent(tmp_path):
    """The cache (cnam_dsl/cache.py) written by `cnam missing` from cold, killed at random moments:
    each entry left is read back whole (its digest matches) or not there."""
    folder = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if k != "CNAM_NO_CACHE"} | {"CNAM_CACHE_DIR": str(folder)}
    command = [sys.executable, "-m", "cnam_dsl", "missing", "--diploma", "licence", "--date", "2026-01-01",
               "--profile", str(ROOT / "examples" / "alice.yaml"), "--format", "json"]
    full = timed(command, env=env)
    key, rng = rules_key(ROOT / "rules"), random.Random(10)
    for _ in range(15):
        shutil.rmtree(folder, ignore_errors=True)
        killed_after(command, rng.uniform(0, full * 1.2), env=env)
        for entry in folder.glob("rules-*.pickle") if folder.exists() else []:
            assert read_entry(folder, entry.name, key) is not None, entry
        proofs = folder / "proofs.json"
        if proofs.exists():
            assert isinstance(json.loads(proofs.read_bytes().split(b"\n", 2)[2]), list)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and json.loads(result.stdout)["status"]
