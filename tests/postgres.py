"""A real PostgreSQL server for the tests: Debian's packages (installed with apt-get when missing), a cluster made
by initdb in a temporary folder, started by pg_ctl on a free port of 127.0.0.1 (as `nobody` when the tests run
as root: PostgreSQL refuses to run as root), stopped and removed at the end."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from system import apt_install

SUPERUSER = "cnam"


def server_binaries() -> Path:
    """The folder of initdb, pg_ctl and postgres (Debian: /usr/lib/postgresql/<version>/bin), installed if
    missing."""
    for attempt in range(2):
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if found:
            return Path(found[-1]).parent
        if attempt == 0:
            apt_install("postgresql")
    raise RuntimeError("PostgreSQL est introuvable après apt-get install postgresql")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(folder: Path) -> dict:
    """subprocess options running as an unprivileged user when we are root (the folder given to that user)."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    return {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}


@contextmanager
def running_postgresql():
    """The URL of a fresh PostgreSQL server's `postgres` database (superuser `cnam`, trusted on 127.0.0.1)."""
    binaries = server_binaries()
    folder = Path(tempfile.mkdtemp(prefix="cnam-pg-"))
    as_user = _as_server_user(folder)
    data, port = folder / "data", _free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=300, cwd=folder, **as_user)
    try:
        subprocess.run([str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                        "--locale=C", "--no-sync"], **run)
        subprocess.run([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w",
                        "-o", f"-p {port} -h 127.0.0.1 -k {folder} -F", "start"], **run)
        try:
            yield f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           **{**run, "check": False})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str, name: str) -> str:
    """A new, empty database on the server; its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name
