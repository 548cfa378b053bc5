"""A short coverage-guided fuzz run of each atheris harness (fuzz/), as in CI: any crash file fails."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow
SECONDS = 20


@pytest.mark.parametrize("harness", ["fuzz_rules.py", "fuzz_profile.py"])
def test_a_short_fuzz_run_finds_nothing(harness, tmp_path):
    pytest.importorskip("atheris", reason="atheris n'est pas installé (pip install atheris ; roues Linux x86_64)")
    corpus, artifacts = tmp_path / "corpus", tmp_path / "findings"
    artifacts.mkdir()
    result = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / harness), str(corpus), f"-max_total_time={SECONDS}", "-timeout=10",
         "-rss_limit_mb=2048", f"-artifact_prefix={artifacts}/", "-print_final_stats=1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 240)
    findings = sorted(p.name for p in artifacts.iterdir())
    tail = "\n".join(result.stderr.splitlines()[-25:])
    assert findings == [], f"{harness} : {findings}\n{tail}"
    assert result.returncode == 0, tail
    runs = [line for line in result.stderr.splitlines() if line.startswith("stat::number_of_executed_units")]
    print(f"\n{harness} : {runs[-1] if runs else '?'} en {SECONDS} s")
