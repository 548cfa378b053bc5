"""The records' database (SQLAlchemy Core): a URL into an engine, migrated by Alembic; drafts appended to the
chain, records read back, listed, erased.

SQLite by default, a file in the user's data directory (`$XDG_DATA_HOME/cnam-dsl/`,
else `~/.local/share/cnam-dsl/`); `--db URL` or `CNAM_DB` chooses another
(a path is a SQLite file; `postgresql://…` uses PostgreSQL through psycopg).
Appends are serialized (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction
advisory lock), so the chain never forks; the database itself refuses any
update or deletion (the triggers of the migration).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from .decision import Draft
from .seal import merge_personal, search_key, seal
from .snapshot import Snapshot, SnapshotError

HEAD = "0001"  # the latest migration (records/migrations/versions)
MIGRATIONS = Path(__file__).parent / "migrations"
APPEND_LOCK = 0x636E616D  # PostgreSQL advisory lock taken by every append ("cnam")
DEFAULT_FILE = "records.sqlite3"
FETCHED_TOGETHER = 1000

metadata = sa.MetaData()
rule_bases = sa.Table("rule_bases", metadata, sa.Column("sha256", sa.String(64), primary_key=True),
                      sa.Column("folder", sa.String(255)), sa.Column("stored_at", sa.String(32)),
                      sa.Column("archive", sa.LargeBinary()))
records = sa.Table("records", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                   sa.Column("created_at", sa.String(32)), sa.Column("kind", sa.String(8)),
                   sa.Column("subject", sa.String(80)), sa.Column("adviser", sa.String(500)),
                   sa.Column("status", sa.String(20)), sa.Column("rules_sha256", sa.String(64)),
                   sa.Column("previous_sha256", sa.String(64)), sa.Column("sha256", sa.String(64)),
                   sa.Column("body", sa.Text))
personal = sa.Table("personal", metadata, sa.Column("record_id", sa.Integer, primary_key=True),
                    sa.Column("name_key", sa.String(500)), sa.Column("data", sa.Text))
erasures = sa.Table("erasures", metadata, sa.Column("record_id", sa.Integer, primary_key=True),
                    sa.Column("erased_at", sa.String(32)), sa.Column("erased_by", sa.String(500)))


class RecordsError(Exception):
    """A records request that cannot be carried out (unknown record, unreachable database...): one French line."""


class UnknownRecord(RecordsError):
    """No record has that number."""

    def __init__(self, record_id: int) -> None:
        self.record_id = record_id
        super().__init__(f"enregistrement {record_id} introuvable ; « cnam records list » les énumère")


def default_database() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cnam-dsl" / DEFAULT_FILE


def database_url(given: str | None = None) -> str:
    """The database's URL: `given`, else `CNAM_DB`, else the default SQLite file; a path is a SQLite file, and
    `postgresql://` goes through psycopg (version 3).

    >>> database_url("/tmp/d.sqlite3"), database_url("postgresql://cnam@localhost/decisions")
    ('sqlite:////tmp/d.sqlite3', 'postgresql+psycopg://cnam@localhost/decisions')
    """
    text = given or os.environ.get("CNAM_DB") or str(default_database())
    if "://" not in text:
        return "sqlite:///" + str(Path(text).expanduser().resolve())
    for plain_scheme in ("postgresql://", "postgres://"):
        if text.startswith(plain_scheme):
            return "postgresql+psycopg://" + text[len(plain_scheme):]
    return text


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """One database of records."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.url = engine.url.render_as_string(hide_password=False)

    @classmethod
    def open(cls, url: str | None = None) -> "Store":
        """The database at `url` (see `database_url`), created or migrated to the latest schema;
        RecordsError if it cannot be reached."""
        url = database_url(url)
        store = cls(_engine(url))
        try:
            with store.engine.begin() as connection:
                if store.postgresql:
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
                if _revision(connection) != HEAD:
                    _upgrade(connection)
        except SQLAlchemyError as error:
            store.close()
            raise RecordsError(f"base de données {_shown(url)} inaccessible : {_reason(error)}") from None
        return store

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ writing

    def append(self, draft: Draft) -> dict:
        """The draft sealed as the next record of the chain (its rule base stored once); the record's JSON."""
        return self.append_all([draft])[0]

    def append_all(self, drafts: list[Draft]) -> list[dict]:
        """The drafts sealed as the next records of the chain, in one transaction (all or none)."""
        sealed = []
        with self._writing() as connection:
            last = connection.execute(sa.select(records.c.id, records.c.sha256).order_by(records.c.id.desc())
                                      .limit(1)).first()
            number, previous = (last.id, last.sha256) if last else (0, None)
            stored = set()
            for draft in drafts:
                self._store_rules(connection, draft.snapshot, stored)
                number += 1
                body = {"id": number, "created_at": now(), **draft.body, "previous_sha256": previous}
                text, previous = seal(body)
                answer = body["answer"]
                connection.execute(records.insert().values(
                    id=number, created_at=body["created_at"], kind=body["question"]["command"],
                    subject=answer.get("diploma") or answer.get("certification"), adviser=body["adviser"],
                    status=answer["status"], rules_sha256=body["rules_sha256"],
                    previous_sha256=body["previous_sha256"], sha256=previous, body=text.decode("utf-8")))
                connection.execute(personal.insert().values(record_id=number, data=json.dumps(draft.personal),
                                                            name_key=search_key(draft.personal.get("name"))))
                sealed.append(record_json(body, previous, draft.personal, None))
        return sealed

    @staticmethod
    def _store_rules(connection, snapshot: Snapshot, stored: set) -> None:
        """The rule base stored under its digest, unless it is already."""
        if snapshot.digest in stored:
            return
        if connection.execute(sa.select(rule_bases.c.sha256).where(
                rule_bases.c.sha256 == snapshot.digest)).first() is None:
            connection.execute(rule_bases.insert().values(sha256=snapshot.digest, folder=snapshot.folder,
                                                          stored_at=now(), archive=snapshot.archive()))
        stored.add(snapshot.digest)

    def erase(self, record_id: int, by: str | None = None) -> dict:
        """The record's personal data removed (the erasure itself recorded); the record's JSON after it."""
        with self._writing() as connection:
            if connection.execute(sa.select(records.c.id).where(records.c.id == record_id)).first() is None:
                raise UnknownRecord(record_id)
            if connection.execute(sa.select(erasures.c.record_id).where(
                    erasures.c.record_id == record_id)).first() is None:
                connection.execute(erasures.insert().values(record_id=record_id, erased_at=now(), erased_by=by))
            connection.execute(personal.delete().where(personal.c.record_id == record_id))
        return self.record(record_id)

    @contextmanager
    def _writing(self):
        """A transaction holding the append lock (PostgreSQL; SQLite's BEGIN IMMEDIATE holds it already)."""
        try:
            with self.engine.begin() as connection:
                if self.postgresql:
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
                yield connection
        except SQLAlchemyError as error:
            raise RecordsError(f"écriture refusée par la base de données : {_reason(error)}") from None

    # ------------------------------------------------------------ reading

    def record(self, record_id: int) -> dict:
        """A record's JSON (its personal data put back unless erased); RecordsError if there is none."""
        with self.engine.connect() as connection:
            row = connection.execute(_joined().where(records.c.id == record_id)).first()
        if row is None:
            raise UnknownRecord(record_id)
        return record_json(json.loads(row.body), row.sha256, _personal(row.data), row.erased_at)

    def listing(self, name: str | None = None, subject: str | None = None) -> list[dict]:
        """The records (id, time, adviser, candidate, question, status), oldest first, whose candidate's name
        contains `name` (case and accents aside) and whose diploma or certification is `subject`."""
        query = sa.select(records.c.id, records.c.created_at, records.c.kind, records.c.subject, records.c.adviser,
                          records.c.status, personal.c.data, erasures.c.erased_at).select_from(
            records.outerjoin(personal, personal.c.record_id == records.c.id)
            .outerjoin(erasures, erasures.c.record_id == records.c.id)).order_by(records.c.id)
        if name:
            pattern = "%" + search_key(name).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            query = query.where(personal.c.name_key.like(pattern, escape="\\"))
        if subject:
            query = query.where(records.c.subject == subject)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [{"id": r.id, "created_at": r.created_at, "adviser": r.adviser, "kind": r.kind, "subject": r.subject,
                 "status": r.status, "name": (_personal(r.data) or {}).get("name"), "erased": r.erased_at is not None}
                for r in rows]

    def rows(self, record_id: int | None = None):
        """The stored rows as they are (body text, columns, personal data, erasure), in the chain's order: all
        of them, or one with the one before it."""
        query = _joined().order_by(records.c.id)
        if record_id is not None:
            query = query.where(records.c.id.in_([record_id - 1, record_id]))
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=FETCHED_TOGETHER).execute(query)
            yield from result

    def bodies(self, ids: tuple[int, int] | None = None):
        """(id, sealed body text) of every record (or of those with ids from `ids[0]` to `ids[1]`), in the
        chain's order, fetched a thousand at a time."""
        query = sa.select(records.c.id, records.c.body).order_by(records.c.id)
        if ids is not None:
            query = query.where(records.c.id.between(*ids))
        with self.engine.connect() as connection:
            yield from connection.execution_options(yield_per=FETCHED_TOGETHER).execute(query)

    def last_id(self) -> int:
        """The id of the last record (0: none)."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.max(records.c.id))).scalar() or 0

    def snapshot(self, digest: str) -> Snapshot:
        """The rule base stored under a digest; SnapshotError if it is missing or altered."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(rule_bases).where(rule_bases.c.sha256 == digest)).first()
        if row is None:
            raise SnapshotError(f"base de règles {digest[:12]} absente de la base de données")
        return Snapshot.from_archive(row.folder, row.archive, digest)


def _joined():
    return sa.select(records, personal.c.data, personal.c.name_key, erasures.c.erased_at).select_from(
        records.outerjoin(personal, personal.c.record_id == records.c.id)
        .outerjoin(erasures, erasures.c.record_id == records.c.id))


def _personal(data: str | None) -> dict | None:
    return json.loads(data) if data is not None else None


FIRST_KEYS = ("id", "schema", "created_at", "adviser", "question", "profile", "profile_sha256", "counted", "answer",
              "rules_sha256", "documents", "tool_version", "previous_sha256", "sha256")


def record_json(body: dict, digest: str, stored_personal: dict | None, erased_at: str | None) -> dict:
    """A record as `cnam records show --format json` prints it: the contract's fields first, the profile with
    its personal data (unless erased), `erased` (null, or when)."""
    shown = {k: v for k, v in stored_personal.items() if k != "salt"} if stored_personal else None
    merged = {**body, "sha256": digest, "profile": merge_personal(body["profile"], shown),
              "erased": {"at": erased_at} if erased_at else None}
    return {**{k: merged[k] for k in FIRST_KEYS if k in merged}, **{k: v for k, v in merged.items()
                                                                    if k not in FIRST_KEYS}}


# ---------------------------------------------------------------- engines and migrations


def _engine(url: str) -> sa.Engine:
    try:
        backend = sa.engine.make_url(url).get_backend_name()
    except (SQLAlchemyError, ValueError) as error:
        raise RecordsError(f"--db : adresse de base de données invalide « {_shown(url)} » ({error})") from None
    if backend not in ("sqlite", "postgresql"):
        raise RecordsError(f"--db : seules SQLite et PostgreSQL sont prises en charge, reçu « {backend} »")
    try:
        engine = sa.create_engine(url)
    except ImportError:
        raise RecordsError("une base PostgreSQL demande le pilote psycopg : pip install 'cnam-dsl[postgresql]'") \
            from None
    except SQLAlchemyError as error:
        raise RecordsError(f"--db : adresse de base de données invalide « {_shown(url)} » ({_reason(error)})") \
            from None
    if backend == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sqlite_transactions(engine)
    return engine


def _sqlite_transactions(engine: sa.Engine) -> None:
    """SQLite with real transactions: each one BEGIN IMMEDIATE (the write lock taken at once, so appends
    queue instead of failing), foreign keys enforced, a wait of 30 s for the lock, and what is deleted (an
    erasure) overwritten in the file rather than left in its free pages."""

    @event.listens_for(engine, "connect")
    def connected(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.execute("PRAGMA busy_timeout = 30000")
        dbapi_connection.execute("PRAGMA secure_delete = ON")

    @event.listens_for(engine, "begin")
    def begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _revision(connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _upgrade(connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _shown(url: str) -> str:
    """A URL without its password."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return url


def _reason(error: SQLAlchemyError) -> str:
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split("\n")[0].split())
