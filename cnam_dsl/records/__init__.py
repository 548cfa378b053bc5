"""Decision records: a decision (question, candidate file, counting, answer, rules) into a sealed record of an
append-only, hash-chained database; and back: verified, replayed under other rules, printed, erased.

`decision` computes what a record holds (through `rules.Rules` and the one
counting of `candidate`); `seal` makes it tamper-evident (canonical JSON,
digests, the personal fields kept apart from the chain); `snapshot` stores
the rule base it was computed with, content-addressed; `store` is the
database (SQLAlchemy Core, Alembic migrations, append-only triggers on SQLite
and PostgreSQL); `audit` verifies and replays; `printable` renders the
document handed to the candidate (text, HTML, PDF).
"""
