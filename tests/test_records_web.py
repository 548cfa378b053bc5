"""Decision records on the web: recorded from the adviser's page, listed and searched, shown and printed; the
access token off loopback; no personal data in the server's log."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from cnam_dsl.rules import Rules
from cnam_dsl.web.app import create_app
from system import weasyprint_ready

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "jeton-de-test-0123456789"
SOURCES = ["cnam-eleves", "cnam-na", "referentiel-formation", "vae-2009", "vae-bfc"]
FORM = {"name": "Zoé Personnelle", "experiences-0-label": "Magasinière chez Dupont", "experiences-0-months": "12",
        "experiences-0-field": "in", "diploma": "licence-l3", "milestone": "delivery", "date": "2026-01-01",
        "sources": SOURCES}


@pytest.fixture(scope="module")
def rules():
    return Rules.load()


@pytest.fixture
def client(rules, tmp_path):
    with TestClient(create_app(rules, records_db=str(tmp_path / "records.sqlite3"))) as http:
        yield http


def test_the_page_offers_to_record_the_decision_and_remembers_the_adviser(client):
    page = client.post("/", data={**FORM, "action": "missing"})
    assert page.status_code == 200 and "Enregistrer la décision" in page.text
    refused = client.post("/decisions", data={**FORM, "action": "record:missing"})
    assert refused.status_code == 422 and "nom du conseiller" in refused.text
    done = client.post("/decisions", data={**FORM, "action": "record:missing", "adviser": "Jeanne Conseil"},
                       follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/decisions/1")
    again = client.post("/", data={**FORM, "action": "missing"})
    assert 'value="Jeanne Conseil"' in again.text


def test_a_record_has_its_page_its_pdf_and_its_json(client):
    client.post("/decisions", data={**FORM, "action": "record:missing", "adviser": "Jeanne Conseil"})
    vae = {**FORM, "certification": "LP110504", "year": "2026", "action": "record:vae", "adviser": "Jeanne Conseil"}
    assert client.post("/decisions", data=vae, follow_redirects=False).headers["location"] == "/decisions/2"
    page = client.get("/decisions/1")
    assert page.status_code == 200
    assert all(text in page.text for text in ("Zoé Personnelle", "Magasinière chez Dupont", "L311-3-1",
                                              "Les faits retenus", "/decisions/1.pdf"))
    record = client.get("/decisions/1.json").json()
    assert record["answer"]["status"] == "satisfied" and record["adviser"] == "Jeanne Conseil"
    assert record["question"] == {"command": "missing", "diploma": "licence-l3", "milestone": "delivery",
                                  "date": "2026-01-01"}
    weasyprint_ready()
    pdf = client.get("/decisions/2.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert client.get("/decisions/3").status_code == 404


def test_the_list_finds_records_by_name_or_diploma(client):
    client.post("/decisions", data={**FORM, "action": "record:missing", "adviser": "Jeanne"})
    client.post("/decisions", data={**FORM, "name": "Yves Autre", "diploma": "bac+2", "action": "record:missing",
                                    "adviser": "Jeanne"})
    assert all(n in client.get("/decisions").text for n in ("Zoé Personnelle", "Yves Autre"))
    by_name = client.get("/decisions", params={"q": "zoe"}).text
    assert "Zoé Personnelle" in by_name and "Yves Autre" not in by_name
    by_diploma = client.get("/decisions", params={"diploma": "bac+2"}).text
    assert "Yves Autre" in by_diploma and "Zoé Personnelle" not in by_diploma
    assert "Yves Autre" in client.get("/decisions", params={"q": "bac+2"}).text
    assert "Aucune décision" in client.get("/decisions", params={"q": "Dupuis"}).text


def test_with_a_token_every_request_must_carry_it(rules, tmp_path):
    app = create_app(rules, records_db=str(tmp_path / "records.sqlite3"), token=TOKEN)
    with TestClient(app) as http:
        assert http.get("/").status_code == 401
        assert http.get("/api/sources").json()["detail"].startswith("jeton d'accès requis")
        assert http.get("/api/sources", headers={"Authorization": "Bearer mauvais-jeton-0000000"}).status_code == 401
        assert http.get("/api/sources", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        entered = http.get(f"/decisions?q=x&jeton={TOKEN}", follow_redirects=False)
        assert (entered.status_code, entered.headers["location"]) == (303, "/decisions?q=x")
        assert http.get("/decisions").status_code == 200  # the cookie now carries it


def _serve(*options: str, env: dict | None = None, log=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cnam_dsl", "serve", *options], cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("token, expected", [(None, "définir un jeton d'accès dans CNAM_TOKEN"),
                                             ("court", "CNAM_TOKEN : attendu au moins 16 caractères")])
def test_off_loopback_the_server_refuses_to_start_without_a_good_token(token, expected):
    env = {k: v for k, v in os.environ.items() if k != "CNAM_TOKEN"} | ({"CNAM_TOKEN": token} if token else {})
    done = subprocess.run([sys.executable, "-m", "cnam_dsl", "serve", "--host", "0.0.0.0", "--port", "1"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and expected in done.stderr


@pytest.mark.slow
def test_the_server_log_holds_no_personal_data(tmp_path):
    from webserver import free_port

    port, log = free_port(), tempfile.TemporaryFile("w+", encoding="utf-8")
    env = {"CNAM_TOKEN": "", "CNAM_DB": str(tmp_path / "records.sqlite3")}
    server = _serve("--port", str(port), env=env, log=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/api/sources", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, "cnam serve ne répond pas"
                time.sleep(0.2)
        with httpx.Client(base_url=url, timeout=60, follow_redirects=True) as http:
            recorded = http.post("/decisions", data={**FORM, "action": "record:missing", "adviser": "Jeanne"})
            assert recorded.status_code == 200 and "Zoé Personnelle" in recorded.text
            assert "Zoé Personnelle" in http.get("/decisions", params={"q": "Zoé Personnelle"}).text
    finally:
        server.terminate()
        server.wait(timeout=30)
    log.seek(0)
    text = log.read()
    assert "POST /decisions 303" in text and "GET /decisions 200" in text
    assert not any(p in text for p in ("Zoé", "Personnelle", "Magasinière", "Dupont", "q="))
