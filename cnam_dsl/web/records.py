"""The decision records on the web: "Enregistrer la décision" from the adviser's page, the list of records with
search by name or diploma, a record's page with its printable version (HTML, PDF, JSON).

The database (`records.store`) is opened on first use, from `cnam serve --db`
or `CNAM_DB` (default: the user's SQLite file); the record is computed and
stored in a worker thread, its answer from the proved closed forms or the solver's worker processes (as the
API's).
"""

from __future__ import annotations

import threading
from datetime import date
from functools import partial
from urllib.parse import quote

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from ..candidate import ProfileError
from ..records.decision import RulesChanged, decide
from ..records.printable import STATUS_FR, PrintError, date_fr, record_html, record_pdf
from ..records.store import RecordsError, Store, UnknownRecord
from .form import candidate_file, form_profile, read_form
from .page import (
    MAX_FORM_FIELDS, RECORDER_COOKIE, missing_fields, question_errors, render, templates, unreadable_form, vae_fields,
)
from .service import Adviser, RequestError, Unanswered

router = APIRouter(include_in_schema=False)
_opening = threading.Lock()
COOKIE_SECONDS = 365 * 24 * 3600
MAX_ADVISER = 200


def store_of(app) -> Store:
    """The app's records database, opened (and migrated) on first use."""
    with _opening:
        store = getattr(app.state, "records_store", None)
        if store is None:
            store = app.state.records_store = Store.open(getattr(app.state, "records_db", None))
        return store


async def _store(request: Request) -> Store:
    return await anyio.to_thread.run_sync(store_of, request.app)


def _unavailable(error: RecordsError) -> PlainTextResponse:
    return PlainTextResponse(f"registre des décisions indisponible : {error}", status_code=503)


@router.post("/decisions", response_class=HTMLResponse)
async def record(request: Request) -> Response:
    """The decision of the page's form computed again and recorded; then the record's page."""
    adviser: Adviser = request.app.state.adviser
    try:
        async with request.form(max_files=2, max_fields=MAX_FORM_FIELDS) as fields:
            text = {k: v for k, v in fields.items() if isinstance(v, str)}
            form = read_form(text, sorted(adviser.base.sources), fields.getlist("sources"))
    except (MultiPartException, HTTPException) as error:
        return unreadable_form(error)
    kind = "vae" if text.get("action") == "record:vae" else "missing"
    name = " ".join(text.get("adviser", "").split())[:MAX_ADVISER]
    profile = await anyio.to_thread.run_sync(form_profile, form)
    if not name:
        form.errors[""] = "indiquer le nom du conseiller (champ « Conseiller ») pour enregistrer la décision"
    asked = missing_fields(form, adviser.base) if kind == "missing" else vae_fields(form, adviser.base)
    asked = {k: v for k, v in asked.items() if v is not None}
    if profile is None or form.errors:
        return await render(request, form, status_code=422)
    try:
        store = await _store(request)
        stored = await adviser.run(partial(_decide_and_store, adviser, store, kind, asked, candidate_file(form), name))
    except (RequestError, ProfileError) as errors:
        if isinstance(errors, RequestError):
            question_errors(form, errors)
        else:
            form.errors[""] = str(errors)
        return await render(request, form, status_code=422)
    except (Unanswered, RulesChanged) as error:
        form.errors[""] = str(error)
        return await render(request, form, status_code=503)
    except RecordsError as error:
        return _unavailable(error)
    response = RedirectResponse(f"/decisions/{stored['id']}", status_code=303)
    response.set_cookie(RECORDER_COOKIE, quote(name), max_age=COOKIE_SECONDS, httponly=True, samesite="strict")
    return response


def _decide_and_store(adviser: Adviser, store: Store, kind: str, asked: dict, data: dict, name: str, *,
                      deadline: float) -> dict:
    draft = decide(adviser.rules, kind, asked, data, name, date.today(),
                   answering=partial(adviser.solved, deadline=deadline))
    return store.append(draft)


@router.get("/decisions", response_class=HTMLResponse)
async def listing(request: Request, q: str = "", diploma: str = "") -> Response:
    """The records, the most recent first, found by the candidate's name (or the diploma typed) and diploma."""
    base = request.app.state.adviser.base
    q, diploma = q.strip()[:MAX_ADVISER], diploma.strip()[:80]
    try:
        store = await _store(request)
        found = await anyio.to_thread.run_sync(partial(_search, store, q, diploma))
    except RecordsError as error:
        return _unavailable(error)
    html = templates.get_template("records_list.html").render(
        found=found, q=q, diploma=diploma, base=base, date_fr=date_fr, status_fr=STATUS_FR)
    return HTMLResponse(html)


def _search(store: Store, q: str, diploma: str) -> list[dict]:
    """By name; a text that is a diploma or certification's id finds its records too."""
    found = {r["id"]: r for r in store.listing(q or None, diploma or None)}
    if q:
        found.update({r["id"]: r for r in store.listing(None, q) if not diploma or r["subject"] == diploma})
    return sorted(found.values(), key=lambda r: -r["id"])


async def _record(request: Request, record_id: int) -> dict | Response:
    try:
        store = await _store(request)
        return await anyio.to_thread.run_sync(store.record, record_id)
    except UnknownRecord:
        return HTMLResponse(templates.get_template("missing.html").render(what=f"décision {record_id}"),
                            status_code=404)
    except RecordsError as error:
        return _unavailable(error)


@router.get("/decisions/{record_id:int}", response_class=HTMLResponse)
async def record_page(request: Request, record_id: int) -> Response:
    found = await _record(request, record_id)
    if isinstance(found, Response):
        return found
    links = {"list": "/decisions", "pdf": f"/decisions/{record_id}.pdf", "json": f"/decisions/{record_id}.json",
             "home": "/"}
    return HTMLResponse(record_html(found, screen=True, links=links))


@router.get("/decisions/{record_id:int}.json")
async def record_json(request: Request, record_id: int) -> Response:
    found = await _record(request, record_id)
    return found if isinstance(found, Response) else JSONResponse(found)


@router.get("/decisions/{record_id:int}.pdf")
async def record_pdf_page(request: Request, record_id: int) -> Response:
    found = await _record(request, record_id)
    if isinstance(found, Response):
        return found
    try:
        pdf = await anyio.to_thread.run_sync(record_pdf, found)
    except PrintError as error:
        return PlainTextResponse(str(error), status_code=501)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="decision-{record_id}.pdf"'})
