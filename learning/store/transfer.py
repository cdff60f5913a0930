"""`upnext migrate`: a SQLite store's rows copied into an empty PostgreSQL store, every table, ids kept.

The SQLite store is first brought to this release's schema (as any start would), then read table by table in
chunks and written with COPY in one PostgreSQL transaction: a failure leaves the database without rows, so the command
can simply run again. Identity sequences are moved past the copied ids, and the counts of both sides are compared
before it reports success. Upnext must be stopped meanwhile: rows written to the SQLite file during the copy would
not be in it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from learning.store.engine import WRITE_CHUNK, StoreError
from learning.store.pg_schema import pg_schema
from learning.store.postgres import PostgresStore

ENGINE_KEYS = ("schema_version",)  # what each engine records about itself in `meta`: never copied across


def tables(store: PostgresStore) -> list[str]:
    """The store's tables, each after the tables it refers to (the order the schema makes them)."""
    return [o.name for o in pg_schema(store.migrations, len(store.migrations)) if o.kind == "table"]


def _written_columns(store: PostgresStore, table: str) -> list[str]:
    """The columns a row is written with (PostgreSQL computes its generated ones, the courses' words)."""
    return [name for (name,) in store.sql.rows(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = :table AND is_generated = 'NEVER' ORDER BY ordinal_position", {"table": table})]  # fmt: skip


def _refuse_unless_empty(store: PostgresStore) -> None:
    held = [(t, n) for t in tables(store) if t != "meta" and (n := store.sql.value(f"SELECT count(*) FROM {t}"))]
    if held:
        shown = ", ".join(f"{n} rows in {t}" for t, n in held[:3])
        raise StoreError(f"DATABASE_URL {store.where} already holds Upnext data ({shown}): `upnext migrate` copies "
                         "into an empty database only")  # fmt: skip


def _copy_table(source: sqlite3.Connection, store: PostgresStore, table: str) -> int:
    columns = _written_columns(store, table)
    listed = ", ".join(columns)
    where = f" WHERE key NOT IN ({', '.join(repr(k) for k in ENGINE_KEYS)})" if table == "meta" else ""
    rows = source.execute(f"SELECT {listed} FROM {table}{where}")
    copied = 0
    with store.connection() as conn, conn.cursor().copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
        while batch := rows.fetchmany(WRITE_CHUNK):
            for row in batch:
                copy.write_row(row)
            copied += len(batch)
    return copied


def _reset_identities(store: PostgresStore, table: str) -> None:
    """The next id PostgreSQL hands out follows the copied ones."""
    for (column,) in store.sql.rows(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = :table AND is_identity = 'YES'", {"table": table}):  # fmt: skip
        store.sql.value(f"SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max({column}), 0) + 1, "
                        f"false) FROM {table}", {"table": table, "column": column})  # fmt: skip


def migrate(source: Path, store: PostgresStore, on_table: Callable[[str, int], None]) -> dict[str, int]:
    """Copy every row of the SQLite store at `source` (already at this release's schema) into `store`, which must
    hold no Upnext rows; the rows copied per table (verified against the target's counts)."""
    _refuse_unless_empty(store)
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        with store.transaction():
            copied = {table: _copy_table(reader, store, table) for table in tables(store)}
            for table in copied:
                _reset_identities(store, table)
    finally:
        reader.close()
    for table, count in copied.items():
        found = store.sql.value(f"SELECT count(*) FROM {table}")
        if table != "meta" and found != count:
            raise StoreError(f"{table}: {count} rows copied but {found} in {store.where}: run `upnext migrate` into "
                             "a new empty database")  # fmt: skip
        on_table(table, count)
    return copied
