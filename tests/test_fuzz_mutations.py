"""Mutated rule files and candidate files never crash the tools: a diagnostic or an error line, in bounded time."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnam_dsl.language.check import Builder, rule_files
from cnam_dsl.language.parse import parse_text
from cnam_dsl.candidate import ProfileError, read_profile_text

from conftest import ROOT

SEEDS = {p.name: p.read_text(encoding="utf-8") for p in rule_files(ROOT / "rules")}
TOKENS = ["voie", "pour", "exige", "stage", "de", "à", "d'au moins", "mois", "ans", "«", "»", "selon", "\n",
          "  ", "#", "diplôme", "exemple", "attendu", "jalons", "délivrance", ",", "0", "999999999999", "é",
          "en vigueur du 2024-02-30 au 2020-01-01", "reprise", "comme", "règle générale", "vae", "%"]

mutations = st.lists(st.tuples(st.sampled_from(["insert", "delete", "replace"]), st.integers(0, 10**6),
                               st.integers(1, 40), st.sampled_from(TOKENS) | st.text(max_size=5)),
                     min_size=1, max_size=6)


def mutate(text: str, edits) -> str:
    for kind, position, length, token in edits:
        i = position % (len(text) + 1)
        if kind == "insert":
            text = text[:i] + token + text[i:]
        elif kind == "delete":
            text = text[:i] + text[i + length:]
        else:
            text = text[:i] + token + text[i + length:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SEEDS)), edits=mutations)
def test_mutated_rule_files_give_diagnostics_not_crashes(name, edits):
    text = mutate(SEEDS[name], edits)
    started = time.perf_counter()
    rule_file, diagnostics = parse_text(text, name)
    if rule_file is not None:
        builder = Builder()
        builder.add_file(ROOT / "rules" / "x" / name, rule_file)
        builder.finish()
        diagnostics = builder.diagnostics
    assert time.perf_counter() - started < 5
    for d in diagnostics:
        assert d.span.line >= 1 and d.span.column >= 1 and d.message


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300) | st.sampled_from([
    "experiences: &a [*a]", "!!binary aGk=", "{'a': " * 50, "experiences:\n  - months: 1e400\n    field: in",
    "experiences:\n  - months: .nan\n    field: in", "ue_acquired: 99999999999999999999999",
    "- - - - - -", "name: !!python/name:os.system", "<<: *x", "\x00\x01",
]))
def test_candidate_text_never_crashes(text):
    try:
        read_profile_text(text, origin="fuzz.yaml")
    except ProfileError as exc:
        assert str(exc).startswith("fuzz.yaml")


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_files_are_valid(name):
    rule_file, diagnostics = parse_text(SEEDS[name], name)
    assert rule_file is not None and diagnostics == []


@pytest.mark.parametrize("name", ["\x00\x00 001.txt", "../../../etc/passwd", "/etc/passwd", ".secret", "a/b.txt"])
def test_document_names_cannot_reach_other_files(name, tmp_path):
    """Found by fuzz/fuzz_rules.py: a NUL in a document name crashed the checker; a path could read any file."""
    from cnam_dsl.language.check import check_files

    rules = tmp_path / "rules" / "essai"
    rules.mkdir(parents=True)
    (rules / "source.cnr").write_text(f"source essai\n  document « {name} »\n", encoding="utf-8")
    base, diagnostics = check_files([rules / "source.cnr"], tmp_path / "rules")
    assert base is None
    assert [d.code for d in diagnostics] == ["E243"]
