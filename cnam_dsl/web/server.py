"""Run the application with uvicorn, with the bounds an exposed server needs and uvicorn's HTTP/1.1 lacks.

- The time to receive a request, headers and body (`REQUEST_SECONDS`), from
  its first byte or from the connection's opening: a client that sends
  nothing, half its headers, or a body that never comes is answered 408
  and closed. (uvicorn's keep-alive timeout only starts after a response.)
- Open connections (`MAX_CONNECTIONS`): past the limit, the connection that
  has waited longest without a request being answered is closed to make
  room, so idle sockets never lock the others out; requests received whole
  and being answered at once are bounded apart (`app.MAX_REQUESTS`, 503).
"""

from __future__ import annotations

import resource
from collections import OrderedDict

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_SECONDS = 10.0  # to receive a whole request (headers and a body of up to 256 KiB)
MAX_CONNECTIONS = 1000  # open at once; past it, the longest idle one is closed
KEEP_ALIVE_SECONDS = 5  # idle between two requests of one connection
_TIMEOUT_TEXT = "requête non reçue à temps ; connexion fermée\n".encode()
TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
                    + f"content-length: {len(_TIMEOUT_TEXT)}\r\n\r\n".encode() + _TIMEOUT_TEXT)


class BoundedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 connection, with a time limit to receive each request and room made for new ones.

    `waiting` holds the server's connections that are not being answered, the longest waiting first (one
    dictionary per server: `bounded_protocol` makes the class)."""

    request_seconds = REQUEST_SECONDS
    max_connections = MAX_CONNECTIONS
    waiting: OrderedDict

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.request_timer = None
        self._arm()
        self.waiting[self] = None
        if len(self.connections) > self.max_connections:
            self._make_room()

    def data_received(self, data: bytes) -> None:
        if self.request_timer is None and not self.answering():
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED):
            self._disarm()  # the whole request is in
            self.waiting.pop(self, None)

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self.waiting[self] = None  # waits again, last in line
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.waiting.pop(self, None)
        super().connection_lost(exc)

    def answering(self) -> bool:
        """Whether a request of this connection is received and its response not finished."""
        return (self.conn.their_state in (h11.DONE, h11.MUST_CLOSE) and self.cycle is not None
                and not self.cycle.response_complete)

    def _arm(self) -> None:
        self._disarm()
        self.request_timer = self.loop.call_later(self.request_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self.request_timer is not None:
            self.request_timer.cancel()
            self.request_timer = None

    def _too_slow(self) -> None:
        self.request_timer = None
        if self.transport.is_closing() or self.answering():
            return
        if self.cycle is None or self.cycle.response_complete or not self.cycle.response_started:
            self.transport.write(TIMEOUT_RESPONSE)
        self.transport.close()

    def _make_room(self) -> None:
        """Close the connection that has waited longest without being answered (this one if every other is
        being answered)."""
        oldest = next((c for c in self.waiting if c is not self), self)
        self.waiting.pop(oldest, None)
        oldest.transport.close()


def bounded_protocol() -> type[BoundedH11Protocol]:
    """The protocol class of one server: its own line of waiting connections."""
    return type("ServerH11Protocol", (BoundedH11Protocol,), {"waiting": OrderedDict()})


def raise_open_files_limit(wanted: int) -> None:
    """Let the process hold `wanted` files open (the connections, the workers' pipes), as far as allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def run(app, host: str, port: int) -> None:
    """Serve the application until interrupted (Ctrl-C)."""
    import uvicorn

    raise_open_files_limit(MAX_CONNECTIONS + 256)
    uvicorn.run(app, host=host, port=port, log_level="info", http=bounded_protocol(),
                timeout_keep_alive=KEEP_ALIVE_SECONDS, server_header=False, access_log=False)
