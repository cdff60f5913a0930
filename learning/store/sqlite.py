"""The SQLite engine: one file under UPNEXT_HOME, WAL mode, one connection per thread, versioned schema.

The embedded default (`learning.store.engine` is the seam). The migrations run as written, and `PRAGMA
user_version` records how many have run, so an older database is brought forward on start.
"""

from __future__ import annotations

import fcntl
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import sqlite_utils

from learning.store.engine import (
    Dialect,
    KeywordIndex,
    Lease,
    NotAStoreError,
    Params,
    Sql,
    Store,
    StoreError,
    StoreUnavailable,
    TableSteps,
    TermCounts,
    Within,
    expand_lists,
    newer,
)

T = TypeVar("T")

BUSY_TIMEOUT = 30.0  # seconds a statement waits for another connection's write lock (UPNEXT_SQLITE_BUSY_TIMEOUT)
SCRUB_WAIT_MS = 250  # how long one truncating checkpoint may hold other writers back while it waits for readers


# The keyword index over the courses (FTS5, kept by triggers on the courses table, so it comes after the courses in
# a migration).

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


def busy(error: sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for a lock another connection holds."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def available(where: Path) -> Iterator[None]:
    """SQLite's "database is locked" (another connection kept the write lock past the busy timeout) as what it is
    to a caller: the store is unavailable just now, exactly like a PostgreSQL server restarting."""
    try:
        yield
    except sqlite3.OperationalError as error:
        if not busy(error):
            raise
        raise StoreUnavailable(f"the store at {where} is unavailable: busy, another process held its write lock "
                               f"past UPNEXT_SQLITE_BUSY_TIMEOUT ({error})") from None  # fmt: skip


class SqliteSql(Sql):
    """Portable statements on one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection, where: Path):
        self._conn = conn
        self._where = where

    def _run(self, sql: str, params: Params | None) -> sqlite3.Cursor:
        text, values = expand_lists(sql, params or {})
        return self._conn.execute(text, values)

    def _committed(self, run: Callable[[], T]) -> T:
        """Run a statement, committing the transaction it opened (none was open before); rolled back on error."""
        was_open = self._conn.in_transaction
        try:
            with available(self._where):
                result = run()
                if not was_open and self._conn.in_transaction:
                    self._conn.commit()
        except BaseException:
            if not was_open and self._conn.in_transaction:
                self._conn.rollback()
            raise
        return result

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        return self._committed(lambda: self._run(sql, params).fetchall())

    def records(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        def fetch() -> list[dict[str, Any]]:
            cursor = self._run(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

        return self._committed(fetch)

    def execute(self, sql: str, params: Params | None = None) -> int:
        return self._committed(lambda: self._run(sql, params).rowcount)

    def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        return self._committed(lambda: self._conn.executemany(sql, rows).rowcount)


class SqliteDialect(Dialect):
    @staticmethod
    def plus_days(timestamp: str, days: int) -> str:
        return f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {timestamp}, '+{int(days)} days')"

    @staticmethod
    def week_start(timestamp: str) -> str:
        return f"date({timestamp}, '-6 days', 'weekday 1')"

    @staticmethod
    def json_value(column: str, *path: str) -> str:
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    json_number = json_value  # json_extract gives a JSON number as an SQL number

    @staticmethod
    def json_items(column: str, alias: str) -> str:
        return f"json_each({column}) AS {alias}"


class Fts5Index(KeywordIndex):
    """BM25 over SQLite's FTS5 table `courses_fts`, kept in step with `courses` by the triggers in the schema."""

    def _counting(self, name: str) -> str:
        return f"SELECT count(*) FROM courses_fts WHERE courses_fts MATCH :{name}"

    def _term(self, term: str) -> str:
        return f'"{term}"'  # a phrase: FTS5 reads no operator in it

    def search(
        self, terms: Sequence[str], k: int, weights: Sequence[float], counts: TermCounts, within: Within = None
    ) -> list[tuple[int, float]]:
        """FTS5's own BM25: it keeps its document frequencies, so `counts` is not read."""
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
        try:
            self._sql().execute("INSERT INTO courses_fts(courses_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError:
            self._sql().execute("INSERT INTO courses_fts(courses_fts) VALUES ('rebuild')")
            return True
        return False


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
            raise newer(str(path), version, len(migrations))
        if version == 0:
            if any(name for _, name in rows):
                raise NotAStoreError(f"{path} is not an Upnext store (it holds tables but no Upnext schema version)")
            return 0
        expected = expected_schema(tuple(migrations), version)
        found = _schema(conn, expected)
    except sqlite3.DatabaseError as error:
        if busy(error):
            raise
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
            raise newer(str(path), version, len(migrations))
        pending = "\n".join(migrations[version:])
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{pending}\nPRAGMA user_version = {len(migrations)};\nCOMMIT;")
        except sqlite3.OperationalError:
            if conn.in_transaction:
                conn.rollback()
            if conn.execute("PRAGMA user_version").fetchone()[0] == version:  # nobody migrated meanwhile: a real error
                raise


def lock_path(database: Path) -> Path:
    """Every open Store holds a shared lock on this file; `upnext restore` needs it exclusively."""
    return database.with_name(database.name + ".lock")


class SqliteStore(Store):
    """Thread-safe access to the database file: each thread gets its own connection.

    While open it holds a shared `flock` on `lock_path(path)`, released by the kernel even if the process dies, so
    a restore can tell that a server, clock or import is using the store (and waits at open while one runs).
    """

    def __init__(self, path: Path | str, migrations: Sequence[str], busy_timeout: float = BUSY_TIMEOUT):
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.where = str(self.path)
        self.migrations = tuple(migrations)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._in_use = open(lock_path(self.path), "a")  # noqa: SIM115 - held until close()
        fcntl.flock(self._in_use, fcntl.LOCK_SH)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        try:
            with available(self.path):  # a write lock held elsewhere past the busy timeout: try again, not "foreign"
                self._verify()
                migrate(self.db.conn, self.migrations, self.path)
        except StoreError:
            self.close()
            raise

    def _verify(self) -> None:
        """Refuse a file that is not an Upnext store before anything is written to it (WAL mode rewrites the
        header): read it on a connection of its own, without the pragmas."""
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout)
        try:
            verify_schema(conn, self.path, self.migrations)
        finally:
            conn.close()

    @property
    def db(self) -> sqlite_utils.Database:
        db = getattr(self._local, "db", None)
        if db is None:
            # Each thread uses only its own connection; check_same_thread=False just lets close() reach them all.
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, check_same_thread=False)
            try:
                with available(self.path):  # turning WAL on waits for a writer of a file not in WAL mode yet
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = NORMAL")
                    conn.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not left in free pages
            except StoreUnavailable:
                conn.close()
                raise
            db = sqlite_utils.Database(conn)
            self._local.db = db
            with self._lock:
                self._connections.append(conn)
        return db

    @property
    def sql(self) -> Sql:
        sql = getattr(self._local, "sql", None)
        if sql is None:
            sql = self._local.sql = SqliteSql(self.db.conn, self.path)
        return sql

    dialect = SqliteDialect()

    @property
    def keywords(self) -> KeywordIndex:
        return Fts5Index(lambda: self.sql)

    @contextmanager
    def transaction(self) -> Iterator[Sql]:
        """Holds the write lock from its first statement (BEGIN IMMEDIATE); inside another on this thread, part of it
        (as on PostgreSQL)."""
        conn = self.db.conn
        if conn.in_transaction:  # statements outside a transaction commit at once: this is one of ours
            yield self.sql
            return
        with available(self.path):
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.sql
            with available(self.path):
                conn.commit()
        except BaseException:
            conn.rollback()
            raise

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file."""
        found = [row[0] for row in self.db.execute("PRAGMA integrity_check")]
        return [] if found == ["ok"] else found

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
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        return not busy

    def columns(self, table: str) -> list[str]:
        return [row[0] for row in self.sql.rows("SELECT name FROM pragma_table_info(:table) ORDER BY cid",
                                                {"table": table})]  # fmt: skip

    def lease(self, name: str) -> Lease:
        return FileLease(self.path.with_name(f"{self.path.name}.{name}.lock"))

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
        self._in_use.close()


class FileLease(Lease):
    """An exclusive `flock` on a file beside the store: the kernel releases it when the holder dies."""

    def __init__(self, path: Path):
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._file is None:
            file = open(self.path, "a")  # noqa: SIM115 - held while the role is
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                file.close()
                return False
            self._file = file
        return True

    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
