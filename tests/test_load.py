"""A small run of the load test (bench/load.py): no valid request fails, every invalid one is a 4xx, memory stays flat."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
load = pytest.importorskip("load")

pytestmark = pytest.mark.slow


def test_500_requests_from_10_clients():
    figures = load.run(requests=500, clients=10, invalid_share=0.2, seed=3, max_seconds=300)
    print("\n" + load.table(figures))
    assert figures["requests"] == 500 and not figures["timed_out"]
    assert figures["errors"] == 0, figures["error_samples"]
    assert figures["invalid"] > 50 and figures["server_alive"]
    assert figures["rss_end_mib"] <= figures["rss_start_mib"] * 1.25 + 20, figures


def test_the_questions_are_the_same_for_the_same_seed_and_only_local():
    assert load.questions(50, 0.2, 1) == load.questions(50, 0.2, 1)
    assert load.HOST == "127.0.0.1"
