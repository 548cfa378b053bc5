"""`cnam batch`: one answer line per request line, in order, the same JSON as `cnam missing`; impact of a change."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest
import yaml
from conftest import ROOT, run_cnam

REQUESTS = [
    {"command": "missing", "diploma": "licence", "date": "2026-01-01",
     "profile": {"experiences": [{"months": 25, "field": "out"}, {"months": 11, "field": "in"}]}},
    "not json",
    {"command": "missing", "diploma": "bac+4", "sources": ["cnam-eleves"], "date": "2026-01-01",
     "profile": {"experiences": [{"months": 24, "field": "out"}]}},
    {"command": "vae", "certification": "LP110504", "year": 2026,
     "profile": {"experiences": [{"months": 12, "field": "in", "kind": "union"}]}},
    {"command": "missing", "diploma": "nope", "profile": {}},
    {"command": "missing", "diploma": "licence", "profile": {"experiences": [{"months": -3, "field": "out"}]}},
    {"command": "missing", "diploma": "licence", "date": "2026-01-01",
     "profile": {"experiences": [{"months": 40, "field": "out"}], "decided_internship_months": 2}},
]


def write_requests(path):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in REQUESTS), encoding="utf-8")
    return path


def test_answers_come_in_order_with_errors_as_lines(tmp_path):
    result = run_cnam("batch", "--input", str(write_requests(tmp_path / "in.jsonl")))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(REQUESTS)
    assert [line.get("line") for line in lines] == [None, 2, None, None, 5, 6, None]
    assert lines[0]["status"] == "internship" and lines[2]["status"] == "missing"
    assert lines[3]["status"] == "eligible" and lines[6]["status"] == "conflict"
    assert all(line["error"] for line in lines if "line" in line)


def test_each_answer_is_what_cnam_missing_prints(tmp_path):
    result = run_cnam("batch", "--input", str(write_requests(tmp_path / "in.jsonl")))
    first = json.loads(result.stdout.splitlines()[0])
    profile = tmp_path / "p.yaml"
    profile.write_text(yaml.safe_dump(REQUESTS[0]["profile"]), encoding="utf-8")
    single = run_cnam("missing", "--diploma", "licence", "--profile", str(profile), "--format", "json",
                      "--date", "2026-01-01")
    assert first == json.loads(single.stdout)


def test_a_line_too_long_is_an_error_line_and_the_next_lines_are_answered(tmp_path):
    from cnam_dsl.batch.cohort import MAX_LINE_BYTES

    path = tmp_path / "in.jsonl"
    huge = {**REQUESTS[0], "profile": {"name": "x" * (2 * MAX_LINE_BYTES)}}
    path.write_text("\n".join(json.dumps(r) for r in (REQUESTS[0], huge, REQUESTS[2])) + "\n", encoding="utf-8")
    result = run_cnam("batch", "--input", str(path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[1] == {"line": 2, "error": f"ligne trop longue (plus de {MAX_LINE_BYTES} octets) ; une requête "
                                            "par ligne"}
    assert lines[0]["status"] == "internship" and lines[2]["status"] == "missing"


def test_several_jobs_give_the_same_lines(tmp_path, monkeypatch):
    """Three tasks' worth of lines (errors among them) through two workers: the lines of one job, in
    order; the workers' temporary files are gone at the end."""
    path = tmp_path / "in.jsonl"
    lines = [json.dumps({**REQUESTS[0], "profile": {"experiences": [{"months": m % 97 + 0.25, "field": "out"}]}})
             for m in range(17000)]
    lines[17], lines[9000] = "not json", json.dumps({**REQUESTS[0], "diploma": "nope"})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    one = run_cnam("batch", "--input", str(path))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    two = run_cnam("batch", "--input", str(path), "--jobs", "2")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout and len(one.stdout.splitlines()) == 17000
    assert one.stdout.splitlines()[17].startswith('{"line":18,"error":')
    assert list((tmp_path / "tmp").iterdir()) == []
    appended = tmp_path / "out.jsonl"  # the workers' files copied to a file opened to append (`>>`)
    appended.write_text("before\n", encoding="utf-8")
    with appended.open("ab") as out:
        subprocess.run([sys.executable, "-m", "cnam_dsl", "batch", "--input", str(path), "--jobs", "2"], stdout=out,
                       cwd=ROOT, check=True, timeout=120)
    assert appended.read_text(encoding="utf-8") == "before\n" + one.stdout


def test_the_impact_of_a_change_of_rules(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    bac4 = rules / "cnam-eleves" / "rncp.cnr"
    bac4.write_text(bac4.read_text(encoding="utf-8").replace("d'au moins 3 ans", "d'au moins 2 ans"),
                    encoding="utf-8")
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"command": "missing", "diploma": "bac+4", "sources": ["cnam-eleves"],
                                        "date": "2026-01-01", "profile": {"experiences": [
                                            {"months": m, "field": "out"}]}}) + "\n" for m in (12, 24, 30, 40)),
                    encoding="utf-8")
    result = run_cnam("batch", "--input", str(path), "--against", str(rules), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    kinds = {k["kind"]: k for k in report["kinds"]}
    assert report["candidates"] == 4 and report["changed"] == 4  # the quoted rule's text changes in every answer
    assert kinds["statut : missing → internship"]["count"] == 2
    assert [e["line"] for e in kinds["statut : missing → internship"]["examples"]] == [2, 3]
    assert kinds["montants : missing_months"]["examples"][0]["before"]["missing_months"] == 24
    assert kinds["explication"]["count"] == 1


def test_lines_are_read_in_blocks_as_they_are_written(tmp_path, monkeypatch):
    """`read_chunks` reads blocks, not lines: every line, numbered, blank ones too (each gets its error line),
    those over the limit given as None (also across blocks and at the end of the file), in chunks of the size
    asked; an unfinished last line only if it holds something."""
    from cnam_dsl.batch import cohort as batch

    monkeypatch.setattr(batch, "MAX_LINE_BYTES", 50)
    monkeypatch.setattr(batch, "BLOCK", 64)
    rng = random.Random(3)
    for trial in range(300):
        lines = [b"x" * rng.choice([0, 1, 5, 49, 50, 51, 63, 64, 65, 130, 200]) + rng.choice([b"", b" ", b"\r"])
                 for _ in range(rng.randint(0, 30))]
        data = b"\n".join(lines) + rng.choice([b"", b"\n"])
        path = tmp_path / f"{trial}.jsonl"
        path.write_bytes(data)
        pieces = data.split(b"\n")
        unfinished = pieces.pop()
        if unfinished.strip() or len(unfinished) > 50:
            pieces.append(unfinished)
        expected = [(n, None if len(t) > 50 else t) for n, t in enumerate(pieces, 1)]
        chunks = list(batch.read_chunks(str(path), 7))
        assert [line for chunk in chunks for line in chunk] == expected
        assert all(len(chunk) == 7 for chunk in chunks[:-1])


# ---------------------------------------------------------------- hostile cohorts (issue 19)


def test_output_line_n_answers_input_line_n_blank_lines_included(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(REQUESTS[0]) + "\n\n   \n" + json.dumps(REQUESTS[2]) + "\n\n", encoding="utf-8")
    result = run_cnam("batch", "--input", str(path))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and len(lines) == 5
    assert lines[0]["status"] == "internship" and lines[3]["status"] == "missing"
    assert [lines[k] for k in (1, 2, 4)] == [{"line": n, "error": "ligne vide ; attendu une requête JSON (une par "
                                                                 "ligne)"} for n in (2, 3, 5)]


def test_a_key_repeated_in_a_line_is_refused_as_the_command_line_and_the_api_refuse_it(tmp_path):
    good = json.dumps(REQUESTS[0])
    repeated = [
        good.replace('"diploma": "licence"', '"diploma": "bac+2", "diploma": "licence"'),
        good.replace('"field": "in"', '"field": "out", "field": "in"'),
        good.replace('"command": "missing"', '"command" : "missing", "command": "missing"'),
    ]
    alike = [good.replace('"command": "missing"', '"command" : "missing"'),  # a space before the colon
             json.dumps({**REQUESTS[0], "profile": {**REQUESTS[0]["profile"], "name": 'dit "oui": non'}})]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(repeated + alike + [good]) + "\n", encoding="utf-8")
    result = run_cnam("batch", "--input", str(path), "--jobs", "2")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("error") for line in lines[:3]] == [
        "JSON refusé : clé « diploma » en double", "JSON refusé : clé « field » en double",
        "JSON refusé : clé « command » en double"]
    assert [line["status"] for line in lines[3:]] == ["internship"] * 3


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["SIGTERM", "Ctrl-C"])
def test_a_stopped_batch_removes_its_files_and_says_so_in_one_line(tmp_path, stop):
    sys.path.insert(0, str(ROOT / "bench"))
    from cohort import realistic

    cohort = realistic(tmp_path / "cohort.jsonl", 60_000)
    folder = tmp_path / "tmp"
    folder.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "cnam_dsl", "batch", "--input", str(cohort), "--jobs", "2"],
                               cwd=ROOT, env={**os.environ, "TMPDIR": str(folder)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(folder.glob("cnam-batch-*/*")) and time.monotonic() < deadline:
            time.sleep(0.02)  # until a worker has written answers to a file
        assert process.poll() is None, "the batch ended before it could be stopped"
        if stop == "SIGTERM":
            process.send_signal(signal.SIGTERM)
        else:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does: the whole group
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 2 and stderr.splitlines() == ["cnam: interrompu"], stderr
    assert list(folder.iterdir()) == []


def test_what_the_batch_remembers_is_bounded_in_bytes(monkeypatch, base):
    """Templates, answers by question and answers by line stay within their byte budgets (small here), whatever
    the cohort: realistic lines, all different (issue 19: memory grew with the cohort)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from cohort import request

    from cnam_dsl.batch import cohort as batch
    from cnam_dsl.rules import Rules

    monkeypatch.setattr(batch, "TEMPLATE_BYTES", 200_000)
    monkeypatch.setattr(batch, "KNOWN_BYTES", 300_000)
    monkeypatch.setattr(batch, "ANSWER_BYTES", 50_000)
    answerer = batch.Answerer(Rules(base))
    rng = random.Random(9)
    seen = {"templates": 0, "known": 0, "memo": 0}
    for start in range(0, 3000, 500):
        lines = [json.dumps(request(rng, n)).encode() for n in range(start, start + 500)]
        answered = answerer.lines(list(enumerate(lines, start + 1)))
        assert not any(a.startswith(b'{"line":') for a in answered)
        for name, memo, budget in (("templates", answerer.writer.templates, 200_000),
                                   ("known", answerer._known, 300_000), ("memo", answerer._memo, 50_000)):
            assert memo.bytes <= budget, name
            seen[name] = max(seen[name], memo.bytes)
    assert seen["templates"] > 100_000 and seen["known"] > 200_000, seen  # the budgets were reached, and held
