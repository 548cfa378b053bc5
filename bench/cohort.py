"""Realistic cohorts for `cnam batch`, and its memory over a long run.

`realistic(lines)` writes candidates as advisers' files are: two to six dated
periods each (a career: jobs that follow or overlap, some part time, some still
going on), sometimes periods given in months, internships done (dated or not),
a few jury decisions and earlier VAE requests, every diploma and milestone; the
question is `missing` (VAE questions are answered by Z3, a few milliseconds
each: a cohort of them is another benchmark). No two lines are alike.

`python bench/cohort.py memory [--lines 1000000] [--jobs 1]` answers a realistic
cohort of that many lines and samples the resident memory (VmRSS) of `cnam batch`
and its workers every half second: the figures (lines/s, memory after 10 %, 50 %
and 100 % of the lines, peak) are printed and written into docs/robustness.md
(between the `batch-memory:start` / `batch-memory:end` markers; `--report -`
writes nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import children, rss_kib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "robustness.md"
START, END = "<!-- batch-memory:start -->", "<!-- batch-memory:end -->"
QUESTIONS = [("licence", "delivery"), ("licence-l3", "delivery"), ("bac+2", "delivery"), ("bac+3", "delivery"),
             ("bac+4", "delivery"), ("ingenieur", "delivery"), ("ingenieur", "application"),
             ("ingenieur", "probatoire"), ("ingenieur", "defense"), ("certificat", "delivery"),
             ("psychologue-travail", "delivery"), ("ingenierie-formation", "delivery")]
ON = date(2026, 1, 1)
KINDS = ["salaried"] * 6 + ["self_employed", "self_employed", "volunteer", "union"]


def career(rng: random.Random) -> list[dict]:
    """Two to six periods of work, mostly following each other, some overlapping, some part time."""
    periods, day = [], date(rng.randint(1996, 2020), rng.randint(1, 12), rng.randint(1, 28))
    for _ in range(rng.randint(2, 6)):
        if day >= ON:
            break
        start = day + timedelta(days=rng.randint(-200, 120))  # a gap, or an overlap with the previous job
        end = start + timedelta(days=rng.randint(60, 2400))
        period = {"label": f"Poste {len(periods) + 1}", "start": start.isoformat(),
                  "field": rng.choice(["in", "out"]), "kind": rng.choice(KINDS)}
        if end < ON or rng.random() < 0.5:
            period["end"] = end.isoformat()  # else still going on: counted up to the question's date
        if rng.random() < 0.3:
            period["time_share"] = rng.choice([0.5, 0.6, 0.8, 0.25])
        if rng.random() < 0.1:
            period["level"] = "insufficient"
        periods.append(period)
        day = end
    if rng.random() < 0.2:  # some periods given in months (a certificate of employment)
        periods.append({"months": round(rng.uniform(1, 36), rng.choice([0, 0, 1, 2])), "field": rng.choice(["in", "out"])})
    return periods


def internships(rng: random.Random) -> list[dict]:
    done = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        if rng.random() < 0.5:
            start = date(rng.randint(2010, 2025), rng.randint(1, 12), rng.randint(1, 28))
            done.append({"start": start.isoformat(), "end": (start + timedelta(days=rng.randint(30, 180))).isoformat(),
                         "field": rng.choice(["in", "out"]), "report": rng.random() < 0.5})
        else:
            done.append({"months": rng.choice([1, 2, 3, 4, 6]), "field": rng.choice(["in", "out"]),
                         "report": rng.random() < 0.5})
    return done


def request(rng: random.Random, number: int) -> dict:
    profile: dict = {"name": f"Candidat {number}", "experiences": career(rng)}
    done = internships(rng)
    if done:
        profile["internships"] = done
    if rng.random() < 0.3:
        profile["ue_acquired"] = rng.randint(0, 6)
    if rng.random() < 0.1:
        profile["vae_requests"] = [{"certification": rng.choice(["LP110504", "CPN7700A", "RNCP1234"]),
                                    "year": rng.choice([2025, 2026])} for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.05:
        profile["decided_internship_months"] = rng.choice([2, 3, 4, 6])
    diploma, milestone = rng.choice(QUESTIONS)
    line = {"command": "missing", "diploma": diploma, "date": ON.isoformat(), "profile": profile}
    if milestone != "delivery":
        line["milestone"] = milestone
    return line


def realistic(path: Path, lines: int, seed: int = 19) -> Path:
    """Write a realistic cohort of `lines` JSON lines (see the module's docstring)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for number in range(1, lines + 1):
            f.write(json.dumps(request(rng, number), ensure_ascii=False) + "\n")
    return path


# ---------------------------------------------------------------- memory over a long run


def memory_run(path: Path, lines: int, jobs: int) -> dict:
    """Answer the cohort with `cnam batch`, counting output lines and sampling memory as it goes."""
    command = [sys.executable, "-m", "cnam_dsl", "batch", "--input", str(path), "--jobs", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    samples: list[tuple[int, int]] = []  # (lines answered, KiB of the process and its workers)
    answered = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.5):
            samples.append((answered[0], sum(rss_kib(p) for p in [process.pid, *children(process.pid)])))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    errors = 0
    for line in process.stdout:
        answered[0] += 1
        errors += line.startswith(b'{"line":')
    process.wait()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode("utf-8", "replace")
    if process.returncode != 0 or answered[0] != lines:
        raise SystemExit(f"cnam batch : code {process.returncode}, {answered[0]} lignes sur {lines}\n{stderr}")

    def at(share: float) -> float:
        found = [kib for count, kib in samples if count >= share * lines]
        return (found[0] if found else samples[-1][1]) / 1024 if samples else 0.0

    return {"lines": lines, "jobs": jobs, "seconds": seconds, "per_second": lines / seconds, "errors": errors,
            "at": {share: at(share / 100) for share in (1, 10, 25, 50, 75, 100)},
            "peak": max((kib for _, kib in samples), default=0) / 1024,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}",
            "date": date.today().isoformat(), "load": os.getloadavg()[0]}


def table(f: dict) -> str:
    rows = [
        ("lines (realistic cohort), jobs", f"{f['lines']:,}".replace(",", " ")
         + f" ({f['errors']} error lines), --jobs {f['jobs']}"),
        ("time, throughput", f"{f['seconds']:.1f} s, {f['per_second']:.0f} lines/s"),
        ("memory (VmRSS, process and workers) after " + " / ".join(f"{share} %" for share in f["at"])
         + " of the lines", " / ".join(f"{mib:.0f}" for mib in f["at"].values()) + " MiB"),
        ("peak", f"{f['peak']:.0f} MiB"),
        ("machine, date", f"{f['machine']}, {f['date']}; load average at the end {f['load']:.1f}"),
    ]
    return "\n".join(["| figure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows])


def write_report(path: Path, figures: dict) -> None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path} : marqueurs {START} / {END} introuvables")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    command = f"python bench/cohort.py memory --lines {figures['lines']} --jobs {figures['jobs']}"
    path.write_text(f"{before}{START}\n`{command}`:\n\n{table(figures)}\n{END}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    write = sub.add_parser("write", help="write a realistic cohort")
    write.add_argument("path", type=Path)
    write.add_argument("--lines", type=int, default=100_000)
    memory = sub.add_parser("memory", help="memory of cnam batch over a long realistic cohort")
    memory.add_argument("--lines", type=int, default=1_000_000)
    memory.add_argument("--jobs", type=int, default=1)
    memory.add_argument("--report", default=str(REPORT))
    args = parser.parse_args(argv)
    if args.what == "write":
        print(realistic(args.path, args.lines))
        return 0
    with tempfile.TemporaryDirectory(prefix="cnam-cohort-") as folder:
        path = realistic(Path(folder) / "cohort.jsonl", args.lines)
        figures = memory_run(path, args.lines, args.jobs)
    print(table(figures))
    if args.report != "-":
        write_report(Path(args.report), figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
