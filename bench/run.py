"""The performance benchmark: `python bench/run.py` prints a table and writes docs/performance.md (with SVG plots).

Each figure is measured over several runs (min / median / max) and set
against a plain-Python baseline measured in the same run (a hand-written
Python function for the Licence rule, or a bare interpreter start), so that a
busy machine shows in both. `--quick` measures less (fewer rows, smaller rule
bases) for a fast look; `--runs N` sets the number of runs (at least 5).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from generate import generate  # noqa: E402

ON = date(2026, 1, 1)
WORK = Path(tempfile.gettempdir())  # set by main()
LICENCE = (("cnam-eleves", "cnam-na"), "licence", "delivery")


def stats(values: list[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


# ---------------------------------------------------------------- plain-Python baselines


def plain_licence(in_field: float, total: float) -> tuple[str, float, float, float]:
    """The Licence rule by hand: status, least and most internship, missing months."""
    if total >= 36 and in_field >= 12:
        return "satisfied", 0.0, 0.0, 0.0
    if total >= 36:
        return "internship", 3.0, 6.0, 0.0
    return "missing", 0.0, 0.0, 36.0 - total


def plain_rate(rows: int) -> float:
    rng = random.Random(1)
    data = [(rng.randrange(48), rng.randrange(60)) for _ in range(rows)]
    start = time.perf_counter()
    for a, b in data:
        plain_licence(a, a + b)
    return rows / (time.perf_counter() - start)


def env() -> dict:
    """A child environment: our cache, byte-code caching on (as in an installed package)."""
    child = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    child["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    child["CNAM_CACHE_DIR"] = str(WORK / "cache")
    child["PYTHONPATH"] = str(ROOT)
    return child


def timed_process(args: list[str], stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(args, input=stdin, env=env(), cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


# ---------------------------------------------------------------- the figures


def startup(runs: int) -> dict:
    profile = WORK / "candidat.yaml"
    profile.write_text("experiences:\n  - {months: 25, field: out}\n  - {months: 11, field: in}\n", encoding="utf-8")
    command = [sys.executable, "-m", "cnam_dsl", "missing", "--diploma", "licence", "--profile", str(profile),
               "--format", "json", "--date", "2026-01-01"]
    timed_process(command)  # fills the caches (rule base, proofs, byte code)
    ours = [timed_process(command) for _ in range(runs)]
    bare = [timed_process([sys.executable, "-c", "pass"]) for _ in range(runs)]
    return {"figure": "start-up: `cnam missing`, process start to answer", "unit": "s", "ours": ours,
            "plain": bare, "plain_what": "`python -c pass`", "target": "≤ 0.4 s",
            "ok": statistics.median(ours) <= 0.4}


def profiles(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    found = []
    for _ in range(n):
        found.append({"experiences": [{"months": rng.choice([3, 6, 11, 12, 13, 24, 25, 30, 36, 40]),
                                       "field": rng.choice(["in", "out"]),
                                       "kind": rng.choice(["salaried", "salaried", "self_employed", "volunteer"])}
                                      for _ in range(rng.randint(0, 3))],
                      **({"decided_internship_months": rng.choice([2, 3, 4, 6])} if rng.random() < 0.05 else {})})
    return found


def warm(runs: int, base) -> list[dict]:
    from cnam_dsl.candidate import read_profile
    from cnam_dsl.rules import Rules

    rules = Rules(base)
    diplomas = ["licence", "licence-l3", "bac+2", "bac+4", "ingenieur", "certificat", "ingenierie-formation"]
    requests = [({"diploma": random.Random(i).choice(diplomas), "date": ON.isoformat()}, read_profile(p))
                for i, p in enumerate(profiles(400))]
    for question, profile in requests:  # first questions prove the closed forms
        rules.missing(question, profile)
    p50, p99, p99_fast, base50 = [], [], [], []
    for _ in range(runs):
        times, fast = [], []
        for question, profile in requests * 5:
            start = time.perf_counter()
            answer = rules.missing(question, profile)
            times.append(time.perf_counter() - start)
            if answer["status"] != "conflict":  # a conflict's explanation is Z3's unsat core
                fast.append(times[-1])
        times.sort()
        fast.sort()
        p50.append(times[len(times) // 2] * 1e3)
        p99.append(times[int(len(times) * 0.99)] * 1e3)
        p99_fast.append(fast[int(len(fast) * 0.99)] * 1e3)
        base50.append(1e3 / plain_rate(20_000))
    conflicts = 1 - len(fast) / len(times)
    return [
        {"figure": "warm query, full explanation, p50", "unit": "ms", "ours": p50, "plain": base50,
         "plain_what": "hand-written Licence rule, one call", "target": "≤ 0.5 ms",
         "ok": statistics.median(p50) <= 0.5},
        {"figure": f"warm query, full explanation, p99 ({conflicts:.1%} conflicts, answered by Z3)", "unit": "ms",
         "ours": p99, "plain": base50, "plain_what": "hand-written Licence rule, one call", "target": "≤ 5 ms",
         "ok": statistics.median(p99) <= 5},
        {"figure": "warm query, full explanation, p99 of the answers without a conflict", "unit": "ms",
         "ours": p99_fast, "plain": base50, "plain_what": "hand-written Licence rule, one call",
         "target": "≤ 5 ms", "ok": statistics.median(p99_fast) <= 5},
    ]


def cohort_columns(rows: int, scale: int, seed: int = 5):
    """A cohort's integer columns (1/`scale` month): experience by category, internships done, decisions."""
    rng = np.random.default_rng(seed)
    experience = np.zeros((rows, 12), dtype=np.int64)
    for j in (0, 1, 4, 6):
        experience[:, j] = np.where(rng.random(rows) < 0.5, rng.integers(0, 48 * 100, rows), 0) * (scale // 100)
    done = np.repeat(rng.choice([0, 0, 3, 6], rows)[:, None], 4, axis=1) * scale
    has = rng.random(rows) < 0.05
    decision = np.where(has, rng.choice([3, 4, 6], rows), 0) * scale
    return experience, done, has, decision


def in_memory(runs: int, base, rows: int) -> dict:
    """The proved program's decision (status, pathways, bounds, missing) on int64 columns, as `cnam batch`
    runs it, in chunks on two threads (NumPy releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    from cnam_dsl.solve import Engine
    from cnam_dsl.solve.closed_form import Inputs
    from cnam_dsl.solve.table import ColumnOps, scale_of

    form = Engine(base).closed_form(*LICENCE, ON)
    scale = scale_of(form, 100)
    x, done, has, dec = cohort_columns(rows, scale)
    chunk = 65_536

    def decide(start: int):
        part = slice(start, start + chunk)
        return form.program.decide(ColumnOps(scale), Inputs(tuple(x[part].T), tuple(done[part].T), has[part],
                                                            dec[part]), options=False)

    decide(0)
    ours, plain = [], []
    for _ in range(runs):
        start = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(decide, range(0, rows, chunk)))
        ours.append(rows / (time.perf_counter() - start))
        plain.append(plain_rate(200_000))
    return {"figure": "in-memory engine throughput (status, pathways, bounds, missing; int64 columns, 2 threads)", "unit": "answers/s",
            "ours": ours, "plain": plain, "plain_what": "hand-written Licence rule, Python loop",
            "target": "≥ 3,000,000/s", "ok": statistics.median(ours) >= 3e6}


def cohort_file(lines: int, distinct: bool | str) -> Path:
    """A cohort as JSON lines: whole months (many candidates alike), all different (fractions of months), or
    `"realistic"`: careers of dated, overlapping, part-time periods (`bench/cohort.py`)."""
    if distinct == "realistic":
        from cohort import realistic

        return realistic(WORK / f"cohort-realistic-{lines}.jsonl", lines)
    rng = random.Random(11)
    path = WORK / f"cohort-{'distinct' if distinct else 'whole'}-{lines}.jsonl"
    diplomas = ["licence", "licence-l3", "bac+2", "bac+4", "ingenieur"]
    with path.open("w", encoding="utf-8") as f:
        for i in range(lines):
            months = (lambda: round(rng.uniform(1, 48), 2)) if distinct else (lambda: rng.randrange(1, 48))
            profile = {"experiences": [{"months": months(), "field": rng.choice(["in", "out"])}
                                       for _ in range(rng.randint(1, 2))]}
            f.write(json.dumps({"command": "missing", "diploma": diplomas[i % len(diplomas)], "date": "2026-01-01",
                                "profile": profile}) + "\n")
    return path


def plain_lines_rate(path: Path) -> float:
    import orjson

    start, n = time.perf_counter(), 0
    with path.open("rb") as f:
        for line in f:
            request = orjson.loads(line)
            months = [e.get("months", 12) for e in request["profile"]["experiences"]]
            orjson.dumps(plain_licence(sum(m for m, e in zip(months, request["profile"]["experiences"])
                                           if e["field"] == "in"), sum(months)))
            n += 1
    return n / (time.perf_counter() - start)


def end_to_end(runs: int, lines: int, jobs_list=(1, 2)) -> list[dict]:
    rows = []
    for distinct in (False, True, "realistic"):
        path = cohort_file(lines, distinct)
        for jobs in jobs_list:
            command = [sys.executable, "-m", "cnam_dsl", "batch", "--input", str(path), "--jobs", str(jobs)]
            timed_process(command)
            ours = [lines / timed_process(command) for _ in range(runs)]
            plain = [plain_lines_rate(path) for _ in range(runs)]
            what = {False: "whole months (many alike)", True: "all different (fractions of months)",
                    "realistic": "realistic careers (dated, overlapping, part-time periods)"}[distinct]
            target = 20_000 if distinct == "realistic" else 50_000
            rows.append({"figure": f"end to end, {lines:,} JSON lines (process start to last answer), {what}, "
                                   f"--jobs {jobs}", "unit": "lines/s",
                         "ours": ours, "plain": plain, "plain_what": "orjson + hand-written rule, per line",
                         "target": "— (target with --jobs 2)" if distinct == "realistic" and jobs == 1
                         else f"≥ {target:,}/s",
                         "ok": None if distinct == "realistic" and jobs == 1 else statistics.median(ours) >= target,
                         "jobs": jobs, "distinct": distinct})
    return rows


def scale(runs: int, sizes: list[int]) -> tuple[list[dict], list[tuple[int, float]]]:
    from cnam_dsl.cache import cached_rule_base
    from cnam_dsl.candidate import read_profile
    from cnam_dsl.rules import Rules

    rows, latency = [], []
    profile = read_profile({"experiences": [{"months": 30, "field": "out"}]})
    for size in sizes:
        root = generate(WORK / f"rules-{size}", size)
        cold, loads = [], []
        for i in range(runs):
            os.environ["CNAM_CACHE_DIR"] = str(WORK / f"cache-scale-{size}-{i}")
            start = time.perf_counter()
            base, _ = cached_rule_base(root)
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            base, _ = cached_rule_base(root)
            loads.append(time.perf_counter() - start)
        os.environ["CNAM_CACHE_DIR"] = str(WORK / "cache")
        reading = []
        for _ in range(runs):
            start = time.perf_counter()
            for p in sorted(root.rglob("*.cnr")):
                p.read_text(encoding="utf-8")
            reading.append(time.perf_counter() - start)
        rules = Rules(base)
        question = rules.missing_question({"diploma": f"d{size // 2:04d}", "date": ON.isoformat()}, profile)
        rules.missing(question)
        times = []
        for _ in range(max(runs, 5) * 100):
            start = time.perf_counter()
            rules.missing(question)
            times.append(time.perf_counter() - start)
        latency.append((size, statistics.median(times) * 1e3))
        if size == max(sizes):
            rows.append({"figure": f"scale: {size} diplomas × 3 sources, cold compile (parse + check)", "unit": "s",
                         "ours": cold, "plain": reading, "plain_what": "reading the rule files",
                         "target": "≤ 10 s", "ok": statistics.median(cold) <= 10})
            rows.append({"figure": f"scale: {size} diplomas × 3 sources, load from cache", "unit": "s",
                         "ours": loads, "plain": reading, "plain_what": "reading the rule files",
                         "target": "≤ 0.5 s", "ok": statistics.median(loads) <= 0.5})
    return rows, latency


def throughput_by_jobs(runs: int, lines: int, jobs_list) -> list[tuple[int, float]]:
    path = cohort_file(lines, distinct=True)
    found = []
    for jobs in jobs_list:
        command = [sys.executable, "-m", "cnam_dsl", "batch", "--input", str(path), "--jobs", str(jobs)]
        found.append((jobs, statistics.median([lines / timed_process(command) for _ in range(runs)])))
    return found


# ---------------------------------------------------------------- output


def fmt(value: float, unit: str) -> str:
    if unit in ("answers/s", "lines/s"):
        return f"{value:,.0f}".replace(",", " ")
    if value < 0.01:
        return f"{value:.2g}"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(rows: list[dict]) -> str:
    lines = ["| figure | unit | min | median | max | plain Python (median) | ratio | target | met |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lo, mid, hi = stats(r["ours"])
        plain = statistics.median(r["plain"])
        lines.append(f"| {r['figure']} | {r['unit']} | {fmt(lo, r['unit'])} | {fmt(mid, r['unit'])} | "
                     f"{fmt(hi, r['unit'])} | {fmt(plain, r['unit'])} ({r['plain_what']}) | {mid / plain:.3g} | "
                     f"{r['target']} | {'—' if r['ok'] is None else 'yes' if r['ok'] else 'no'} |")
    return "\n".join(lines)


def svg_plot(points: list[tuple[float, float]], title: str, xlabel: str, ylabel: str, log_x: bool = False) -> str:
    """A small line chart as SVG text."""
    import math

    w, h, pad = 420, 260, 50
    xs = [math.log10(x) if log_x else x for x, _ in points]
    ys = [y for _, y in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y1 = max(ys) * 1.15 or 1

    def px(x, y):
        return pad + (x - x0) / (x1 - x0) * (w - 2 * pad), h - pad - y / y1 * (h - 2 * pad)

    coords = [px(x, y) for x, y in zip(xs, ys)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{cx:.1f},{cy:.1f}" for i, (cx, cy) in enumerate(coords))
    marks = "".join(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3"/><text x="{cx:.1f}" y="{cy - 8:.1f}" '
                    f'font-size="10" text-anchor="middle">{y:.3g}</text>'
                    for (cx, cy), y in zip(coords, ys))
    ticks = "".join(f'<text x="{cx:.1f}" y="{h - pad + 15}" font-size="10" text-anchor="middle">{x:g}</text>'
                    for (cx, _), (x, _) in zip(coords, points))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif">'
            f'<text x="{w / 2}" y="18" font-size="13" text-anchor="middle">{title}</text>'
            f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>'
            f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>'
            f'<text x="{w / 2}" y="{h - 12}" font-size="11" text-anchor="middle">{xlabel}</text>'
            f'<text x="14" y="{h / 2}" font-size="11" text-anchor="middle" '
            f'transform="rotate(-90 14 {h / 2})">{ylabel}</text>'
            f'<path d="{path}" fill="none" stroke="#1f5fa8" stroke-width="2"/>{marks}{ticks}</svg>\n')


def main() -> int:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args()
    runs = max(args.runs, 5)
    WORK = Path(tempfile.mkdtemp(prefix="cnam-bench-"))
    os.environ["CNAM_CACHE_DIR"] = str(WORK / "cache")
    from cnam_dsl.language.check import load_rule_base

    base, _ = load_rule_base(ROOT / "rules")
    sizes = [10, 100] if args.quick else [10, 100, 1000]
    rows = [startup(runs)]
    rows += warm(runs, base)
    rows.append(in_memory(runs, base, 200_000 if args.quick else 1_000_000))
    rows += end_to_end(runs, 5_000 if args.quick else 100_000)
    scale_rows, latency = scale(runs, sizes)
    rows += scale_rows
    jobs = throughput_by_jobs(runs, 5_000 if args.quick else 100_000, [1, 2, 4])
    print(table(rows))
    print("latency (ms, p50) by rule-base size:", latency)
    print("throughput (lines/s) by jobs:", jobs)
    write(args.out, rows, latency, jobs)
    return 0


def write(out: Path, rows, latency, jobs) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    (out.parent / "performance-latency.svg").write_text(
        svg_plot(latency, "Warm query (p50) by rule-base size", "diplomas × 3 sources (log)", "ms", log_x=True),
        encoding="utf-8")
    (out.parent / "performance-jobs.svg").write_text(
        svg_plot(jobs, "cnam batch throughput by --jobs", "--jobs", "lines/s"), encoding="utf-8")
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}"
    out.write_text(f"""# Performance

Measured by `python bench/run.py` ({time.strftime('%Y-%m-%d')}, {machine}; load average at the end
{os.getloadavg()[0]:.1f}). Each figure: min / median / max over {len(rows[0]['ours'])} runs, and the
ratio of its median to a plain-Python baseline measured in the same run (for times, how many times
slower than the baseline; for rates, what fraction of the baseline's rate).

{table(rows)}

## How

- **Start-up.** The checked rule base is cached in the user's cache directory
  (`$XDG_CACHE_HOME/cnam-dsl`, `CNAM_CACHE_DIR`, off with `CNAM_NO_CACHE=1`), keyed by the
  content of the rules, the grammar and the code that reads them; proved closed forms are
  remembered there too, so `cnam missing` imports neither Lark nor Z3.
- **Warm query.** Each requirement's decision is written once as a closed form over abstract
  operations (`cnam_dsl/solve/closed_form.py`), traced into a program (`cnam_dsl/solve/program.py`)
  whose every question is **proved equal to the Z3 constraints** once (`cnam_dsl/solve/proof.py`),
  then run as generated straight-line Python over exact integers (`cnam_dsl/solve/scalar.py`).
  Conflicts (their explanation is an unsat core) and facts outside the proved domain go to Z3.
- **Cohorts.** The same proved program runs on int64 columns (`cnam_dsl/solve/table.py`).
  `cnam batch` answers JSON lines with the full explanation. Each request line is read by the one
  request reader (`cnam_dsl/request.py`, the candidate file by `cnam_dsl/candidate/`, whose valid
  entries already met are remembered, and whose counting runs in exact integers). A chunk's requests
  are grouped by requirement and the program's decision runs on columns in hundredths of a month:
  statuses, pathways, internships, options and each source's answer as columns. Rows whose answers differ only in their numbers share a template, cut from one
  answer written the usual way (`cnam_dsl/batch/columns.py`); each answer is its template filled
  with its own numbers, each written once per hundredth. A line met before (the same bytes) is
  answered from memory; the rest (thirds of a month, VAE, conflicts) one by one, the same bytes.
  With `--jobs`, workers (forked with the rule base loaded, where the system forks) write their
  answers to temporary files that the process copies out.
  What limits it: the per-line Python work around a ~4 KB explained answer, and two cores shared
  by the workers and the process that reads and writes (more jobs do not help here).

![latency by rule-base size](performance-latency.svg)

![throughput by jobs](performance-jobs.svg)

Latency (p50, ms) by rule-base size: {', '.join(f'{s} diplomas: {v:.3f}' for s, v in latency)}.
Throughput of `cnam batch` (lines/s, all-different cohort) by `--jobs`:
{', '.join(f'{j}: {v:,.0f}' for j, v in jobs)}.
""", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
