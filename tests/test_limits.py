"""Every explicit limit (docs/limits.md), at its value: hit, it is a clear error, never a guess nor a crash."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from fastapi.testclient import TestClient

from cnam_dsl.language import check
from cnam_dsl.candidate import schema as profile
from helpers import ask
from cnam_dsl.candidate import ProfileError, load_profile, read_profile, read_profile_text
from cnam_dsl.solve import Engine, SolverError
from cnam_dsl.rules import Rules
from cnam_dsl.web.app import MAX_BODY_BYTES, create_app

from conftest import ROOT

ON = date(2026, 1, 1)
HARD = {"experiences": [{"months": 20, "field": "out"}], "decided_internship_months": 1}


# ---------------------------------------------------------------- the rule base


def test_a_rule_base_over_max_blocks_is_refused_at_the_first_block_past_the_limit(tmp_path):
    lines = [f"diplôme d{i} « Diplôme {i} »\n" for i in range(check.MAX_BLOCKS + 5)]
    (tmp_path / "diplomes.cnr").write_text("\n".join(lines), encoding="utf-8")
    base, diagnostics = check.load_rule_base(tmp_path)
    assert base is None
    [too_many] = [d for d in diagnostics if d.code == "E005"]
    assert too_many.span.line == 2 * check.MAX_BLOCKS + 1 and "au plus 10000" in too_many.message


def test_max_blocks_counts_every_file_of_the_base(monkeypatch, base):
    monkeypatch.setattr(check, "MAX_BLOCKS", 50)
    refused, diagnostics = check.load_rule_base(ROOT / "rules")
    assert refused is None and [d.code for d in diagnostics if d.is_error] == ["E005"]
    monkeypatch.setattr(check, "MAX_BLOCKS", 10_000)
    assert check.load_rule_base(ROOT / "rules")[0] is not None


def test_a_rule_file_over_max_bytes_is_refused(tmp_path):
    (tmp_path / "gros.cnr").write_text("# " + "x" * check.MAX_RULE_FILE_BYTES + "\n", encoding="utf-8")
    base, diagnostics = check.load_rule_base(tmp_path)
    assert base is None and [d.code for d in diagnostics] == ["E003"]


def write_rules(folder, sources: dict[str, int], requirements: int = 1) -> None:
    """A rule base where each source states `n` pathways for licence, each with `requirements` requirements."""
    (folder / "diplomes.cnr").write_text("diplôme licence « Licence »\n", encoding="utf-8")
    for source, n in sources.items():
        body = "".join(f"voie v{k} pour licence\n  selon « x »\n"
                       + "".join(f"  exige expérience d'au moins {r + 1} ans\n" for r in range(requirements)) + "\n"
                       for k in range(n))
        (folder / f"{source}.cnr").write_text(f"source {source}\n\n{body}", encoding="utf-8")


def test_a_requirement_with_too_many_alternatives_is_refused(tmp_path):
    """So that checking the rules costs a bounded amount per requirement: linear in blocks (issue 19)."""
    write_rules(tmp_path, {"s": check.MAX_ALTERNATIVES + 1})
    base, diagnostics = check.load_rule_base(tmp_path)
    assert base is None and [d.code for d in diagnostics if d.is_error] == ["E006"]
    assert diagnostics[0].span.line == 3 + 4 * check.MAX_ALTERNATIVES and "au plus 16" in diagnostics[0].message
    write_rules(tmp_path, {"s": check.MAX_ALTERNATIVES})
    assert check.load_rule_base(tmp_path)[0] is not None


def test_too_many_ways_to_meet_every_source_at_once_are_refused(tmp_path):
    write_rules(tmp_path, {"a": 8, "b": 8, "c": 2})  # 128 combinations of one pathway per source
    base, diagnostics = check.load_rule_base(tmp_path)
    assert base is None and [d.code for d in diagnostics if d.is_error] == ["E007"]
    assert "128 façons" in diagnostics[0].message and "au plus 64" in diagnostics[0].message
    write_rules(tmp_path, {"a": 8, "b": 8, "c": 1})
    assert check.load_rule_base(tmp_path)[0] is not None


def test_a_pathway_with_too_many_requirements_is_refused(tmp_path):
    write_rules(tmp_path, {"s": 1}, requirements=check.MAX_REQUIREMENTS + 1)
    base, diagnostics = check.load_rule_base(tmp_path)
    assert base is None and [d.code for d in diagnostics if d.is_error] == ["E008"]


@pytest.mark.slow
def test_checking_the_rules_is_linear_in_blocks(tmp_path, monkeypatch):
    """Twice the diplomas (each stated by 3 sources, 2 pathways each): exactly twice the solver's work."""
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    from cnam_dsl.solve import backend

    queries = []
    checked = backend.Backend.check
    monkeypatch.setattr(backend.Backend, "check", lambda self, *a, **k: queries.append(1) or checked(self, *a, **k))
    work = {}
    for diplomas in (3, 6):
        base, _ = check.load_rule_base(generate(tmp_path / str(diplomas), diplomas))
        queries.clear()
        Rules(base).verify(ON)
        work[diplomas] = len(queries)
    assert work[6] == 2 * work[3] > 0, work


def test_more_rule_files_than_max_are_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(check, "MAX_RULE_FILES", 3)
    for i in range(4):
        (tmp_path / f"f{i}.cnr").write_text(f"diplôme d{i} « D{i} »\n", encoding="utf-8")
    base, diagnostics = check.load_rule_base(tmp_path)
    assert base is None and "E004" in [d.code for d in diagnostics]


# ---------------------------------------------------------------- candidate files


@pytest.mark.parametrize("data,words", [
    ({"experiences": [{"months": 1, "field": "in"}] * (profile.MAX_PERIODS + 1)}, "au plus 1000"),
    ({"internships": [{"months": 1}] * (profile.MAX_PERIODS + 1)}, "au plus 1000"),
    ({"experiences": [{"months": profile.MAX_MONTHS + 1, "field": "in"}]}, "au plus 1200"),
    ({"ue_acquired": profile.MAX_UE + 1}, "entre 0 et 1000"),
    ({"name": "x" * (profile.MAX_TEXT + 1)}, "500"),
    ({"experiences": [{"start": "1899-12-31", "end": "1900-06-01", "field": "in"}]}, "1900"),
])
def test_candidate_limits(data, words):
    with pytest.raises(ProfileError, match=words.replace("(", r"\(")):
        read_profile(data)


def test_candidate_nesting_and_size_limits(tmp_path):
    deep = "experiences: " + "[" * (profile.MAX_DEPTH + 1) + "]" * (profile.MAX_DEPTH + 1)
    with pytest.raises(ProfileError, match="imbrication trop profonde"):
        read_profile_text(deep)
    big = tmp_path / "gros.yaml"
    big.write_text("name: x\n" + "# " + "x" * 1_000_000 + "\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="trop volumineux"):
        load_profile(str(big))


# ---------------------------------------------------------------- solver time per query


def gives_up():
    """A solver boundary that answers `unknown` to every query, as Z3 does past its time limit (whatever the
    machine's speed: no tiny time limit that a fast machine could beat)."""
    from cnam_dsl.solve.backend import Forced, Unknown

    return Forced(Unknown("délai dépassé"))


def test_a_query_past_its_time_limit_is_an_error_never_a_guess(base):
    for fast in (True, False):
        with pytest.raises(SolverError, match="n'a pas pu conclure"):
            ask(Engine(base, fast=fast, backend=gives_up()), "licence", read_profile(HARD), None, "delivery", ON)


GIVING_UP = """
import sys
from cnam_dsl.solve import backend
from cnam_dsl.cli import main

backend.Backend.check = lambda self, solver, assumptions=(): backend.Unknown("délai dépassé")  # Z3 gives up
sys.exit(main(sys.argv[1:]))
"""


def test_the_command_says_so_in_one_line_and_exits_2(tmp_path):
    candidate = tmp_path / "c.json"
    candidate.write_text(json.dumps(HARD), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", GIVING_UP, "missing", "--diploma", "licence", "--profile",
                             str(candidate)], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"CNAM_NO_CACHE": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2 and result.stdout == "", (result.stdout, result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "le solveur n'a pas pu conclure (délai dépassé)" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_the_api_answers_503_when_the_solver_gives_up(base):
    with TestClient(create_app(Rules(base, backend=gives_up())), base_url="http://localhost") as client:
        response = client.post("/api/missing", json={"diploma": "licence", "date": "2026-01-01", "profile": HARD})
        assert response.status_code == 503, response.text
        assert "n'a pas pu conclure" in response.json()["detail"]
        assert client.get("/api/sources").status_code == 200


def test_the_request_body_limit_is_256_kib(base):
    with TestClient(create_app(Rules(base)), base_url="http://localhost") as client:
        padding = "x" * (MAX_BODY_BYTES + 1)
        response = client.post("/api/missing", content=padding.encode(), headers={"content-type": "application/json"})
        assert response.status_code == 413 and "256 Kio" in response.json()["detail"]
