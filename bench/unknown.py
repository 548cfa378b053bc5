"""Incomplete candidate files: how long the possible answers and the ranked questions take, in-process.

`python bench/unknown.py` generates files with 1 to 5 unknown facts (every
kind the contract allows, on the shipped rule base, over its diplomas and
sources), answers each one as `cnam missing` does (`Rules.missing`: the
completions explored, Z3's certification, each witness confirmed by the
engine, the questions ranked), and prints p50 / p95 / max per number of
unknown facts, against a baseline measured in the same run: the answer to
the same file once completed (a complete file, answered as before). The
first answer of each requirement also builds its Z3 terms (remembered for
the process): it is measured apart ("first"); so is the first pass over the
files, where a requirement's second symbolic completion (the one that proves
a fact irrelevant) is built the first time it is needed. The figures are
those of a second pass, in wall-clock time and in processor time (the
latter barely moved by other work on the machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cnam_dsl.candidate.unknown import PartialProfile, read_candidate  # noqa: E402
from cnam_dsl.rules import Rules  # noqa: E402

DAY = "2026-01-01"
QUESTIONS = [("licence", ["cnam-eleves"]), ("licence", None), ("bac+2", None), ("licence-l3", None),
             ("bac+4", None), ("ingenieur", None), ("certificat", None), ("ingenierie-formation", None)]
EXPERIENCE_FACTS = ("months", "field", "kind", "level", "time_share")
INTERNSHIP_FACTS = ("months", "field", "report")
TARGET_MS = 50.0


def a_file(rng: random.Random, unknowns: int) -> tuple[dict, dict]:
    """A candidate file with `unknowns` facts written `unknown`, and the same file with values instead."""
    experiences = []
    for n in range(rng.randint(1, 3)):
        e = {"label": f"Poste {n + 1}", "field": rng.choice(["in", "out"]), "kind": rng.choice(
            ["salaried", "salaried", "self_employed", "volunteer"]), "level": rng.choice(["sufficient", "insufficient"])}
        if rng.random() < 0.3:
            e |= {"start": f"20{rng.randint(15, 21)}-0{rng.randint(1, 9)}-15", "end": "2023-06-30"}
        else:
            e["months"] = rng.randint(3, 40)
        e["time_share"] = rng.choice([1, 1, 0.5])
        experiences.append(e)
    complete = {"experiences": experiences, "ue_acquired": rng.randint(0, 3)}
    if rng.random() < 0.4:
        complete["internships"] = [{"months": rng.randint(1, 6), "field": "in", "report": rng.random() < 0.5}]
    if rng.random() < 0.3:
        complete["decided_internship_months"] = rng.choice([3, 4, 6])
    places = [("experiences", i, key) for i, e in enumerate(experiences) for key in EXPERIENCE_FACTS
              if not (key == "months" and "start" in e)]
    places += [("internships", 0, key) for key in INTERNSHIP_FACTS if "internships" in complete]
    places += [(None, None, "ue_acquired"), (None, None, "decided_internship_months")]
    partial = {"experiences": [dict(e) for e in experiences],
               **{k: v for k, v in complete.items() if k != "experiences"}}
    if "internships" in partial:
        partial["internships"] = [dict(d) for d in partial["internships"]]
    for entry, index, key in rng.sample(places, unknowns):
        holder = partial if entry is None else partial[entry][index]
        holder[key] = "unknown"
    return partial, complete


def timed(rules: Rules, data: dict, asked: dict) -> tuple[float, float, dict]:
    """Wall-clock and processor time of one answer (ms; the machine's other work shows in the first only)."""
    question = rules.missing_question(asked, read_candidate(data))
    wall, processor = time.perf_counter(), time.process_time()
    answer = rules.missing(question)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - processor) * 1000, answer


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60, help="files per number of unknown facts (default 60)")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rules = Rules.load()
    corpus = []
    for unknowns in range(1, 6):
        for _ in range(args.files):
            diploma, sources = rng.choice(QUESTIONS)
            asked = {"diploma": diploma, "date": DAY, **({"sources": sources} if sources else {})}
            partial, complete = a_file(rng, unknowns)
            if isinstance(read_candidate(partial), PartialProfile):  # (a date range may hide an unknown share)
                corpus.append((unknowns, asked, partial, complete))
    first: list[float] = []
    seen = set()
    for unknowns, asked, partial, complete in corpus:  # the first answer of each requirement builds its terms
        key = (asked["diploma"], tuple(asked.get("sources") or ()))
        if key not in seen:
            seen.add(key)
            first.append(timed(rules, partial, asked)[0])
    passes = [measure(rules, corpus) for _ in range(2)]
    complete_ms = [timed(rules, complete, asked)[:2] for _, asked, _, complete in corpus]
    wall, processor, kinds = passes[1]
    every = [v for values in wall.values() for v in values]
    print(f"Incomplete files on the shipped rule base: {len(every)} files, seed {args.seed} "
          f"({kinds['undetermined']} undetermined, {kinds['determined']} determined, {kinds['certified']} certified)")
    baseline = percentile([w for w, _ in complete_ms], 95)
    print(f"baseline, the same files completed (answered as before): p50 "
          f"{statistics.median(w for w, _ in complete_ms):.2f} ms, p95 {baseline:.2f} ms "
          f"(processor time p95 {percentile([p for _, p in complete_ms], 95):.2f} ms)")
    print("second pass (every Z3 term already built): wall-clock and processor time, ms")
    print(f"{'unknown facts':>14} {'files':>6} {'p50':>7} {'p95':>7} {'max':>7} {'cpu p50':>8} {'cpu p95':>8} "
          f"{'p95 / baseline':>15}")
    rows = [(str(n), wall[n], processor[n]) for n in wall]
    rows.append(("1 to 5", every, [v for values in processor.values() for v in values]))
    for label, w, p in rows:
        print(f"{label:>14} {len(w):>6} {statistics.median(w):>7.1f} {percentile(w, 95):>7.1f} {max(w):>7.1f} "
              f"{statistics.median(p):>8.1f} {percentile(p, 95):>8.1f} {percentile(w, 95) / baseline:>15.1f}")
    cold = [v for values in passes[0][0].values() for v in values]
    cold_cpu = [v for values in passes[0][1].values() for v in values]
    print(f"first pass (the Z3 terms of a requirement's second completion built when first needed): "
          f"p50 {statistics.median(cold):.1f}, p95 {percentile(cold, 95):.1f}, max {max(cold):.1f} ms; "
          f"processor time p95 {percentile(cold_cpu, 95):.1f} ms")
    print(f"first answer of each requirement (its Z3 terms built): median {statistics.median(first):.0f} ms, "
          f"max {max(first):.0f} ms over {len(first)} requirements")
    p95 = percentile(every, 95)
    print(f"target: p95 ≤ {TARGET_MS:.0f} ms for 1 to 5 unknown facts — {'met' if p95 <= TARGET_MS else 'NOT met'} "
          f"(wall-clock, second pass)")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"({platform.system()} {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}; "
          f"load average at the end {load:.1f})")


def measure(rules: Rules, corpus: list) -> tuple[dict, dict, dict]:
    """One pass over the incomplete files: wall-clock and processor times by number of unknown facts, and what
    the answers were."""
    wall: dict[int, list[float]] = {n: [] for n in range(1, 6)}
    processor: dict[int, list[float]] = {n: [] for n in range(1, 6)}
    kinds = {"undetermined": 0, "determined": 0, "certified": 0}
    for unknowns, asked, partial, _ in corpus:
        w, p, answer = timed(rules, partial, asked)
        wall[unknowns].append(w)
        processor[unknowns].append(p)
        kinds["undetermined" if answer["status"] == "undetermined" else "determined"] += 1
        kinds["certified"] += answer["certified"]
    return wall, processor, kinds


if __name__ == "__main__":
    main()
