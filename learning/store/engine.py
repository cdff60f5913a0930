"""The SQLite engine: one file under UPNEXT_HOME, WAL mode, one connection per thread, versioned schema.

The only module that speaks SQLite's own dialect. Repositories write portable SQL through `Store.sql` (named
placeholders, `ON CONFLICT`, `RETURNING`) inside `Store.transaction`, ask `Store.dialect` for what SQL cannot say
portably, and search words through `Store.keywords`. Each table's owner declares its schema (`TableSteps`); the
composition root joins them into the append-only migrations a Store is opened with, and `PRAGMA user_version`
records how many have run, so an older database is brought forward on start.
"""

from __future__ import annotations

import fcntl
import functools
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
SCRUB_WAIT_MS = 250  # how long one truncating checkpoint may hold other writers back while it waits for readers
# Bulk writes (imports) hold the write lock in short transactions: WRITE_CHUNK rows, or fewer once their text
# reaches WRITE_CHUNK_CHARS (indexing text for keyword search is where a write's time goes). Measured in
# BENCHMARKS.md (issue 18): about 100 ms of lock a chunk, under 500 ms up to 100k courses on a loaded machine.
WRITE_CHUNK = 2_000
WRITE_CHUNK_CHARS = 500_000
WRITE_PAUSE = 0.1  # seconds between them: longer than a waiting writer's longest back-off (SQLite's is 100 ms)


TableSteps = Mapping[int, str]  # schema version -> what it brought to one owner's tables (DDL, data moves)

# The engine's own tables: the meta key-value table, and the keyword index over the courses (FTS5, kept by
# triggers on the courses table, so it comes after the courses in a migration).
META: TableSteps = {
    1: """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
""",
}

KEYWORD_INDEX: TableSteps = {
    1: """
        CREATE VIRTUAL TABLE courses_fts USING fts5(
            title, description, topics, path_title,
            content='courses', content_rowid='num',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER courses_ai AFTER INSERT ON courses BEGIN
            INSERT INTO courses_fts(rowid, title, description, topics, path_title)
            VALUES (new.num, new.title, new.description, new.topics, new.path_title);
        END;
        CREATE TRIGGER courses_ad AFTER DELETE ON courses BEGIN
            INSERT INTO courses_fts(courses_fts, rowid, title, description, topics, path_title)
            VALUES ('delete', old.num, old.title, old.description, old.topics, old.path_title);
        END;
        CREATE TRIGGER courses_au AFTER UPDATE ON courses BEGIN
            INSERT INTO courses_fts(courses_fts, rowid, title, description, topics, path_title)
            VALUES ('delete', old.num, old.title, old.description, old.topics, old.path_title);
            INSERT INTO courses_fts(rowid, title, description, topics, path_title)
            VALUES (new.num, new.title, new.description, new.topics, new.path_title);
        END;
""",
}


def migrations(*owners: TableSteps) -> tuple[str, ...]:
    """The append-only migrations from every owner's steps: migration N joins each owner's step N, in the order the
    owners are given (a table before what refers to it)."""
    last = max(version for owner in owners for version in owner)
    return tuple("\n".join(owner[v] for owner in owners if v in owner) for v in range(1, last + 1))


Params = Mapping[str, Any]
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def expand_lists(sql: str, params: Params) -> tuple[str, dict[str, Any]]:
    """Named placeholders whose value is a list, tuple or set become one placeholder per item (for `IN (:ids)`); an
    empty one becomes NULL, so `IN (:ids)` matches nothing."""
    lists = {name: list(value) for name, value in params.items() if isinstance(value, list | tuple | set | frozenset)}
    flat = {name: value for name, value in params.items() if name not in lists}
    if not lists:
        return sql, flat

    def spread(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in lists:
            return match.group(0)
        flat.update({f"{name}__{i}": item for i, item in enumerate(lists[name])})
        return ", ".join(f":{name}__{i}" for i in range(len(lists[name]))) or "NULL"

    return _NAMED.sub(spread, sql), flat


class Sql:
    """Portable statements on one connection: `:name` placeholders with a mapping of values (a list value expands
    for `IN (:name)`). A write outside `Store.transaction` commits on its own."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def _run(self, sql: str, params: Params | None) -> sqlite3.Cursor:
        text, values = expand_lists(sql, params or {})
        return self._conn.execute(text, values)

    def _committed(self, run: Callable[[], T]) -> T:
        """Run a statement, committing the transaction it opened (none was open before); rolled back on error."""
        was_open = self._conn.in_transaction
        try:
            result = run()
        except BaseException:
            if not was_open and self._conn.in_transaction:
                self._conn.rollback()
            raise
        if not was_open and self._conn.in_transaction:
            self._conn.commit()
        return result

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Every row the statement returns (a write with RETURNING included)."""
        return self._committed(lambda: self._run(sql, params).fetchall())

    def row(self, sql: str, params: Params | None = None) -> tuple[Any, ...] | None:
        """The first row, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row (a count, a max, the id of `INSERT ... RETURNING id`), or None."""
        found = self.row(sql, params)
        return found[0] if found else None

    def records(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        """Every row as a dict by column name."""

        def fetch() -> list[dict[str, Any]]:
            cursor = self._run(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

        return self._committed(fetch)

    def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a write; how many rows it changed (an insert skipped by `ON CONFLICT DO NOTHING` counts 0)."""
        return self._committed(lambda: self._run(sql, params).rowcount)

    def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        """Run a write once per mapping of values (no list values here), all or none; how many rows it changed."""
        return self._committed(lambda: self._conn.executemany(sql, rows).rowcount)


class Dialect:
    """SQL fragments for what the two engines spell differently; timestamps are ISO 8601 text (`clock.iso`)."""

    @staticmethod
    def plus_days(timestamp: str, days: int) -> str:
        """The ISO 8601 timestamp `days` days after the expression `timestamp` (UTC, to the second)."""
        return f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {timestamp}, '+{int(days)} days')"

    @staticmethod
    def week_start(timestamp: str) -> str:
        """The date (YYYY-MM-DD) of the Monday that starts the week of the expression `timestamp`."""
        return f"date({timestamp}, '-6 days', 'weekday 1')"

    @staticmethod
    def json_value(column: str, *path: str) -> str:
        """The value at `path` (keys, outermost first) in the JSON text of `column`; NULL when absent."""
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    @staticmethod
    def json_items(column: str, alias: str) -> str:
        """A table of the items of the JSON list in `column`, each as `{alias}.value`, to join in FROM."""
        return f"json_each({column}) AS {alias}"


class KeywordIndex:
    """Words of the courses (title, description, topics, path title), ranked by BM25: SQLite's FTS5 table
    `courses_fts`, kept in step with `courses` by the triggers in the schema. Its only reader is search."""

    def __init__(self, sql: Callable[[], Sql]):
        self._sql = sql

    def documents_with(self, term: str) -> int:
        """How many courses contain the word (or a word with its stem)."""
        return int(
            self._sql().value("SELECT count(*) FROM courses_fts WHERE courses_fts MATCH :term", {"term": f'"{term}"'})
        )

    def search(
        self, terms: Sequence[str], k: int, weights: Sequence[float], within: tuple[str, Params] | None = None
    ) -> list[tuple[int, float]]:
        """The k courses matching any of the terms, best first as (num, score), higher better; `weights` weigh
        title, description, topics and path title; `within` is a condition on the courses (`c`) with its values."""
        match = " OR ".join(f'"{t}"' for t in terms)
        bm25 = ", ".join(str(float(w)) for w in weights)
        if within is None:  # the fast path: FTS alone, no join
            rows = self._sql().rows(
                f"SELECT rowid, rank FROM courses_fts WHERE courses_fts MATCH :match AND rank MATCH 'bm25({bm25})' "
                "ORDER BY rank LIMIT :k",
                {"match": match, "k": k},
            )
        else:
            condition, values = within
            rows = self._sql().rows(
                f"SELECT c.num, bm25(courses_fts, {bm25}) AS rank FROM courses_fts "
                f"JOIN courses c ON c.num = courses_fts.rowid WHERE courses_fts MATCH :match AND {condition} "
                "ORDER BY rank LIMIT :k",
                {**values, "match": match, "k": k},
            )
        return [(num, -rank) for num, rank in rows]

    def repair(self) -> bool:
        """Check the index against the courses and rebuild it if they disagree; True when it was rebuilt."""
        try:
            self._sql().execute("INSERT INTO courses_fts(courses_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            self._sql().execute("INSERT INTO courses_fts(courses_fts) VALUES ('rebuild')")
            return True
        return False


class StoreError(RuntimeError):
    """The file at the store's path cannot be used as this Upnext's store; the message is one line."""


class NewerStoreError(StoreError):
    """The database was written by a newer Upnext than this one."""


class NotAStoreError(StoreError):
    """The file is not an Upnext store: not SQLite, or without the tables and indexes its schema version has."""


def _newer(path: Path | str, version: int, known: int) -> NewerStoreError:
    return NewerStoreError(
        f"{path} has schema version {version}, newer than this Upnext's {known}: "
        "run the Upnext release that wrote it, or restore a backup made by this one"
    )


Schema = dict[str, tuple[str, frozenset[str]]]  # each table, index and trigger: its type and (tables) its columns


def _schema(conn: sqlite3.Connection, names: Iterable[str] | None = None) -> Schema:
    """The objects in the database on `conn` (only `names`, when given), leaving out SQLite's own."""
    found = conn.execute("SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite^_%' ESCAPE '^'")
    wanted = None if names is None else set(names)
    return {
        name: (kind, frozenset(c for (c,) in conn.execute("SELECT name FROM pragma_table_info(?)", [name]))
               if kind == "table" else frozenset())
        for name, kind in found.fetchall() if wanted is None or name in wanted
    }  # fmt: skip


@functools.cache
def expected_schema(migrations: tuple[str, ...], version: int) -> Schema:
    """What an Upnext store of schema `version` holds, read from one the migrations build in memory: the list
    cannot drift from the migrations, and a store of any older version is judged by what it had then."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript("\n".join(migrations[:version]))
        return _schema(conn)
    finally:
        conn.close()


def verify_schema(conn: sqlite3.Connection, path: Path | str, migrations: Sequence[str]) -> int:
    """The schema version of the database on `conn`, once it is known to be an Upnext store of that version (every
    table with its columns, index and trigger) or an empty database (version 0). Raises StoreError otherwise."""
    try:
        # one statement, one snapshot: a process migrating meanwhile cannot make a fresh store look foreign
        rows = conn.execute(
            "SELECT user_version, name FROM pragma_user_version LEFT JOIN sqlite_master "
            "ON sqlite_master.name NOT LIKE 'sqlite^_%' ESCAPE '^'"
        ).fetchall()
        version = rows[0][0]
        if version > len(migrations):
            raise _newer(path, version, len(migrations))
        if version == 0:
            if any(name for _, name in rows):
                raise NotAStoreError(f"{path} is not an Upnext store (it holds tables but no Upnext schema version)")
            return 0
        expected = expected_schema(tuple(migrations), version)
        found = _schema(conn, expected)
    except sqlite3.DatabaseError as error:
        raise NotAStoreError(f"{path} is not an Upnext store ({error})") from None
    missing = [name for name, (kind, _) in expected.items() if found.get(name, ("", None))[0] != kind] + [
        f"{name}.{column}" for name, (_, columns) in expected.items() if name in found
        for column in sorted(columns - found[name][1])
    ]  # fmt: skip
    if missing:
        shown = ", ".join(sorted(missing)[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise NotAStoreError(f"{path} is not an Upnext store of schema version {version}: it has no {shown}")
    return version


def migrate(conn: sqlite3.Connection, migrations: Sequence[str], path: Path | str = "the store") -> None:
    """Run every pending migration in one transaction: a failure leaves the database exactly as it was.

    Refuses a database whose `user_version` is beyond `migrations`: this code does not know its schema.
    """
    while (version := conn.execute("PRAGMA user_version").fetchone()[0]) != len(migrations):
        if version > len(migrations):
            raise _newer(path, version, len(migrations))
        pending = "\n".join(migrations[version:])
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{pending}\nPRAGMA user_version = {len(migrations)};\nCOMMIT;")
        except sqlite3.OperationalError:
            if conn.in_transaction:
                conn.rollback()
            if conn.execute("PRAGMA user_version").fetchone()[0] == version:  # nobody migrated meanwhile: a real error
                raise


def _chunks(items: Sequence[T], chars: Callable[[T], int] | None) -> Iterator[Sequence[T]]:
    start = 0
    while start < len(items):
        end, total = start, 0
        while end < len(items) and end - start < WRITE_CHUNK and total < WRITE_CHUNK_CHARS:
            total += chars(items[end]) if chars else 0
            end += 1
        yield items[start:end]
        start = end


def lock_path(database: Path) -> Path:
    """Every open Store holds a shared lock on this file; `upnext restore` needs it exclusively."""
    return database.with_name(database.name + ".lock")


class Store:
    """Thread-safe access to the database: each thread gets its own connection.

    While open it holds a shared `flock` on `lock_path(path)`, released by the kernel even if the process dies, so
    a restore can tell that a server, clock or import is using the store (and waits at open while one runs).
    """

    def __init__(self, path: Path | str, migrations: Sequence[str]):
        self.path = Path(path)
        self.migrations = tuple(migrations)  # every owner's tables (upnext.schema)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._in_use = open(lock_path(self.path), "a")  # noqa: SIM115 - held until close()
        fcntl.flock(self._in_use, fcntl.LOCK_SH)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            self._verify()
            migrate(self.db.conn, self.migrations, self.path)
        except StoreError:
            self.close()
            raise

    def _verify(self) -> None:
        """Refuse a file that is not an Upnext store before anything is written to it (WAL mode rewrites the
        header): read it on a connection of its own, without the pragmas."""
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            verify_schema(conn, self.path, self.migrations)
        finally:
            conn.close()

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            # Each thread uses only its own connection; check_same_thread=False just lets close() reach them all.
            conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not left in free pages
            db = sqlite_utils.Database(conn)
            self._local.db = db
            with self._lock:
                self._connections.append(conn)
        return db

    @property
    def sql(self) -> Sql:
        """Portable statements on this thread's connection (inside `transaction`, part of it)."""
        sql = getattr(self._local, "sql", None)
        if sql is None:
            sql = self._local.sql = Sql(self.db.conn)
        return sql

    dialect = Dialect()

    @property
    def keywords(self) -> KeywordIndex:
        """The courses' keyword index (search's)."""
        return KeywordIndex(lambda: self.sql)

    @contextmanager
    def transaction(self) -> Iterator[Sql]:
        """One write transaction that holds the write lock from its first statement: committed whole at the end,
        rolled back on an error. Every statement through `sql` on this thread meanwhile is part of it."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.sql
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def write_in_chunks(
        self,
        items: Sequence[T],
        write: Callable[[Sql, Sequence[T]], None],
        chars: Callable[[T], int] | None = None,
    ) -> None:
        """A bulk write as short transactions of WRITE_CHUNK items (fewer once `chars` of them add up to
        WRITE_CHUNK_CHARS), WRITE_PAUSE apart. Each commits whole, so an interruption leaves whole rows behind. Work
        that needs no lock (hashing, building rows) belongs before this call, not in `write`. The pause matters as
        much as the chunking: after a commit SQLite gives the lock to whoever asks first, and a writer that is already
        waiting only asks again after its busy handler's back-off (up to 100 ms), so without it a bulk write takes the
        lock straight back, chunk after chunk."""
        for number, chunk in enumerate(_chunks(items, chars)):
            if number:
                time.sleep(WRITE_PAUSE)
            with self.transaction() as sql:
                write(sql, chunk)

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def get_meta(self, key: str) -> str | None:
        return self.sql.value("SELECT value FROM meta WHERE key = :key", {"key": key})

    def set_meta(self, key: str, value: str) -> None:
        self.sql.execute(
            "INSERT INTO meta (key, value) VALUES (:key, :value) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"key": key, "value": value},
        )

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file; empty when it is sound."""
        found = [row[0] for row in self.db.execute("PRAGMA integrity_check")]
        return [] if found == ["ok"] else found

    def rows_about(self, table: str, learner_id: str) -> list[dict[str, Any]]:
        """Every row of `table` about this learner, whole but for the row and learner ids, so a column added later
        is included (the privacy export; each table's owner names its table)."""
        rows = self.sql.records(
            f"SELECT * FROM {table} WHERE learner_id = :learner ORDER BY id", {"learner": learner_id}
        )
        return [{k: v for k, v in row.items() if k not in ("id", "learner_id")} for row in rows]

    def exchange_rows(self, other: Path, table: str, key: tuple[str, Sequence[str]], direction: str) -> None:
        """Copy the rows of `table` from the SQLite file `other` ("in") or into it ("out"), keeping the rows already
        there; `key` is the unique index (name, columns) the other file keeps them by."""
        db = self.db
        db.execute(f"ATTACH DATABASE '{other}' AS shared")
        db.execute(f"CREATE TABLE IF NOT EXISTS shared.{table} AS SELECT * FROM main.{table} WHERE 0")
        db.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS shared.{key[0]} ON {table}({', '.join(key[1])})")
        source, target = ("shared", "main") if direction == "in" else ("main", "shared")
        db.execute(f"INSERT OR IGNORE INTO {target}.{table} SELECT * FROM {source}.{table}")
        db.conn.commit()
        db.execute("DETACH DATABASE shared")

    def scrub(self) -> bool:
        """Make deletions final in the files too: secure_delete zeroes freed content as it goes, and a truncating
        checkpoint moves every change into the database file and empties the write-ahead log, which would otherwise
        still hold the pages as they were before the delete. One try: False when a reader of an older snapshot (a
        backup, a report) still needs the log; the checkpoint waits at most SCRUB_WAIT_MS for it, holding other
        writers back meanwhile, so it never stalls the app for the whole busy timeout."""
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {SCRUB_WAIT_MS}")
        try:
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        return not busy

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
        self._in_use.close()
