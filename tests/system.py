"""Debian packages the tests need, installed with apt-get (as root, as CI runs) when missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def apt_install(*packages: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True, timeout=900)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env, capture_output=True,
                   timeout=1800)


def command(name: str, package: str) -> str:
    """The path of a command (`pdftotext` from poppler-utils, `sqlite3`...), installed if missing."""
    if shutil.which(name) is None:
        apt_install(package)
    return shutil.which(name) or name


def weasyprint_ready() -> None:
    """WeasyPrint importable with the system's Pango and at least one font (Debian's packages if missing)."""
    probe = [sys.executable, "-c", "import weasyprint"]
    if subprocess.run(probe, capture_output=True).returncode != 0:
        apt_install("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0")
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True) if shutil.which("fc-list") else None
    if fonts is None or not fonts.stdout.strip():
        apt_install("fontconfig", "fonts-dejavu-core")
