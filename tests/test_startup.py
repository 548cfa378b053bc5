"""Start-up: `cnam missing` answers from the cache without pydantic, the AST or Z3, and a plain candidate
file is read without the schema into the very profile the schema gives (anything else goes to the schema).

The figure itself (process start to answer) is measured by `python bench/run.py`, not here.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT

from cnam_dsl.candidate import reader as profile

COMMAND = ["-m", "cnam_dsl", "missing", "--diploma", "licence", "--profile", "examples/alice.yaml",
           "--date", "2026-01-01"]
HEAVY = ("pydantic", "pydantic_core", "lark", "z3", "cnam_dsl.language.nodes", "cnam_dsl.language.check", "cnam_dsl.language.parse")


def cnam(args: list[str], cache_dir, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CNAM_")}
    environment.update(CNAM_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=300)


def test_a_fresh_cache_a_warm_cache_and_no_cache_give_the_same_answer(tmp_path):
    fresh = cnam(COMMAND, tmp_path / "cache")
    assert fresh.returncode == 0, fresh.stderr
    assert "Alice Martin" in fresh.stdout and fresh.stderr == ""
    assert list((tmp_path / "cache").glob("rules-*.pickle")) and (tmp_path / "cache" / "proofs.json").is_file()
    warm = cnam(COMMAND, tmp_path / "cache")
    uncached = cnam(COMMAND, tmp_path / "unused", CNAM_NO_CACHE="1")
    assert (warm.returncode, warm.stdout, warm.stderr) == (0, fresh.stdout, "")
    assert (uncached.returncode, uncached.stdout, uncached.stderr) == (0, fresh.stdout, "")


def test_a_warm_answer_imports_neither_pydantic_nor_the_parser_nor_z3(tmp_path):
    assert cnam(COMMAND, tmp_path / "cache").returncode == 0  # fills the cache (rule base, proofs)
    script = ("import sys\nfrom cnam_dsl.cli import main\nstatus = main(sys.argv[1:])\n"
              f"print('\\n' + repr(sorted(m for m in sys.modules if m.startswith({HEAVY!r}))), file=sys.stderr)\n"
              "sys.exit(status)\n")
    run = cnam(["-c", script, *COMMAND[2:]], tmp_path / "cache")
    assert run.returncode == 0, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "[]"


def test_an_invalid_file_is_still_reported_by_the_schema_in_french(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("experiences:\n  - {months: 3, field: in, time_share: 0}\n", encoding="utf-8")
    run = cnam(["-m", "cnam_dsl", "missing", "--diploma", "licence", "--profile", str(bad)], tmp_path / "cache")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == f"cnam: erreur: {bad}: experiences[0].time_share : attendu un nombre dans ]0, 1], reçu 0\n"


# ---------------------------------------------------------------- the plain reading agrees with the schema


def schema_reading(data: object) -> profile.Profile | None:
    """The profile the pydantic schema gives, or None if it refuses the file."""
    from pydantic import ValidationError

    try:
        return profile._to_profile(profile._schema()[0].model_validate(data))
    except ValidationError:
        return None


def plain_reading(data: dict) -> profile.Profile | None:
    try:
        return profile._plain_profile(data)
    except profile._NotPlain:
        return None


class Text(str):
    pass


class Mapping(dict):
    pass


class Items(list):
    pass


NUMBERS = st.one_of(
    st.sampled_from([0, 1, 3, 24, 36, 1200, 1201, -1, 0.5, 1e-9, 1200.0, 1200.0000001, math.nan, math.inf, -math.inf,
                     True, False, None, "3", 10**400, 2**53 + 1, 1.0, 0.0, -0.0]),
    st.integers(-5, 1300), st.floats(allow_nan=True, allow_infinity=True),
)
TEXTS = st.one_of(st.sampled_from(["Alice", "x" * 500, "x" * 501, "é" * 500, "😀" * 500, "\ud800", "a\udfffb", "",
                                   Text("x"), None, 3, ["x"]]), st.text(max_size=20))
DAYS = st.sampled_from([date(2020, 1, 1), date(2023, 8, 31), date(1899, 12, 31), date(1900, 1, 1), date(2200, 12, 31),
                        date(2201, 1, 1), datetime(2021, 1, 1), "2021-01-01", "2022-06-30", "2021-02-30", "2021-1-1",
                        "２０２１-01-01", "2021-01-01\n", 20210101, None])
CHOICES = st.sampled_from(["in", "out", "salaried", "self_employed", "volunteer", "union", "sufficient",
                           "insufficient", "IN", "", None, 1, Text("in")])
FLAGS = st.sampled_from([True, False, None, 0, 1, "true"])
CODES = st.sampled_from(["LP110504", "AB 1", "A" * 40, "A" * 41, "AB12\n", "", "ÀB12", "ab١٢", None, 12, Text("AB")])
YEARS = st.sampled_from([1899, 1900, 2020, 2200, 2201, True, 2020.0, "2020", None])
VALUES = {
    "months": NUMBERS, "time_share": NUMBERS, "decided_internship_months": NUMBERS, "start": DAYS, "end": DAYS,
    "label": TEXTS, "name": TEXTS, "field": CHOICES, "kind": CHOICES, "level": CHOICES, "report": FLAGS,
    "certification": CODES, "year": YEARS, "ue_acquired": st.one_of(NUMBERS, st.integers(-2, 1002)),
    "unknown": st.just(1),
}
SENSIBLE = {  # values the schema accepts
    "months": st.sampled_from([3, 12, 24.5, 36]), "time_share": st.sampled_from([0.5, 1, 1.0]),
    "start": st.sampled_from([date(2020, 1, 1), "2020-09-01"]),
    "end": st.sampled_from([date(2023, 8, 31), "2024-01-15"]),
    "label": st.sampled_from(["Commerciale", "Île-de-France", None]), "field": st.sampled_from(["in", "out"]),
    "kind": st.sampled_from(["salaried", "volunteer"]), "level": st.sampled_from(["sufficient", "insufficient"]),
    "report": st.booleans(), "certification": st.sampled_from(["LP110504", "CPN84"]),
    "year": st.sampled_from([2024, 2026]),
    "name": st.sampled_from(["Alice", "Élodie", None]), "ue_acquired": st.integers(0, 12),
    "decided_internship_months": st.sampled_from([None, 3, 4.5]),
}
ENTRIES = {  # list field -> (its keys, those required)
    "experiences": (("months", "start", "end", "label", "time_share", "field", "kind", "level"), ("field",)),
    "internships": (("months", "start", "end", "field", "report"), ()),
    "vae_requests": (("certification", "year"), ("certification", "year")),
}
TOP = ("name", "ue_acquired", "decided_internship_months")
PERIOD = ("months", "start", "end")


@st.composite
def sensible_entry(draw, field: str) -> dict:
    keys, required = ENTRIES[field]
    chosen = set(required) | draw(st.sets(st.sampled_from([k for k in keys if k not in PERIOD])))
    if "months" in keys:
        chosen |= draw(st.sampled_from([{"months"}, {"start", "end"}]))
    return {k: draw(SENSIBLE[k]) for k in sorted(chosen)}


@st.composite
def candidate_files(draw) -> dict:
    """A file the schema accepts, then perhaps changed: a value, a key, a type, at the top or in an entry."""
    data = {k: draw(SENSIBLE[k]) for k in draw(st.sets(st.sampled_from(TOP)))}
    for field in draw(st.sets(st.sampled_from(sorted(ENTRIES)))):
        data[field] = draw(st.lists(sensible_entry(field), max_size=3))
    for _ in range(draw(st.integers(0, 2))):
        lists = [f for f in ENTRIES if isinstance(data.get(f), list) and data[f]
                 and all(isinstance(e, dict) for e in data[f])]
        where = draw(st.sampled_from(["top", *lists]))
        target = data if where == "top" else draw(st.sampled_from(data[where]))
        keys = (*TOP, *ENTRIES) if where == "top" else ENTRIES[where][0]
        change = draw(st.sampled_from(["value", "value", "value", "drop", "unknown key", "type"]))
        key = draw(st.sampled_from(keys))
        if change == "value" and key in VALUES:
            target[key] = draw(VALUES[key])
        elif change == "value":  # a list field
            target[key] = draw(st.sampled_from([None, (), Items(), [{}] * 1001, [None], {}, "x"]))
        elif change == "drop":
            target.pop(key, None)
        elif change == "unknown key":
            target[draw(st.sampled_from(["unknown", 3, ("months",)]))] = 1
        elif where == "top":
            data = Mapping(data)
        else:
            data[where] = Items(data[where]) if draw(st.booleans()) else [Mapping(e) for e in data[where]]
    return data


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidate_files())
def test_a_file_read_plainly_is_the_profile_the_schema_gives(data):
    plain = plain_reading(data)
    if plain is not None:
        schema = schema_reading(data)
        assert schema is not None, data
        assert repr(plain) == repr(schema) and plain == schema


@pytest.mark.parametrize("name", ["alice.yaml", "bruno.json"])
def test_the_shipped_examples_are_read_plainly(name):
    path = ROOT / "examples" / name
    data = (json.loads(path.read_text(encoding="utf-8")) if name.endswith(".json")
            else profile._load_yaml(path.read_text(encoding="utf-8"), name))
    assert plain_reading(data) is not None
    assert plain_reading(data) == schema_reading(data) == profile.load_profile(str(path))


def test_the_plain_reading_takes_every_field():
    data = {"name": "Ève", "ue_acquired": 3, "decided_internship_months": 4,
            "experiences": [{"label": "x", "start": "2020-01-01", "end": date(2021, 6, 30), "time_share": 0.5,
                             "field": "out", "kind": "volunteer", "level": "insufficient"},
                            {"months": 12, "field": "in"}],
            "internships": [{"months": 2.5, "field": "out", "report": True},
                            {"start": date(2022, 1, 1), "end": "2022-03-31"}],
            "vae_requests": [{"certification": "LP110504", "year": 2025}]}
    plain = plain_reading(data)
    assert plain is not None and repr(plain) == repr(schema_reading(data))
    assert plain.decided_internship_months == 4.0 and type(plain.decided_internship_months) is float
