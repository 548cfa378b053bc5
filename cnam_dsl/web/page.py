"""The adviser's page: the form in, the answer (or errors next to the fields) out, as HTML in French.

Works without JavaScript: every button posts the form (answer, add or remove
a row, export, import) and the server renders the page again, data kept.
`static/cnam.js` only makes adding and removing rows instant.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from functools import partial
from pathlib import Path
from urllib.parse import quote, unquote

import anyio.to_thread
import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from ..answer.describe import AUTHORITY_FR, KIND_FR, months_fr
from ..language.model import MILESTONE_FR
from ..answer.present import (STATUS_SENTENCE, VAE_SENTENCE, authorities_fr, decision_lines, internship_text,
                              option_text, short_answer)
from ..answer.unknown import fact_fr, possible_sentence, short_possible, value_fr
from ..candidate import MAX_PERIODS, ProfileError
from ..candidate.files import load_text
from ..candidate.unknown import read_candidate
from .form import LISTS, FormData, form_profile, form_wording, kept_rows, profile_form, read_form, with_unknowns
from ..request import DAY, milestone_id
from .service import Adviser, RequestError, Unanswered, displayable

MAX_FORM_FIELDS = 10 * MAX_PERIODS
ROW_ID = re.compile(r"[0-9]{1,6}")  # ASCII digits only: str.isdigit() also accepts "²", which int() refuses
# Starlette's refusals of a form (English), in French.
MULTIPART_FR = (
    (re.compile(r"Too many files\. Maximum number of files is (\d+)\."), "trop de fichiers (au plus {0})"),
    (re.compile(r"Too many fields\. Maximum number of fields is (\d+)\."), "trop de champs (au plus {0})"),
    (re.compile(r"(?:Field|Part) exceeded maximum size of (\d+)KB\."), "champ trop volumineux (au plus {0} Ko)"),
    (re.compile(r"Missing boundary in multipart\."), "délimiteur multipart manquant"),
    (re.compile(r'The Content-Disposition header field "name" must be provided\.'),
     "une partie du formulaire n'a pas de nom (Content-Disposition name)"),
)
RECORDER_COOKIE = "cnam_conseiller"
router = APIRouter(include_in_schema=False)
templates = Environment(loader=PackageLoader("cnam_dsl.web", "templates"), autoescape=select_autoescape(),
                        trim_blocks=True, lstrip_blocks=True)
templates.globals.update(
    STATUS_SENTENCE=STATUS_SENTENCE, VAE_SENTENCE=VAE_SENTENCE, MILESTONE_FR=MILESTONE_FR,
    AUTHORITY_FR=AUTHORITY_FR, KIND_FR=KIND_FR, LISTS=LISTS, internship_text=internship_text,
    option_text=option_text, short_answer=short_answer, months_fr=months_fr, authorities_fr=authorities_fr,
    decision_lines=decision_lines, possible_sentence=possible_sentence, short_possible=short_possible,
    value_fr=value_fr,
)
MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")
DOCS_PAGES = ("diplomas/{}.html", "diplomes/{}.html", "diplomas/{}/index.html", "diplomes/{}/index.html",
              "diploma-{}.html", "{}.html")


def date_fr(iso: str) -> str:
    """
    >>> date_fr("2026-01-01"), date_fr("2026-11-23")
    ('1er janvier 2026', '23 novembre 2026')
    """
    day = date.fromisoformat(iso)
    return f"{'1er' if day.day == 1 else day.day} {MONTHS_FR[day.month - 1]} {day.year}"


def source_runs(entries: list[dict]) -> list[tuple[str, int, list[dict]]]:
    """The explanation in runs of consecutive entries of one source: (source, number of its first, entries).

    >>> [(s, n, len(r)) for s, n, r in source_runs([{"source": "a"}, {"source": "a"}, {"source": "b"}])]
    [('a', 1, 2), ('b', 3, 1)]
    """
    runs: list[tuple[str, int, list[dict]]] = []
    for number, entry in enumerate(entries, 1):
        if runs and runs[-1][0] == entry["source"]:
            runs[-1][2].append(entry)
        else:
            runs.append((entry["source"], number, [entry]))
    return runs


templates.filters.update(date_fr=date_fr, source_runs=source_runs)


def unreadable_form(error: MultiPartException | HTTPException) -> PlainTextResponse:
    """The 400 answer to a form Starlette refused to read (its reason in French); another HTTPException (raised
    inside an application) is raised again."""
    if isinstance(error, HTTPException) and error.status_code != 400:
        raise error
    message = error.message if isinstance(error, MultiPartException) else str(error.detail)
    return PlainTextResponse(f"formulaire illisible : {multipart_fr(message)}", status_code=400)


def multipart_fr(message: str) -> str:
    """Starlette's reason for refusing a form, in French.

    >>> multipart_fr("Too many files. Maximum number of files is 2."), multipart_fr("Invalid multipart data.")
    ('trop de fichiers (au plus 2)', 'données multipart invalides')
    """
    for pattern, french in MULTIPART_FR:
        found = pattern.fullmatch(message)
        if found:
            return french.format(*found.groups())
    return "données multipart invalides"


def _adviser(request: Request) -> Adviser:
    return request.app.state.adviser


def docs_page(docs_dir: Path | None, diploma: str) -> str | None:
    """The address of the diploma's page in the generated documentation, if it is built."""
    if docs_dir is None:
        return None
    slugs = dict.fromkeys([diploma, diploma.replace("+", "-"), diploma.replace("+", "plus"),
                           diploma.replace("+", "-plus-"), diploma.replace("+", "")])
    for slug in slugs:
        for pattern in DOCS_PAGES:
            relative = pattern.format(slug)
            if (docs_dir / relative).is_file():
                return "/docs/" + quote(relative)
    return None


async def render(request: Request, form: FormData, answer: dict | None = None, kind: str | None = None,
                 status_code: int = 200) -> HTMLResponse:
    """The page, rendered in a worker thread (a thousand rows take most of a second). An answer's `why_not`
    (« Pourquoi pas ? ») is shown apart from its JSON, which stays the command line's."""
    html = await anyio.to_thread.run_sync(partial(page_html, request, form, answer, kind))
    return HTMLResponse(displayable(html), status_code=status_code)


def page_html(request: Request, form: FormData, answer: dict | None, kind: str | None) -> str:
    return templates.get_template("page.html").render(**page_context(request, form, answer, kind))


def page_context(request: Request, form: FormData, answer: dict | None, kind: str | None) -> dict:
    """What the page's templates (and the live answer's, `live`) are rendered with."""
    base = _adviser(request).base
    today = date.today()
    why_not = None
    if answer is not None and "why_not" in answer:
        answer = dict(answer)
        why_not = answer.pop("why_not")
    context = {
        "form": form, "answer": answer, "kind": kind, "base": base, "why_not": why_not,
        "errors": form.errors, "checked": set(form.sources if form.sources is not None else base.sources),
        "stating": {d: {m: base.sources_for(d, m, today) for m in info.milestones}
                    for d, info in base.diplomas.items()},
        "vae_sources": base.vae_sources(today.year), "this_year": today.year,
        "recorder": unquote(request.cookies.get(RECORDER_COOKIE, "")),  # the adviser's name, once one recorded
    }
    if answer is not None and kind == "missing":
        context["diploma_name"] = base.diplomas[answer["diploma"]].name
        context["docs_link"] = docs_page(request.app.state.docs_dir, answer["diploma"])
        context["answer_json"] = json.dumps(answer, ensure_ascii=False, indent=2)
    elif answer is not None:
        context["answer_json"] = json.dumps(answer, ensure_ascii=False, indent=2)
    context["field_ids"] = field_ids(form)
    context["fact_labels"] = fact_labels(form)
    return context


def fact_labels(form: FormData) -> dict[str, str]:
    """Each fact of the candidate file named in French, its experience by the label typed."""
    labels = {path: fact_fr(path) for path in ("ue_acquired", "decided_internship_months")}
    for name, keys in (("experiences", ("months", "time_share", "field", "kind", "level")),
                       ("internships", ("months", "field", "report"))):
        for i, (_, values) in enumerate(kept_rows(form, name)):
            labels.update({f"{name}[{i}].{key}": fact_fr(f"{name}[{i}].{key}", values.get("label") or None)
                           for key in keys})
    return labels


def field_ids(form: FormData) -> dict[str, str]:
    """The form field where each fact of the candidate file is typed (`experiences[0].field` ->
    `experiences-3-field`: rows are numbered in the form as they were added)."""
    ids = {"ue_acquired": "ue_acquired", "decided_internship_months": "decided_internship_months"}
    for name, keys in (("experiences", ("months", "time_share", "field", "kind", "level")),
                       ("internships", ("months", "field", "report"))):
        for i, (row, _) in enumerate(kept_rows(form, name)):
            ids.update({f"{name}[{i}].{key}": f"{name}-{row}-{key}" for key in keys})
    return ids


@router.get("/", response_class=HTMLResponse)
async def page(request: Request) -> HTMLResponse:
    form = FormData(question={"milestone": "delivery"})
    form.add_row("experiences")
    return await render(request, form)


@router.post("/", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    base = _adviser(request).base
    try:
        async with request.form(max_files=2, max_fields=MAX_FORM_FIELDS) as fields:
            upload = fields.get("candidate_file")
            text_fields = {k: v for k, v in fields.items() if isinstance(v, str)}
            form = read_form(text_fields, sorted(base.sources), fields.getlist("sources"))
            action = text_fields.get("action", "missing")
            if action == "import":
                return await _import(request, form, upload)
    except (MultiPartException, HTTPException) as error:
        return unreadable_form(error)
    if action.startswith(("add:", "remove:")):
        return await render(request, _edit_rows(form, action))
    if action == "export":
        return await _export(request, form)
    if action == "vae":
        return await _vae(request, form)
    return await _missing(request, form)


async def checked_candidate(form: FormData, partial: bool = False):
    """The form's candidate, checked in a worker thread (a thousand rows take a tenth of a second); with
    `partial`, its empty facts are unknown (`form.with_unknowns`)."""
    if partial:
        return await anyio.to_thread.run_sync(form_profile, with_unknowns(form), True)
    return await anyio.to_thread.run_sync(form_profile, form)


def _edit_rows(form: FormData, action: str) -> FormData:
    """'add:experiences' or 'remove:experiences:3' (the buttons of the form without JavaScript)."""
    verb, _, rest = action.partition(":")
    list_name, _, row = rest.partition(":")
    if list_name in LISTS:
        if verb == "add" and len(form.rows[list_name]) < MAX_PERIODS:
            form.add_row(list_name)
        elif verb == "remove" and ROW_ID.fullmatch(row):
            form.remove_row(list_name, int(row))
    return form


def question_errors(form: FormData, errors: RequestError) -> None:
    """A question's errors beside the form's fields (the candidate's beside its rows)."""
    for e in errors.errors:
        field = "sources" if e.path in ("source", "sources") else e.path
        form.errors.setdefault(field if field in form.question or field == "sources" else "", form_wording(e.message))


def _sources(form: FormData, applicable: list[str], what: str) -> list[str] | None:
    """The boxes ticked among the sources that apply (None: all of them, the default). The form lists every
    source; those that state nothing for the question are left out rather than refused."""
    if form.sources is None:
        return None
    chosen = [s for s in form.sources if s in applicable]
    if not chosen:
        form.errors["sources"] = (f"aucune des sources cochées n'énonce {what} ; "
                                  f"sources qui en énoncent : {', '.join(applicable) or 'aucune'}")
    return chosen


async def _missing(request: Request, form: FormData) -> HTMLResponse:
    data = missing_fields(form, _adviser(request).base)
    return await _answer(request, form, "missing", _adviser(request).why_not, data)


def missing_fields(form: FormData, base) -> dict:
    """The fields of the form's `cnam missing` question (None: not given; the sources ticked among those that
    apply)."""
    q = form.question
    diploma, milestone = q.get("diploma") or None, milestone_id(q.get("milestone") or "delivery")
    day = DAY.fullmatch(q.get("date") or "") and _day(q["date"])
    applicable = (base.sources_for(diploma, milestone, day or date.today())
                  if diploma in base.diplomas and milestone in base.diplomas[diploma].milestones else list(base.sources))
    return {"diploma": diploma, "milestone": q.get("milestone") or None, "date": q.get("date") or None,
            "sources": _sources(form, applicable, "d'exigence pour ce diplôme à ce jalon")}


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


async def _vae(request: Request, form: FormData) -> HTMLResponse:
    data = vae_fields(form, _adviser(request).base)
    return await _answer(request, form, "vae", _adviser(request).vae, data)


def vae_fields(form: FormData, base) -> dict:
    """The fields of the form's `cnam vae` question (None: not given)."""
    q = form.question
    year = q.get("year") or None
    this_year = int(year) if year and year.isascii() and year.isdigit() and len(year) == 4 else date.today().year
    return {"certification": q.get("certification") or None, "year": year,
            "sources": _sources(form, base.vae_sources(this_year), "de règle de recevabilité VAE en vigueur cette année")}


async def _answer(request: Request, form: FormData, kind: str, answer, data: dict) -> HTMLResponse:
    """The page with the answer to the form's question, or with every error beside its field."""
    profile = await checked_candidate(form, partial=kind == "missing")
    asked = {k: v for k, v in data.items() if v is not None}
    if kind == "missing" and "diploma" not in asked:
        form.errors["diploma"] = "choisir un diplôme"
        return await render(request, form, status_code=422)
    if profile is None or form.errors:
        return await render(request, form, status_code=422)
    try:
        result = await _adviser(request).run(answer, asked, profile)
    except RequestError as errors:
        question_errors(form, errors)
        return await render(request, form, status_code=422)
    except Unanswered as error:
        form.errors[""] = str(error)
        return await render(request, form, status_code=503)
    return await render(request, form, result, kind)


async def _export(request: Request, form: FormData) -> Response:
    """The candidate as the contract's candidate file (YAML, its empty facts written `unknown`), to download."""
    profile = await checked_candidate(form, partial=True)
    if profile is None:
        return await render(request, form, status_code=422)
    text = yaml.safe_dump(profile.to_dict(), allow_unicode=True, sort_keys=False, default_flow_style=False)
    return Response(text, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{file_stem(profile.name)}.yaml"'})


def file_stem(name: str | None) -> str:
    """A candidate's name as a file name: letters transliterated, accents dropped, other signs as dashes.

    >>> file_stem("Léa Moreau"), file_stem("Zoë O'Brien-Çelik"), file_stem("李"), file_stem(None)
    ('lea-moreau', 'zoe-o-brien-celik', 'candidat', 'candidat')
    """
    plain = unicodedata.normalize("NFKD", (name or "").replace("œ", "oe").replace("æ", "ae").replace("ß", "ss"))
    stem = "".join(c if c.isascii() and c.isalnum() else "-" for c in plain.lower() if not unicodedata.combining(c))
    return "-".join(part for part in stem.split("-") if part) or "candidat"


async def _import(request: Request, form: FormData, upload: object) -> HTMLResponse:
    """A candidate file (YAML or JSON) read into the form; the question fields are kept."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.errors["candidate_file"] = "choisir un fichier candidat (YAML ou JSON)"
        return await render(request, form, status_code=422)
    raw = await upload.read()
    try:
        raw.decode("utf-8-sig")
        data = load_text(raw, upload.filename, upload.filename.lower().endswith(".json"))
        profile = read_candidate(data, origin=upload.filename)
    except UnicodeDecodeError:
        form.errors["candidate_file"] = f"{upload.filename} : fichier non encodé en UTF-8"
        return await render(request, form, status_code=422)
    except ProfileError as error:
        form.errors["candidate_file"] = str(error)
        return await render(request, form, status_code=422)
    imported = profile_form(profile, form.question, form.sources)
    if not imported.rows["experiences"]:
        imported.add_row("experiences")
    return await render(request, imported)


@router.get("/regles/{file:path}", response_class=HTMLResponse)
async def rule_file(request: Request, file: str) -> HTMLResponse:
    """A rule file of the rule base, its lines numbered, so that "Pourquoi" can point at a line."""
    text = _adviser(request).base.texts.get(file)
    if text is None:
        return HTMLResponse(templates.get_template("missing.html").render(what=file), status_code=404)
    html = templates.get_template("rules.html").render(file=file, lines=text.splitlines())
    return HTMLResponse(html)
