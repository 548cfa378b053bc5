"""The second ways of computing an answer agree with the first: the HTTP API and the rule-base cache; the command
line, the API and the batch accept and refuse the same inputs.

(The closed forms against the solver: tests/test_fast.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ask
from cnam_dsl.candidate import read_profile
from cnam_dsl.solve import Engine

from conftest import ROOT, run_cnam

pytestmark = pytest.mark.slow
DAY = "2026-01-01"
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
QUESTIONS = [("licence", None, "delivery"), ("licence", ["cnam-na"], "delivery"), ("bac+2", None, "delivery"),
             ("bac+2", ["cnam-eleves"], "delivery"), ("bac+3", None, "delivery"), ("bac+4", None, "delivery"),
             ("licence-l3", None, "delivery"), ("ingenieur", None, "delivery"), ("ingenieur", None, "probatoire"),
             ("ingenieur", ["cnam-eleves"], "application"), ("certificat", None, "delivery"),
             ("psychologue-travail", None, "delivery"), ("ingenierie-formation", None, "delivery")]

months = st.sampled_from([1, 3, 6, 11.5, 12, 18, 24, 30, 36, 48, 60]) | st.floats(0.1, 120).map(lambda m: round(m, 2))
by_months = st.fixed_dictionaries(
    {"months": months, "field": st.sampled_from(["in", "out"])},
    optional={"kind": st.sampled_from(["salaried", "self_employed", "volunteer", "union"]),
              "level": st.sampled_from(["sufficient", "insufficient"]),
              "time_share": st.sampled_from([0.25, 0.5, 0.8, 1.0])})
by_dates = st.builds(
    lambda start, days, field: {"start": start.isoformat(),
                                "end": date.fromordinal(start.toordinal() + days).isoformat(), "field": field},
    st.dates(date(2005, 1, 1), date(2025, 1, 1)), st.integers(1, 2000), st.sampled_from(["in", "out"]))
internships = st.fixed_dictionaries({"months": st.sampled_from([1, 2, 3, 4.5, 6])},
                                    optional={"field": st.sampled_from(["in", "out"]), "report": st.booleans()})
candidates = st.fixed_dictionaries(
    {"experiences": st.lists(by_months | by_dates, max_size=4)},
    optional={"internships": st.lists(internships, max_size=2), "ue_acquired": st.integers(0, 6),
              "decided_internship_months": st.sampled_from([1, 2, 3, 4, 6, 8]), "name": st.just("Candidat")})


def in_process(engine, question, candidate: dict) -> dict:
    diploma, sources, milestone = question
    answer = ask(engine, diploma, read_profile(candidate), sources, milestone, date.fromisoformat(DAY))
    return json.loads(json.dumps(answer))


@SETTINGS
@given(question=st.sampled_from(QUESTIONS), candidate=candidates)
def test_the_api_gives_exactly_the_in_process_answer(client, engine, question, candidate):
    diploma, sources, milestone = question
    body = {"diploma": diploma, "milestone": milestone, "date": DAY, "profile": candidate}
    if sources:
        body["sources"] = sources
    response = client.post("/api/missing", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == in_process(engine, question, candidate)


# ---------------------------------------------------------------- the same inputs everywhere (issue 19, item 12)

GOOD = '{"experiences": [{"months": 40, "field": "out"}]}'
# Before, a repeated key was refused by the command line and kept by the API and the batch; `20260101` was a day
# for the command line only; the API took days from year 1; a VAE question could name any year.
INPUTS = {
    "a good question": ("missing", {"diploma": "licence", "date": "2026-01-01"}, GOOD),
    "a day written 20260101": ("missing", {"diploma": "licence", "date": "20260101"}, GOOD),
    "a day in year 1": ("missing", {"diploma": "licence", "date": "0001-01-01"}, GOOD),
    "a key repeated in the candidate": ("missing", {"diploma": "licence", "date": "2026-01-01"},
                                        '{"experiences": [{"months": 40, "field": "out", "field": "in"}]}'),
    "a period from 1899": ("missing", {"diploma": "licence", "date": "2026-01-01"},
                           '{"experiences": [{"start": "1899-12-31", "end": "1901-01-01", "field": "in"}]}'),
    "an earlier request's year as text": ("vae", {"certification": "LP110504", "year": "2026"},
                                          '{"vae_requests": [{"certification": "LP110504", "year": "2025"}]}'),
    "a VAE question in 2201": ("vae", {"certification": "LP110504", "year": "2201"}, GOOD),
    "a good VAE question": ("vae", {"certification": "LP110504", "year": "2026"}, GOOD),
}


def _fields_text(options: dict, profile: str) -> str:
    """The question as JSON text, the candidate written as given (a repeated key stays repeated)."""
    return "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in options.items()) + f'"profile": {profile}'


def _by_command_line(tmp_path, command: str, options: dict, profile: str) -> tuple[str, object]:
    candidate = tmp_path / "candidate.json"
    candidate.write_text(profile, encoding="utf-8")
    args = [a for k, v in options.items() for a in (f"--{k}", v)]
    result = run_cnam(command, *args, "--profile", str(candidate), "--format", "json")
    if result.returncode == 0:
        return "answer", json.loads(result.stdout)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    return "refused", result.stderr


def test_the_command_line_the_api_and_the_batch_accept_the_same_inputs(client, tmp_path):
    lines = ["{" + f'"command": "{command}", ' + _fields_text(options, profile) + "}"
             for command, options, profile in INPUTS.values()]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = run_cnam("batch", "--input", str(tmp_path / "in.jsonl"))
    assert batch.returncode == 0, batch.stderr
    for what, line, (command, options, profile) in zip(INPUTS, batch.stdout.splitlines(), INPUTS.values()):
        body = "{" + _fields_text(options, profile) + "}"
        response = client.post(f"/api/{command}", content=body, headers={"content-type": "application/json"})
        by_batch = json.loads(line)
        kind, shown = _by_command_line(tmp_path, command, options, profile)
        if response.status_code == 200:
            assert kind == "answer" and response.json() == shown == by_batch, what
        else:
            assert response.status_code == 422 and kind == "refused" and "error" in by_batch, (what, response.text)
            reason = response.json()["detail"][0]["msg"]
            assert reason in shown and reason in by_batch["error"], (what, reason, shown, by_batch)


# ---------------------------------------------------------------- the rule-base cache (cnam_dsl/cache.py)


@contextmanager
def environment(**values: str | None):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    for k in (k for k, v in values.items() if v is None):
        os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def cached_engine(tmp_path_factory):
    """An engine over the rule base as read back from the cache (written by a first load)."""
    cache = pytest.importorskip("cnam_dsl.cache")
    folder = tmp_path_factory.mktemp("cache")
    with environment(CNAM_CACHE_DIR=str(folder), CNAM_NO_CACHE=None):
        cache.cached_rule_base(ROOT / "rules")  # writes the entry
        assert list(folder.glob("rules-*.pickle")), "the cache wrote nothing"
        base, diagnostics = cache.cached_rule_base(ROOT / "rules")  # reads it back
    assert base is not None and diagnostics == []  # diagnostics are not kept: read from the cache
    return Engine(base)


@SETTINGS
@given(question=st.sampled_from(QUESTIONS), candidate=candidates)
def test_the_rule_base_from_the_cache_answers_as_the_one_just_checked(engine, cached_engine, question, candidate):
    assert in_process(cached_engine, question, candidate) == in_process(engine, question, candidate)


def test_the_command_answers_the_same_with_the_cache_on_off_and_warm(tmp_path):
    pytest.importorskip("cnam_dsl.cache")
    candidate = tmp_path / "c.json"
    candidate.write_text(json.dumps({"experiences": [{"months": 30, "field": "out"}, {"months": 7, "field": "in"}],
                                     "internships": [{"months": 2, "field": "in"}]}), encoding="utf-8")
    args = [sys.executable, "-m", "cnam_dsl", "missing", "--diploma", "licence", "--date", DAY,
            "--profile", str(candidate), "--format", "json"]
    folder = tmp_path / "cache"
    answers = []
    for extra in ({"CNAM_NO_CACHE": "1"}, {"CNAM_CACHE_DIR": str(folder)}, {"CNAM_CACHE_DIR": str(folder)}):
        env = {k: v for k, v in os.environ.items() if k not in ("CNAM_NO_CACHE", "CNAM_CACHE_DIR")} | extra
        result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        answers.append(json.loads(result.stdout))
        if "CNAM_NO_CACHE" in extra:
            assert not folder.exists()
    assert answers[0] == answers[1] == answers[2]
    assert list(folder.glob("rules-*.pickle"))
