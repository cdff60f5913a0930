"""Report snapshots: each window's figures computed once and kept in the store for every process that reads them.

A materialised report, as BI tools keep: every web replica, the digest and `upnext report` find it. The report
counts only weeks that have ended (`Window.finished`), so a window's figures change only by late writes into those
weeks, erasures, profile changes and catalog changes. A snapshot is served while it is younger than twice
the refresh period (UPNEXT_REPORT_REFRESH_MINUTES); the clock recomputes the default windows' every period and at its
first check after a week ends (`SnapshotRefresh`). Forget me drops every snapshot in the erasure's own transaction
(one may count the person), and so does a catalog import (catalog health counts courses).

The whole store's reports are kept in `report_snapshots`; an org's or a workspace's (insights.queries.Scope) in
`scope_snapshots`, by the scope's key besides. Those are computed when someone first asks for them (the dashboard,
the digest), not kept current by the clock: see `SnapshotRefresh`.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any, get_args, get_origin, get_type_hints

from insights.queries import EVERYONE, Scope
from insights.report import Report, ReportBuilder, Window
from learning.store.engine import Store, TableSteps
from learning.timestamps import iso

log = logging.getLogger(__name__)

TABLES: TableSteps = {
    9: """
        CREATE TABLE report_snapshots (
            first_day TEXT NOT NULL,        -- the counted window: snapped to weeks, cut to the weeks that ended
            last_day TEXT NOT NULL,
            min_group INTEGER NOT NULL,
            format INTEGER NOT NULL,        -- REPORT_FORMAT when it was stored
            computed_at TEXT NOT NULL,
            report TEXT NOT NULL,           -- the Report as JSON (`encode`)
            PRIMARY KEY (first_day, last_day, min_group, format)
        );
""",
    12: """
        -- an org's or a workspace's reports (insights.queries.Scope), as report_snapshots keeps the whole store's
        CREATE TABLE scope_snapshots (
            scope TEXT NOT NULL,            -- Scope.key: org:E... or workspace:T...
            first_day TEXT NOT NULL,
            last_day TEXT NOT NULL,
            min_group INTEGER NOT NULL,
            format INTEGER NOT NULL,
            computed_at TEXT NOT NULL,
            report TEXT NOT NULL,
            PRIMARY KEY (scope, first_day, last_day, min_group, format)
        );
""",
}
TABLES_KEPT = ("report_snapshots", "scope_snapshots")

# bump whenever the Report's shape, or what its figures count, changes: snapshots of another format are never read
# (2: minimum groups held per silo, insights.queries; a snapshot counted the old way beside a new one could single
# people out by subtraction; 3: courses shared; 4: people who shared, shares turned off, managers' recommendations,
# managers with a team, learners celebrating)
REPORT_FORMAT = 4
GENERATION = "report_snapshots.generation"  # meta key: a new value whenever the snapshots are dropped
_KEY = "first_day = :first_day AND last_day = :last_day AND min_group = :min_group AND format = :format"


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _typed(value: Any, kind: Any) -> Any:
    """`value` read back from JSON as `kind` (a dataclass, date, list, tuple, dict or plain value)."""
    origin, args = get_origin(kind), get_args(kind)
    if isinstance(kind, type) and is_dataclass(kind):
        hints = get_type_hints(kind)
        return kind(**{f.name: _typed(value[f.name], hints[f.name]) for f in fields(kind)})
    if kind is date:
        return date.fromisoformat(value)
    if origin is list:
        return [_typed(item, args[0]) for item in value]
    if origin is tuple:
        kinds = [args[0]] * len(value) if args[-1] is Ellipsis else args
        return tuple(_typed(item, k) for item, k in zip(value, kinds, strict=True))
    if origin is dict:
        return {key: _typed(item, args[1]) for key, item in value.items()}
    return value


def encode(report: Report) -> str:
    return json.dumps(_plain(report), ensure_ascii=False, separators=(",", ":"))


def decode(text: str) -> Report:
    return _typed(json.loads(text), Report)


class ReportSnapshots:
    """The store's report snapshots of one scope, by counted window and minimum group (insights.report.Snapshots)."""

    def __init__(self, store: Store, scope: Scope = EVERYONE):
        self.store = store
        self.scope = scope
        self.table, self.where = ("scope_snapshots", f"scope = :scope_key AND {_KEY}") if scope.kind else (
            "report_snapshots", _KEY)  # fmt: skip

    def _key(self, counted: Window, min_group: int) -> dict[str, Any]:
        return {"first_day": counted.since.isoformat(), "last_day": counted.until.isoformat(),
                "min_group": min_group, "format": REPORT_FORMAT,
                **({"scope_key": self.scope.key} if self.scope.kind else {})}  # fmt: skip

    def computed_at(self, counted: Window, min_group: int) -> datetime | None:
        found = self.store.sql.value(f"SELECT computed_at FROM {self.table} WHERE {self.where}",
                                     self._key(counted, min_group))  # fmt: skip
        return datetime.fromisoformat(found) if found else None

    def get(self, counted: Window, min_group: int, computed_after: datetime) -> Report | None:
        rows = self.store.sql.rows(f"SELECT report FROM {self.table} WHERE {self.where} AND computed_at > :after",
                                   {**self._key(counted, min_group), "after": iso(computed_after)})  # fmt: skip
        return decode(rows[0][0]) if rows else None

    def generation(self) -> str:
        """Read before computing a report, handed to `put`: it changes whenever the snapshots are dropped."""
        sql = self.store.sql
        sql.execute("INSERT INTO meta (key, value) VALUES (:key, '') ON CONFLICT (key) DO NOTHING", {"key": GENERATION})
        return sql.value("SELECT value FROM meta WHERE key = :key", {"key": GENERATION})

    def put(self, counted: Window, min_group: int, report: Report, generation: str) -> bool:
        """Keep `report`, unless the snapshots were dropped since `generation` was read (the report may count someone
        forgotten meanwhile): False then. The generation's row is locked first, so a forget me under way finishes
        before (and this one is not kept) or starts after (and deletes it)."""
        with self.store.transaction() as sql:
            if not sql.execute("UPDATE meta SET value = value WHERE key = :key AND value = :generation",
                               {"key": GENERATION, "generation": generation}):  # fmt: skip
                return False
            scope = ("scope, ", ":scope_key, ") if self.scope.kind else ("", "")
            sql.execute(
                f"INSERT INTO {self.table} ({scope[0]}first_day, last_day, min_group, format, computed_at, report) "
                f"VALUES ({scope[1]}:first_day, :last_day, :min_group, :format, :computed_at, :report) "
                f"ON CONFLICT ({scope[0]}first_day, last_day, min_group, format) DO UPDATE SET "
                "computed_at = excluded.computed_at, report = excluded.report",
                {**self._key(counted, min_group), "computed_at": report.generated_at, "report": encode(report)},
            )
        return True

    def drop(self) -> int:
        """Delete every snapshot of every scope (what they count changed), and any report being computed is not kept;
        how many went."""
        self.store.set_meta(GENERATION, uuid.uuid4().hex)
        return sum(self.store.sql.execute(f"DELETE FROM {table}") for table in TABLES_KEPT)

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Forget me: any snapshot may count the person, so every one goes (in the erasure's transaction)."""
        return self.drop()

    def prune(self, before: datetime) -> int:
        """Delete the snapshots of every scope computed before `before` (never served again)."""
        return sum(self.store.sql.execute(f"DELETE FROM {table} WHERE computed_at < :before", {"before": iso(before)})
                   for table in TABLES_KEPT)  # fmt: skip


class SnapshotRefresh:
    """The clock's job: the snapshots of `windows(today)` (the dashboard's default window, the digest's) computed
    again once they are a refresh period old or missing (a week just ended: a new counted window), and snapshots
    that can no longer be served deleted."""

    def __init__(self, builder: ReportBuilder, windows: Callable[[date], list[Window]]):
        self.builder = builder
        self.windows = windows

    def run(self) -> int:
        """Refresh what is due; how many windows were computed."""
        builder, snapshots = self.builder, self.builder.snapshots
        assert snapshots is not None, "the report builder keeps no snapshots"
        now = builder.clock()
        computed = 0
        for window in self.windows(now.date()):
            at = snapshots.computed_at(builder.counted(window), builder.min_group)
            if at is None or now - at >= builder.refresh:
                builder.build(window, fresh=True)
                computed += 1
        snapshots.prune(now - 2 * builder.refresh)
        if computed:
            log.info("refreshed %d report snapshot(s)", computed)
        return computed
