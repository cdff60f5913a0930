"""The PostgreSQL engine: the shared store several processes on several machines use at once (DATABASE_URL).

Statements borrow a connection from a pool (psycopg_pool) for as long as they run, or for a whole transaction;
the pool checks a connection before lending it and replaces the broken ones, so a database that restarts is used
again as soon as it is back, with no restart of ours. While it is unreachable every statement raises
`StoreUnavailable` (callers answer "try again in a moment"). The schema is derived from the owners' migrations
(`learning.store.pg_schema`); the version is kept in `meta`, and the migration runs under an advisory lock, so two
processes starting at once migrate once. Keyword search is PostgreSQL's full-text search over a generated
`tsvector` column. Nothing here, or in any message it raises, holds the password of DATABASE_URL.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Dumper, Loader
from psycopg_pool import ConnectionPool, PoolTimeout

from learning.store.engine import (
    NAMED,
    Dialect,
    KeywordIndex,
    Lease,
    NotAStoreError,
    Params,
    Sql,
    Store,
    StoreUnavailable,
    TermCounts,
    Within,
    expand_lists,
    newer,
)
from learning.store.pg_schema import pg_schema, pg_steps

T = TypeVar("T")

POOL_SIZE = 10  # connections a process keeps at most (each web process serves Slack and the dashboard)
CONNECT_TIMEOUT = 5  # seconds to reach the server before a statement gives up on it
WAIT_TIMEOUT = 10.0  # seconds a statement waits for a pooled connection (or the server) before StoreUnavailable
OUTAGE_WAIT = 1.0  # ... or this long once the pool failed to reach the server
MIGRATION_LOCK = 0x55504E58  # the advisory lock two processes starting at once migrate under ("UPNX")
VERSION_KEY = "schema_version"

RARE_FIRST_SHARE = 0.1  # a keyword in more of the catalog is ranked after rarer ones (best of 0.03, 0.1 and 0.2)

# Keyword search: the courses' words with the weights of the four fields (A title ... D path title), kept by
# PostgreSQL itself as a generated column; the engine's own schema, made after the owners'.
KEYWORD_COLUMN = (
    "ALTER TABLE courses ADD COLUMN IF NOT EXISTS words tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(topics, '')), 'C') || "
    "setweight(to_tsvector('english', coalesce(path_title, '')), 'D')) STORED;\n"
    "CREATE INDEX IF NOT EXISTS courses_words ON courses USING gin (words)"
)


def masked(url: str) -> str:
    """The URL with its password replaced by ***: the only way DATABASE_URL is ever shown."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def is_database_url(where: object) -> bool:
    return isinstance(where, str) and where.split("://", 1)[0] in ("postgresql", "postgres")


class _NumericLoader(Loader):
    """sum() and avg() of integers are NUMERIC in PostgreSQL: read them as int when whole, else float, as SQLite
    gives them."""

    def load(self, data: Any) -> int | float:
        number = float(bytes(data).decode())
        return int(number) if number.is_integer() else number


class _BoolDumper(Dumper):
    """A Python bool is written as 0 or 1: flags are integer columns, as in SQLite."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", _NumericLoader)
    conn.adapters.register_dumper(bool, _BoolDumper)


def _placeholders(sql: str) -> str:
    """`:name` placeholders as psycopg's `%(name)s` (a literal % doubled)."""
    return NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class PostgresSql(Sql):
    """Portable statements: on the thread's transaction when one is open, else each on a pooled connection of its own
    (committed when it ends)."""

    def __init__(self, store: PostgresStore):
        self._store = store

    def _run(self, sql: str, params: Params | None, fetch: Callable[[psycopg.Cursor], T]) -> T:
        text, values = expand_lists(sql, params or {})
        with self._store.connection() as conn:
            return fetch(conn.execute(_placeholders(text), values))

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        return self._run(sql, params, lambda cursor: cursor.fetchall() if cursor.description else [])

    def records(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        def fetch(cursor: psycopg.Cursor) -> list[dict[str, Any]]:
            names = [column.name for column in cursor.description or ()]
            return [dict(zip(names, row)) for row in cursor.fetchall()] if names else []

        return self._run(sql, params, fetch)

    def execute(self, sql: str, params: Params | None = None) -> int:
        return self._run(sql, params, lambda cursor: max(cursor.rowcount, 0))

    def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        batch = list(rows)
        if not batch:
            return 0
        with self._store.connection() as conn, conn.cursor() as cursor:
            cursor.executemany(_placeholders(sql), batch)
            return max(cursor.rowcount, 0)


class PostgresDialect(Dialect):
    @staticmethod
    def plus_days(timestamp: str, days: int) -> str:
        return (f"to_char(({timestamp})::timestamptz AT TIME ZONE 'UTC' + interval '{int(days)} days', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"')")  # fmt: skip

    @staticmethod
    def week_start(timestamp: str) -> str:
        return f"to_char(date_trunc('week', ({timestamp})::timestamptz AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"

    @staticmethod
    def json_value(column: str, *path: str) -> str:
        return f"(({column})::jsonb #>> '{{{','.join(path)}}}')"

    @staticmethod
    def json_number(column: str, *path: str) -> str:
        return f"({PostgresDialect.json_value(column, *path)})::double precision"

    @staticmethod
    def json_items(column: str, alias: str) -> str:
        return f"jsonb_array_elements_text(({column})::jsonb) AS {alias}(value)"


class TextSearchIndex(KeywordIndex):
    """PostgreSQL's full-text search over `courses.words`, ranked like BM25: per term, `ts_rank_cd` with the fields'
    weights, saturated (normalization 32: rank / (rank + 1), as BM25 saturates a term's frequency), times the term's
    inverse document frequency (ts_rank alone has none: a word half the catalog holds counted as much as a rare one).
    Chosen on MeTA's queries and checked on Coursera's related courses against SQLite's FTS5 BM25 (BENCHMARKS.md)."""

    def _counting(self, name: str) -> str:
        return f"SELECT count(*) FROM courses WHERE words @@ plainto_tsquery('english', :{name})"

    def search(
        self, terms: Sequence[str], k: int, weights: Sequence[float], counts: TermCounts, within: Within = None
    ) -> list[tuple[int, float]]:
        """One statement ranking the courses that match any term. The document frequencies come from `counts` (the
        caller keeps them per catalog version): counted here, they cost testing every match once more per term.
        When some terms are common, the courses matching the rarer ones are ranked first; if their k best all score
        above what a course holding only the common terms can reach, those are the k best (the same, sooner),
        otherwise every match is ranked."""
        names = {f"t{i}": term for i, term in enumerate(terms)}
        if not names:
            return []
        top = max(weights) or 1.0  # ts_rank takes weights in [0, 1]: the same proportions, scaled to the largest
        title, description, topics, path = (float(w) / top for w in weights)
        condition, extra = within or ("TRUE", {})
        idf = _inverse_frequencies(names, counts)
        common = [n for n, t in names.items() if counts.containing.get(t, 0) > RARE_FIRST_SHARE * counts.courses]
        rare = [n for n in names if n not in common]

        def matches(chosen: Sequence[str], when: str = "TRUE") -> str:  # materialised: measured twice as fast
            return (f"MATERIALIZED (SELECT c.num, c.words FROM courses c, q WHERE c.words @@ "
                    f"({' || '.join(f'q.{n}' for n in chosen)}) AND ({condition}) AND {when})")  # fmt: skip

        def best(among: str) -> str:
            score = " + ".join(f"(:i{n})::float8 * ts_rank_cd('{{{path}, {topics}, {description}, {title}}}', "
                               f"{among}.words, q.{n}, 32)" for n in names)  # fmt: skip
            return f"SELECT {among}.num, {score} AS score FROM {among}, q ORDER BY score DESC, {among}.num LIMIT :k"

        each = ", ".join(f"plainto_tsquery('english', :{n}) AS {n}" for n in names)
        if common and rare:  # each term adds idf * rank / (rank + 1) < idf: holding only the common ones stays below
            bound = sum(idf[f"i{n}"] for n in common)
            statement = (f"WITH q AS (SELECT {each}), r AS {matches(rare)}, head AS MATERIALIZED ({best('r')}), "
                         "enough AS (SELECT count(*) = :k AND min(score) > :bound AS yes FROM head), "
                         f"m AS {matches(list(names), 'NOT (SELECT yes FROM enough)')} "
                         f"SELECT num, score FROM head WHERE (SELECT yes FROM enough) UNION ALL ({best('m')}) "
                         "ORDER BY score DESC, num")  # fmt: skip
            extra = {**extra, "bound": bound}
        else:
            statement = f"WITH q AS (SELECT {each}), m AS {matches(list(names))} {best('m')}"
        return [(num, float(score)) for num, score in self._sql().rows(statement, {**extra, **names, **idf, "k": k})]

    def repair(self) -> bool:
        return False  # a generated column cannot disagree with its row


def _inverse_frequencies(names: dict[str, str], counts: TermCounts) -> dict[str, float]:
    """BM25's idf of each term (`i<name>`), as FTS5 computes it: ln(1 + (N - n + 0.5) / (n + 0.5)). N is never below
    a term's count, so frequencies read before a catalog shrank still give a positive weight."""
    found = {name: counts.containing.get(term, 0) for name, term in names.items()}
    catalog = max(counts.courses, *found.values(), 1)
    return {f"i{name}": math.log(1 + (catalog - n + 0.5) / (n + 0.5)) for name, n in found.items()}


class AdvisoryLease(Lease):
    """A session advisory lock held on a connection of its own (outside the pool): PostgreSQL releases it when that
    connection ends, so a holder killed with SIGKILL frees the role as soon as the server notices the dead socket
    (keepalives both ways make that seconds, even when the holder's machine vanished without closing it)."""

    def __init__(self, url: str, key: int):
        self.url, self.key = url, key
        self._conn: psycopg.Connection | None = None

    def acquire(self) -> bool:
        if self.held():
            return True
        self.release()
        try:
            conn = psycopg.connect(self.url, autocommit=True, options=_SERVER_KEEPALIVES, **_CONNECT_OPTIONS)
            if conn.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone() == (True,):
                self._conn = conn
                return True
            conn.close()
        except psycopg.OperationalError:
            pass
        return False

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            self.release()
            return False

    def release(self) -> None:
        conn, self._conn = self._conn, None  # the clock's jobs and its main thread both ask `held`
        if conn is not None:
            conn.close()


# TCP keepalives: a connection to a server that vanished is noticed in seconds, not hours.
_CONNECT_OPTIONS: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT, "keepalives": 1, "keepalives_idle": 5,
                    "keepalives_interval": 2, "keepalives_count": 3}  # fmt: skip
# The same from the server's side of a lease's connection: a holder whose machine died frees the lease in seconds.
_SERVER_KEEPALIVES = "-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3"


def reach(url: str) -> psycopg.Connection:
    """A connection of its own (autocommit), or StoreUnavailable: one line naming DATABASE_URL, password masked."""
    try:
        return psycopg.connect(url, autocommit=True, **_CONNECT_OPTIONS)
    except psycopg.Error as error:
        text = " ".join(str(error).split())
        password = urlsplit(url).password
        shown = text.replace(password, "***") if password else text
        raise StoreUnavailable(f"DATABASE_URL {masked(url)} cannot be reached: {shown}") from None


class PostgresStore(Store):
    def __init__(self, url: str, migrations: Sequence[str], pool_size: int = POOL_SIZE):
        self.url = url
        self.where = masked(url)
        self.migrations = tuple(migrations)
        self._local = threading.local()
        self._unreachable = threading.Event()  # set when the pool fails to connect, cleared once one is lent again
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, kwargs=_CONNECT_OPTIONS,
                                    configure=_configure, check=ConnectionPool.check_connection, open=False,
                                    timeout=WAIT_TIMEOUT, reconnect_timeout=0, name="upnext",
                                    reconnect_failed=lambda _: self._unreachable.set())  # fmt: skip
        reach(url).close()  # one connection first: a server that cannot be reached is one line, not pool retries
        try:
            self._pool.open(wait=True, timeout=CONNECT_TIMEOUT + 1)
        except PoolTimeout:
            self._pool.close()
            raise StoreUnavailable(f"DATABASE_URL {self.where} cannot be reached in time") from None
        try:
            self._migrate()
        except BaseException:
            self._pool.close()
            raise

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """The thread's transaction's connection, or a pooled one for one statement (committed at the end)."""
        open_one = getattr(self._local, "conn", None)
        if open_one is not None:
            yield open_one
            return
        try:
            conn = self._borrow()
            try:
                with conn:  # commits, or rolls back on an error
                    yield conn
            finally:
                self._pool.putconn(conn)
        except (PoolTimeout, psycopg.OperationalError) as error:
            raise StoreUnavailable(f"the database at {self.where} is unavailable ({type(error).__name__})") from None

    def _borrow(self) -> psycopg.Connection:
        """A pooled connection, waiting up to WAIT_TIMEOUT while the others are busy but only OUTAGE_WAIT once the
        pool failed to reach the server (then people hear "try again" at once, not after every statement's wait)."""
        deadline = time.monotonic() + WAIT_TIMEOUT
        while True:
            try:
                conn = self._pool.getconn(timeout=max(0.01, min(OUTAGE_WAIT, deadline - time.monotonic())))
            except PoolTimeout:
                if self._unreachable.is_set() or time.monotonic() >= deadline:
                    raise
                continue
            self._unreachable.clear()
            return conn

    @property
    def sql(self) -> Sql:
        return PostgresSql(self)

    dialect = PostgresDialect()

    @property
    def keywords(self) -> KeywordIndex:
        return TextSearchIndex(lambda: self.sql)

    @contextmanager
    def transaction(self) -> Iterator[Sql]:
        if getattr(self._local, "conn", None) is not None:
            yield self.sql  # already in one on this thread: part of it
            return
        with self.connection() as conn:
            self._local.conn = conn
            try:
                with conn.transaction():
                    yield self.sql
            finally:
                self._local.conn = None

    def _migrate(self) -> None:
        with self.transaction() as sql:
            sql.value("SELECT pg_advisory_xact_lock(:key)", {"key": MIGRATION_LOCK})
            version = self._version(sql)
            if version > len(self.migrations):
                raise newer(self.where, version, len(self.migrations))
            if version and (missing := self._missing(sql, version)):
                shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
                raise NotAStoreError(f"{self.where} is not an Upnext store of version {version}: it has no {shown}")
            if version < len(self.migrations):
                for step in pg_steps(self.migrations, version, len(self.migrations)):
                    sql.execute(step.ddl)
                for statement in KEYWORD_COLUMN.split(";\n"):
                    sql.execute(statement)
                sql.execute(
                    "INSERT INTO meta (key, value) VALUES (:key, :value) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    {"key": VERSION_KEY, "value": str(len(self.migrations))},
                )

    def _version(self, sql: Sql) -> int:
        """The schema version recorded in the database: 0 for an empty one; NotAStoreError for one holding tables
        that are not Upnext's."""
        tables = {row[0] for row in sql.rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
        if not tables:
            return 0
        if "meta" not in tables or (found := sql.value("SELECT value FROM meta WHERE key = :k", {"k": VERSION_KEY})) \
                is None:  # fmt: skip
            raise NotAStoreError(f"{self.where} is not an Upnext store (it holds tables but no Upnext schema version)")
        return int(found)

    @property
    def schema_version(self) -> int:
        return int(self.get_meta(VERSION_KEY) or 0)

    def integrity_problems(self) -> list[str]:
        """The columns its schema version has that the database lacks (PostgreSQL checks its own pages)."""
        return [f"no column {name}" for name in self._missing(self.sql, self.schema_version)]

    def _missing(self, sql: Sql, version: int) -> list[str]:
        have = {f"{t}.{c}" for t, c in sql.rows("SELECT table_name, column_name FROM information_schema.columns "
                                                "WHERE table_schema = current_schema()")}  # fmt: skip
        return [o.name for o in pg_schema(self.migrations, version) if o.kind == "column" and o.name not in have]

    def scrub(self) -> bool:
        """VACUUM now rather than at autovacuum's leisure: it frees the space of deleted rows, so their contents leave
        the table files (measured: 12 ms for the learners' tables at test scale, 28 ms for the whole database). It
        skips a table another VACUUM holds, and waits for no lock; keys stay in index pages until those are reused,
        and the server's WAL, its archive and backups are the platform's to expire (README, "Forget me")."""
        try:
            with self.connection() as conn:
                conn.autocommit = True  # VACUUM runs outside a transaction
                try:
                    conn.execute("VACUUM (SKIP_LOCKED)")
                finally:
                    conn.autocommit = False
        except (psycopg.Error, StoreUnavailable):
            return False  # tried again later (ForgetMe)
        return True

    def lease(self, name: str) -> Lease:
        return AdvisoryLease(self.url, int.from_bytes(name.encode()[:8].ljust(8, b"\0"), "big") & 0x7FFFFFFFFFFFFFFF)

    def columns(self, table: str) -> list[str]:
        return [row[0] for row in self.sql.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = :table ORDER BY ordinal_position", {"table": table})]  # fmt: skip

    def close(self) -> None:
        self._pool.close()
