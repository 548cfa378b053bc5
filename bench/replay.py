"""Replay of stored decisions: `python bench/replay.py` records 10,000 decisions about distinct candidates in a
fresh SQLite database, corrects a threshold in a copy of the rules, and times `cnam records replay` on it.

Target: 10,000 records replayed in at most 10 s on 2 cores. Printed beside it, measured in the same run: the
batch answering the same 10,000 questions from a file of request lines (`cnam batch`'s machinery, no
database), the floor a replay stands on. The first replay under the corrected rules proves the closed forms
the correction changed (then kept in the user's cache, as any `cnam` run would); the runs after it start with
them proved. `--records N` and `--runs N` change the sizes; `--db URL` replays on another database (e.g. a
PostgreSQL one, which must be empty).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from cnam_dsl.batch import cohort  # noqa: E402
from cnam_dsl.records import audit  # noqa: E402
from cnam_dsl.records.decision import decide  # noqa: E402
from cnam_dsl.records.store import Store  # noqa: E402
from cnam_dsl.rules import Rules  # noqa: E402

DAY = date(2026, 1, 1)
DIPLOMAS = ("licence", "licence-l3", "bac+2", "bac+4", "ingenieur", "certificat")
THRESHOLD = "exige expérience dans le domaine, de niveau suffisant, d'au moins 1 an"


def candidate(rng: random.Random, number: int) -> dict:
    """A candidate file: one to four periods, by months or by dates, some part-time, in or out of the field."""
    experiences = []
    for k in range(rng.randint(1, 4)):
        entry: dict = {"label": f"Poste {k + 1}"}
        if rng.random() < 0.5:
            entry["months"] = rng.randint(1, 48)
        else:
            start = date(rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28))
            entry["start"] = start.isoformat()
            entry["end"] = date(start.year + rng.randint(0, 3), rng.randint(1, 12), rng.randint(1, 28)).isoformat() \
                if rng.random() < 0.9 else None
            if entry["end"] is None or entry["end"] <= entry["start"]:
                del entry["end"]
        if rng.random() < 0.3:
            entry["time_share"] = rng.choice([0.5, 0.8])
        entry["field"] = rng.choice(["in", "out"])
        if rng.random() < 0.1:
            entry["kind"] = rng.choice(["self_employed", "volunteer"])
        experiences.append(entry)
    return {"name": f"Candidat {number:05d}", "ue_acquired": rng.randint(0, 4), "experiences": experiences}


def make_records(store: Store, rules: Rules, count: int) -> float:
    """`count` decisions about distinct candidates (one in twenty a VAE request) appended; seconds taken."""
    rng = random.Random(16)
    start = time.perf_counter()
    drafts = []
    for number in range(count):
        profile = candidate(rng, number)
        if number % 20 == 19:
            drafts.append(decide(rules, "vae", {"certification": "LP110504", "year": 2026}, profile, "Banc", DAY))
        else:
            fields = {"diploma": rng.choice(DIPLOMAS), "date": DAY.isoformat()}
            drafts.append(decide(rules, "missing", fields, profile, "Banc", DAY))
        if len(drafts) == 1000:
            store.append_all(drafts)
            drafts = []
    store.append_all(drafts)
    return time.perf_counter() - start


def corrected(into: Path) -> Path:
    folder = into / "rules-corrigees"
    shutil.copytree(ROOT / "rules", folder)
    licence = folder / "cnam-na" / "licence.cnr"
    licence.write_text(licence.read_text(encoding="utf-8").replace(THRESHOLD, THRESHOLD.replace("1 an", "13 mois"), 1),
                       encoding="utf-8")
    return folder


def batch_seconds(store: Store, rules_dir: Path, jobs: int) -> float:
    """The same questions answered by the batch from request lines in memory (no database, no comparison; the
    VAE questions asked today rather than on their day, which costs the same)."""
    lines = [orjson.dumps({**{k: v for k, v in b["question"].items() if b["question"]["command"] == "missing"
                              or k != "date"}, "profile": b["profile"]})
             for b in (orjson.loads(body) for _, body in store.bodies())]
    chunks = [[(i + 1, line) for i, line in enumerate(lines[s:s + cohort.CHUNK])]
              for s in range(0, len(lines), cohort.CHUNK)]
    start = time.perf_counter()
    for write, _, _ in cohort.answered(iter(chunks), rules_dir, jobs):
        write(io.BytesIO())
    return time.perf_counter() - start


def cpu() -> float:
    """Processor time of this process and of its finished children (worker processes), user and system."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(run, runs: int) -> tuple[float, list[float], list[float]]:
    """(the first run, the runs after it, their processor times): on a machine others share, the processor
    time says what the wall-clock time would be with the cores free."""
    times, processor = [], []
    for _ in range(runs + 1):
        start, start_cpu = time.perf_counter(), cpu()
        run()
        times.append(time.perf_counter() - start)
        processor.append(cpu() - start_cpu)
    return times[0], times[1:], processor[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default=None, help="database URL (default: a new SQLite file)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cnam-bench-replay-") as scratch:
        work = Path(scratch)
        store = Store.open(options.db or str(work / "records.sqlite3"))
        rules = Rules.load()
        made = make_records(store, rules, options.records)
        print(f"{options.records} décisions enregistrées en {made:.1f} s ({options.records / made:.0f} par seconde : "
              f"calcul et écriture)")
        folder = corrected(work)
        report: dict = {}
        print(f"charge de la machine au départ : {os.getloadavg()[0]:.1f} (sur {os.cpu_count()} cœurs)")
        for jobs in (1, 2):
            first, rest, processor = timed(lambda: report.update(audit.replay(store, folder, jobs)), options.runs)
            _, base_rest, base_processor = timed(lambda: batch_seconds(store, folder, jobs), options.runs)
            median, base = statistics.median(rest), statistics.median(base_rest)
            print(f"replay --jobs {jobs} : {median:.2f} s (médiane de {options.runs}, de {min(rest):.2f} à "
                  f"{max(rest):.2f} s ; premier passage {first:.2f} s ; temps processeur "
                  f"{statistics.median(processor):.2f} s) ; lot seul : {base:.2f} s (processeur "
                  f"{statistics.median(base_processor):.2f} s) ; rapport {median / base:.2f} ; "
                  f"cible ≤ 10 s pour 10 000 : {'tenue' if median * 10_000 / options.records <= 10 else 'MANQUÉE'}")
        print(f"{report['changed']} décision(s) sur {report['records']} changent sous la correction : "
              + ", ".join(f"{k['kind']} ({k['count']})" for k in report["kinds"]))
        store.close()


if __name__ == "__main__":
    main()
