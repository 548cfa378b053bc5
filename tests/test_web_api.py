"""The HTTP API and the page without JavaScript, over real HTTP against a running `cnam serve`."""

from __future__ import annotations

import asyncio
import html
import json
import re
import statistics
import time

import anyio
import httpx
import pytest
import yaml

from cnam_dsl.candidate import read_profile
from cnam_dsl.rules import Rules
from cnam_dsl.web.service import Adviser, Unanswered

from conftest import ROOT, run_cnam
from helpers import line_of
from test_cases import CASES, dig
from webserver import free_port, running_server

RULES_DATE = "2026-01-01"
BY_ID = {c["id"]: c for c in CASES}


def as_json(data: object) -> object:
    """A YAML mapping as JSON sees it (dates as AAAA-MM-JJ text)."""
    return json.loads(json.dumps(data, default=str))


def question(case: dict) -> tuple[str, dict]:
    """The API path and body asking what a worked example asks."""
    profile = as_json(case["profile"])
    if case["command"] == "vae":
        return "/api/vae", {"certification": case["certification"], "year": case["year"], "profile": profile}
    body = {"diploma": case["diploma"], "date": RULES_DATE, "profile": profile}
    if "sources" in case:
        body["sources"] = case["sources"]
    if "milestone" in case:
        body["milestone"] = case["milestone"]
    return "/api/missing", body


def cli_answer(case: dict, tmp_path) -> dict:
    profile = tmp_path / f"{case['id']}.yaml"
    profile.write_text(yaml.safe_dump(case["profile"], allow_unicode=True), encoding="utf-8")
    if case["command"] == "vae":
        args = ["vae", "--certification", case["certification"], "--year", str(case["year"])]
    else:
        args = ["missing", "--diploma", case["diploma"], "--date", RULES_DATE]
        args += [a for s in case.get("sources", []) for a in ("--source", s)]
        args += ["--milestone", case["milestone"]] if "milestone" in case else []
    result = run_cnam(*args, "--profile", str(profile), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# ---------------------------------------------------------------- answers


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_worked_examples(client, case):
    path, body = question(case)
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["explanation"]
    for key, expected in case["expect"].items():
        if key == "divergences_nonempty":
            assert bool(answer["divergences"]) is expected
        elif isinstance(expected, (int, float)) and not isinstance(expected, bool):
            assert abs(dig(answer, key) - expected) <= 0.01, key
        else:
            assert dig(answer, key) == expected, key


@pytest.mark.parametrize("case_id", ["eleves-licence-out-of-field", "na-ingenieur-probatoire-out-of-field",
                                     "both-certificat-no-experience", "eleves-licence-jury-below-floor",
                                     "bfc-vae-short"])
def test_same_json_as_the_cli(client, case_id, tmp_path):
    case = BY_ID[case_id]
    path, body = question(case)
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == cli_answer(case, tmp_path)


def test_a_candidate_file_of_the_examples(client):
    alice = yaml.safe_load((ROOT / "examples" / "alice.yaml").read_text(encoding="utf-8"))
    body = {"diploma": "licence", "date": RULES_DATE, "profile": as_json(alice)}
    response = client.post("/api/missing", json=body)
    cli = run_cnam("missing", "--diploma", "licence", "--profile", "examples/alice.yaml", "--date", RULES_DATE,
                   "--format", "json")
    assert response.status_code == 200 and response.json() == json.loads(cli.stdout)


def test_diplomas_sources_and_openapi(client):
    diplomas = {d["id"]: d for d in client.get("/api/diplomas").json()}
    assert diplomas["licence"]["name"].startswith("Licence")
    assert [m["id"] for m in diplomas["ingenieur"]["milestones"]] == ["delivery", "application", "probatoire", "defense"]
    sources = {s["id"]: s for s in client.get("/api/sources").json()}
    assert set(sources) == {"cnam-na", "cnam-eleves", "vae-2009", "referentiel-formation", "vae-bfc"}
    assert sources["vae-bfc"]["vae"] and not sources["cnam-na"]["vae"]
    spec = client.get("/api/openapi.json").json()
    assert {"/api/missing", "/api/vae", "/api/diplomas", "/api/sources"} <= set(spec["paths"])


# ---------------------------------------------------------------- bad input: 422, the field, in French

LICENCE = {"diploma": "licence", "profile": {"experiences": [{"months": 36, "field": "out"}]}}
BAD = [
    ("time_share", "/api/missing", {**LICENCE, "profile": {"experiences": [{"months": 12, "field": "in", "time_share": 1.5}]}},
     "profile.experiences[0].time_share", "]0, 1]"),
    ("end_before_start", "/api/missing",
     {**LICENCE, "profile": {"experiences": [{"start": "2022-01-01", "end": "2021-01-01", "field": "in"}]}},
     "profile.experiences[0].end", "précède"),
    ("unknown_field_in_profile", "/api/missing", {**LICENCE, "profile": {"experiences": [], "salaire": 3}},
     "profile.salaire", "champ inconnu"),
    ("profile_not_object", "/api/missing", {**LICENCE, "profile": [1, 2]}, "profile", "attendu un objet"),
    ("profile_missing", "/api/missing", {"diploma": "licence"}, "profile", "champ obligatoire manquant"),
    ("unknown_diploma", "/api/missing", {**LICENCE, "diploma": "doctorat"}, "diploma", "diplôme inconnu"),
    ("unknown_source", "/api/missing", {**LICENCE, "sources": ["wikipedia"]}, "sources", "source inconnue"),
    ("source_silent", "/api/missing", {**LICENCE, "sources": ["vae-bfc"]}, "sources", "n'énonce rien"),
    ("milestone", "/api/missing", {**LICENCE, "milestone": "probatoire"}, "milestone", "jalon"),
    ("date", "/api/missing", {**LICENCE, "date": "2026-02-30"}, "date", "AAAA-MM-JJ"),
    ("diploma_type", "/api/missing", {**LICENCE, "diploma": 3}, "diploma", "attendu un identifiant"),
    ("extra_key", "/api/missing", {**LICENCE, "couleur": "bleu"}, "couleur", "champ inconnu"),
    ("certification", "/api/vae", {"certification": "LP-1", "profile": {}}, "certification", "lettres et chiffres"),
    ("year", "/api/vae", {"certification": "LP110504", "year": 1800, "profile": {}}, "year", "1900"),
    ("too_many_periods", "/api/missing",
     {**LICENCE, "profile": {"experiences": [{"months": 1, "field": "in"}] * 1001}}, "profile.experiences", "au plus 1000"),
]


@pytest.mark.parametrize("path,body,field,words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_422_naming_the_field(client, path, body, field, words):
    response = client.post(path, json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert field in [d["field"] for d in detail], detail
    message = next(d["msg"] for d in detail if d["field"] == field)
    assert words in message, message
    assert detail[0]["loc"][0] == "body"


@pytest.mark.parametrize("content", [b"{not json", b"", b"[]", "{\"diploma\": \"é".encode()])
def test_malformed_bodies_are_422_in_french(client, content):
    response = client.post("/api/missing", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    for d in response.json()["detail"]:
        assert not any(english in d["msg"] for english in ("Field required", "Input should", "JSON decode"))


def test_oversize_body_is_413(client):
    padding = "x" * (300 * 1024)
    response = client.post("/api/missing", json={**LICENCE, "profile": {"name": padding}})
    assert response.status_code == 413
    assert "trop volumineux" in response.json()["detail"]

    def chunks():  # no Content-Length: the server counts what it reads
        for _ in range(40):
            yield b" " * 10_000

    response = client.post("/api/missing", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_unknown_address_is_404_in_french(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.json()["detail"] == "adresse introuvable"


# ---------------------------------------------------------------- concurrency


def test_fifty_concurrent_requests_all_answer_and_the_server_stays_responsive(client, server):
    cases = CASES
    expected = {}
    for case in cases:
        path, body = question(case)
        expected[case["id"]] = client.post(path, json=body).json()

    async def ask(http: httpx.AsyncClient, index: int) -> tuple[bool, float]:
        case = cases[index % len(cases)]
        path, body = question(case)
        start = time.perf_counter()
        response = await http.post(path, json=body)
        return response.status_code == 200 and response.json() == expected[case["id"]], time.perf_counter() - start

    async def fifty() -> tuple[list, float]:
        limits = httpx.Limits(max_connections=60)
        async with httpx.AsyncClient(base_url=server, timeout=120, limits=limits) as http:
            tasks = [asyncio.create_task(ask(http, i)) for i in range(50)]
            await asyncio.sleep(0.05)
            start = time.perf_counter()
            assert (await http.get("/api/sources")).status_code == 200
            listing = time.perf_counter() - start
            return await asyncio.gather(*tasks), listing

    results, listing = asyncio.run(fifty())
    assert all(ok for ok, _ in results), [i for i, (ok, _) in enumerate(results) if not ok]
    latencies = sorted(t for _, t in results)
    print(f"\n50 concurrent: median {statistics.median(latencies):.2f} s, max {latencies[-1]:.2f} s; "
          f"GET /api/sources meanwhile {listing * 1000:.0f} ms")
    assert listing < 2.0, "the event loop was blocked by the solver"


# ---------------------------------------------------------------- the page, without JavaScript


def form_fields(**fields: object) -> dict:
    base = {"name": "Alice Martin", "experiences-0-label": "Commerciale", "experiences-0-months": "36",
            "experiences-0-field": "out", "experiences-0-kind": "salaried", "experiences-0-level": "sufficient",
            "diploma": "licence", "milestone": "delivery", "date": RULES_DATE, "action": "missing",
            "sources": ["cnam-eleves", "cnam-na", "referentiel-formation", "vae-2009", "vae-bfc"]}
    return {**base, **fields}


def test_page_answers_without_javascript(client):
    page = client.get("/")
    assert page.status_code == 200 and 'lang="fr"' in page.text and "cdn" not in page.text.lower()
    response = client.post("/", data=form_fields(sources=["cnam-eleves"]))
    assert response.status_code == 200
    text = html.unescape(response.text)
    assert "L'expérience du candidat suffit à condition d'effectuer un stage." in text
    line = line_of("rules/cnam-eleves/licence.cnr", "exige expérience", after="voie licence-hors-specialite")
    assert 'data-status="internship"' in text and f"rules/cnam-eleves/licence.cnr:{line}" in text
    assert 'value="Commerciale"' in text
    shown = json.loads(html.unescape(re.search(r'<pre id="answer-json">(.*?)</pre>', response.text, re.S)[1]))
    assert shown["sources"] == ["cnam-eleves"] and shown["status"] == "internship"


def test_page_and_api_give_the_same_answer_for_the_same_candidate(client):
    fields = form_fields(sources=["cnam-eleves"], ue_acquired="2", **{
        "internships-0-months": "2", "internships-0-field": "in", "internships-0-report": "on",
        "experiences-1-start": "2023-09-01", "experiences-1-end": "2024-08-31", "experiences-1-time_share": "0,5",
        "experiences-1-field": "in", "experiences-1-kind": "volunteer", "experiences-1-level": "sufficient"})
    page = client.post("/", data=fields)
    shown = json.loads(html.unescape(re.search(r'<pre id="answer-json">(.*?)</pre>', page.text, re.S)[1]))
    profile = {"name": "Alice Martin", "ue_acquired": 2,
               "experiences": [{"label": "Commerciale", "months": 36, "field": "out"},
                               {"start": "2023-09-01", "end": "2024-08-31", "time_share": 0.5, "field": "in",
                                "kind": "volunteer"}],
               "internships": [{"months": 2, "field": "in", "report": True}]}
    api = client.post("/api/missing", json={"diploma": "licence", "sources": ["cnam-eleves"], "date": RULES_DATE,
                                            "profile": profile})
    assert shown == api.json() and shown["internship"]["done_months"] == 2


def test_page_shows_errors_next_to_their_field_and_keeps_the_data(client):
    response = client.post("/", data=form_fields(**{"experiences-0-time_share": "1,5", "ue_acquired": "-2"}))
    assert response.status_code == 422
    html = response.text
    assert 'id="experiences-0-time_share-error"' in html and 'id="ue_acquired-error"' in html
    assert 'value="1,5"' in html and 'value="Commerciale"' in html and 'value="licence" data-milestones' in html
    no_source = client.post("/", data=form_fields(sources=["vae-bfc"]))
    assert no_source.status_code == 422 and 'id="sources-error"' in no_source.text
    no_diploma = client.post("/", data=form_fields(diploma=""))
    assert no_diploma.status_code == 422 and 'id="diploma-error"' in no_diploma.text


def test_page_adds_and_removes_rows_without_javascript(client):
    added = client.post("/", data=form_fields(action="add:experiences"))
    assert 'id="experiences-1-months"' in added.text and 'value="Commerciale"' in added.text
    removed = client.post("/", data=form_fields(action="remove:experiences:0"))
    assert 'id="experiences-0-months"' not in removed.text


def test_page_exports_and_imports_the_candidate_file(client):
    exported = client.post("/", data=form_fields(action="export", **{"experiences-0-time_share": "0,5"}))
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    candidate = yaml.safe_load(exported.text)
    assert candidate == {"name": "Alice Martin",
                         "experiences": [{"label": "Commerciale", "months": 36, "time_share": 0.5, "field": "out"}]}
    files = {"candidate_file": ("alice.yaml", (ROOT / "examples" / "alice.yaml").read_bytes(), "application/yaml")}
    imported = client.post("/", data={"action": "import", "diploma": "licence"}, files=files)
    assert imported.status_code == 200
    assert 'value="Alice Martin"' in imported.text and 'value="2020-09-01"' in imported.text
    broken = {"candidate_file": ("x.yaml", b"experiences: [{months: -1, field: in}]", "application/yaml")}
    refused = client.post("/", data={"action": "import"}, files=broken)
    assert refused.status_code == 422 and 'id="candidate_file-error"' in refused.text


def test_rule_files_are_shown_with_line_anchors(client):
    response = client.get("/regles/rules/cnam-eleves/licence.cnr")
    assert response.status_code == 200 and 'id="L12"' in response.text
    assert client.get("/regles/../../etc/passwd").status_code == 404


def test_the_answer_links_to_the_diploma_page_of_the_generated_docs(tmp_path):
    (tmp_path / "diplomes").mkdir()
    (tmp_path / "diplomes" / "licence.html").write_text("<h1>Licence</h1>", encoding="utf-8")
    with running_server("--docs", str(tmp_path)) as url, httpx.Client(base_url=url, timeout=60) as http:
        licence = http.post("/", data=form_fields())
        assert 'href="/docs/diplomes/licence.html"' in licence.text
        assert http.get("/docs/diplomes/licence.html").text == "<h1>Licence</h1>"
        bac2 = http.post("/", data=form_fields(diploma="bac+2"))
        assert bac2.status_code == 200 and "/docs/" not in bac2.text  # no page built for it: no link


def test_a_request_past_its_deadline_is_refused_not_queued(base):
    adviser = Adviser(Rules(base), deadline_seconds=0.2)

    def slow(*, deadline: float) -> dict:
        time.sleep(1)
        return {}

    with pytest.raises(Unanswered, match="délai"):
        anyio.run(adviser.run, slow)
    late = time.monotonic() - 1
    with pytest.raises(Unanswered):
        adviser.missing({"diploma": "licence"}, read_profile({}), deadline=late)


# ---------------------------------------------------------------- the command


def test_serve_refuses_a_broken_rule_base_with_one_line(tmp_path):
    (tmp_path / "bad.cnr").write_text("ceci n'est pas une règle\n", encoding="utf-8")
    result = run_cnam("serve", "--rules", str(tmp_path), "--port", str(free_port()))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "erreur" in result.stderr


def test_serve_refuses_a_taken_port(server):
    port = server.rsplit(":", 1)[1]
    result = run_cnam("serve", "--port", port)
    assert result.returncode == 2 and "--port" in result.stderr and "Traceback" not in result.stderr
