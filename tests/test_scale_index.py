"""The rule base's lookups (by diploma, by source) read indexes: they give what a scan of every rule gives,
in the same order, on the shipped rules and on a generated base; the indexes are not pickled into the cache.

How flat the latency stays as the base grows is measured by `python bench/run.py` (scale), not here.
"""

from __future__ import annotations

import pickle
import sys
from dataclasses import replace
from datetime import date

import pytest

from conftest import ROOT

from cnam_dsl import cache
from cnam_dsl.language.model import MILESTONES, EarlyReviewRule, GeneralRule, RuleBase

sys.path.insert(0, str(ROOT / "bench"))
from generate import generate  # noqa: E402


# The lookups as they were: a scan of every rule.
def scan_pathways_for(base: RuleBase, source: str, diploma: str, milestone: str, on: date):
    return tuple(p for p in base.pathways if p.source == source and p.diploma == diploma
                 and milestone in p.milestones and p.in_force(on))


def scan_sources_for(base: RuleBase, diploma: str, milestone: str, on: date):
    return sorted({p.source for p in base.pathways if p.diploma == diploma and milestone in p.milestones
                   and p.in_force(on)})


def days_of(base: RuleBase) -> list[date]:
    """Days on both sides of every validity bound, and a few others."""
    days = {date(1990, 1, 1), date(2026, 1, 1), date(2100, 1, 1)}
    for p in base.pathways:
        for bound in (p.valid_from, p.valid_until):
            if bound is not None:
                days |= {bound, date.fromordinal(bound.toordinal() - 1), date.fromordinal(bound.toordinal() + 1)}
    return sorted(days)


def assert_lookups_agree_with_a_scan(base: RuleBase, diplomas=None) -> None:
    sources = sorted({p.source for p in base.pathways} | set(base.sources) | {g.source for g in base.generals}
                     | {e.source for e in base.early_reviews}) + ["inconnue"]
    for diploma in (diplomas or sorted(base.diplomas)) + ["inconnu"]:
        for milestone in (*MILESTONES, "autre"):
            for on in days_of(base):
                assert base.sources_for(diploma, milestone, on) == scan_sources_for(base, diploma, milestone, on)
                for source in sources:
                    assert (base.pathways_for(source, diploma, milestone, on)
                            == scan_pathways_for(base, source, diploma, milestone, on))
    for source in sources:
        assert base.generals_of(source) == tuple(g for g in base.generals if g.source == source)
        assert base.early_review_of(source) == next((e for e in base.early_reviews if e.source == source), None)


def test_the_shipped_rules(base):
    assert_lookups_agree_with_a_scan(base)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from cnam_dsl.language.check import load_rule_base

    generated, diagnostics = load_rule_base(generate(tmp_path_factory.mktemp("generated"), 40))
    assert generated is not None, [d.message for d in diagnostics if d.is_error]
    return generated


def test_a_generated_base(generated):
    assert len(generated.pathways) == 40 * 3 * 2
    assert_lookups_agree_with_a_scan(generated, ["d0000", "d0017", "d0039"])


def test_pathways_in_another_order_with_validity_milestones_and_repeated_source_rules(generated):
    """The order of the answers is the order of the rules; validity and milestones still filter."""
    changed = []
    for i, p in enumerate(reversed(generated.pathways)):
        if i % 3 == 1:
            p = replace(p, valid_from=date(2024, 1, 1), valid_until=date(2026 + i % 2, 6, 30))
        if i % 4 == 2:
            p = replace(p, milestones=("application", "delivery") if i % 8 == 2 else ("defense",))
        changed.append(p)
    span = generated.pathways[0].provenance
    generals = tuple(GeneralRule(f"g{i}", source, span) for i, source in enumerate(["gen-b", "gen-a", "gen-b"]))
    early = tuple(EarlyReviewRule(f"e{i}", source, i, span) for i, source in enumerate(["gen-c", "gen-a", "gen-c"]))
    shuffled = replace(generated, pathways=tuple(changed), generals=generals, early_reviews=early)
    assert_lookups_agree_with_a_scan(shuffled, ["d0000", "d0005", "d0006", "d0039"])
    assert shuffled.early_review_of("gen-c").key == "e0" and len(shuffled.generals_of("gen-b")) == 2


def test_the_indexes_are_not_pickled_and_come_back_after_loading(base, tmp_path, monkeypatch):
    on = date(2026, 1, 1)
    expected = base.pathways_for("cnam-na", "licence", "delivery", on)
    assert expected and base.generals_of("cnam-na")
    payload = cache._dumps(base)  # as the cache stores it, the indexes built above
    assert b"_pathways_by_diploma" not in payload and b"_generals_by_source" not in payload
    again = pickle.loads(payload)
    assert again == base and again.pathways_for("cnam-na", "licence", "delivery", on) == expected
    monkeypatch.setenv("CNAM_CACHE_DIR", str(tmp_path / "c"))
    cache.cached_rule_base(ROOT / "rules")
    cached, _ = cache.cached_rule_base(ROOT / "rules")  # read back from the entry just written
    assert cached == base
    assert_lookups_agree_with_a_scan(cached, ["licence", "ingenieur"])
