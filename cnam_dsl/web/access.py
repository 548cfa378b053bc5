"""Who may reach the server, and what its log says: the access token (`CNAM_TOKEN`) and an access log without
personal data.

`cnam serve` binds to 127.0.0.1; on any other address it refuses to start
unless `CNAM_TOKEN` is set, and then every request must carry the token: an
`Authorization: Bearer …` header (scripts), or the cookie a browser gets by
opening any page once with `?jeton=…` (the token is then taken out of the
address). The access log names the method, the path without its query (a
search by name would put a name there) and the status; nothing else.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_COOKIE = "cnam_jeton"
TOKEN_FORM = re.compile(r"[A-Za-z0-9._~+/=-]{16,}")
TOKEN_PARAMETER = "jeton"
log = logging.getLogger("uvicorn.error")  # uvicorn's own handler: the log goes where uvicorn's goes


def is_loopback(host: str) -> bool:
    """
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def access_problem(host: str, token: str | None) -> str | None:
    """Why the server must not start on `host` (another address than loopback, and no token), or None."""
    if is_loopback(host) or token:
        return None
    return (f"--host {host} : le serveur serait joignable depuis d'autres machines ; définir un jeton d'accès "
            f"dans CNAM_TOKEN (au moins 16 caractères) : chaque requête devra le porter")


def weak_token(token: str | None) -> str | None:
    """Why a configured token is refused (too short, or characters a header or cookie cannot carry), or None.

    >>> weak_token("court"), weak_token("0123456789abcdef")
    ('CNAM_TOKEN : attendu au moins 16 caractères parmi lettres, chiffres et . _ ~ + / = -', None)
    """
    if token is not None and not TOKEN_FORM.fullmatch(token):
        return "CNAM_TOKEN : attendu au moins 16 caractères parmi lettres, chiffres et . _ ~ + / = -"
    return None


class TokenRequired:
    """Every request must carry the token (header, cookie, or `?jeton=` once, which sets the cookie)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.token = app, token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        if self._valid(_bearer(headers.get(b"authorization", b""))) or self._valid(_cookie(headers)):
            return await self.app(scope, receive, send)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((v for k, v in query if k == TOKEN_PARAMETER), None)
        if given is not None and self._valid(given.encode("utf-8")):
            return await _enter(scope, send, query, given)
        await _refuse(scope, send)

    def _valid(self, given: bytes | None) -> bool:
        return given is not None and hmac.compare_digest(given, self.token)


def _bearer(value: bytes) -> bytes | None:
    scheme, _, credentials = value.partition(b" ")
    return credentials.strip() if scheme.lower() == b"bearer" else None


def _cookie(headers: dict) -> bytes | None:
    cookies = SimpleCookie()
    try:
        cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # a malformed Cookie header: no token in it  # noqa: BLE001
        return None
    found = cookies.get(TOKEN_COOKIE)
    return found.value.encode("utf-8") if found else None


async def _enter(scope: Scope, send: Send, query: list, token: str) -> None:
    """The page asked for, again without the token in its address, with the cookie set."""
    rest = urlencode([(k, v) for k, v in query if k != TOKEN_PARAMETER])
    location = scope.get("root_path", "") + scope["path"] + (f"?{rest}" if rest else "")
    cookie = f"{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("utf-8")), (b"set-cookie", cookie.encode("utf-8")),
                            (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _refuse(scope: Scope, send: Send) -> None:
    detail = ("jeton d'accès requis : en-tête « Authorization: Bearer <jeton> », ou ouvrir une page une fois avec "
              "?jeton=<jeton> (le jeton est celui de CNAM_TOKEN sur le serveur)")
    if scope["type"] != "http":
        await send({"type": "websocket.close", "code": 1008})
        return
    api = scope["path"].startswith("/api/")
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode() if api else detail.encode("utf-8")
    kind = b"application/json" if api else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"www-authenticate", b'Bearer realm="cnam"')]})
    await send({"type": "http.response.body", "body": body})


class AccessLog:
    """One log line per request: method, path (never the query), status, time taken."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.monotonic(), [0]

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            log.info("%s %s %s %.0f ms", scope["method"], scope["path"], status[0] or 500,
                     (time.monotonic() - start) * 1000)
