"""Decision records, on SQLite and on a real PostgreSQL started here: sealed and chained, refused updates,
forged rows caught, erasure that keeps the chain, replay under corrected rules, printed as PDF."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from cnam_dsl.candidate import read_profile
from cnam_dsl.records import audit
from cnam_dsl.records.decision import decide
from cnam_dsl.records.seal import seal
from cnam_dsl.records.store import HEAD, Store, records
from cnam_dsl.rules import Rules
from system import command, weasyprint_ready

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 1, 1)
ALICE = {
    "name": "Alice Martin",
    "ue_acquired": 2,
    "experiences": [
        {"label": "Formatrice, AFPA", "start": "2021-09-01", "end": "2023-08-31", "field": "in"},
        {"label": "Bénévole aux Restos", "months": 10, "field": "out", "kind": "volunteer"},
        {"label": "Vendeuse à mi-temps", "start": "2023-01-01", "end": "2027-06-30", "time_share": 0.5,
         "field": "out"},
    ],
}
BRUNO = {"name": "Bruno Lefèvre", "experiences": [{"label": "Technicien réseau", "months": 12, "field": "in"}]}
PERSONAL = ("Alice Martin", "alice martin", "Formatrice, AFPA", "Bénévole aux Restos", "Vendeuse à mi-temps")
_databases = itertools.count(1)


@pytest.fixture(scope="module")
def rules():
    return Rules.load()


@pytest.fixture(scope="session")
def postgresql_server():
    from postgres import running_postgresql

    with running_postgresql() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = str(tmp_path / "records.sqlite3")
    else:
        from postgres import fresh_database

        url = fresh_database(request.getfixturevalue("postgresql_server"), f"records_{next(_databases)}")
    opened = Store.open(url)
    yield opened
    opened.close()


def record_three(store: Store, rules: Rules) -> list[dict]:
    """Alice for the licence, Bruno for the licence entered in L3, Alice's VAE request: three records."""
    return [
        store.append(decide(rules, "missing", {"diploma": "licence", "date": "2026-01-01"}, ALICE,
                            "Jeanne Conseil", DAY)),
        store.append(decide(rules, "missing", {"diploma": "licence-l3", "date": "2026-01-01"}, BRUNO,
                            "Jeanne Conseil", DAY)),
        store.append(decide(rules, "vae", {"certification": "LP110504", "year": 2026}, ALICE, "Paul Conseil", DAY)),
    ]


def stored_text(store: Store) -> str:
    """Everything the tables hold, as text (the rule bases' archives aside)."""
    with store.engine.connect() as connection:
        return "\n".join(str(tuple(row)) for table in ("records", "personal", "erasures")
                         for row in connection.execute(sa.text(f"SELECT * FROM {table}")))


def execute(store: Store, statement: str) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text(statement))


# ---------------------------------------------------------------- a record


def test_a_record_holds_the_answer_of_cnam_missing_and_the_contract_fields(store, rules):
    first, second, vae = record_three(store, rules)
    question = rules.missing_question({"diploma": "licence", "date": "2026-01-01"}, read_profile(ALICE), DAY)
    assert first["answer"] == json.loads(json.dumps(rules.missing(question)))
    assert vae["answer"] == rules.vae({"certification": "LP110504", "year": 2026}, read_profile(ALICE), today=DAY)
    for key in ("id", "schema", "created_at", "adviser", "question", "profile", "profile_sha256", "counted",
                "answer", "rules_sha256", "documents", "tool_version", "previous_sha256", "sha256"):
        assert key in first, key
    assert first["profile"] == ALICE and first["adviser"] == "Jeanne Conseil"
    assert first["question"] == {"command": "missing", "diploma": "licence", "milestone": "delivery",
                                 "date": "2026-01-01"}
    assert set(first["documents"]) == set(rules.base.sources) and all(first["documents"].values())
    assert [r["id"] for r in (first, second, vae)] == [1, 2, 3]
    assert first["previous_sha256"] is None
    assert second["previous_sha256"] == first["sha256"] and vae["previous_sha256"] == second["sha256"]
    assert store.record(1) == first


def test_the_counting_steps_say_what_was_set_aside_and_why(store, rules):
    first = record_three(store, rules)[0]
    trainer, volunteer, seller = first["counted"]["periods"]
    assert (trainer["months"], trainer["credited_months"], trainer["set_aside"]) == (24, 24, [])
    assert any(r["file"] == "rules/cnam-na/licence.cnr" for r in trainer["counts_for"])
    assert volunteer["counts_for"] == [] and [s["reason"] for s in volunteer["set_aside"]] == ["not_counted"]
    # counted up to the question's day (36.03 months at half time), the rest of the period is future, and the
    # 8 months shared with the trainer's full-time period count once.
    assert (seller["months"], seller["full_time_months"], seller["credited_months"]) == (36.03, 18.02, 14.02)
    assert {s["reason"]: s["months"] for s in seller["set_aside"]} == {"future": 17.97, "overlap": 4}
    assert {(e["field"], e["kind"]): e["months"] for e in first["counted"]["experience"]} == {
        ("in", "salaried"): 24, ("out", "salaried"): 14.02, ("out", "volunteer"): 10}


def test_advisers_recording_at_once_keep_one_chain(store, rules):
    url = store.engine.url.render_as_string(hide_password=False)
    drafts = [decide(rules, "missing", {"diploma": "licence-l3", "date": "2026-01-01"},
                     {**BRUNO, "name": f"Candidat {i}"}, f"Conseiller {i % 3}", DAY) for i in range(24)]

    def adviser(part):
        own = Store.open(url)  # each adviser with its own connections
        try:
            for draft in part:
                own.append(draft)
        finally:
            own.close()

    advisers = [threading.Thread(target=adviser, args=(drafts[k::3],)) for k in range(3)]
    for a in advisers:
        a.start()
    for a in advisers:
        a.join(timeout=120)
    report = audit.verify(store)
    assert (report["checked"], report["problems"]) == (24, [])
    assert sorted(r["name"] for r in store.listing()) == sorted(f"Candidat {i}" for i in range(24))


def test_the_database_is_migrated_once(store):
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    Store.open(store.engine.url.render_as_string(hide_password=False)).close()


# ---------------------------------------------------------------- append-only, tamper-evident


@pytest.mark.parametrize("statement", [
    "UPDATE records SET status = 'missing' WHERE id = 2",
    "DELETE FROM records WHERE id = 3",
    "UPDATE personal SET name_key = 'x' WHERE record_id = 1",
    "DELETE FROM personal WHERE record_id = 1",
    "DELETE FROM rule_bases",
])
def test_the_database_refuses_updates_and_deletions(store, rules, statement):
    record_three(store, rules)
    with pytest.raises(DBAPIError, match="ne se modifie ni ne se supprime|effacement enregistré"):
        execute(store, statement)
    assert audit.verify(store)["problems"] == []


def test_a_truncation_is_refused_on_postgresql(store, rules):
    if not store.postgresql:
        pytest.skip("SQLite n'a pas de TRUNCATE")
    record_three(store, rules)
    with pytest.raises(DBAPIError, match="ne se modifie ni ne se supprime"):
        execute(store, "TRUNCATE records CASCADE")


def forged(store: Store, body: dict, digest: str | None = None) -> None:
    """A row inserted directly, past the program."""
    text, sealed = seal(body)
    with store.engine.begin() as connection:
        connection.execute(records.insert().values(
            id=body["id"], created_at=body["created_at"], kind=body["question"]["command"],
            subject=body["answer"]["diploma"], adviser=body["adviser"], status=body["answer"]["status"],
            rules_sha256=body["rules_sha256"], previous_sha256=body["previous_sha256"], sha256=digest or sealed,
            body=text.decode()))


def sealed_body(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("sha256", "erased")} | {
        "profile": {k: v for k, v in record["profile"].items() if k != "name"}}


def test_a_forged_row_with_a_made_up_digest_is_caught(store, rules):
    _, bruno, vae = record_three(store, rules)
    body = sealed_body(bruno) | {"id": 4, "previous_sha256": vae["sha256"]}
    body["answer"] = body["answer"] | {"status": "missing"}
    forged(store, body, digest="0" * 64)
    problems = audit.verify(store)["problems"]
    assert [p["record"] for p in problems] == [4]
    assert "empreinte" in problems[0]["problem"]


def test_a_well_sealed_forged_row_is_caught_by_recomputing_its_answer(store, rules):
    _, bruno, vae = record_three(store, rules)
    body = sealed_body(bruno) | {"id": 4, "previous_sha256": vae["sha256"]}
    body["profile"]["experiences"] = [{"months": 12, "field": "in"}]
    body["answer"] = body["answer"] | {"status": "missing", "missing_months": 3}
    forged(store, body)
    problems = {p["problem"] for p in audit.verify(store)["problems"] if p["record"] == 4}
    assert any("réponse recalculée diffère (statut : missing → satisfied)" in p for p in problems)
    assert "données personnelles absentes sans effacement enregistré" in problems
    assert audit.verify(store, 2)["problems"] == []


def test_verify_recomputes_offline_with_the_records_own_rules(store, tmp_path):
    folder = tmp_path / "copie" / "rules"
    shutil.copytree(ROOT / "rules", folder)
    own = Rules.load(folder)
    store.append(decide(own, "missing", {"diploma": "licence-l3", "date": "2026-01-01"}, BRUNO, "Jeanne", DAY))
    store.append(decide(own, "missing", {"diploma": "bac+2", "date": "2026-01-01"}, BRUNO, "Jeanne", DAY))
    shutil.rmtree(tmp_path / "copie")
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM rule_bases")).scalar() == 1
    report = audit.verify(store)
    assert (report["checked"], report["problems"]) == (2, [])


# ---------------------------------------------------------------- personal data


def test_erasing_removes_the_personal_data_and_keeps_the_record_verifiable(store, rules):
    first, _, vae = record_three(store, rules)
    assert all(p not in "".join(r.body for r in store.rows()) for p in PERSONAL)
    assert "Alice Martin" in stored_text(store)
    erased = store.erase(1, "Jeanne Conseil")
    assert erased["erased"]["at"] and erased["sha256"] == first["sha256"]
    assert "name" not in erased["profile"] and all("label" not in e for e in erased["profile"]["experiences"])
    assert erased["answer"] == first["answer"] and erased["counted"] == first["counted"]
    assert erased["personal_fields"] == ["name", "experiences[0].label", "experiences[1].label",
                                         "experiences[2].label"]
    assert store.erase(1)["erased"] == erased["erased"]
    assert audit.verify(store)["problems"] == []
    assert store.record(3)["profile"]["name"] == "Alice Martin"  # another record of hers keeps hers
    store.erase(3)
    assert all(p not in stored_text(store) for p in PERSONAL)
    assert [r["erased"] for r in store.listing()] == [True, False, True]


def test_an_erased_name_is_gone_from_the_sqlite_file(tmp_path, rules):
    path = tmp_path / "records.sqlite3"
    store = Store.open(str(path))
    record_three(store, rules)
    assert b"Alice Martin" in path.read_bytes()
    store.erase(1)
    store.erase(3)
    store.close()
    assert not any(p.encode() in path.read_bytes() for p in PERSONAL)


def test_search_by_name_without_case_or_accents_and_by_diploma(store, rules):
    record_three(store, rules)
    assert [r["id"] for r in store.listing("LEFEVRE")] == [2]
    assert [r["id"] for r in store.listing("alice")] == [1, 3]
    assert [r["id"] for r in store.listing(None, "licence")] == [1]
    assert [r["id"] for r in store.listing("alice", "LP110504")] == [3]
    assert store.listing("%") == []


# ---------------------------------------------------------------- replay


def corrected_rules(into: Path) -> Path:
    """A copy of the rules where the licence entered in L3 asks 13 months in the field (cnam-na), not a year."""
    folder = into / "rules-corrigees"
    shutil.copytree(ROOT / "rules", folder)
    licence = folder / "cnam-na" / "licence.cnr"
    text = licence.read_text(encoding="utf-8")
    old = "exige expérience dans le domaine, de niveau suffisant, d'au moins 1 an"
    assert text.index(old) < text.index("voie l3-autre-domaine")
    licence.write_text(text.replace(old, old.replace("1 an", "13 mois"), 1), encoding="utf-8")
    return folder


def test_replay_lists_exactly_the_records_a_correction_changes(store, rules, tmp_path):
    record_three(store, rules)
    report = audit.replay(store, corrected_rules(tmp_path))
    assert (report["records"], report["changed"]) == (3, 1)
    [kind] = report["kinds"]
    [changed] = kind["records"]
    assert kind["kind"] == "statut : satisfied → internship" and changed["id"] == 2
    assert (changed["before"]["status"], changed["after"]["status"]) == ("satisfied", "internship")
    [rule] = changed["rules"]
    assert (rule["file"], rule["line"]) == ("rules-corrigees/cnam-na/licence.cnr", 6)
    assert "12 mois" in rule["before"] and "13 mois" in rule["text"]
    assert audit.replay(store, ROOT / "rules")["changed"] == 0


def test_two_processes_replay_as_one(store, rules, tmp_path):
    record_three(store, rules)
    record_three(store, rules)
    folder = corrected_rules(tmp_path)
    shared = audit.replay(store, folder, jobs=2)
    assert shared == audit.replay(store, folder, jobs=1)
    assert (shared["records"], shared["changed"]) == (6, 2)
    assert [r["id"] for r in shared["kinds"][0]["records"]] == [2, 5]


# ---------------------------------------------------------------- from the command line (SQLite)


def cnam(*args: str, db: Path, check: bool = True, **options) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "cnam_dsl", *args], capture_output=True, cwd=ROOT, timeout=300,
                          env={**_env(), "CNAM_DB": str(db)}, **options)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def _env() -> dict:
    import os

    return {k: v for k, v in os.environ.items() if k not in ("CNAM_ADVISER", "CNAM_TOKEN")}


def sqlite3_shell(db: Path, statement: str) -> subprocess.CompletedProcess:
    """The sqlite3 command-line shell (Debian's sqlite3, installed when missing)."""
    return subprocess.run([command("sqlite3", "sqlite3"), str(db), statement], capture_output=True, text=True,
                          timeout=60)


def pdf_text(pdf: Path) -> str:
    """The PDF's text, by pdftotext (Debian's poppler-utils, installed when missing)."""
    return subprocess.run([command("pdftotext", "poppler-utils"), "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
def test_from_a_fresh_clone_record_print_replay_tamper_forge(tmp_path):
    db = tmp_path / "decisions.sqlite3"
    alice, bruno = tmp_path / "alice.json", tmp_path / "bruno.yaml"
    alice.write_text(json.dumps(ALICE, ensure_ascii=False), encoding="utf-8")
    bruno.write_text("name: Bruno Lefèvre\nexperiences:\n  - label: Technicien réseau\n    months: 12\n"
                     "    field: in\n", encoding="utf-8")
    first = cnam("record", "--diploma", "licence", "--profile", str(alice), "--date", "2026-01-01",
                 "--adviser", "Jeanne Conseil", db=db, text=True)
    assert first.stdout.startswith("Décision enregistrée n° 1 ")
    second = json.loads(cnam("record", "--diploma", "licence-l3", "--profile", str(bruno), "--date", "2026-01-01",
                             "--adviser", "Jeanne Conseil", "--format", "json", db=db, text=True).stdout)
    cnam("record", "--vae", "--certification", "LP110504", "--year", "2026", "--profile", str(alice),
         "--adviser", "Paul Conseil", db=db)
    missing = cnam("missing", "--diploma", "licence-l3", "--profile", str(bruno), "--date", "2026-01-01",
                   "--format", "json", db=db, text=True)
    assert second["answer"] == json.loads(missing.stdout)

    pdf = tmp_path / "decision-2.pdf"
    weasyprint_ready()
    cnam("records", "show", "2", "--format", "pdf", "--out", str(pdf), db=db)
    text = words(pdf_text(pdf))
    assert "Bruno Lefèvre" in text and "L311-3-1" in text and "R311-3-1-2" in text
    for entry in second["answer"]["explanation"]:
        assert words(entry["quote"]) in text, entry["quote"]
    pages = subprocess.run([command("pdfinfo", "poppler-utils"), str(pdf)], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages)[1]) <= 2

    replay = cnam("records", "replay", "--rules", str(corrected_rules(tmp_path)), "--format", "json", db=db,
                  text=True)
    report = json.loads(replay.stdout)
    assert report["changed"] == 1 and report["kinds"][0]["records"][0]["id"] == 2

    refused = sqlite3_shell(db, "UPDATE records SET status = 'missing' WHERE id = 2;")
    assert refused.returncode != 0 and "ne se modifie ni ne se supprime" in refused.stderr
    assert cnam("records", "verify", db=db).returncode == 0
    with sqlite3.connect(db) as connection:
        row = connection.execute("SELECT * FROM records WHERE id = 2").fetchone()
        last = connection.execute("SELECT sha256 FROM records WHERE id = 3").fetchone()[0]
    body = json.loads(row[-1]) | {"id": 4, "previous_sha256": last}
    body["answer"]["status"] = "missing"
    values = (4, row[1], row[2], row[3], row[4], "missing", row[6], last, "f" * 64, json.dumps(body))
    statement = "INSERT INTO records VALUES ({});".format(", ".join(
        str(v) if isinstance(v, int) else "'" + v.replace("'", "''") + "'" for v in values))
    assert sqlite3_shell(db, statement).returncode == 0
    verify = cnam("records", "verify", db=db, check=False, text=True)
    assert verify.returncode == 1 and "enregistrement 4 : l'empreinte ne correspond pas" in verify.stdout


@pytest.mark.slow
def test_the_command_line_says_in_one_french_line_what_is_wrong(tmp_path):
    db = tmp_path / "decisions.sqlite3"
    profile = tmp_path / "c.json"
    profile.write_text(json.dumps(BRUNO), encoding="utf-8")
    incomplete = tmp_path / "incomplet.json"
    incomplete.write_text(json.dumps({"experiences": [{"label": "Magasinier", "months": 36, "field": "unknown"}]}),
                          encoding="utf-8")
    for args, expected in [
        (("record", "--diploma", "licence", "--profile", str(profile)), "--adviser"),
        (("record", "--diploma", "licence", "--profile", str(incomplete), "--adviser", "J"),
         "dossier incomplet (experiences[0].field : unknown)"),
        (("record", "--profile", str(profile), "--adviser", "J"), "--diploma"),
        (("record", "--diploma", "inconnu", "--profile", str(profile), "--adviser", "J"), "diplôme inconnu"),
        (("records", "show", "7"), "enregistrement 7 introuvable"),
        (("records", "show", "zéro"), "numéro d'enregistrement invalide"),
        (("records", "replay", "--rules", str(tmp_path / "nulle-part")), "--rules"),
        (("records", "list", "--db", "mysql://x@localhost/y"), "seules SQLite et PostgreSQL"),
    ]:
        done = cnam(*args, db=db, check=False, text=True)
        assert done.returncode == 2 and expected in done.stderr, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert json.loads(cnam("records", "verify", "--format", "json", db=db, text=True).stdout)["checked"] == 0


@pytest.mark.slow
def test_without_weasyprint_the_pdf_names_the_extra_to_install(tmp_path, rules):
    db = tmp_path / "decisions.sqlite3"
    store = Store.open(str(db))
    store.append(decide(rules, "missing", {"diploma": "licence-l3", "date": "2026-01-01"}, BRUNO, "J", DAY))
    store.close()
    hidden = tmp_path / "sans-weasyprint" / "weasyprint"
    hidden.mkdir(parents=True)
    (hidden / "__init__.py").write_text("raise ImportError('weasyprint absent')\n")
    done = subprocess.run([sys.executable, "-m", "cnam_dsl", "records", "show", "1", "--format", "pdf", "--out",
                           str(tmp_path / "d.pdf"), "--db", str(db)], capture_output=True, text=True, cwd=ROOT,
                          env={**_env(), "PYTHONPATH": str(hidden.parent)}, timeout=120)
    assert done.returncode == 2 and "pip install 'cnam-dsl[pdf]'" in done.stderr
    assert done.stderr.count("\n") == 1


def test_a_snapshot_holds_the_rule_files_and_their_documents_and_reads_nothing_else(tmp_path):
    """A stray file in the rules folder is neither read nor stored, a pipe never waited on (issue 19, as the
    cache's key): the snapshot is what the checker reads, and the shipped base keeps its digest."""
    import os

    from cnam_dsl.records.snapshot import Snapshot

    shipped = Snapshot.of(ROOT / "rules")
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    os.mkfifo(folder / "cnam-na" / "tube")
    (folder / "notes.md").write_text("brouillon\n", encoding="utf-8")
    with (folder / "gros.bin").open("wb") as f:
        f.truncate(1 << 30)  # 1 GiB, sparse
    copied = Snapshot.of(folder)
    assert copied.digest == shipped.digest and set(copied.files) == set(shipped.files)
    assert {Path(name).suffix for name in copied.files} == {".cnr", ".txt"}


@pytest.mark.slow
def test_records_are_listed_one_line_each_control_characters_escaped(tmp_path):
    """A candidate's name is shown, never acted on by the terminal nor breaking the list (issue 19)."""
    db = tmp_path / "decisions.sqlite3"
    profile = tmp_path / "c.json"
    profile.write_text(json.dumps({**BRUNO, "name": "\x1b[31mRED\x07\nFaux 2026-01-01"}), encoding="utf-8")
    cnam("record", "--diploma", "licence", "--profile", str(profile), "--adviser", "J\x1b[2J", db=db)
    listed = cnam("records", "list", db=db, text=True).stdout
    assert "\x1b" not in listed and "\x07" not in listed and listed.count("\n") == 1
    assert "\\u001b[31mRED\\u0007\\nFaux 2026-01-01" in listed and "J\\u001b[2J" in listed
