"""Hostile bodies and addresses against a running `cnam serve`: never a 500, a 4xx naming the field, the server stays up."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webserver import running_server

pytestmark = pytest.mark.slow
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
VALID = {"diploma": "licence", "date": "2026-01-01",
         "profile": {"name": "Alice", "ue_acquired": 2, "decided_internship_months": 4,
                     "experiences": [{"label": "Vente", "months": 36, "field": "out", "kind": "salaried",
                                      "level": "sufficient", "time_share": 1.0},
                                     {"start": "2020-01-01", "end": "2021-06-30", "field": "in"}],
                     "internships": [{"months": 2, "field": "in", "report": True}],
                     "vae_requests": [{"certification": "LP110504", "year": 2025}]}}
VALID_VAE = {"certification": "LP110504", "year": 2026, "profile": {"experiences": [{"months": 12, "field": "in"}]}}
# Where a hostile value is put: a path in the valid body (keys and list indexes).
PLACES = [("diploma",), ("sources",), ("milestone",), ("date",), ("profile",), ("profile", "name"),
          ("profile", "ue_acquired"), ("profile", "decided_internship_months"), ("profile", "experiences"),
          ("profile", "experiences", 0), ("profile", "experiences", 0, "months"),
          ("profile", "experiences", 0, "time_share"), ("profile", "experiences", 0, "field"),
          ("profile", "experiences", 1, "start"), ("profile", "experiences", 1, "end"),
          ("profile", "internships", 0, "months"), ("profile", "internships", 0, "report"),
          ("profile", "vae_requests", 0, "year"), ("profile", "salaire"), ("couleur",)]
YAML_TAGS = ["!!python/object/apply:os.system ['touch /tmp/cnam-pwned']", "!!python/name:os.system",
             "&a [*a, *a]", "<<: *base", "!!binary aGk=", "{{ 7*7 }}", "${jndi:ldap://x}", "../../etc/passwd",
             "%(x)s", "\x00", "\ud800"]
HUGE_NUMBERS = ["1e400", "-1e400", "NaN", "Infinity", "-Infinity", "9" * 40, "9" * 5000, "1e-400", "-0.0",
                "123456789012345678901234567890.5"]

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text(max_size=30) | st.sampled_from(YAML_TAGS))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=25)


def placed(body: dict, place: tuple, value: object) -> dict:
    """A deep copy of body with value at place (created if the last key is new)."""
    copy = json.loads(json.dumps(body))
    node = copy
    for key in place[:-1]:
        node = node[key]
    node[place[-1]] = value
    return copy


def field_of(place: tuple) -> str:
    text = ""
    for part in place:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def post(client: httpx.Client, path: str, content: bytes) -> httpx.Response:
    return client.post(path, content=content, headers={"content-type": "application/json"})


def assert_refused_clearly(response: httpx.Response, place: tuple | None = None) -> None:
    """A 4xx with a JSON body; a 422 lists each bad field (its path and a French message)."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    detail = response.json()["detail"]
    if response.status_code != 422:
        assert isinstance(detail, str) and detail
        return
    assert detail and all(set(d) == {"loc", "field", "msg"} and d["msg"] for d in detail), detail
    for d in detail:
        assert not any(english in d["msg"] for english in ("Input should", "Field required", "There was an error"))
    if place is not None:
        # The field named is the one spoiled, one of its parents or children, or the whole body.
        spoiled = field_of(place)
        named = [d["field"] for d in detail]
        assert any(f == "" or f.startswith(spoiled) or spoiled.startswith(f) for f in named), (spoiled, named)


def assert_answer_or_refusal(response: httpx.Response, place: tuple | None = None) -> None:
    if response.status_code == 200:
        assert response.json()["status"] in ("satisfied", "internship", "missing", "conflict", "eligible", "limit")
    else:
        assert_refused_clearly(response, place)


# ---------------------------------------------------------------- generated bodies


@SETTINGS
@given(place=st.sampled_from(PLACES), value=json_values)
def test_a_hostile_value_anywhere_is_answered_or_refused_naming_its_field(client, place, value):
    body = json.dumps(placed(VALID, place, value), allow_nan=True).encode()
    assert_answer_or_refusal(post(client, "/api/missing", body), place)


@SETTINGS
@given(place=st.sampled_from([p for p in PLACES if p[0] == "profile"] + [("certification",), ("year",)]),
       literal=st.sampled_from(HUGE_NUMBERS))
def test_huge_numbers_nan_and_infinity_literals(client, place, literal):
    marker = "\"__NUMBER__\""
    for path, valid in (("/api/missing", VALID), ("/api/vae", VALID_VAE)):
        if place[0] in ("certification", "year") and path == "/api/missing":
            continue
        if place[0] == "profile" and len(place) > 2 and path == "/api/vae":
            continue
        text = json.dumps(placed(valid, place, "__NUMBER__")).replace(marker, literal)
        response = post(client, path, text.encode())
        assert_answer_or_refusal(response, place)
        if literal in ("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000) and response.status_code == 200:
            pytest.fail(f"{literal} accepted at {field_of(place)}: {response.text[:200]}")


@SETTINGS
@given(depth=st.integers(30, 5000), opener=st.sampled_from(["[", "{\"a\":"]))
def test_deep_nesting_is_refused(client, depth, opener):
    closer = "]" if opener == "[" else "}"
    nested = opener * depth + "1" + closer * depth
    text = json.dumps(placed(VALID, ("profile", "experiences", 0, "label"), "__X__")).replace('"__X__"', nested)
    response = post(client, "/api/missing", text.encode())
    assert response.status_code == 422, response.text[:300]
    assert_refused_clearly(response)


@SETTINGS
@given(raw=st.binary(max_size=300), where=st.integers(0, 200))
def test_bytes_that_are_not_utf8_or_not_json(client, raw, where):
    text = json.dumps(VALID).encode()
    where = min(where, len(text))
    for body in (raw, text[:where] + b"\xff\xfe" + raw + text[where:], b"\xef\xbb\xbf" + text):
        response = post(client, "/api/missing", body)
        assert response.status_code != 500, (body[:100], response.text[:200])
        if response.status_code != 200:
            assert_refused_clearly(response)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(100_000, 600_000), place=st.sampled_from([("profile", "name"), ("diploma",), ("date",)]))
def test_huge_strings_are_refused_before_the_solver(client, size, place):
    response = post(client, "/api/missing", json.dumps(placed(VALID, place, "é" * (size // 2))).encode())
    assert response.status_code in (413, 422), response.text[:200]
    assert_refused_clearly(response, place)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(1001, 5000), kind=st.sampled_from(["experiences", "internships", "vae_requests"]))
def test_too_many_periods(client, count, kind):
    entry = {"vae_requests": {"certification": "X1", "year": 2020}}.get(kind, {"months": 1, "field": "in"})
    response = client.post("/api/missing", json=placed(VALID, ("profile", kind), [entry] * count))
    assert response.status_code in (413, 422), response.text[:200]
    if response.status_code == 422:
        assert f"profile.{kind}" in [d["field"] for d in response.json()["detail"]]
        assert "au plus 1000" in response.text


def test_yaml_tags_in_strings_are_plain_text(client, tmp_path):
    pwned = Path("/tmp/cnam-pwned")
    pwned.unlink(missing_ok=True)
    for tag in YAML_TAGS:
        for place in (("profile", "name"), ("profile", "experiences", 0, "label"), ("diploma",), ("date",)):
            body = json.dumps(placed(VALID, place, tag)).encode()  # ASCII escapes: a lone surrogate travels
            assert_answer_or_refusal(post(client, "/api/missing", body), place)
    assert not pwned.exists()


# ---------------------------------------------------------------- addresses


def raw_get(server: str, target: str) -> int:
    """The status of GET target, sent byte for byte (HTTP clients would tidy `..` away)."""
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


TRAVERSALS = ["/static/../../pyproject.toml", "/static/../app.py", "/static/%2e%2e/app.py",
              "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2fapp.py", "/static/..%2f..%2fpyproject.toml",
              "/static/%252e%252e/app.py", "/static/....//....//pyproject.toml", "/static/..\\app.py",
              "/static//etc/passwd", "/static/%2fetc%2fpasswd", "/static/%00", "/static/cnam.css%00.py",
              "/docs/../../pyproject.toml", "/docs/%2e%2e/%2e%2e/pyproject.toml", "/docs/..%2f..%2fpyproject.toml",
              "/regles/../../pyproject.toml", "/regles/%2e%2e/%2e%2e/pyproject.toml", "/regles/pyproject.toml",
              "/regles//etc/passwd", "/regles/rules/../pyproject.toml"]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_address_reads_files_outside_what_is_served(server, target, tmp_path):
    status = raw_get(server, target)
    assert status in (400, 404), (target, status)


def test_docs_folder_cannot_be_left(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>ok</h1>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    with running_server("--docs", str(site)) as url:
        assert httpx.get(url + "/docs/index.html").text == "<h1>ok</h1>"
        for target in ("/docs/../secret.txt", "/docs/%2e%2e/secret.txt", "/docs/..%2fsecret.txt",
                       "/docs/%2e%2e%2fsecret.txt", f"/docs/{tmp_path}/secret.txt"):
            assert raw_get(url, target) in (400, 404), target


def test_the_server_is_still_up_and_answers(client):
    response = client.post("/api/missing", json=VALID)
    assert response.status_code == 200 and response.json()["status"] in ("internship", "conflict", "missing",
                                                                          "satisfied")
    assert client.get("/api/sources").status_code == 200 and client.get("/api/diplomas").json()


def test_lone_surrogates_echoed_in_messages_are_escaped_not_a_500(client):
    """Regression (found by this fuzzing): "\\ud800" in a field was echoed in the 422 message, which
    UTF-8 cannot encode: the server answered 500. Same on the page, importing such a candidate file."""
    for place in (("profile", "name"), ("profile", "experiences", 0, "field"), ("date",), ("profile", "\ud800")):
        response = post(client, "/api/missing", json.dumps(placed(VALID, place, "\ud800")).encode())
        assert response.status_code == 422 and "\\ud800" in response.text, response.text[:200]
    files = {"candidate_file": ("c.json", b'{"name": "\\ud800"}', "application/json")}
    page = client.post("/", data={"action": "import"}, files=files)
    assert page.status_code == 422 and 'id="candidate_file-error"' in page.text


def test_bodies_json_cannot_read_are_422_not_an_english_400(client):
    """Regression: a 5000-digit integer, 5000 nested lists or bytes that are not UTF-8 made FastAPI
    answer 400 "There was an error parsing the body"."""
    for body in (b'{"diploma": "licence", "profile": {"ue_acquired": ' + b"9" * 5000 + b"}}",
                 b'{"diploma": "licence", "profile": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                 b'{"diploma": "lic\xe9nce", "profile": {}}'):
        response = post(client, "/api/missing", body)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == ""
        message = response.json()["detail"][0]["msg"]
        assert any(words in message for words in ("illisible", "trop long", "trop profonde")), message


def test_schemathesis_against_the_openapi_description(server):
    """Schemathesis (optional: its `st` command on PATH or in $SCHEMATHESIS) generates requests from
    /api/openapi.json for 30 s: no 500, statuses and content types as documented."""
    command = os.environ.get("SCHEMATHESIS") or shutil.which("st") or shutil.which("schemathesis")
    if command is None:
        pytest.skip("schemathesis n'est pas installé (pip install schemathesis, dans un environnement à part)")
    result = subprocess.run([command, "run", server + "/api/openapi.json", "--max-time", "30", "--workers", "1",
                             "--checks", "not_a_server_error,status_code_conformance,content_type_conformance"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
