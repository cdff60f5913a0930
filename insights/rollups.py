"""Roll-ups the report reads instead of every answer, impression and event.

Each roll-up keeps one row per person (the report's weekly cells need the person behind every count to hold each cell
to the minimum group, insights.cells) and per day or course, so a report over twelve weeks reads their rows and not
the millions they sum:

- `usage_days`: the days each person used Upnext (asked on a surface, or clicked), from answers or from events;
- `pick_days`: per day, person, surface and reason, the picks shown, started and done (done: Done clicked on the
  card, or the course completed after a click on it, however much later);
- `first_takes`: each person's first take of each course (enrolled, started or completed), and whether they finished.

`Rollups.update` brings them up to date with what was written since its last run (found by row id, so rows written
late with an earlier timestamp are not missed): the clock runs it every few minutes and each report runs it first, so
a report is never behind the store. A later event that changes an earlier day (a click on an old answer, a
completion after a click) has that day recomputed. The roll-ups hold nothing the answers log no longer holds (its
retention prunes it) and forget me erases a person's rows (`erase`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from learning.people.history import COMPLETED, ENGAGED
from learning.people.learners import PENDING_PREFIX
from learning.store.engine import Sql, Store, TableSteps

TABLES: TableSteps = {
    8: """
        CREATE TABLE usage_days (
            learner_id TEXT NOT NULL,
            day TEXT NOT NULL,
            via TEXT NOT NULL,              -- answers | events: answers are pruned after their retention period
            PRIMARY KEY (learner_id, day, via)
        );
        CREATE INDEX usage_days_day ON usage_days(day);
        CREATE TABLE pick_days (
            day TEXT NOT NULL,
            learner_id TEXT NOT NULL,
            surface TEXT NOT NULL,          -- '' when the answer has none
            reason TEXT NOT NULL,           -- the impression's reason kind, '' when none
            shown INTEGER NOT NULL,
            started INTEGER NOT NULL,
            done INTEGER NOT NULL,
            PRIMARY KEY (day, learner_id, surface, reason)
        );
        CREATE INDEX pick_days_learner ON pick_days(learner_id);
        CREATE TABLE first_takes (
            learner_id TEXT NOT NULL,
            course_id TEXT NOT NULL,
            first_at TEXT NOT NULL,
            done INTEGER NOT NULL,
            some_event INTEGER NOT NULL,    -- one of the pair's events: whose it is now, if its learner id moved
            PRIMARY KEY (learner_id, course_id)
        );
        CREATE INDEX first_takes_first_at ON first_takes(first_at);
""",
}

ASKED_ON = ("dm", "mention", "assistant", "slash", "home")  # surfaces where an answer means someone asked
PICK_KINDS = "(a.kind IN ('next', 'search') OR a.kind LIKE 'home:%' OR a.kind LIKE 'nudge:%')"
OVERLAP = 1_000  # ids read again at each update: a concurrent writer (PostgreSQL) may commit a lower id late
# New rows rolled up per transaction, so a first catch-up (1.1M events, 125k answers at 100k learners) holds SQLite's
# write lock about a second at a time: an answer carries its picks and their clicks, so fewer answers than events.
EVENTS_CHUNK, ANSWERS_CHUNK, DAYS_CHUNK = 50_000, 20_000, 7
GAP_SECONDS = 0.1  # between two transactions of one update: a writer waiting on SQLite's lock polls every 100 ms
_MARKS = {"events": "rollups.events", "answers": "rollups.answers"}


def sql_text(value: str) -> str:
    """A constant as an SQL string literal (for names written in code, never for input)."""
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    return "(" + ", ".join(sql_text(v) for v in values) + ")"


_DONE = f"max(CASE WHEN kind = '{COMPLETED}' THEN 1 ELSE 0 END)"
# Per answer, day, surface, reason and learner: picks shown, started (Start or Done clicked on the card), done (Done
# clicked, or the learner completed the course after a click on it). An answer's clicks are its learner's.
_PICKS = (
    f"SELECT substr(a.created_at, 1, 10), a.learner_id, coalesce(a.surface, ''), coalesce(i.reason, ''), count(*), "
    f"count(c.answer_id), sum(CASE WHEN c.answer_id IS NULL THEN 0 WHEN c.done = 1 THEN 1 WHEN EXISTS (SELECT 1 "
    f"FROM events d WHERE d.learner_id = c.learner_id AND d.at >= c.first_at AND d.course_id = c.course_id "
    f"AND d.kind || '' = '{COMPLETED}') THEN 1 ELSE 0 END) "
    f"FROM answers a JOIN impressions i ON i.answer_id = a.id "
    f"LEFT JOIN (SELECT answer_id, course_id, min(learner_id) AS learner_id, {_DONE} AS done, min(at) AS first_at "
    f"FROM events WHERE answer_id IN (SELECT id FROM answers WHERE created_at >= :start AND created_at < :end) "
    f"AND kind || '' IN {sql_list(ENGAGED)} GROUP BY answer_id, course_id) c "
    f"ON c.answer_id = i.answer_id AND c.course_id = i.course_id "
    f"WHERE a.created_at >= :start AND a.created_at < :end AND {PICK_KINDS} GROUP BY 1, 2, 3, 4"
)


_TAKES = f"SELECT learner_id, course_id, min(at), {_DONE}, min(id) FROM events"
# an id of a learner known only by email, as a range (an index serves it on both engines; LIKE it is not on SQLite)
_AFTER_PENDING = PENDING_PREFIX[:-1] + chr(ord(PENDING_PREFIX[-1]) + 1)
_PENDING = f"{{0}} >= {sql_text(PENDING_PREFIX)} AND {{0}} < {sql_text(_AFTER_PENDING)}"


class Rollups:
    def __init__(self, store: Store):
        self.store = store

    def update(self, events_chunk: int = EVENTS_CHUNK, answers_chunk: int = ANSWERS_CHUNK,
               days_chunk: int = DAYS_CHUNK) -> None:  # fmt: skip
        """Bring every roll-up up to date with the rows written before this update started, in short transactions
        (a first catch-up over millions of rows would otherwise hold SQLite's write lock for many seconds): each chunk
        of at most `events_chunk` new events and `answers_chunk` new answers, and the days of picks it changed
        recomputed at most `days_chunk` days a transaction, the marks advanced once the chunk's days are done (so an
        update stopped midway does that chunk again). A day is recomputed once per update, from every row."""
        target: tuple[int, int] | None = None
        ids: dict[str, int] | None = None  # the chunk under way
        initial = False  # never rolled up: every day with answers is recomputed with its answers, from all rows
        pending: list[str] = []  # the chunk's days still to recompute
        done: set[str] = set()  # days recomputed in this update
        back = OVERLAP  # read again before the first chunk
        while True:
            if target is not None:  # not the first transaction: let a writer waiting for the lock in first
                time.sleep(GAP_SECONDS)
            with self.store.transaction() as sql:
                events, answers = self._marks(sql)
                if target is None:
                    target = (int(sql.value("SELECT coalesce(max(id), 0) FROM events")),
                              int(sql.value("SELECT coalesce(max(id), 0) FROM answers")))  # fmt: skip
                    initial = answers == 0
                    self._moved(sql)
                    if (events, answers) == target and events:
                        return
                elif ids is None and events >= target[0] and answers >= target[1]:
                    return
                if ids is None:
                    ids = {"events": max(events - back, 0), "answers": max(answers - back, 0),
                           "events_upto": max(events, min(events + events_chunk, target[0])),
                           "answers_upto": max(answers, min(answers + answers_chunk, target[1]))}  # fmt: skip
                    back = 0
                    self._usage(sql, ids)
                    self._first_takes(sql, ids)
                    pending = sorted(set(self._changed_days(sql, ids, initial)) - done)
                days, pending = pending[:days_chunk], pending[days_chunk:]
                self._recompute(sql, days)
                done.update(days)
                if not pending:
                    self._forget_pruned(sql)
                    sql.execute_many(
                        "INSERT INTO meta (key, value) VALUES (:key, :value) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [{"key": _MARKS["events"], "value": str(max(events, ids["events_upto"]))},
                         {"key": _MARKS["answers"], "value": str(max(answers, ids["answers_upto"]))}],
                    )  # fmt: skip
                    ids = None

    @staticmethod
    def _marks(sql: Sql) -> tuple[int, int]:
        """The last event and answer ids rolled up; one update at a time (web replicas' reports and the clock): the
        mark's row stays locked until commit."""
        sql.execute(
            "INSERT INTO meta (key, value) VALUES (:key, '0') ON CONFLICT (key) DO UPDATE SET value = meta.value",
            {"key": _MARKS["events"]},
        )
        events, answers = (int(sql.value("SELECT value FROM meta WHERE key = :key", {"key": key}) or 0)
                           for key in _MARKS.values())  # fmt: skip
        return events, answers

    def erase(self, learner_ids: Sequence[str]) -> int:
        """Delete every roll-up row of these learner ids (forget me); how many went."""
        ids = {"ids": tuple(learner_ids)}
        return sum(self.store.sql.execute(f"DELETE FROM {table} WHERE learner_id IN (:ids)", ids)
                   for table in ("usage_days", "pick_days", "first_takes"))  # fmt: skip

    @staticmethod
    def _usage(sql: Sql, ids: dict[str, int]) -> None:
        sql.execute(
            f"INSERT INTO usage_days (learner_id, day, via) SELECT DISTINCT learner_id, substr(created_at, 1, 10), "
            f"'answers' FROM answers WHERE id > :answers AND id <= :answers_upto AND surface IN {sql_list(ASKED_ON)} "
            f"ON CONFLICT DO NOTHING",
            ids,
        )
        sql.execute(
            "INSERT INTO usage_days (learner_id, day, via) SELECT DISTINCT learner_id, substr(at, 1, 10), 'events' "
            "FROM events WHERE id > :events AND id <= :events_upto AND source IN ('slack', 'nudge') "
            "ON CONFLICT DO NOTHING",
            ids,
        )

    @staticmethod
    def _changed_days(sql: Sql, ids: dict[str, int], initial: bool) -> list[str]:
        """The days whose picks the chunk `ids` changed: days of new answers, of answers clicked since, and of the
        answers whose clicked course their learner has completed since (`initial`: every day with answers is
        recomputed with its answers, from every event: no need to look further)."""
        changed = "SELECT DISTINCT substr(created_at, 1, 10) FROM answers WHERE id > :answers AND id <= :answers_upto"
        if not initial:
            changed += (
                " UNION SELECT DISTINCT substr(a.created_at, 1, 10) FROM events e JOIN answers a "
                "ON a.id = e.answer_id WHERE e.id > :events AND e.id <= :events_upto "
                "UNION SELECT DISTINCT substr(a.created_at, 1, 10) FROM events d JOIN events c "
                "ON c.learner_id = d.learner_id AND c.course_id = d.course_id AND c.answer_id IS NOT NULL "
                f"JOIN answers a ON a.id = c.answer_id WHERE d.id > :events AND d.id <= :events_upto "
                f"AND d.kind = '{COMPLETED}'"
            )
        return [row[0] for row in sql.rows(changed, ids)]

    @staticmethod
    def _recompute(sql: Sql, days: list[str]) -> None:
        """The picks of these days (YYYY-MM-DD, sorted) made again from every answer and event."""
        for start, end in _runs(days):
            window = {"start": start, "end": end}
            sql.execute("DELETE FROM pick_days WHERE day >= :start AND day < :end", window)
            sql.execute(
                "INSERT INTO pick_days (day, learner_id, surface, reason, shown, started, done) " + _PICKS, window
            )

    @staticmethod
    def _first_takes(sql: Sql, ids: dict[str, int]) -> None:
        """Fold the takes recorded since into each pair's first take."""
        sql.execute(
            f"INSERT INTO first_takes (learner_id, course_id, first_at, done, some_event) {_TAKES} "
            f"WHERE id > :events AND id <= :events_upto AND kind IN {sql_list(ENGAGED)} AND course_id IS NOT NULL "
            f"GROUP BY learner_id, course_id ON CONFLICT (learner_id, course_id) DO UPDATE SET "
            f"first_at = CASE WHEN excluded.first_at < first_takes.first_at THEN excluded.first_at "
            f"ELSE first_takes.first_at END, done = CASE WHEN excluded.done > first_takes.done THEN excluded.done "
            f"ELSE first_takes.done END",
            {"events": ids["events"], "events_upto": ids["events_upto"]},
        )

    @staticmethod
    def _moved(sql: Sql) -> None:
        """Re-derive the first takes of history that moved from an email to a Slack id (its events keep their ids, so
        nothing new shows it), and drop the email's rows."""
        moved = {row[0] for row in sql.rows(
            f"SELECT DISTINCT e.learner_id FROM first_takes t JOIN events e ON e.id = t.some_event "
            f"WHERE {_PENDING.format('t.learner_id')} AND e.learner_id != t.learner_id"
        )}  # fmt: skip
        if not moved:
            return
        sql.execute(
            f"DELETE FROM first_takes WHERE {_PENDING.format('learner_id')} "
            f"AND NOT EXISTS (SELECT 1 FROM events e WHERE e.learner_id = first_takes.learner_id)"
        )
        ids = {"ids": tuple(moved)}
        sql.execute("DELETE FROM first_takes WHERE learner_id IN (:ids)", ids)
        sql.execute(
            f"INSERT INTO first_takes (learner_id, course_id, first_at, done, some_event) {_TAKES} "
            f"WHERE learner_id IN (:ids) AND kind IN {sql_list(ENGAGED)} AND course_id IS NOT NULL "
            f"GROUP BY learner_id, course_id",
            ids,
        )

    @staticmethod
    def _forget_pruned(sql: Sql) -> None:
        """Nothing is kept about days the answers log no longer holds (its retention period)."""
        oldest = {"oldest": sql.value("SELECT coalesce(substr(min(created_at), 1, 10), '9999') FROM answers")}
        sql.execute("DELETE FROM pick_days WHERE day < :oldest", oldest)
        sql.execute("DELETE FROM usage_days WHERE via = 'answers' AND day < :oldest", oldest)


def _runs(days: list[str]) -> list[tuple[str, str]]:
    """Consecutive days (YYYY-MM-DD, sorted) as [first, day after the last) ranges."""
    runs: list[tuple[str, str]] = []
    for day in days:
        after = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
        if runs and runs[-1][1] == day:
            runs[-1] = (runs[-1][0], after)
        else:
            runs.append((day, after))
    return runs
