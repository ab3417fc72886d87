"""SQLite files of local state whose tables are append-only (the consent registry, the
request life cycle): WAL so readers never wait for the writer, explicit transactions, and
triggers that refuse every UPDATE and DELETE."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

# A consent load holds the write lock while it parses (a million resources: a minute or
# two); another writer waits this long before giving up.
BUSY_TIMEOUT_SECONDS = 600
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS {table}_no_{action} BEFORE {action} ON {table}
BEGIN SELECT RAISE(ABORT, '{what} is append-only'); END;
"""


def connect_append_only(
    db_path: Path, schema: str, tables: Sequence[str], what: str
) -> sqlite3.Connection:
    """Open (creating if needed) the database, its schema and the append-only triggers."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: transactions are opened explicitly (BEGIN IMMEDIATE).
    connection = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(schema)
    for table in tables:
        for action in ("UPDATE", "DELETE"):
            connection.execute(APPEND_ONLY_TRIGGER.format(table=table, action=action, what=what))
    return connection
