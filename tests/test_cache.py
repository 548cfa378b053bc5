"""The user's cache: a rule base read back equal, never a stale, corrupt or foreign entry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

from cnam_dsl import cache


def test_the_rule_base_comes_back_equal_from_the_cache(tmp_path, monkeypatch, base):
    monkeypatch.setenv("CNAM_CACHE_DIR", str(tmp_path / "c"))
    first, _ = cache.cached_rule_base(ROOT / "rules")
    again, diagnostics = cache.cached_rule_base(ROOT / "rules")
    assert first == base and again == base and diagnostics == []
    entries = list((tmp_path / "c").glob("rules-*.pickle"))
    assert len(entries) == 1 and entries[0].stat().st_mode & 0o077 == 0
    assert (tmp_path / "c").stat().st_mode & 0o077 == 0


def test_a_change_of_the_rules_is_a_new_key(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = cache.rules_key(rules)
    path = rules / "cnam-na" / "bac2.cnr"
    path.write_text(path.read_text(encoding="utf-8").replace("2 ans", "3 ans", 1), encoding="utf-8")
    assert cache.rules_key(rules) != before


def test_a_corrupt_entry_is_rebuilt(tmp_path, monkeypatch, base):
    monkeypatch.setenv("CNAM_CACHE_DIR", str(tmp_path / "c"))
    cache.cached_rule_base(ROOT / "rules")
    entry = next((tmp_path / "c").glob("rules-*.pickle"))
    entry.write_bytes(entry.read_bytes()[:-100])  # truncated: the digest no longer matches
    assert cache.read_entry(tmp_path / "c", entry.name, cache.rules_key(ROOT / "rules")) is None
    rebuilt, _ = cache.cached_rule_base(ROOT / "rules")
    assert rebuilt == base


def test_an_entry_others_may_write_is_not_read(tmp_path):
    folder = tmp_path / "c"
    assert cache.write_entry(folder, "x", "k", b"payload")
    assert cache.read_entry(folder, "x", "k") == b"payload"
    assert cache.read_entry(folder, "x", "other key") is None
    os.chmod(folder / "x", 0o666)
    assert cache.read_entry(folder, "x", "k") is None
    os.chmod(folder / "x", 0o600)
    os.chmod(folder, 0o777)
    assert cache.read_entry(folder, "x", "k") is None


def test_the_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("CNAM_NO_CACHE", "1")
    assert cache.cache_dir() is None
    monkeypatch.delenv("CNAM_NO_CACHE")
    monkeypatch.setenv("CNAM_CACHE_DIR", "/somewhere")
    assert str(cache.cache_dir()) == "/somewhere"


def test_proofs_are_remembered_by_the_code_that_made_them(tmp_path):
    store = cache.ProofStore(tmp_path / "c")
    store.record("abc")
    assert cache.ProofStore(tmp_path / "c").proved("abc")
    assert not cache.ProofStore(tmp_path / "elsewhere").proved("abc")


def test_the_key_is_the_digest_of_the_code_as_it_is_on_disk(tmp_path):
    """A module moved or renamed, or any file of the package edited: another digest (the files are found by
    walking the package, not listed by name), so proofs made by other code are never trusted."""
    copy = tmp_path / "cnam_dsl"
    shutil.copytree(ROOT / "cnam_dsl", copy, ignore=shutil.ignore_patterns("__pycache__", "rules"))
    before = cache.code_digest(copy)
    (copy / "solve" / "proof.py").rename(copy / "solve" / "proving.py")
    renamed = cache.code_digest.__wrapped__(copy)
    assert renamed != before
    prover = copy / "solve" / "proving.py"
    prover.write_text(prover.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert cache.code_digest.__wrapped__(copy) not in (before, renamed)
    assert cache.code_digest(ROOT / "cnam_dsl") == cache.code_digest()


# ---------------------------------------------------------------- what the key reads (issue 19)


def test_the_key_reads_only_rule_files_and_their_declared_documents(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = cache.rules_key(rules)
    with open(rules / "stray.bin", "wb") as stray:  # a sparse gigabyte: reading it would take 1 GB of memory
        stray.truncate(1 << 30)
    os.mkfifo(rules / "pipe.cnr.txt")
    (rules / "notes.md").write_text("pas une règle\n", encoding="utf-8")
    assert cache.rules_key(rules) == before
    document = next((rules / "cnam-na").glob("*.txt"))
    document.write_text(document.read_text(encoding="utf-8") + "\nun mot de plus\n", encoding="utf-8")
    assert cache.rules_key(rules) != before


def hostile_document(tmp_path, make) -> tuple:
    """A copy of the rule base whose cnam-na document is replaced by what `make(path)` puts there."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    document = next((rules / "cnam-na").glob("*.txt"))
    document.unlink()
    make(document)
    return rules, document.name


def run_in_time(*args: str, seconds: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnam_dsl", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=seconds, env={**os.environ, "CNAM_CACHE_DIR": args[-1] + "-cache"})


@pytest.mark.parametrize("make, reason", [
    (os.mkfifo, "pas un fichier ordinaire"),
    (lambda path: path.symlink_to("/dev/zero"), "pas un fichier ordinaire"),
    (lambda path: open(path, "wb").truncate(50_000_000), "trop volumineux"),
], ids=["fifo", "dev-zero", "too-large"])
def test_a_document_that_is_not_a_plain_file_is_refused_never_read(tmp_path, make, reason):
    rules, name = hostile_document(tmp_path, make)
    checked = run_in_time("check", "--rules", str(rules))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr, checked.stderr
    assert f"document source illisible : {name} (" in checked.stdout and reason in checked.stdout
    candidate = tmp_path / "c.yaml"
    candidate.write_text("experiences: []\n", encoding="utf-8")
    answered = run_in_time("missing", "--diploma", "licence", "--profile", str(candidate), "--rules", str(rules))
    assert answered.returncode == 2 and len(answered.stderr.strip().splitlines()) == 1, answered.stderr
    assert "E242" not in answered.stderr and "document source illisible" in answered.stderr
