"""Every worked example of shared/examples/cases.yaml, through the real command line."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import SHARED, run_cnam

CASES_FILE = SHARED / "examples" / "cases.yaml"
CASES = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8")) if CASES_FILE.exists() else []


def dig(answer: dict, dotted: str):
    value = answer
    for part in dotted.split("."):
        value = value[part]
    return value


def test_cases_file_is_there():
    assert CASES, f"{CASES_FILE} est introuvable ou vide"


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, tmp_path):
    profile = tmp_path / "candidat.yaml"
    profile.write_text(yaml.safe_dump(case["profile"], allow_unicode=True), encoding="utf-8")
    if case["command"] == "missing":
        args = ["missing", "--diploma", case["diploma"], "--profile", str(profile), "--format", "json",
                "--date", "2026-01-01"]
        args += [a for s in case.get("sources", []) for a in ("--source", s)]
        if "milestone" in case:
            args += ["--milestone", case["milestone"]]
    else:
        args = ["vae", "--certification", case["certification"], "--year", str(case["year"]),
                "--profile", str(profile), "--format", "json"]
    result = run_cnam(*args)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["explanation"], "an explanation is never empty"
    for key, expected in case["expect"].items():
        if key == "divergences_nonempty":
            assert bool(answer["divergences"]) is expected
            continue
        got = dig(answer, key)
        if isinstance(expected, (int, float)) and not isinstance(expected, bool):
            assert got is not None and abs(got - expected) <= 0.01, (key, got, expected)
        else:
            assert got == expected, (key, got, expected)
