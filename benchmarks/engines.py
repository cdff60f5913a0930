"""Both engines side by side: the same benchmark store in SQLite and in PostgreSQL.

A benchmark given `--postgres` starts a throwaway PostgreSQL server in a temporary folder (tests/postgres.py: Debian's
binaries, fsync off, as the tests run it), or given `--database-url` (or DATABASE_URL) uses that server; it then
copies its SQLite store into a fresh database there and measures both. The copy is a plain table-by-table COPY of
every row (ids kept, identity counters moved past them) into a schema made by the store's own migrations: what
`upnext migrate` does for users, kept here so the benchmarks do not depend on it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from upnext.schema import open_store

BATCH = 50_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL, on a throwaway server")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="also measure PostgreSQL on this server (a database is made on it per store)")  # fmt: skip


@contextlib.contextmanager
def postgres_server(args: argparse.Namespace) -> Iterator[str | None]:
    """The URL of a PostgreSQL server to measure on (started for the run with `--postgres`), or None."""
    if args.database_url:
        yield args.database_url
    elif args.postgres:
        from tests.postgres import start_server  # the tests' throwaway server: a benchmark is a development tool

        with tempfile.TemporaryDirectory(prefix="upnext-bench-pg-") as folder:
            server = start_server(Path(folder))
            try:
                yield server.url()
            finally:
                server.stop()
    else:
        yield None


def fresh_database(server: str, name: str) -> str:
    """A fresh, empty database `name` on `server` (dropped first if it exists)."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return server.rsplit("/", 1)[0] + f"/{name}"


def copy_store(sqlite_path: Path, server: str, name: str, only: tuple[str, ...] = ()) -> tuple[str, dict]:
    """The SQLite store at `sqlite_path` copied into a fresh database `name` on `server` (`only` these tables, when
    given): its URL, and rows per table with the time taken."""
    started = time.perf_counter()
    url = fresh_database(server, name)
    open_store(url).close()  # the schema, by the store's own migrations
    source = open_store(sqlite_path)
    rows: dict[str, int] = {}
    try:
        with psycopg.connect(url) as target:
            tables = [t for (t,) in target.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE' AND table_name != 'meta'").fetchall()]  # fmt: skip
            for table in tables:
                if table in only or not only:
                    rows[table] = _copy_table(source.db.conn, target, table)
    finally:
        source.close()
    return url, {"rows": rows, "copy_s": round(time.perf_counter() - started, 1)}


def _copy_table(source, target: psycopg.Connection, table: str) -> int:
    writable = [c for (c,) in target.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_generated = 'NEVER' "
        "ORDER BY ordinal_position", [table]).fetchall()]  # fmt: skip
    present = {row[1] for row in source.execute(f"PRAGMA table_info('{table}')")}
    columns = [c for c in writable if c in present]
    if not columns:
        return 0
    binary = {c for (c,) in target.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND data_type = 'bytea'",
        [table]).fetchall()}  # fmt: skip
    target.execute(f"TRUNCATE {table}")
    count = 0
    cursor = source.execute(f"SELECT {', '.join(columns)} FROM {table}")
    with target.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                copy.write_row([bytes(v) if c in binary and v is not None else v for c, v in zip(columns, row)])
            count += len(batch)
    for (column,) in target.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_identity = 'YES'", [table]
    ).fetchall():
        target.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                       f"coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)")  # fmt: skip
    target.commit()
    target.execute(f"ANALYZE {table}")
    return count
