"""Read-only SQL for the learning team's figures. Every query takes a window [start, end) of ISO 8601 UTC
timestamps and returns plain rows; nothing here writes, and nothing returns a learner id (only counts)."""

from __future__ import annotations

from collections.abc import Iterable

from learning.history import COMPLETED, ENGAGED, NUDGES_OFF, NUDGES_SNOOZED, RATED
from learning.learners import PENDING_PREFIX
from learning.store import Store

ASKED_ON = ("dm", "mention", "assistant", "slash", "home")  # surfaces where an answer means someone asked
PICK_KINDS = "(a.kind IN ('next', 'search') OR a.kind LIKE 'home:%' OR a.kind LIKE 'nudge:%')"
WEEK = "date({col}, '-6 days', 'weekday 1')"  # the Monday that starts the week
_KNOWN = f"is_bot = 0 AND deleted = 0 AND slack_id NOT LIKE '{PENDING_PREFIX}%'"


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _activity(start: str, end: str) -> tuple[str, list[str]]:
    """Someone used Upnext: asked for or opened something, or clicked (imports and nudges sent are not use)."""
    sql = (
        f"SELECT learner_id, created_at AS at FROM answers WHERE surface IN {_in(ASKED_ON)} "
        f"AND created_at >= ? AND created_at < ? "
        f"UNION ALL SELECT learner_id, at FROM events WHERE source IN ('slack', 'nudge') AND at >= ? AND at < ?"
    )
    return sql, [start, end, start, end]


class ReportQueries:
    def __init__(self, store: Store):
        self.db = store.db

    # -- adoption ----------------------------------------------------------------------------------------------
    def known_learners(self, end: str) -> int:
        return self.db.execute(f"SELECT count(*) FROM learners WHERE {_KNOWN} AND created_at < ?", [end]).fetchone()[0]

    def active_by_week(self, start: str, end: str) -> list[tuple[str, int, int]]:
        """(week, active, new): new ones had no activity at all before that week."""
        activity, params = _activity(start, end)
        earlier, earlier_params = _activity("", start)
        return self.db.execute(
            f"WITH act AS ({activity}), firsts AS (SELECT learner_id, min(at) AS first FROM act GROUP BY learner_id), "
            f"before AS (SELECT DISTINCT learner_id FROM ({earlier})), "
            f"weekly AS (SELECT DISTINCT learner_id, {WEEK.format(col='at')} AS week FROM act) "
            f"SELECT w.week, count(*), sum(f.learner_id IS NOT NULL AND b.learner_id IS NULL "
            f"AND {WEEK.format(col='f.first')} = w.week) "
            f"FROM weekly w JOIN firsts f USING (learner_id) LEFT JOIN before b USING (learner_id) "
            f"GROUP BY w.week ORDER BY w.week",
            [*params, *earlier_params],
        ).fetchall()

    def active_by_month(self, start: str, end: str) -> list[tuple[str, int]]:
        activity, params = _activity(start, end)
        return self.db.execute(
            f"SELECT substr(at, 1, 7), count(DISTINCT learner_id) FROM ({activity}) GROUP BY 1 ORDER BY 1", params
        ).fetchall()

    def active_total(self, start: str, end: str) -> int:
        activity, params = _activity(start, end)
        return self.db.execute(f"SELECT count(DISTINCT learner_id) FROM ({activity})", params).fetchone()[0]

    def known_and_active_by(self, column: str, start: str, end: str) -> list[tuple[str | None, int, int]]:
        """(value of a learner column, known, active) for title, tz or locale."""
        assert column in ("title", "tz", "locale")
        activity, params = _activity(start, end)
        return self.db.execute(
            f"SELECT l.{column}, count(*), count(a.learner_id) FROM learners l "
            f"LEFT JOIN (SELECT DISTINCT learner_id FROM ({activity})) a ON a.learner_id = l.slack_id "
            f"WHERE {_KNOWN.replace('slack_id', 'l.slack_id')} AND l.created_at < ? GROUP BY l.{column}",
            [*params, end],
        ).fetchall()

    # -- engagement funnel -------------------------------------------------------------------------------------
    def funnel(self, group: str, start: str, end: str) -> list[tuple[str | None, int, int, int, int]]:
        """(group, shown, learners, started, done) over impressions in the window. `group` is an SQL expression
        over `a` (answers) and `i` (impressions). Started: the card's Start or Done was clicked; done: Done was
        clicked on it, or the learner completed the course after a click on it."""
        return self.db.execute(
            f"WITH clicks AS (SELECT answer_id, course_id, learner_id, "
            f"max(kind IN {_in(ENGAGED)}) AS started, max(kind = '{COMPLETED}') AS done, min(at) AS first_at "
            f"FROM events WHERE answer_id IS NOT NULL GROUP BY answer_id, course_id) "
            f"SELECT {group}, count(*), count(DISTINCT a.learner_id), coalesce(sum(c.started), 0), "
            f"coalesce(sum(c.started AND (c.done OR EXISTS (SELECT 1 FROM events d WHERE d.learner_id = c.learner_id "
            f"AND d.course_id = c.course_id AND d.kind = '{COMPLETED}' AND d.at >= c.first_at))), 0) "
            f"FROM impressions i JOIN answers a ON a.id = i.answer_id "
            f"LEFT JOIN clicks c ON c.answer_id = i.answer_id AND c.course_id = i.course_id "
            f"WHERE a.created_at >= ? AND a.created_at < ? AND {PICK_KINDS} GROUP BY 1",
            [start, end],
        ).fetchall()

    # -- search ------------------------------------------------------------------------------------------------
    def questions_by_week(self, start: str, end: str) -> list[tuple[str, int, int]]:
        """(week, questions, answered with nothing clicked)."""
        return self.db.execute(
            f"SELECT {WEEK.format(col='a.created_at')}, count(*), "
            f"sum(NOT EXISTS (SELECT 1 FROM events e WHERE e.answer_id = a.id)) "
            f"FROM answers a WHERE a.kind = 'search' AND a.created_at >= ? AND a.created_at < ? GROUP BY 1 ORDER BY 1",
            [start, end],
        ).fetchall()

    def weak_questions(self, start: str, end: str, threshold: float) -> list[tuple[str, str]]:
        """(question, learner) for searches whose closest course was under `threshold` (the learner only to count
        distinct askers; it never leaves the report module)."""
        return self.db.execute(
            "SELECT lower(trim(json_extract(payload, '$.context.query'))), learner_id FROM answers "
            "WHERE kind = 'search' AND created_at >= ? AND created_at < ? "
            "AND coalesce(json_extract(payload, '$.context.top_similarity'), 0) < ? "
            "AND trim(coalesce(json_extract(payload, '$.context.query'), '')) != ''",
            [start, end, threshold],
        ).fetchall()

    # -- feedback ----------------------------------------------------------------------------------------------
    def ratings(self, start: str, end: str) -> list[tuple[str, str, str | None]]:
        """(course, up|down, comment): each learner's latest rating of each course rated in the window."""
        return self.db.execute(
            f"SELECT course_id, value, note FROM (SELECT course_id, value, note, max(at) FROM events "
            f"WHERE kind = '{RATED}' AND at >= ? AND at < ? GROUP BY learner_id, course_id)",
            [start, end],
        ).fetchall()

    def starts_and_finishes(self, start: str, end: str, min_started: int) -> list[tuple[str, int, int]]:
        """(course, learners who started it in the window, of whom finished it), for courses with enough starters."""
        return self.db.execute(
            f"SELECT s.course_id, count(*), sum(EXISTS (SELECT 1 FROM events d WHERE d.learner_id = s.learner_id "
            f"AND d.course_id = s.course_id AND d.kind = '{COMPLETED}')) "
            f"FROM (SELECT DISTINCT learner_id, course_id FROM events WHERE kind IN {_in(ENGAGED)} "
            f"AND at >= ? AND at < ? AND course_id IS NOT NULL) s GROUP BY s.course_id HAVING count(*) >= ?",
            [start, end, min_started],
        ).fetchall()

    def titles(self, course_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(course_ids))
        found: dict[str, str] = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            found.update(self.db.execute(
                f"SELECT id, title FROM courses WHERE id IN ({', '.join('?' * len(part))})", part
            ).fetchall())  # fmt: skip
        return found

    # -- nudges ------------------------------------------------------------------------------------------------
    def nudge_learners_and_opt_outs(self, start: str, end: str, days: int) -> list[tuple[str, int, int, int]]:
        """(kind, sent, learners, sent nudges followed by nudges off or a snooze within `days`)."""
        return self.db.execute(
            f"SELECT n.kind, count(*), count(DISTINCT n.learner_id), sum(EXISTS (SELECT 1 FROM events e "
            f"WHERE e.learner_id = n.learner_id AND e.kind IN {_in((NUDGES_OFF, NUDGES_SNOOZED))} "
            f"AND e.at >= n.sent_at AND e.at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', n.sent_at, '+{days} days'))) "
            f"FROM nudges n WHERE n.status = 'sent' AND n.sent_at >= ? AND n.sent_at < ? GROUP BY n.kind",
            [start, end],
        ).fetchall()

    # -- catalog health ----------------------------------------------------------------------------------------
    def catalog_health(self, shown_since: str, end: str) -> list[tuple[str | None, str | None, int, int, int]]:
        """(language, level, courses, never shown in [shown_since, end), never started)."""
        return self.db.execute(
            f"WITH shown AS (SELECT DISTINCT i.course_id FROM impressions i JOIN answers a ON a.id = i.answer_id "
            f"WHERE a.created_at >= ? AND a.created_at < ?), "
            f"started AS (SELECT DISTINCT course_id FROM events WHERE kind IN {_in(ENGAGED)} AND at < ?) "
            f"SELECT c.language, c.level, count(*), sum(s.course_id IS NULL), sum(t.course_id IS NULL) "
            f"FROM courses c LEFT JOIN shown s ON s.course_id = c.id LEFT JOIN started t ON t.course_id = c.id "
            f"GROUP BY c.language, c.level",
            [shown_since, end, end],
        ).fetchall()
