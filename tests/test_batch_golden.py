"""The batch's golden corpus: full answers, byte for byte, for requests of every kind.

`tests/golden/batch/requests.jsonl` holds complete files, dated and overlapping periods, thirds of a month,
part time, internships done, decided lengths (conflicts among them), VAE requests and wrong lines;
`answers.jsonl` the answer to each, as `cnam missing|vae --format json` prints it one by one. `cnam batch`
(which templates answers and runs the proved program on columns) must print exactly those bytes, with one
process or two. Rewrite the answers with `pytest tests/test_batch_golden.py --update-golden` (from the
answers made one by one, never from the batch), then review with `git diff`.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from conftest import ROOT, run_cnam

GOLDEN = ROOT / "tests" / "golden" / "batch"
DIPLOMAS = ["licence", "licence-l3", "bac+2", "bac+3", "bac+4", "ingenieur", "psychologue-travail", "certificat",
            "ingenierie-formation"]


def corpus(n: int = 240, seed: int = 13) -> list[dict | str]:
    """The requests of the corpus (a str: a line that is not a request)."""
    rng = random.Random(seed)
    found: list[dict | str] = []
    for i in range(n):
        kind = i % 8
        experiences = []
        for _ in range(rng.randint(0, 3)):
            e = {"field": rng.choice(["in", "out"]), "kind": rng.choice(["salaried", "salaried", "volunteer"])}
            if kind in (1, 2):  # dated, often overlapping
                start = f"20{rng.randint(15, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                end = f"20{rng.randint(16, 26)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                e.update(start=min(start, end), end=max(start, end))
            else:
                e["months"] = rng.choice([3, 6, 11, 12, 24, 25, 35, 36, 40, 10.33, 12.67, 1 / 3, 23.5])
            if kind == 3:
                e["time_share"] = rng.choice([0.5, 0.8, 1 / 3, 0.25])
            if rng.random() < 0.15:
                e["level"] = "insufficient"
            experiences.append(e)
        profile: dict = {"experiences": experiences}
        if kind == 4:
            profile["internships"] = [{"months": rng.choice([1, 3, 6]), "field": rng.choice(["in", "out"]),
                                       "report": rng.random() < 0.5}]
        if kind == 5:  # enough experience for an internship: the decided length fits its bounds, or conflicts
            experiences.append({"months": 36, "field": "out"})
            profile["decided_internship_months"] = rng.choice([1, 2, 2.5, 3, 4, 6, 8, 9, 12])
        if rng.random() < 0.2:
            profile["ue_acquired"] = rng.randint(0, 4)
        if kind == 6:
            found.append({"command": "vae", "certification": rng.choice(["LP110504", "CPN7700A"]), "year": 2025,
                          "profile": {**profile, "vae_requests": [{"certification": "LP110504", "year": 2025}]
                                      [:rng.randint(0, 1)]}})
        elif kind == 7 and i % 16 == 7:
            found.append(rng.choice(['{"command": "missing"', '[1, 2]', '{"command": "missing", "diploma": "x", '
                                     '"date": "2026-01-01", "profile": {}}',
                                     '{"command": "missing", "diploma": "licence", "date": "2026-01-01", '
                                     '"profile": {"experiences": [{"months": -1, "field": "in"}]}}']))
        else:
            request = {"command": "missing", "diploma": rng.choice(DIPLOMAS), "date": "2026-01-01",
                       "profile": profile}
            if rng.random() < 0.3:
                request["sources"] = [rng.choice(["cnam-na", "cnam-eleves"])]
            found.append(request)
    return found


def one_by_one(request: dict | str, tmp_path: Path) -> str:
    """The answer `cnam missing|vae --format json` prints for a request (compact); "" for a request the
    command line refuses too (exit 2), whose batch line is an error line."""
    if isinstance(request, str):
        return ""
    candidate = tmp_path / "c.json"
    candidate.write_text(json.dumps(request["profile"]), encoding="utf-8")
    if request["command"] == "vae":
        args = ["vae", "--certification", request["certification"], "--year", str(request["year"])]
    else:
        args = ["missing", "--diploma", request["diploma"], "--date", request["date"]]
        args += [a for s in request.get("sources", []) for a in ("--source", s)]
    result = run_cnam(*args, "--profile", str(candidate), "--format", "json")
    if result.returncode == 2 and len(result.stderr.splitlines()) == 1:
        return ""
    assert result.returncode == 0, result.stderr
    return json.dumps(json.loads(result.stdout), ensure_ascii=False, separators=(",", ":"))


@pytest.fixture(scope="module")
def golden(tmp_path_factory, update_golden):
    requests = [r if isinstance(r, str) else json.dumps(r) for r in corpus()]
    path, answers = GOLDEN / "requests.jsonl", GOLDEN / "answers.jsonl"
    if update_golden or not answers.exists():
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(requests) + "\n", encoding="utf-8")
        batch = run_cnam("batch", "--input", str(path)).stdout.splitlines()
        tmp = tmp_path_factory.mktemp("golden")
        made = [one_by_one(r, tmp) or line for r, line in zip(corpus(), batch)]  # errors: the batch's own line
        answers.write_text("\n".join(made) + "\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8") == "\n".join(requests) + "\n", "the corpus changed: --update-golden"
    return path, answers.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_batch_prints_the_golden_answers(golden, jobs):
    path, expected = golden
    result = run_cnam("batch", "--input", str(path), "--jobs", jobs)
    assert result.returncode == 0, result.stderr
    got = [json.loads(line) for line in result.stdout.splitlines()]
    want = [json.loads(line) for line in expected.decode().splitlines()]
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want), 1):
        assert a == b, f"line {i}"
    assert result.stdout.encode() == expected


@pytest.mark.slow
def test_the_golden_answers_are_the_commands_own(golden, tmp_path):
    """A sample of the golden answers, asked again one by one through the command line."""
    path, expected = golden
    answers = expected.decode().splitlines()
    for request, answer in list(zip(corpus(), answers))[::12]:
        made = one_by_one(request, tmp_path)
        if made:
            assert made == answer
        else:
            assert json.loads(answer).keys() == {"line", "error"}


def test_the_corpus_has_every_kind_of_request():
    requests = [r for r in corpus() if isinstance(r, dict)]
    text = json.dumps(requests)
    assert '"start"' in text and '"time_share"' in text and '"internships"' in text and "decided_internship" in text
    assert any(r["command"] == "vae" for r in requests) and len(requests) < len(corpus())
    assert 0.3333 < 1 / 3 and "0.3333333333333333" in text  # thirds of a month
