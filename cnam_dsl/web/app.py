"""Assemble the web application (page, API, static files, generated docs) and run it with uvicorn."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import Collection
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import api, live, page, records
from .access import AccessLog, TokenRequired
from ..rules import Rules
from .service import DEADLINE_SECONDS, SOLVER_SECONDS, Adviser, FieldError

MAX_BODY_BYTES = 256 * 1024
MAX_REQUESTS = 200  # requests received whole and being answered at once; beyond, 503 (open connections:
# `server.MAX_CONNECTIONS`; a request still being received is bounded by `server.REQUEST_SECONDS`)
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# The page loads its own script and style sheet only; nothing may frame it. The generated documentation
# (MkDocs Material) has inline scripts and styles of its own.
# Scripts only from the server's own files. Inline styles are allowed: an answer marks the form's fields it
# names (without effect, the next question) with a <style> of its own, which also works without JavaScript;
# everything a person typed is escaped, so a style can only come from the page's own templates.
PAGE_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
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


class HostCheck:
    """Answer only requests whose Host is one of the server's names, or an address: a page of another site whose
    name was made to point at this machine (DNS rebinding) gets 421 and reads nothing."""

    def __init__(self, app: ASGIApp, allowed: Collection[str]) -> None:
        self.app, self.allowed = app, {name.lower().strip("[]") for name in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "*" in self.allowed or self.allowed_host(_header(scope, b"host")):
            return await self.app(scope, receive, send)
        body = "nom d'hôte non reconnu par ce serveur (en-tête Host) ; cnam serve --allowed-host NOM l'ajoute\n"
        await _respond(send, 421, body.encode(), b"text/plain; charset=utf-8")

    def allowed_host(self, host: str) -> bool:
        """
        >>> check = HostCheck(None, ["localhost", "cnam.example"])
        >>> [check.allowed_host(h) for h in ("localhost:8000", "CNAM.example", "[::1]:80", "10.0.0.7", "evil.test")]
        [True, True, True, True, False]
        """
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
        name = name.lower().strip("[]").rstrip(".")
        if name in self.allowed:
            return True
        try:
            ipaddress.ip_address(name)  # an address is not a name another site can point at this machine
        except ValueError:
            return False
        return True


class SecurityHeaders:
    """The headers a browser needs to keep the page to itself: no framing, no guessing of content types, and a
    content security policy (the documentation's allows its inline scripts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        policy = (DOCS_POLICY if scope["path"] == "/docs" or scope["path"].startswith("/docs/") else PAGE_POLICY)
        extra = [(b"content-security-policy", policy.encode()), (b"x-content-type-options", b"nosniff"),
                 (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin")]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestLimit:
    """At most `most` requests answered at once; beyond, 503 at once (a queue would only make them all late).

    It counts requests received whole (it sits inside `BodyLimit`, which reads the body first): a body that never
    comes holds a connection, closed in time or to make room by the server, never one of these places."""

    def __init__(self, app: ASGIApp, most: int = MAX_REQUESTS) -> None:
        self.app, self.most, self.running = app, most, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.running >= self.most:
            body = json.dumps({"detail": f"serveur occupé : {self.most} demandes en cours ; réessayer"},
                              ensure_ascii=False).encode()
            return await _respond(send, 503, body, b"application/json")
        self.running += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running -= 1


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


async def _respond(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def allowed_hosts(host: str, names: Collection[str] = ()) -> list[str]:
    """The names the server answers to: the loopback names, the address it listens on, the machine's names when
    it listens on every address, and the names given (`cnam serve --allowed-host`).

    >>> allowed_hosts("127.0.0.1", ["cnam.example"])
    ['localhost', '127.0.0.1', '::1', 'cnam.example']
    """
    found = list(LOOPBACK_NAMES)
    if host in ("0.0.0.0", "::", ""):
        found += [socket.gethostname(), socket.getfqdn()]
    else:
        found.append(host)
    return list(dict.fromkeys(n.lower() for n in found + list(names) if n))


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
               max_body_bytes: int = MAX_BODY_BYTES, hosts: Collection[str] = LOOPBACK_NAMES,
               workers: int | None = None, solver_seconds: float = SOLVER_SECONDS, records_db: str | None = None,
               token: str | None = None) -> FastAPI:
    """The page, the API, the decision records (database `records_db`, opened on first use) and the static
    files, answering from one rule base (its solver time limit is the `Rules`' own) to requests naming one of
    `hosts` (or an address; `"*"`: any); with a `token`, every request must carry it; `workers` solver
    processes, started with the application and stopped with it."""
    adviser = Adviser(rules, deadline_seconds=deadline_seconds, workers=workers, solver_seconds=solver_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        starting = asyncio.get_running_loop().create_task(adviser.start())  # the page answers meanwhile
        try:
            yield
        finally:
            starting.cancel()
            adviser.close()

    app = FastAPI(
        title="cnam — exigences d'expérience professionnelle du Cnam",
        description="Ce qu'il manque à un candidat pour un diplôme du Cnam, et la recevabilité d'une demande de "
                    "VAE : les réponses JSON de la commande `cnam`, à l'identique.",
        version=_version(), docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
        exception_handlers={**api.EXCEPTION_HANDLERS, HTTPException: on_http_error, Exception: on_unexpected},
        lifespan=lifespan,
    )
    app.state.adviser = adviser
    app.state.docs_dir = docs_dir
    app.state.records_db = records_db
    app.include_router(api.router)
    app.include_router(page.router)
    app.include_router(live.router)
    app.include_router(records.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if docs_dir is not None:
        app.mount("/docs", StaticFiles(directory=docs_dir, html=True), name="docs")
    app.add_middleware(RequestLimit)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)  # outside RequestLimit: bodies are read first
    if token:
        app.add_middleware(TokenRequired, token=token)  # before any body is read
    app.add_middleware(HostCheck, allowed=hosts)
    app.add_middleware(SecurityHeaders)  # every answer gets the headers, refusals included
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
    """Run the application until interrupted (Ctrl-C), with the connection bounds of `server`."""
    from .server import run

    run(app, host, port)

