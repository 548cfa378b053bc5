"""Tests for cnam_dsl.candidate: candidate files into validated profiles and counted months."""

import io
import json
from datetime import date

import pytest
import yaml

from helpers import months
from cnam_dsl.candidate import (
    MAX_PERIODS,
    Experience,
    Profile,
    ProfileError,
    load_profile,
    read_profile,
    period_months,
)

IN = ("in", "salaried", "sufficient")
OUT = ("out", "salaried", "sufficient")


def months_of(*experiences: dict) -> dict:
    return months(read_profile({"experiences": list(experiences)}))


def dated(start: str, end: str, field: str = "in", **extra: object) -> dict:
    return {"start": start, "end": end, "field": field, **extra}


# --- period_months ------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2021, 9, 1), date(2023, 8, 31), 24),  # contract example
        (date(2021, 9, 15), date(2023, 9, 14), 24),  # contract example
        (date(2024, 1, 1), date(2024, 1, 1), 1 / 30),
        (date(2024, 1, 1), date(2024, 1, 15), 0.5),
        (date(2024, 2, 1), date(2024, 2, 29), 1),  # leap February
        (date(2023, 2, 1), date(2023, 2, 28), 1),
        (date(2023, 1, 31), date(2023, 2, 27), 1),  # Jan 31 + 1 month clamps to Feb 28
        (date(2024, 1, 31), date(2024, 2, 28), 1),  # ... to Feb 29 in a leap year
        (date(2023, 1, 31), date(2023, 2, 28), 1 + 1 / 30),
        (date(2020, 2, 29), date(2021, 2, 27), 12),  # Feb 29 + 12 months = Feb 28
        (date(2021, 12, 15), date(2022, 1, 14), 1),
    ],
)
def test_period_months(start: date, end: date, expected: float) -> None:
    assert period_months(start, end) == pytest.approx(expected, abs=1e-12)


# --- counting -----------------------------------------------------------------


def test_dated_experience_counts_its_period() -> None:
    assert months_of(dated("2021-09-01", "2023-08-31")) == {IN: 24}


@pytest.mark.parametrize(("share", "expected"), [(1, 24), (0.5, 12), (0.25, 6)])
def test_full_time_equivalent(share: float, expected: float) -> None:
    assert months_of({"months": 24, "field": "in", "time_share": share}) == {IN: expected}
    assert months_of(dated("2021-09-01", "2023-08-31", time_share=share)) == {IN: expected}


def test_two_full_time_periods_count_once_in_field_first() -> None:
    result = months_of(dated("2021-01-01", "2021-12-31", "out"), dated("2021-01-01", "2021-12-31", "in"))
    assert result == {IN: 12}


def test_partial_overlap_only_the_common_days_are_capped() -> None:
    result = months_of(dated("2021-01-01", "2021-12-31", "out"), dated("2021-07-01", "2021-12-31", "in"))
    assert result == {IN: 6, OUT: 6}  # the first six calendar months, exactly


def test_kind_order_within_the_same_field() -> None:
    result = months_of(
        dated("2021-01-01", "2021-12-31", kind="union"), dated("2021-01-01", "2021-12-31", kind="volunteer")
    )
    assert result == {("in", "volunteer", "sufficient"): 12}


@pytest.mark.parametrize(
    ("shares", "expected"),
    [((0.5, 0.5), {IN: 6, OUT: 6}), ((0.6, 0.6), {IN: 7.2, OUT: 4.8}), ((0.3, 0.3), {IN: 3.6, OUT: 3.6})],
)
def test_partial_shares_add_up_to_full_time_at_most(shares: tuple, expected: dict) -> None:
    result = months_of(
        dated("2021-01-01", "2021-12-31", "out", time_share=shares[0]),
        dated("2021-01-01", "2021-12-31", "in", time_share=shares[1]),
    )
    assert result == expected


def test_months_only_experiences_are_added() -> None:
    result = months_of({"months": 12, "field": "in"}, {"months": 12, "field": "in"}, dated("2021-01-01", "2021-12-31"))
    assert result == {IN: 36}


def test_insufficient_level_counts_outside_the_field() -> None:
    result = months_of({"months": 10, "field": "in", "level": "insufficient", "kind": "volunteer"})
    assert result == {("out", "volunteer", "insufficient"): 10}


def test_sequential_periods_do_not_interfere() -> None:
    result = months_of(dated("2021-01-01", "2021-06-30"), dated("2021-07-01", "2021-12-31", "out", time_share=0.5))
    assert result == {IN: 6, OUT: 3}


# --- valid files --------------------------------------------------------------

CONTRACT_YAML = """\
name: Alice Martin
ue_acquired: 2
decided_internship_months: 4
experiences:
  - label: Formatrice, AFPA
    start: 2021-09-01
    end: 2023-08-31
    time_share: 1.0
    field: in
    kind: salaried
    level: sufficient
  - {months: 6, field: out, kind: volunteer, time_share: 0.5}
internships:
  - months: 3
    field: in
    report: true
vae_requests:
  - certification: LP110504
    year: 2026
"""


def test_contract_example_file(tmp_path) -> None:
    path = tmp_path / "alice.yaml"
    path.write_text(CONTRACT_YAML, encoding="utf-8")
    profile = load_profile(str(path))
    assert profile.name == "Alice Martin" and profile.ue_acquired == 2
    assert profile.decided_internship_months == 4
    assert profile.experiences[0] == Experience(
        label="Formatrice, AFPA", start=date(2021, 9, 1), end=date(2023, 8, 31), field="in"
    )
    assert profile.internships[0].report is True and profile.internships[0].months == 3
    assert profile.vae_requests[0].certification == "LP110504" and profile.vae_requests[0].year == 2026
    assert months(profile) == {IN: 24, ("out", "volunteer", "sufficient"): 3}


def test_defaults() -> None:
    profile = read_profile({"experiences": [{"months": 3, "field": "out"}], "internships": [{"months": 2}]})
    experience, internship = profile.experiences[0], profile.internships[0]
    assert (experience.time_share, experience.kind, experience.level) == (1.0, "salaried", "sufficient")
    assert (internship.field, internship.report) == ("in", False)
    assert read_profile({}) == Profile()
    assert read_profile({"experiences": None}).experiences == ()


def test_to_dict_round_trip() -> None:
    profile = read_profile(json.loads(json.dumps(load_yaml_text(CONTRACT_YAML).to_dict())))
    assert profile == load_yaml_text(CONTRACT_YAML)
    data = profile.to_dict()
    assert data["experiences"][0] == {
        "label": "Formatrice, AFPA", "start": "2021-09-01", "end": "2023-08-31", "field": "in"
    }
    assert data["internships"][0] == {"months": 3, "report": True}
    assert Profile().to_dict() == {}


def load_yaml_text(text: str) -> Profile:
    return read_profile(yaml.safe_load(text))


def test_json_file(tmp_path) -> None:
    path = tmp_path / "bob.json"
    path.write_text(json.dumps({"experiences": [dated("2021-09-15", "2023-09-14", "out")]}), encoding="utf-8")
    assert months(load_profile(str(path))) == {OUT: 24}


def test_stdin(monkeypatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(CONTRACT_YAML.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert load_profile("-").name == "Alice Martin"


def test_stdin_errors_name_standard_input(monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"foo: 1\n"), encoding="utf-8"))
    with pytest.raises(ProfileError, match=r"^<entrée standard>: foo : champ inconnu"):
        load_profile("-")


# --- invalid files ------------------------------------------------------------


def exp(**fields: object) -> dict:
    return {"experiences": [{"months": 12, "field": "in"}, {"months": 12, "field": "in", **fields}]}


def exp_without(*names: str, **fields: object) -> dict:
    entry = {"months": 12, "field": "in", **fields}
    return {"experiences": [{key: value for key, value in entry.items() if key not in names}]}


@pytest.mark.parametrize(
    ("data", "location", "words"),
    [
        (exp(time_share=1.5), "experiences[1].time_share", "]0, 1], reçu 1.5"),
        (exp(time_share=0), "experiences[1].time_share", "]0, 1]"),
        (exp(time_share=True), "experiences[1].time_share", "reçu true"),
        (exp(time_share=float("nan")), "experiences[1].time_share", "]0, 1]"),
        (exp(months=-3), "experiences[1].months", "> 0"),
        (exp(months=0), "experiences[1].months", "> 0"),
        (exp(months="12"), "experiences[1].months", 'reçu "12"'),
        (exp(months=False), "experiences[1].months", "reçu false"),
        (exp(months=float("inf")), "experiences[1].months", "nombre"),
        (exp(months=10**400), "experiences[1].months", "nombre"),
        (exp(months=1e300), "experiences[1].months", "1200"),
        (exp(field="elsewhere"), "experiences[1].field", "in ou out"),
        (exp(kind="intern"), "experiences[1].kind", "salaried, self_employed, volunteer ou union"),
        (exp(level="high"), "experiences[1].level", "sufficient ou insufficient"),
        (exp(label=3), "experiences[1].label", "texte"),
        (exp(colour="red"), "experiences[1].colour", "champ inconnu"),
        (exp_without("field"), "experiences[0].field", "obligatoire"),
        (exp_without("months"), "experiences[0].months", "obligatoire"),
        (exp(start="2021-01-01", end="2021-12-31"), "experiences[1].months", "pas les deux"),
        (exp_without("months", end="2021-01-01"), "experiences[0].start", "start et end"),
        (exp_without("months", start="2021-02-01", end="2021-01-31"), "experiences[0].end", "précède"),
        (exp_without("months", start="2021-02-30", end="2021-03-31"), "experiences[0].start", "AAAA-MM-JJ"),
        (exp_without("months", start="01/02/2021", end="2021-03-31"), "experiences[0].start", "AAAA-MM-JJ"),
        (exp_without("months", start="2021-01-01", end=20210301), "experiences[0].end", "AAAA-MM-JJ"),
        (exp_without("months", start="1021-01-01", end="2021-03-01"), "experiences[0].start", "1900"),
        ({"experiences": [3]}, "experiences[0]", "objet"),
        ({"experiences": {"months": 3}}, "experiences", "liste"),
        ({"internships": [{"months": 3, "report": "yes"}]}, "internships[0].report", "true ou false"),
        ({"internships": [{"months": 3, "field": "both"}]}, "internships[0].field", "in ou out"),
        ({"internships": [{"months": -1}]}, "internships[0].months", "> 0"),
        ({"internships": [{"months": 3, "hours": 2}]}, "internships[0].hours", "champ inconnu"),
        ({"vae_requests": [{"certification": "LP110504", "year": 26.0}]}, "vae_requests[0].year", "1900 et 2200"),
        ({"vae_requests": [{"certification": "LP110504", "year": 1899}]}, "vae_requests[0].year", "1900 et 2200"),
        ({"vae_requests": [{"certification": "LP110504", "year": "2026"}]}, "vae_requests[0].year", "entière"),
        ({"vae_requests": [{"certification": "", "year": 2026}]}, "vae_requests[0].certification", "non vide"),
        ({"vae_requests": [{"certification": "LP 11", "year": 2026}]}, "vae_requests[0].certification", "lettres"),
        ({"vae_requests": [{"certification": 110504, "year": 2026}]}, "vae_requests[0].certification", "code"),
        ({"vae_requests": [{"year": 2026}]}, "vae_requests[0].certification", "obligatoire"),
        ({"ue_acquired": -1}, "ue_acquired", "entier"),
        ({"ue_acquired": 1.5}, "ue_acquired", "entier"),
        ({"ue_acquired": True}, "ue_acquired", "entier"),
        ({"decided_internship_months": 0}, "decided_internship_months", "> 0"),
        ({"decided_internship_months": "4"}, "decided_internship_months", "nombre"),
        ({"name": ["A"]}, "name", "texte"),
        ({"nom": "Alice"}, "nom", "champ inconnu"),
        ({"experiences": [{"months": 1, "field": "in"}] * (MAX_PERIODS + 1)}, "experiences", "au plus 1000"),
    ],
)
def test_invalid_field_is_named(data: dict, location: str, words: str) -> None:
    with pytest.raises(ProfileError) as caught:
        read_profile(data, origin="alice.yaml")
    message = str(caught.value)
    assert message.startswith(f"alice.yaml: {location} : ")
    assert words in message
    assert "\n" not in message


@pytest.mark.parametrize("data", [None, [], "text", 3])
def test_top_level_must_be_a_mapping(data: object) -> None:
    with pytest.raises(ProfileError, match="premier niveau"):
        read_profile(data)


def test_error_message_example() -> None:
    with pytest.raises(ProfileError) as caught:
        read_profile(exp(time_share=1.5), origin="alice.yaml")
    assert str(caught.value) == "alice.yaml: experiences[1].time_share : attendu un nombre dans ]0, 1], reçu 1.5"
    assert caught.value.location == "experiences[1].time_share"


# --- hostile and broken files -------------------------------------------------

BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi")
)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("tag.yaml", b"name: !!python/object/apply:os.system ['echo owned']\n", "python/object"),
        ("tag2.yaml", b"!!python/object:builtins.dict {}\n", "non autoris"),
        ("deep.yaml", b"[" * 100_000 + b"]" * 100_000, "imbrication trop profonde"),
        ("deep2.yaml", b"a:\n" + b"\n".join(b"  " * i + b"-" for i in range(60)), "imbrication trop profonde"),
        ("deep.json", b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "imbrication trop profonde"),
        ("deep2.json", b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}", "imbrication trop profonde"),
        ("latin1.yaml", "name: Hélène\n".encode("latin-1"), "UTF-8"),
        ("bomb.yaml", BOMB.encode(), "alias"),
        ("empty.yaml", b"", "vide"),
        ("blank.yaml", b"  \n# nothing\n", "premier niveau"),
        ("list.yaml", b"- months: 3\n", "premier niveau"),
        ("scalar.json", b'"text"', "premier niveau"),
        ("broken.yaml", b"experiences: [1\n", "YAML invalide ligne"),
        ("broken.json", b'{"name": }', "JSON invalide ligne 1"),
        ("dup.yaml", b"name: a\nname: b\n", "double"),
        ("dup.json", b'{"name": "a", "name": "b"}', "double"),
        ("nan.yaml", b"decided_internship_months: .nan\n", "decided_internship_months"),
        ("nan.json", b'{"decided_internship_months": NaN}', "decided_internship_months"),
        ("inf.json", b'{"decided_internship_months": 1e999}', "decided_internship_months"),
        ("bigint.yaml", b"ue_acquired: " + b"9" * 5000 + b"\n", "ue_acquired"),
        ("bigint.json", b'{"ue_acquired": ' + b"9" * 5000 + b"}", "trop long"),
        ("two.yaml", b"name: a\n---\nname: b\n", "YAML invalide"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(("yaml", "json")) else "",
)
def test_hostile_or_broken_file(tmp_path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ProfileError) as caught:
        load_profile(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and words in message and "\n" not in message


def test_file_too_big(tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# padding\n" * 200)
    with pytest.raises(ProfileError, match="trop volumineux"):
        load_profile(str(path), max_bytes=1000)


def test_file_at_the_size_limit_is_read(tmp_path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_bytes(b"name: a\n")
    assert load_profile(str(path), max_bytes=8).name == "a"
    with pytest.raises(ProfileError, match="trop volumineux"):
        load_profile(str(path), max_bytes=7)


@pytest.mark.parametrize(("make", "words"), [(lambda d: d / "missing.yaml", "introuvable"), (lambda d: d, "dossier")])
def test_unreadable_path_is_named(tmp_path, make, words: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ProfileError, match=words) as caught:
        load_profile(str(path))
    assert str(caught.value).startswith(f"{path}: ")


def test_utf8_bom_is_accepted(tmp_path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Hélène\n".encode("utf-8"))
    assert load_profile(str(path)).name == "Hélène"


def test_deep_mapping_given_directly() -> None:
    data: dict = {"name": "x"}
    nested: list = []
    data["other"] = nested
    for _ in range(100_000):
        nested.append([])
        nested = nested[0]
    with pytest.raises(ProfileError, match="other : champ inconnu"):  # read without recursing into it
        read_profile(data)
