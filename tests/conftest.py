"""Shared fixtures: the shipped rule base, checked and compiled once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CNAM_SHARED", ROOT.parent / "shared"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite the expected outputs of golden tests (review with git diff)")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def base():
    from cnam_dsl.language.check import load_rule_base

    rule_base, diagnostics = load_rule_base(ROOT / "rules")
    assert rule_base is not None, [d.message for d in diagnostics]
    return rule_base


@pytest.fixture(scope="session")
def engine(base):
    from cnam_dsl.solve import Engine

    return Engine(base)


def run_cnam(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess, as an adviser would."""
    return subprocess.run([sys.executable, "-m", "cnam_dsl", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def server():
    """The base URL of a real `cnam serve` on a free port of 127.0.0.1, one per test module."""
    from webserver import running_server

    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    """An HTTP client of that server."""
    import httpx

    with httpx.Client(base_url=server, timeout=60) as http:
        yield http
