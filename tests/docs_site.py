"""The documentation site, built once per test run (it takes a while) and shared by the docs tests."""

from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_DAY = date(2026, 1, 1)  # the rules in force on this day; the CLI is asked about the same day


@functools.lru_cache(maxsize=1)
def built_site() -> tuple[Path, Path, dict]:
    """(site folder, Markdown folder, JSON summary) of the shipped rule base, built by the real
    command line: `cnam docs build --format json`."""
    work = Path(tempfile.mkdtemp(prefix="cnam-docs-test-"))
    atexit.register(shutil.rmtree, work, True)
    site, markdown = work / "site", work / "markdown"
    done = subprocess.run(
        [sys.executable, "-m", "cnam_dsl", "docs", "build", "--rules", str(ROOT / "rules"), "--out", str(site),
         "--markdown", str(markdown), "--date", SITE_DAY.isoformat(), "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr
    return site, markdown / "docs", json.loads(done.stdout)
