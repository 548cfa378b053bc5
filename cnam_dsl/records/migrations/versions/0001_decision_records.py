"""The decision records: rule bases (content-addressed), records (hash-chained), personal data (erasable only
through an erasure), erasures; append-only triggers on SQLite and PostgreSQL.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

REFUSED = "un enregistrement de décision ne se modifie ni ne se supprime"
ERASE_ONLY = "les données personnelles ne se suppriment que par un effacement enregistré (cnam records erase)"
APPEND_ONLY = ("rule_bases", "records", "erasures")


def upgrade() -> None:
    op.create_table(
        "rule_bases",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("stored_at", sa.String(32), nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("subject", sa.String(80), nullable=False),
        sa.Column("adviser", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("rules_sha256", sa.String(64), sa.ForeignKey("rule_bases.sha256"), nullable=False),
        sa.Column("previous_sha256", sa.String(64), unique=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("records_subject", "records", ["subject"])
    op.create_table(
        "personal",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("name_key", sa.String(500)),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_index("personal_name_key", "personal", ["name_key"])
    op.create_table(
        "erasures",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id"), primary_key=True),
        sa.Column("erased_at", sa.String(32), nullable=False),
        sa.Column("erased_by", sa.String(500)),
    )
    if op.get_context().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} : {REFUSED}'); END")
    op.execute(f"CREATE TRIGGER personal_no_update BEFORE UPDATE ON personal "
               f"BEGIN SELECT RAISE(ABORT, 'personal : {REFUSED}'); END")
    op.execute(f"CREATE TRIGGER personal_erase_only BEFORE DELETE ON personal "
               f"WHEN NOT EXISTS (SELECT 1 FROM erasures WHERE record_id = OLD.record_id) "
               f"BEGIN SELECT RAISE(ABORT, 'personal : {ERASE_ONLY}'); END")


def _postgresql_triggers() -> None:
    op.execute(f"""CREATE FUNCTION cnam_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% : {REFUSED}', TG_TABLE_NAME; END $$""")
    op.execute(f"""CREATE FUNCTION cnam_erase_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM erasures WHERE record_id = OLD.record_id) THEN
            RAISE EXCEPTION 'personal : {ERASE_ONLY}';
          END IF;
          RETURN OLD;
        END $$""")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION cnam_append_only()")
    for table in APPEND_ONLY + ("personal",):
        op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION cnam_append_only()")
    op.execute("CREATE TRIGGER personal_no_update BEFORE UPDATE ON personal "
               "FOR EACH ROW EXECUTE FUNCTION cnam_append_only()")
    op.execute("CREATE TRIGGER personal_erase_only BEFORE DELETE ON personal "
               "FOR EACH ROW EXECUTE FUNCTION cnam_erase_only()")


def downgrade() -> None:
    raise RuntimeError("les enregistrements de décision ne se suppriment pas : pas de retour en arrière")
