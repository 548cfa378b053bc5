"""The answer beside the form, as the adviser types: the form's fields in, the answer alone out (HTML for `live.js`).

`POST /live` reads the form as the page's button does (empty durations and
fields unknown: `form.with_unknowns`) and renders only the answer
(`answer_body.html`), so that `static/live.js` replaces it in place a few
tens of milliseconds after each keystroke; with no diploma chosen it answers
204 and the page keeps what it shows. `POST /live/why-not` renders the
« Pourquoi pas ? » of a complete file that is not `satisfied`, fetched once
the answer is shown (it asks the solver several questions). Without
JavaScript none of this is used: the page's button posts the form and the
page comes back with the same answer.
"""

from __future__ import annotations

from functools import partial

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from .form import FormData, read_form
from .page import (
    MAX_FORM_FIELDS, checked_candidate, missing_fields, page_context, question_errors, templates, unreadable_form,
)
from .service import Adviser, RequestError, Unanswered, displayable

router = APIRouter(include_in_schema=False)


def _adviser(request: Request) -> Adviser:
    return request.app.state.adviser


async def _form(request: Request) -> FormData | Response:
    base = _adviser(request).base
    try:
        async with request.form(max_files=2, max_fields=MAX_FORM_FIELDS) as fields:
            text_fields = {k: v for k, v in fields.items() if isinstance(v, str)}
            return read_form(text_fields, sorted(base.sources), fields.getlist("sources"))
    except (MultiPartException, HTTPException) as error:
        return unreadable_form(error)


async def _answered(request: Request, answer) -> tuple[FormData, dict | None] | Response:
    """The form and its answer (`answer`: the adviser's method), or the form with its errors."""
    form = await _form(request)
    if isinstance(form, Response):
        return form
    if not form.question.get("diploma"):
        return Response(status_code=204)
    data = {k: v for k, v in missing_fields(form, _adviser(request).base).items() if v is not None}
    profile = await checked_candidate(form, partial=True)
    if profile is None or form.errors:
        return form, None
    try:
        return form, await _adviser(request).run(answer, data, profile)
    except RequestError as errors:
        question_errors(form, errors)
    except Unanswered as error:
        form.errors[""] = str(error)
    return form, None


@router.post("/live", response_class=HTMLResponse)
async def live_answer(request: Request) -> Response:
    """The answer to the form as it stands, alone (the errors of the form instead, if any)."""
    found = await _answered(request, _adviser(request).missing)
    if isinstance(found, Response):
        return found
    form, answer = found
    return await _fragment(request, "answer_body.html", form, answer, why_not_later=True)


@router.post("/live/why-not", response_class=HTMLResponse)
async def live_why_not(request: Request) -> Response:
    """« Pourquoi pas ? » for the form as it stands (empty when the answer is satisfied or incomplete)."""
    found = await _answered(request, _adviser(request).why_not)
    if isinstance(found, Response):
        return found
    form, answer = found
    if answer is None or "why_not" not in answer:
        return Response(status_code=204)
    return await _fragment(request, "why_not.html", form, answer)


async def _fragment(request: Request, template: str, form: FormData, answer: dict | None, **extra) -> HTMLResponse:
    def html() -> str:
        context = page_context(request, form, answer, "missing" if answer is not None else None)
        return templates.get_template(template).render(**context, live_errors=form.errors, **extra)

    return HTMLResponse(displayable(await anyio.to_thread.run_sync(partial(html))))
