"""`cnam serve` started for real in a subprocess, on a free port of 127.0.0.1, for the web tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(*options: str, startup_seconds: float = 60.0):
    """The base URL of a `cnam serve` process, stopped (by its pid) when the block ends."""
    port = free_port()
    log = tempfile.TemporaryFile("w+", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "cnam_dsl", "serve", "--port", str(port), *options],
                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, url, startup_seconds, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _wait_ready(process: subprocess.Popen, url: str, seconds: float, log) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"cnam serve s'est arrêté (code {process.returncode}) :\n{log.read()}")
        try:
            if httpx.get(url + "/api/sources", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"cnam serve ne répond pas sur {url} après {seconds:g} s")
