"""The JSON API: questions as JSON bodies into the contract's answers; bad input into 422 in French."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from ..candidate.files import load_json
from ..candidate.schema import ProfileError
from ..language.model import MILESTONE_FR
from .service import Adviser, FieldError, RequestError, Unanswered, displayable

CANDIDATE_EXAMPLE = {
    "name": "Alice Martin",
    "ue_acquired": 3,
    "experiences": [{"label": "Commerciale", "start": "2020-09-01", "end": "2023-08-31", "field": "out"}],
}
INCOMPLETE_EXAMPLE = {
    "experiences": [{"label": "Magasinier", "months": 36, "field": "unknown"},
                    {"label": "Vendeur", "months": 12, "field": "out", "level": "unknown"}],
}
Profile = Annotated[Any, Field(
    description="Le fichier candidat du contrat, en JSON (name, ue_acquired, decided_internship_months, "
                "decided_experience_months, decided_by, entered_duties, experiences, internships, vae_requests). "
                "Pour /api/missing et /api/why-not, ces faits peuvent valoir \"unknown\" : months, time_share, "
                "field, kind, level d'une expérience ; months, field, report d'un stage ; ue_acquired ; "
                "decided_internship_months.",
    json_schema_extra={"type": "object", "examples": [CANDIDATE_EXAMPLE, INCOMPLETE_EXAMPLE]},
)]
SourceIds = Annotated[list[Annotated[str, Field(max_length=60)]] | None, Field(
    None, max_length=20, description="Sources à appliquer (par défaut : toutes celles qui énoncent des exigences)."
)]


class _Question(BaseModel):
    """Documentation only (the OpenAPI description): bodies are read by `request`, which names every bad field."""

    model_config = ConfigDict(extra="forbid")


class MissingQuestion(_Question):
    """Ce qu'il manque à un candidat pour un diplôme (comme `cnam missing`)."""

    diploma: str = Field(max_length=60, description="Identifiant du diplôme (voir GET /api/diplomas).",
                         examples=["licence"])
    sources: SourceIds
    milestone: str = Field("delivery", max_length=60, description="Jalon : son identifiant ou son nom "
                                                                  "(delivery ou délivrance par défaut).")
    date: str | None = Field(None, description="Date d'application des règles, AAAA-MM-JJ (défaut : aujourd'hui).",
                             examples=["2026-01-01"])
    profile: Profile


class VaeQuestion(_Question):
    """La recevabilité d'une demande de VAE (comme `cnam vae`)."""

    certification: str = Field(pattern=r"^[A-Za-z0-9]{1,40}$", description="Code de la certification.",
                               examples=["LP110504"])
    year: int | None = Field(None, ge=1900, le=2200, description="Année civile (défaut : l'année en cours).")
    sources: SourceIds
    profile: Profile


class AnswerDoc(BaseModel):
    """Documentation only: the answers are returned exactly as the CLI's JSON (see the contract)."""

    model_config = ConfigDict(extra="allow")
    status: str
    explanation: list[dict[str, Any]]


class MissingAnswerDoc(AnswerDoc):
    """La réponse de `cnam missing --format json`. Quand le fichier candidat a des faits « unknown », elle ajoute
    (contrat, « Unknown facts ») : `complete` (false), `status` (le statut commun à toutes les complétions, sinon
    « undetermined »), `possible` (chaque réponse possible avec un fichier témoin complet), `certain`, `questions`
    (les faits qui peuvent changer la réponse, le plus décisif d'abord, avec ce que donne chaque réponse),
    `irrelevant` (ceux qui ne le peuvent pas) ; les autres champs sont la partie commune (ou null). Avec
    /api/why-not, `why_not` : les plus petits changements qui suffiraient pour que rien de plus ne soit exigé."""

    complete: bool | None = Field(None, description="false quand des faits sont inconnus (absent sinon).")
    possible: list[dict[str, Any]] | None = Field(None, description="Les réponses possibles, chacune avec `witness`.")
    certain: list[str] | None = Field(None, description="Ce qui vaut dans tous les cas, en français.")
    questions: list[dict[str, Any]] | None = Field(
        None, description="{fact, text, outcomes: {réponse: statut}, replies}, la plus décisive d'abord.")
    irrelevant: list[str] | None = Field(None, description="Les faits inconnus sans effet sur la réponse.")
    why_not: list[dict[str, Any]] | None = Field(
        None, description="/api/why-not : {change, months, text, proved_minimal, witness} par changement.")


ERRORS_DOC = {
    422: {"description": "Entrée invalide : chaque champ en cause, avec son chemin et un message en français."},
    413: {"description": "Corps de requête trop volumineux."},
    503: {"description": "Le solveur n'a pas pu répondre à temps."},
}
router = APIRouter(prefix="/api", tags=["API"])


def _adviser(request: Request) -> Adviser:
    return request.app.state.adviser


async def _body(request: Request) -> dict:
    """The JSON body of a question, read as the candidate files are (duplicate keys refused), errors in French."""
    raw = await request.body()
    try:
        data = load_json(raw.decode("utf-8"), "corps")
    except UnicodeDecodeError:
        raise RequestError([FieldError("", "corps de requête illisible : JSON non encodé en UTF-8")]) from None
    except ProfileError as error:
        raise RequestError([FieldError("", error.reason)]) from None
    if not isinstance(data, dict):
        raise RequestError([FieldError("", "attendu un objet JSON (champ: valeur)")])
    return data


def _openapi(model: type[BaseModel]) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


@router.post("/missing", response_model=MissingAnswerDoc, responses=ERRORS_DOC,
             openapi_extra=_openapi(MissingQuestion), summary="Ce qu'il manque au candidat pour un diplôme")
async def answer_missing(request: Request) -> JSONResponse:
    """La réponse de `cnam missing --format json`, à l'identique. Le fichier candidat peut avoir des faits
    « unknown » : la réponse donne alors toutes les réponses possibles, ce qui est certain, les questions qui
    peuvent encore la changer et les faits sans effet. Toute erreur d'entrée donne un 422 qui nomme chaque
    champ en cause."""
    adviser = _adviser(request)
    return JSONResponse(await adviser.run(adviser.missing, await _body(request)))


@router.post("/why-not", response_model=MissingAnswerDoc, responses=ERRORS_DOC,
             openapi_extra=_openapi(MissingQuestion), summary="Pourquoi pas ? Ce qui suffirait")
async def answer_why_not(request: Request) -> JSONResponse:
    """La réponse de `cnam missing --why-not --format json` : pour un dossier complet dont la réponse n'est pas
    « satisfied », `why_not` liste les plus petits changements (plus d'expérience, un stage, une décision, une
    expérience reconnue dans le domaine) qui suffiraient, chacun prouvé minimal par le solveur."""
    adviser = _adviser(request)
    return JSONResponse(await adviser.run(adviser.why_not, await _body(request)))


@router.post("/vae", response_model=AnswerDoc, responses=ERRORS_DOC, openapi_extra=_openapi(VaeQuestion),
             summary="Recevabilité d'une demande de VAE")
async def answer_vae(request: Request) -> JSONResponse:
    """La réponse de `cnam vae --format json`, à l'identique."""
    adviser = _adviser(request)
    return JSONResponse(await adviser.run(adviser.vae, await _body(request)))


@router.get("/diplomas", summary="Les diplômes, leurs jalons et les sources qui en énoncent les exigences")
async def diplomas(request: Request) -> list[dict]:
    base, today = _adviser(request).base, date.today()
    return [
        {"id": d.id, "name": d.name,
         "milestones": [{"id": m, "name": MILESTONE_FR.get(m, m), "sources": base.sources_for(d.id, m, today)}
                        for m in d.milestones]}
        for d in base.diplomas.values()
    ]


@router.get("/sources", summary="Les sources (documents) d'où les règles sont tirées")
async def sources(request: Request) -> list[dict]:
    base = _adviser(request).base
    vae = set(base.vae_sources(date.today().year))
    return [{"id": s.id, "title": s.title, "document": s.document, "vae": s.id in vae}
            for s in sorted(base.sources.values(), key=lambda s: s.id)]


# ---------------------------------------------------------------- errors as JSON, in French

PYDANTIC_FR = {
    "missing": "champ obligatoire manquant",
    "string_type": "attendu un texte",
    "string_too_long": "texte trop long (au plus {max_length} caractères)",
    "int_type": "attendu un nombre entier",
    "int_parsing": "attendu un nombre entier",
    "int_from_float": "attendu un nombre entier",
    "greater_than_equal": "attendu un nombre supérieur ou égal à {ge}",
    "less_than_equal": "attendu un nombre inférieur ou égal à {le}",
    "list_type": "attendu une liste",
    "too_long": "trop d'éléments (au plus {max_length})",
    "dict_type": "attendu un objet (champ: valeur)",
    "model_type": "attendu un objet JSON (champ: valeur)",
    "model_attributes_type": "attendu un objet JSON (champ: valeur)",
    "json_invalid": "JSON invalide ({error})",
}
FIELD_EXPECTED = {
    "certification": "attendu un code de 2 à 20 lettres et chiffres (ex. LP110504)",
}


def field_path(loc: tuple | list) -> str:
    """('body', 'profile', 'experiences', 1, 'months') -> 'profile.experiences[1].months'.

    >>> field_path(("body", "sources", 0)), field_path(("body",))
    ('sources[0]', '')
    """
    text = ""
    for part in list(loc)[1:] if loc and loc[0] == "body" else list(loc):
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _path_loc(path: str) -> list:
    """'profile.experiences[1].months' -> ['body', 'profile', 'experiences', 1, 'months']."""
    parts = re.findall(r"\[(\d+)\]|([^.\[\]]+)", path)
    return ["body"] + [int(index) if index else name for index, name in parts]


def pydantic_message(error: dict) -> str:
    kind, ctx, loc = error["type"], error.get("ctx") or {}, error.get("loc") or ()
    if kind == "extra_forbidden":
        return "champ inconnu"
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    if kind != "missing" and name in FIELD_EXPECTED:
        return FIELD_EXPECTED[name]
    template = PYDANTIC_FR.get(kind)
    if template is None:
        return "valeur invalide"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def error_response(errors: list[FieldError], status: int = 422) -> JSONResponse:
    detail = [{"loc": [displayable(p) if isinstance(p, str) else p for p in _path_loc(e.path)],
               "field": displayable(e.path), "msg": displayable(e.message)} for e in errors]
    return JSONResponse({"detail": detail}, status_code=status)


async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [FieldError(field_path(e.get("loc", ())), pydantic_message(e)) for e in exc.errors()]
    return error_response(errors or [FieldError("", "requête invalide")])


async def on_input_error(request: Request, exc: RequestError) -> JSONResponse:
    return error_response(list(exc.errors))


async def on_unanswered(request: Request, exc: Unanswered) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=503)


EXCEPTION_HANDLERS = {
    RequestValidationError: on_validation_error,
    RequestError: on_input_error,
    Unanswered: on_unanswered,
}
