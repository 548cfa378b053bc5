"""The load test: `python bench/load.py [--requests 10000] [--clients 20] [--think 0] [--heavy 0]` against
`cnam serve` on 127.0.0.1.

Starts its own server on a free port of 127.0.0.1 (never anything else), sends a
fixed, seeded mix of valid questions (the worked examples of
shared/examples/cases.yaml and generated candidates) and invalid ones (about
20 %: wrong types, NaN, unknown ids, deep nesting, bytes that are not UTF-8,
too many periods, bodies over the limit) from concurrent clients, then stops
the server. Each ordinary client waits a random time after each answer (`--think`,
the mean, in seconds: 0 sends the next question at once); `--heavy` more clients
send, without pause, the most expensive valid questions (`heavy_questions`: the
longest candidate files the limits allow, dated and overlapping, with a conflict
to explain, and VAE with every list full), from a process of their own, while the ordinary ones are timed. Before timing, one question per requirement warms the server up
(its first answer compiles the requirement and proves its closed form: seconds,
not milliseconds). A valid request that does not get 200 with the same answer every
time is an error; an invalid one that does not get a 4xx is an error. Reports
the latencies (p50, p99), the throughput and the server's memory (VmRSS) at
start and end, and writes them into docs/robustness.md (between the
`load:start` / `load:end` markers; `--report -` writes nothing). Exit 1 on
any error.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import queue
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import children, rss_kib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # the only address this script ever targets
CASES = Path(os.environ.get("CNAM_SHARED", ROOT.parent / "shared")) / "examples" / "cases.yaml"
REPORT = ROOT / "docs" / "robustness.md"
START, END = "<!-- load:start -->", "<!-- load:end -->"
DAY = "2026-01-01"
DIPLOMAS = ["licence", "bac+2", "bac+3", "bac+4", "licence-l3", "ingenieur", "certificat", "psychologue-travail",
            "ingenierie-formation"]


@dataclass(frozen=True)
class Question:
    valid: bool
    path: str
    body: bytes
    kind: str  # what the question is (for the report)


@dataclass
class Tally:
    latencies: dict[bool, list[float]] = field(default_factory=lambda: {True: [], False: []})
    heavy: list[float] = field(default_factory=list)
    heavy_statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    answers: dict[bytes, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


# ---------------------------------------------------------------- questions


def worked_examples() -> list[Question]:
    if not CASES.exists():
        return []
    found = []
    for case in yaml.safe_load(CASES.read_text(encoding="utf-8")):
        profile = json.loads(json.dumps(case["profile"], default=str))
        if case["command"] == "vae":
            body = {"certification": case["certification"], "year": case["year"], "profile": profile}
            found.append(Question(True, "/api/vae", json.dumps(body).encode(), "exemple"))
            continue
        body = {"diploma": case["diploma"], "date": DAY, "profile": profile}
        body.update({k: case[k] for k in ("sources", "milestone") if k in case})
        found.append(Question(True, "/api/missing", json.dumps(body).encode(), "exemple"))
    return found


def generated_candidate(rng: random.Random) -> dict:
    experiences = []
    for _ in range(rng.randint(0, 4)):
        entry = {"field": rng.choice(["in", "out"])}
        if rng.random() < 0.7:
            entry["months"] = rng.choice([1, 3, 6, 12, 18, 24, 30, 36, 48, round(rng.uniform(0.5, 80), 1)])
        else:
            start = date(rng.randint(2005, 2023), rng.randint(1, 12), rng.randint(1, 28))
            entry["start"], entry["end"] = start.isoformat(), date(start.year + rng.randint(1, 3), start.month,
                                                                   start.day).isoformat()
        if rng.random() < 0.3:
            entry["kind"] = rng.choice(["salaried", "self_employed", "volunteer", "union"])
        if rng.random() < 0.2:
            entry["time_share"] = rng.choice([0.5, 0.8])
        experiences.append(entry)
    candidate = {"experiences": experiences}
    if rng.random() < 0.3:
        candidate["internships"] = [{"months": rng.choice([1, 2, 3, 6]), "field": rng.choice(["in", "out"])}]
    if rng.random() < 0.2:
        candidate["decided_internship_months"] = rng.choice([1, 2, 3, 4, 6])
    if rng.random() < 0.3:
        candidate["ue_acquired"] = rng.randint(0, 5)
    return candidate


def generated_valid(rng: random.Random) -> Question:
    diploma = rng.choice(DIPLOMAS)
    body = {"diploma": diploma, "date": DAY, "profile": generated_candidate(rng)}
    if diploma == "licence" and rng.random() < 0.5:
        body["sources"] = [rng.choice(["cnam-na", "cnam-eleves"])]
    return Question(True, "/api/missing", json.dumps(body).encode(), "généré")


def invalid(rng: random.Random) -> Question:
    good = {"diploma": "licence", "date": DAY, "profile": generated_candidate(rng)}
    text = json.dumps(good)
    choices = {
        "type": lambda: json.dumps({**good, "diploma": rng.choice([3, None, [], {"a": 1}])}),
        "nan": lambda: text.replace('"profile": {', '"profile": {"name": NaN, ', 1),
        "diplôme inconnu": lambda: json.dumps({**good, "diploma": "doctorat"}),
        "source inconnue": lambda: json.dumps({**good, "sources": ["wikipedia"]}),
        "date": lambda: json.dumps({**good, "date": "2026-02-30"}),
        "durée": lambda: json.dumps({**good, "profile": {"experiences": [{"months": -3, "field": "in"}]}}),
        "champ inconnu": lambda: json.dumps({**good, "couleur": "bleu"}),
        "imbrication": lambda: text.replace('"profile": {', '"profile": {"name": ' + "[" * 200 + "]" * 200 + ", ", 1),
        "non UTF-8": lambda: text.replace("licence", "lic\udce9nce").encode("utf-8", "surrogateescape").decode(
            "latin-1"),
        "trop de périodes": lambda: json.dumps({**good, "profile": {"experiences": [{"months": 1, "field": "in"}] * 1001}}),
        "pas du JSON": lambda: "{diploma: licence",
        "étiquette YAML": lambda: json.dumps({**good, "profile": {"name": "x", "experiences": "!!python/name:os.system"}}),
    }
    kind = rng.choice(list(choices))
    if rng.random() < 0.01:
        kind, body = "trop volumineux", json.dumps({**good, "profile": {"name": "x" * 300_000}}).encode()
    else:
        body = choices[kind]().encode("latin-1" if kind == "non UTF-8" else "utf-8")
    return Question(False, "/api/missing", body, kind)


def heavy_questions(seed: int = 19) -> list[Question]:
    """The most expensive valid questions: 1000 dated, overlapping, part-time periods (the limit), counted day by
    day; for ingenieur's examen probatoire with a jury decision under its floor (a conflict: Z3's minimal core);
    and VAE with 1000 periods and 1000 earlier requests."""
    rng = random.Random(seed)
    made = []
    for k in range(4):
        periods = []
        for _ in range(1000):
            start = date(rng.randint(1990, 2024), rng.randint(1, 12), rng.randint(1, 28))
            end = date(min(start.year + rng.randint(0, 4), 2025), rng.randint(1, 12), rng.randint(1, 28))
            if end <= start:
                end = date(start.year + 1, start.month, start.day)
            periods.append({"start": start.isoformat(), "end": end.isoformat(), "field": rng.choice(["in", "out"]),
                            "time_share": rng.choice([0.25, 0.5, 0.8, 1]),
                            "kind": rng.choice(["salaried", "self_employed", "volunteer", "union"])})
        if k % 2 == 0:
            body = {"diploma": "ingenieur", "milestone": "probatoire", "date": DAY,
                    "profile": {"experiences": periods, "decided_internship_months": 0.5}}
            made.append(Question(True, "/api/missing", json.dumps(body).encode(), "lourde"))
        else:
            requests = [{"certification": f"C{n:06d}", "year": 2025 + n % 3} for n in range(1000)]
            body = {"certification": "LP110504", "year": 2026, "profile": {"experiences": periods,
                                                                           "vae_requests": requests}}
            made.append(Question(True, "/api/vae", json.dumps(body).encode(), "lourde"))
    return made


def warm_up() -> list[Question]:
    """One question per requirement the run asks about (what an adviser's first questions would do)."""
    asked = [{"diploma": d, "date": DAY, "profile": {}} for d in DIPLOMAS]
    asked += [{"diploma": "licence", "date": DAY, "sources": [s], "profile": {}} for s in ("cnam-na", "cnam-eleves")]
    return worked_examples() + [Question(True, "/api/missing", json.dumps(b).encode(), "") for b in asked]


def questions(count: int, invalid_share: float, seed: int) -> list[Question]:
    rng = random.Random(seed)
    examples = worked_examples()
    made = []
    for _ in range(count):
        if rng.random() < invalid_share:
            made.append(invalid(rng))
        elif examples and rng.random() < 0.3:
            made.append(rng.choice(examples))
        else:
            made.append(generated_valid(rng))
    return made


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(port: int, log) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "cnam_dsl", "serve", "--host", HOST, "--port", str(port)],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"cnam serve s'est arrêté (code {process.returncode})")
        try:
            if httpx.get(f"http://{HOST}:{port}/api/sources", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError("cnam serve ne répond pas après 90 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User and system time of a process and its children (VmRSS of the workers: `children`)."""
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            pass
    return total


# ---------------------------------------------------------------- the run


def client(url: str, work: queue.Queue, tally: Tally, stop_at: float, think: float, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as http:
        while time.monotonic() < stop_at:
            try:
                q = work.get_nowait()
            except queue.Empty:
                return
            ask(http, q, tally)
            if think:
                time.sleep(rng.uniform(0, 2 * think))


def heavy_client(url: str, heavy: list[Question], tally: Tally, done, seed: int) -> None:
    """Sends the most expensive valid questions, without pause, until the ordinary clients are done."""
    rng = random.Random(seed)
    with httpx.Client(base_url=url, timeout=120) as http:
        while not done.is_set():
            ask(http, rng.choice(heavy), tally)


def heavy_results(process, results) -> tuple:
    """The heavy clients' figures, once their process has sent them (SystemExit if it stopped without)."""
    while True:
        try:
            found = results.get(timeout=1)
            process.join(timeout=60)
            return found
        except queue.Empty:
            if not process.is_alive():
                raise SystemExit(f"les clients lourds se sont arrêtés (code {process.exitcode})") from None


def heavy_process(url: str, clients: int, seed: int, done, results) -> None:
    """The heavy clients, in a process of their own: sending 100-150 kB bodies and reading the answers must not
    take the interpreter from the timed clients (their latencies would count the load generator, not the
    server). Their figures go back through `results` once `done` is set."""
    tally, expensive = Tally(), heavy_questions()
    threads = [threading.Thread(target=heavy_client, args=(url, expensive, tally, done, seed + k))
               for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((tally.heavy, tally.heavy_statuses, tally.errors))


def ask(http: httpx.Client, q: Question, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        response = http.post(q.path, content=q.body, headers={"content-type": "application/json"})
        status, content = response.status_code, response.content
    except httpx.HTTPError as error:
        status, content = 0, str(error).encode()
    elapsed = time.perf_counter() - started
    with tally.lock:
        if q.kind == "lourde":
            tally.heavy.append(elapsed)
            tally.heavy_statuses[status] = tally.heavy_statuses.get(status, 0) + 1
            if status not in (200, 503):  # a heavy question may be refused for lack of time, never wrongly
                tally.errors.append(f"lourde : {status} {content[:160]!r}")
            elif status == 200 and tally.answers.setdefault(q.body, content) != content:
                tally.errors.append("lourde : réponse différente pour la même question")
            return
        tally.latencies[q.valid].append(elapsed)
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if q.valid and status != 200:
            tally.errors.append(f"valide {q.kind} : {status} {content[:160]!r}")
        elif q.valid and tally.answers.setdefault(q.body, content) != content:
            tally.errors.append(f"valide {q.kind} : réponse différente pour la même question")
        elif not q.valid and not 400 <= status < 500:
            tally.errors.append(f"invalide {q.kind} : {status} {content[:160]!r}")


def run(requests: int = 10_000, clients: int = 20, invalid_share: float = 0.2, seed: int = 8,
        max_seconds: float = 900.0, think: float = 0.0, heavy: int = 0) -> dict:
    """Start a server, load it, stop it; the figures as a dict."""
    work: queue.Queue = queue.Queue()
    for q in questions(requests, invalid_share, seed):
        work.put(q)
    expensive = heavy_questions() if heavy else []
    port = free_port()
    with open(os.devnull, "w") as log:
        server = start_server(port, log)
        url = f"http://{HOST}:{port}"
        try:
            for q in warm_up() + expensive:  # each requirement compiled and its closed form proved once, before timing
                httpx.post(url + q.path, content=q.body, timeout=120, headers={"content-type": "application/json"})
            rss_start, tally, peak = rss_kib(server.pid), Tally(), [0, 0]
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.wait(0.5):
                    peak[0] = max(peak[0], rss_kib(server.pid))
                    peak[1] = max(peak[1], sum(rss_kib(p) for p in children(server.pid)))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            cpu_start, load_start = cpu_seconds(server.pid), os.getloadavg()[0]
            started = time.monotonic()
            stop_at = started + max_seconds
            context = multiprocessing.get_context("spawn")
            done, results = context.Event(), context.Queue()
            heavies = context.Process(target=heavy_process, args=(url, heavy, seed, done, results), daemon=True)
            if heavy:
                heavies.start()
            threads = [threading.Thread(target=client, args=(url, work, tally, stop_at, think, seed + k))
                       for k in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
            done.set()
            if heavy:
                tally.heavy, tally.heavy_statuses, errors = heavy_results(heavies, results)
                tally.errors += errors
            cpu, load_end = cpu_seconds(server.pid) - cpu_start, os.getloadavg()[0]
            sampling.set()
            sampler.join()
            rss_end = rss_kib(server.pid)
            alive = server.poll() is None and httpx.get(url + "/api/sources", timeout=10).status_code == 200
        finally:
            stop_server(server)
    done_count = len(tally.latencies[True]) + len(tally.latencies[False])
    every = sorted(tally.latencies[True] + tally.latencies[False])
    valid = sorted(tally.latencies[True])
    heavy_times = sorted(tally.heavy)
    return {
        "requests": done_count, "asked": requests, "clients": clients, "think": think, "heavy": heavy,
        "valid": len(valid), "invalid": len(tally.latencies[False]), "errors": len(tally.errors),
        "error_samples": tally.errors[:5], "statuses": dict(sorted(tally.statuses.items())), "seconds": elapsed,
        "per_second": done_count / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * percentile(every, 50), "p99_ms": 1000 * percentile(every, 99),
        "valid_p50_ms": 1000 * percentile(valid, 50), "valid_p99_ms": 1000 * percentile(valid, 99),
        "max_ms": 1000 * (every[-1] if every else 0.0),
        "heavy_requests": len(heavy_times), "heavy_statuses": dict(sorted(tally.heavy_statuses.items())),
        "heavy_p50_ms": 1000 * percentile(heavy_times, 50), "heavy_max_ms": 1000 * (heavy_times[-1] if heavy_times else 0),
        "cpu_seconds": cpu, "load_average": (load_start, load_end),
        "rss_start_mib": rss_start / 1024, "rss_end_mib": rss_end / 1024, "rss_peak_mib": peak[0] / 1024,
        "workers_peak_mib": peak[1] / 1024,
        "server_alive": alive, "timed_out": done_count < requests,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}",
        "date": date.today().isoformat(),
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if p < 100 else values[-1]


def table(f: dict) -> str:
    pace = f"each waiting 0 to {2 * f['think']:g} s after an answer" if f["think"] else "without pause"
    rows = [
        ("requests (valid / invalid)", f"{f['requests']} ({f['valid']} / {f['invalid']}), {f['clients']} clients, "
                                       f"{pace}"),
        ("errors", f"{f['errors']}"),
        ("HTTP statuses", ", ".join(f"{k}: {v}" for k, v in f["statuses"].items())),
        ("latency p50 / p99 (all)", f"{f['p50_ms']:.1f} ms / {f['p99_ms']:.1f} ms (max {f['max_ms']:.0f} ms)"),
        ("latency p50 / p99 (valid)", f"{f['valid_p50_ms']:.1f} ms / {f['valid_p99_ms']:.1f} ms"),
        ("throughput", f"{f['per_second']:.0f} requests/s ({f['seconds']:.1f} s)"),
    ]
    if f["heavy"]:
        rows.append(("heavy clients (most expensive valid questions, without pause)",
                     f"{f['heavy']} clients, {f['heavy_requests']} questions ("
                     + ", ".join(f"{k}: {v}" for k, v in f["heavy_statuses"].items())
                     + f"), p50 {f['heavy_p50_ms']:.0f} ms, max {f['heavy_max_ms']:.0f} ms"))
    rows += [
        ("server CPU (process and workers)", f"{f['cpu_seconds']:.1f} s ({f['cpu_seconds'] / f['seconds']:.2f} "
                                             f"core on average)"),
        ("server memory (VmRSS) start / end / peak",
         f"{f['rss_start_mib']:.1f} MiB / {f['rss_end_mib']:.1f} MiB / {f['rss_peak_mib']:.1f} MiB "
         f"(worker processes, peak: {f['workers_peak_mib']:.1f} MiB together)"),
        ("server up at the end", "yes" if f["server_alive"] else "NO"),
        ("machine, date", f"{f['machine']}, {f['date']}; load average (1 min) at start / end: "
                          f"{f['load_average'][0]:.1f} / {f['load_average'][1]:.1f}"),
    ]
    return "\n".join(["| figure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows])


def write_report(path: Path, figures: dict) -> None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path} : marqueurs {START} / {END} introuvables")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    command = f"python bench/load.py --requests {figures['asked']} --clients {figures['clients']}"
    if figures["think"]:
        command += f" --think {figures['think']:g}"
    if figures["heavy"]:
        command += f" --heavy {figures['heavy']}"
    path.write_text(f"{before}{START}\n`{command}`:\n\n{table(figures)}\n{END}{after}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--invalid", type=float, default=0.2, help="share of invalid requests (default 0.2)")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop sending after this long")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause of an ordinary client after each answer, in seconds (default 0)")
    parser.add_argument("--heavy", type=int, default=0,
                        help="clients sending the most expensive valid questions without pause (default 0)")
    parser.add_argument("--report", default=str(REPORT), help="Markdown file to update ('-': none)")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 1_000_000 or not 1 <= args.clients <= 200:
        parser.error("--requests between 1 and 1000000, --clients between 1 and 200")
    figures = run(args.requests, args.clients, args.invalid, args.seed, args.max_seconds, args.think, args.heavy)
    print(table(figures))
    for sample in figures["error_samples"]:
        print("erreur :", sample)
    if args.report != "-":
        write_report(Path(args.report), figures)
    return 1 if figures["errors"] or not figures["server_alive"] or figures["timed_out"] else 0


if __name__ == "__main__":
    sys.exit(main())
