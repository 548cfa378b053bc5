"""Two checkouts of the project side by side: `cnam batch` on the same cohort, runs alternating, in one run.

    python bench/versus.py BEFORE_DIR AFTER_DIR [--lines 100000] [--jobs 2] [--runs 3]

Each checkout runs with its own `.venv/bin/python` (falling back to this interpreter) from its own folder,
on bench/run.py's two cohorts (all different, whole months), with one cache shared by the runs and warmed
first. It prints the wall times, the median lines per second of each, their ratio, and whether the two
checkouts wrote the same bytes. Alternating the runs means a busy machine slows both alike: read the
ratio, not the absolute figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402


def interpreter(tree: Path) -> str:
    venv = tree / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def batch(tree: Path, path: Path, jobs: int, env: dict) -> tuple[float, bytes]:
    command = [interpreter(tree), "-m", "cnam_dsl", "batch", "--input", str(path), "--jobs", str(jobs)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: cnam batch a échoué ({done.returncode}) : {done.stderr.decode()[-400:]}")
    return time.perf_counter() - started, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    run.WORK = Path(tempfile.mkdtemp(prefix="cnam-versus-"))
    env = {**os.environ, "CNAM_CACHE_DIR": str(run.WORK / "cache")}
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    for distinct in (True, False):
        path = run.cohort_file(args.lines, distinct)
        for tree in trees.values():
            batch(tree, path, args.jobs, env)  # proofs cached, files in the page cache
        times: dict[str, list[float]] = {name: [] for name in trees}
        written: dict[str, bytes] = {}
        for _ in range(args.runs):
            for name, tree in trees.items():
                seconds, written[name] = batch(tree, path, args.jobs, env)
                times[name].append(seconds)
        rate = {name: args.lines / statistics.median(t) for name, t in times.items()}
        what = "all different" if distinct else "whole months"
        print(f"{what}, {args.lines:,} lines, --jobs {args.jobs}: "
              + "; ".join(f"{name} {', '.join(f'{t:.2f}' for t in times[name])} s "
                          f"(median {rate[name]:,.0f} lines/s)" for name in trees)
              + f"; after/before {rate['after'] / rate['before']:.2f}; "
              + ("same bytes" if written["before"] == written["after"] else "different bytes"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
