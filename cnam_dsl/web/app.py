"""Assemble the web application (page, API, static files, generated docs) and run it with uvicorn."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import api, live, page, records
from .access import AccessLog, TokenRequired
from ..rules import Rules
from .service import DEADLINE_SECONDS, Adviser, FieldError

MAX_BODY_BYTES = 256 * 1024
MAX_CONNECTIONS = 200  # open connections and requests at once; beyond, uvicorn answers 503
STATIC = Path(__file__).parent / "static"
HTTP_FR = {404: "adresse introuvable", 405: "méthode non permise pour cette adresse"}
UNREADABLE_BODY = ("corps de requête illisible : JSON non UTF-8, trop imbriqué ou nombre trop long "
                   "(au plus 4300 chiffres)")


class BodyLimit:
    """Refuse request bodies over `max_bytes` with 413, whether or not they state their length."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > self.max_bytes:
            return await self._refuse(receive, send)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                return await self._refuse(receive, send, more)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, receive: Receive, send: Send, more: bool = True) -> None:
        # Read what the client still sends (up to a bound), so that it reads the answer.
        drained = 0
        while more and drained < 64 * self.max_bytes:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            drained += len(message.get("body", b""))
            more = message.get("more_body", False)
        detail = f"corps de requête trop volumineux : au plus {self.max_bytes // 1024} Kio"
        body = json.dumps({"detail": detail}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


async def on_http_error(request: Request, exc: HTTPException):
    detail = HTTP_FR.get(exc.status_code, exc.detail)
    if request.url.path.startswith("/api/") and exc.status_code == 400:
        # FastAPI's own 400 for a body json.loads raised on other than a syntax error: a >4300-digit
        # integer, nesting past the recursion limit, bytes that are not UTF-8. A 422 like any bad JSON.
        return api.error_response([FieldError("", UNREADABLE_BODY)])
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
    return PlainTextResponse(detail, status_code=exc.status_code, headers=exc.headers)


async def on_unexpected(request: Request, exc: Exception):
    return JSONResponse({"detail": "erreur interne du serveur ; la demande n'a pas pu être traitée"}, status_code=500)


def create_app(rules: Rules, *, docs_dir: Path | None = None, deadline_seconds: float = DEADLINE_SECONDS,
               max_body_bytes: int = MAX_BODY_BYTES, records_db: str | None = None,
               token: str | None = None) -> FastAPI:
    """The page, the API, the decision records (database `records_db`, opened on first use) and the static
    files, answering from one rule base (its solver time limit is the `Rules`' own); with a `token`, every
    request must carry it."""
    app = FastAPI(
        title="cnam — exigences d'expérience professionnelle du Cnam",
        description="Ce qu'il manque à un candidat pour un diplôme du Cnam, et la recevabilité d'une demande de "
                    "VAE : les réponses JSON de la commande `cnam`, à l'identique.",
        version=_version(), docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
        exception_handlers={**api.EXCEPTION_HANDLERS, HTTPException: on_http_error, Exception: on_unexpected},
    )
    app.state.adviser = Adviser(rules, deadline_seconds=deadline_seconds)
    app.state.docs_dir = docs_dir
    app.state.records_db = records_db
    app.include_router(api.router)
    app.include_router(page.router)
    app.include_router(live.router)
    app.include_router(records.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if docs_dir is not None:
        app.mount("/docs", StaticFiles(directory=docs_dir, html=True), name="docs")
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    if token:
        app.add_middleware(TokenRequired, token=token)
    app.add_middleware(AccessLog)  # uvicorn's own access log is off: it would print queries (a searched name)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnam-dsl")
    except PackageNotFoundError:
        return "0"


def bind_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port (checked before starting, for a clear error), or None."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"--host : adresse inconnue « {host} »"
    family, kind, _, _, address = infos[0]
    try:
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        return f"--port : impossible d'écouter sur {host}:{port} ({error.strerror or error}) ; choisir un autre port"
    return None


def serve(app: FastAPI, host: str, port: int) -> None:
    """Run the application until interrupted (Ctrl-C)."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", limit_concurrency=MAX_CONNECTIONS,
                timeout_keep_alive=5, server_header=False, access_log=False)

