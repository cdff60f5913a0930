"""The store's seam: what every repository may ask of a database engine, whichever one serves it.

Repositories write portable SQL through `Store.sql` (named `:placeholders`, `ON CONFLICT`, `RETURNING`,
`count(*) FILTER (WHERE ...)`) inside `Store.transaction`, ask `Store.dialect` for what SQL cannot say portably, and
search words through `Store.keywords`. Two engines implement it: SQLite, one file under UPNEXT_HOME
(`learning.store.sqlite`), and PostgreSQL, a server several processes share (`learning.store.postgres`). Each table's
owner declares its schema (`TableSteps`, in SQLite's DDL); the composition root joins them into the append-only
migrations a store is opened with.
"""

from __future__ import annotations

import re
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# Bulk writes (imports) hold the write lock in short transactions: WRITE_CHUNK rows, or fewer once their text
# reaches WRITE_CHUNK_CHARS (indexing text for keyword search is where a write's time goes). Measured in
# BENCHMARKS.md (issue 18): about 100 ms of lock a chunk, under 500 ms up to 100k courses on a loaded machine.
WRITE_CHUNK = 2_000
WRITE_CHUNK_CHARS = 500_000
WRITE_PAUSE = 0.1  # seconds between them: longer than a waiting writer's longest back-off (SQLite's is 100 ms)

TableSteps = Mapping[int, str]  # schema version -> what it brought to one owner's tables (DDL, data moves)

# The engine-neutral key-value table (what each engine records about itself goes here too).
META: TableSteps = {
    1: """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
""",
}


def migrations(*owners: TableSteps) -> tuple[str, ...]:
    """The append-only migrations from every owner's steps: migration N joins each owner's step N, in the order the
    owners are given (a table before what refers to it)."""
    last = max(version for owner in owners for version in owner)
    return tuple("\n".join(owner[v] for owner in owners if v in owner) for v in range(1, last + 1))


Params = Mapping[str, Any]
NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")  # a `:name` placeholder (not a `::type` cast)


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

    return NAMED.sub(spread, sql), flat


class Sql(ABC):
    """Portable statements: `:name` placeholders with a mapping of values (a list value expands for `IN (:name)`).
    A write outside `Store.transaction` commits on its own."""

    @abstractmethod
    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        """Every row the statement returns (a write with RETURNING included)."""

    @abstractmethod
    def records(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        """Every row as a dict by column name."""

    @abstractmethod
    def execute(self, sql: str, params: Params | None = None) -> int:
        """Run a write; how many rows it changed (an insert skipped by `ON CONFLICT DO NOTHING` counts 0)."""

    @abstractmethod
    def execute_many(self, sql: str, rows: Iterable[Params]) -> int:
        """Run a write once per mapping of values (no list values here), all or none; how many rows it changed."""

    def row(self, sql: str, params: Params | None = None) -> tuple[Any, ...] | None:
        """The first row, or None."""
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row (a count, a max, the id of `INSERT ... RETURNING id`), or None."""
        found = self.row(sql, params)
        return found[0] if found else None


class Dialect(ABC):
    """SQL fragments for what the two engines spell differently; timestamps are ISO 8601 text (`clock.iso`)."""

    @abstractmethod
    def plus_days(self, timestamp: str, days: int) -> str:
        """The ISO 8601 timestamp `days` days after the expression `timestamp` (UTC, to the second)."""

    @abstractmethod
    def week_start(self, timestamp: str) -> str:
        """The date (YYYY-MM-DD) of the Monday that starts the week of the expression `timestamp`."""

    @abstractmethod
    def json_value(self, column: str, *path: str) -> str:
        """The value (as text) at `path` (keys, outermost first) in the JSON text of `column`; NULL when absent."""

    @abstractmethod
    def json_number(self, column: str, *path: str) -> str:
        """The number at `path` in the JSON text of `column`, to compare or add as a number; NULL when absent."""

    @abstractmethod
    def json_items(self, column: str, alias: str) -> str:
        """A table of the items of the JSON list in `column`, each as `{alias}.value`, to join in FROM."""


Within = tuple[str, Params] | None  # a condition on the courses (`c`) with its values, or none


@dataclass(frozen=True)
class TermCounts:
    """How many courses the catalog holds and how many of them contain each term, as the caller last read them: the
    inverse document frequencies of a ranking."""

    courses: int
    containing: Mapping[str, int]


class KeywordIndex(ABC):
    """Words of the courses (title, description, topics, path title), ranked by relevance. Its only reader is
    search; `sql` gives the statements of the calling thread."""

    def __init__(self, sql: Callable[[], Sql]):
        self._sql = sql

    def documents_with(self, terms: Sequence[str]) -> list[int]:
        """How many courses contain each word (or a word with its stem), in one statement."""
        if not terms:
            return []
        counts = ", ".join(f"({self._counting(f't{i}')})" for i in range(len(terms)))
        values = {f"t{i}": self._term(term) for i, term in enumerate(terms)}
        return [int(n) for n in self._sql().rows(f"SELECT {counts}", values)[0]]

    @abstractmethod
    def _counting(self, name: str) -> str:
        """A query counting the courses that contain the term in placeholder `:name`."""

    def _term(self, term: str) -> str:
        """A term as the engine's query syntax takes it."""
        return term

    @abstractmethod
    def search(
        self, terms: Sequence[str], k: int, weights: Sequence[float], counts: TermCounts, within: Within = None
    ) -> list[tuple[int, float]]:
        """The k courses matching any of the terms, best first as (num, score), higher better; `weights` weigh
        title, description, topics and path title; `counts` gives each term's document frequency (an index keeping
        its own, as FTS5 does, need not read it); `within` is a condition on the courses (`c`) with its values."""

    @abstractmethod
    def repair(self) -> bool:
        """Check the index against the courses and rebuild it if they disagree; True when it was rebuilt."""


class StoreError(RuntimeError):
    """The database cannot be used as this Upnext's store; the message is one line."""


class NewerStoreError(StoreError):
    """The database was written by a newer Upnext than this one."""


class NotAStoreError(StoreError):
    """The database is not an Upnext store: not one, or without the tables and indexes its schema version has."""


class StoreUnavailable(StoreError):
    """The database cannot be reached just now (a server restarting, a network cut): try again in a moment."""


def newer(where: str, version: int, known: int) -> NewerStoreError:
    return NewerStoreError(
        f"{where} has schema version {version}, newer than this Upnext's {known}: "
        "run the Upnext release that wrote it, or restore a backup made by this one"
    )


def chunks(items: Sequence[T], chars: Callable[[T], int] | None) -> Iterator[Sequence[T]]:
    """`items` in runs of at most WRITE_CHUNK, ending early once `chars` of a run reach WRITE_CHUNK_CHARS."""
    start = 0
    while start < len(items):
        end, total = start, 0
        while end < len(items) and end - start < WRITE_CHUNK and total < WRITE_CHUNK_CHARS:
            total += chars(items[end]) if chars else 0
            end += 1
        yield items[start:end]
        start = end


class Lease(ABC):
    """A named role only one process may hold at a time across every process on the store (the clock's): held
    until released or until the holder dies, when the next one to ask gets it."""

    @abstractmethod
    def acquire(self) -> bool:
        """Take the role if nobody holds it; True when this process holds it (now or already)."""

    @abstractmethod
    def held(self) -> bool:
        """Whether this process still holds it (a lost database connection loses it)."""

    @abstractmethod
    def release(self) -> None:
        """Give the role up (nothing when not held)."""


class Store(ABC):
    """A database holding Upnext's tables, safe to use from many threads."""

    migrations: tuple[str, ...]  # every owner's tables (upnext.schema)
    dialect: Dialect
    where: str  # how messages name it: a file's path, or a database URL without its password

    @property
    @abstractmethod
    def sql(self) -> Sql:
        """Portable statements (inside `transaction`, on this thread, part of it)."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Sql]:
        """One write transaction: committed whole at the end, rolled back on an error. Every statement through
        `sql` on this thread meanwhile is part of it."""

    @property
    @abstractmethod
    def keywords(self) -> KeywordIndex:
        """The courses' keyword index (search's)."""

    @property
    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def integrity_problems(self) -> list[str]:
        """What the engine's own checks find wrong with the database; empty when it is sound."""

    @abstractmethod
    def scrub(self) -> bool:
        """Make deletions final on disk too, where the engine keeps old copies of rows; False when it could not
        yet (try again later)."""

    @abstractmethod
    def lease(self, name: str) -> Lease:
        """The role `name` (see `Lease`)."""

    @abstractmethod
    def close(self) -> None: ...

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
        for number, chunk in enumerate(chunks(items, chars)):
            if number:
                time.sleep(WRITE_PAUSE)
            with self.transaction() as sql:
                write(sql, chunk)

    def get_meta(self, key: str) -> str | None:
        return self.sql.value("SELECT value FROM meta WHERE key = :key", {"key": key})

    def set_meta(self, key: str, value: str) -> None:
        self.sql.execute(
            "INSERT INTO meta (key, value) VALUES (:key, :value) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"key": key, "value": value},
        )

    def swap_meta(self, key: str, old: str | None, new: str | None) -> bool:
        """Set `key` to `new` only if it holds `old` now (None: absent, or to remove it), in one statement, so two
        processes racing for it cannot both win; True when this one did."""
        if old is None:
            sql = "INSERT INTO meta (key, value) VALUES (:key, :new) ON CONFLICT (key) DO NOTHING"
        elif new is None:
            sql = "DELETE FROM meta WHERE key = :key AND value = :old"
        else:
            sql = "UPDATE meta SET value = :new WHERE key = :key AND value = :old"
        return self.sql.execute(sql, {"key": key, "old": old, "new": new}) == 1

    def rows_about(self, table: str, learner_id: str) -> list[dict[str, Any]]:
        """Every row of `table` about this learner, whole but for the row and learner ids, so a column added later
        is included (the privacy export; each table's owner names its table)."""
        rows = self.sql.records(
            f"SELECT * FROM {table} WHERE learner_id = :learner ORDER BY id", {"learner": learner_id}
        )
        return [{k: v for k, v in row.items() if k not in ("id", "learner_id")} for row in rows]

    @abstractmethod
    def columns(self, table: str) -> list[str]:
        """The columns of `table`, in order."""

    def exchange_rows(self, other: Path, table: str, key: tuple[str, Sequence[str]], direction: str) -> None:
        """Copy the rows of `table` from the SQLite file `other` ("in") or into it ("out"), keeping the rows already
        there; `key` is the unique index (name, columns) the other file keeps them by (the bundled vectors)."""
        columns = self.columns(table)
        listed = ", ".join(columns)
        with sqlite3.connect(other) as file:
            file.execute(f"CREATE TABLE IF NOT EXISTS {table} ({listed})")
            file.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {key[0]} ON {table}({', '.join(key[1])})")
            if direction == "in":
                rows = [dict(zip(columns, row)) for row in file.execute(f"SELECT {listed} FROM {table}")]
                insert = f"INSERT INTO {table} ({listed}) VALUES ({', '.join(f':{c}' for c in columns)})"
                self.sql.execute_many(f"{insert} ON CONFLICT DO NOTHING", rows)
            else:
                insert = f"INSERT INTO {table} ({listed}) VALUES ({', '.join('?' * len(columns))})"
                file.executemany(f"{insert} ON CONFLICT DO NOTHING", self.sql.rows(f"SELECT {listed} FROM {table}"))
        file.close()
