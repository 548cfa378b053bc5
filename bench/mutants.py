"""Benchmark of `cnam check --mutants`: the whole shipped rule base, every operator, cold and warm, and how the work
grows with the number of rules.

- cold: a fresh cache folder (no checked rule base, no proof, no verdict), `cnam check --mutants --jobs 2`, process
  start to exit; the baseline, measured in the same run, is plain `cnam check` with a fresh cache (the same rule
  base loaded, checked and proved, without mutants): the ratio says what mutants cost on top;
- warm: the same command again, on the cache the cold run filled;
- growth: the shipped rule base copied 1, 2 and 4 times (each copy's sources renamed, its worked examples
  with it), cold: mutants, example runs (the examples each mutant touches), seconds.

Targets (issue 17): cold ≤ 60 s on 2 cores, warm ≤ 10 s. `python bench/mutants.py [--runs N] [--quick]`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def command(rules: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cnam_dsl", "check", "--rules", str(rules), *extra]


def timed(args: list[str], cache: Path) -> tuple[float, str]:
    """Seconds from process start to exit, and what it printed (exit 0 or 1: survivors are not a failure here)."""
    env = {**os.environ, "CNAM_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"échec de {' '.join(args)} : {done.stderr}")
    return seconds, done.stdout


def copies(times: int, into: Path) -> Path:
    """The shipped rule base `times` over: each copy's sources renamed `<source>-<k>` (folders and `source` lines)."""
    rules = into / f"rules-x{times}"
    shutil.copytree(ROOT / "rules", rules)
    sources = [d.name for d in (ROOT / "rules").iterdir() if d.is_dir()]
    for k in range(2, times + 1):
        for source in sources:
            folder = rules / f"{source}-{k}"
            shutil.copytree(ROOT / "rules" / source, folder)
            for path in folder.glob("*.cnr"):
                text = path.read_text(encoding="utf-8")
                path.write_text(re.sub(rf"^source {re.escape(source)}$", f"source {source}-{k}", text,
                                       flags=re.MULTILINE), encoding="utf-8")
    return rules


def example_runs(rules: Path) -> tuple[int, int]:
    """(mutants, examples run on them): what the cold run judges."""
    from cnam_dsl.analysis.mutants import scope_of, touched_examples
    from cnam_dsl.analysis.operators import mutants_of
    from cnam_dsl.rules import Rules

    base = Rules.load(rules, cached=False).base
    mutants = mutants_of(base)
    return len(mutants), sum(len(touched_examples(base, m.base, scope_of(base, m.base))) for m in mutants)


def cold_and_warm(rules: Path, runs: int, work: Path) -> dict:
    cold, warm, plain = [], [], []
    counts = None
    for k in range(runs):
        cache = work / f"cache-{k}"
        seconds, out = timed(command(rules, "--mutants", "--jobs", "2", "--format", "json"), cache)
        cold.append(seconds)
        counts = json.loads(out)["mutant_counts"]
        warm.append(timed(command(rules, "--mutants", "--jobs", "2", "--format", "json"), cache)[0])
        plain.append(timed(command(rules, "--format", "json"), work / f"plain-{k}")[0])
    return {"cold": cold, "warm": warm, "plain": plain, "counts": counts}


def growth(times_list: list[int], work: Path) -> list[dict]:
    rows = []
    for times in times_list:
        rules = copies(times, work)
        mutants, runs = example_runs(rules)
        seconds, _ = timed(command(rules, "--mutants", "--jobs", "2", "--format", "json"), work / f"grow-{times}")
        rows.append({"copies": times, "mutants": mutants, "example_runs": runs, "seconds": seconds})
    return rows


def s(value: float) -> str:
    return f"{value:.1f} s".replace(".", ",")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each cold and warm measure (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run, growth up to 2 copies")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="cnam-bench-mutants-") as folder:
        work = Path(folder)
        figures = cold_and_warm(ROOT / "rules", runs, work)
        rows = growth([1, 2] if args.quick else [1, 2, 4], work)
    cold, warm, plain = (statistics.median(figures[k]) for k in ("cold", "warm", "plain"))
    c = figures["counts"]
    print(f"cnam check --mutants --jobs 2, base livrée ({c['total']} mutants : {c['killed']} tués, "
          f"{c['equivalent']} équivalents, {c['survived']} survivants), {runs} mesure(s), {os.cpu_count()} cœurs")
    print(f"  à froid : médiane {s(cold)} (min {s(min(figures['cold']))}, max {s(max(figures['cold']))}) — "
          f"cible ≤ 60 s : {'tenue' if cold <= 60 else 'MANQUÉE'}")
    print(f"  à chaud : médiane {s(warm)} (min {s(min(figures['warm']))}, max {s(max(figures['warm']))}) — "
          f"cible ≤ 10 s : {'tenue' if warm <= 10 else 'MANQUÉE'}")
    print(f"  référence, même exécution : cnam check sans mutants, à froid, médiane {s(plain)} ; "
          f"les mutants coûtent {cold / plain:.1f} × cnam check à froid, {warm / plain:.2f} × à chaud".replace(".", ","))
    print("Croissance (base livrée copiée k fois, à froid) :")
    print("  copies | mutants | exemples exécutés | secondes | ms par exemple exécuté")
    for r in rows:
        print(f"  {r['copies']:>6} | {r['mutants']:>7} | {r['example_runs']:>17} | {s(r['seconds']):>8} | "
              f"{1000 * r['seconds'] / max(1, r['example_runs']):.0f}")
    return 0 if cold <= 60 and warm <= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
