"""Read-only SQL for the learning team's figures. Every query takes a window [start, end) of ISO 8601 UTC
timestamps and returns plain rows; nothing here writes. Learner ids are returned wherever the report module needs
them to count the distinct people behind each weekly cell (insights.cells); it never lets them out."""

from __future__ import annotations

from collections.abc import Iterable

from learning.people.history import COMPLETED, ENGAGED, NUDGES_OFF, NUDGES_SNOOZED, RATED
from learning.people.learners import PENDING_PREFIX
from learning.store.engine import Store

ASKED_ON = ("dm", "mention", "assistant", "slash", "home")  # surfaces where an answer means someone asked
PICK_KINDS = "(a.kind IN ('next', 'search') OR a.kind LIKE 'home:%' OR a.kind LIKE 'nudge:%')"
WEEK = "date({col}, '-6 days', 'weekday 1')"  # the Monday that starts the week (SQL)
RETURN_DAYS = 7  # engaging within this many days of a nudge (or of being held out) counts as having returned
_WHEN = "coalesce(n.sent_at, n.due_at)"  # when a nudge went out, or was due (held out, skipped)
_RETURNED = (
    f"e.learner_id = n.learner_id AND e.at > {_WHEN} "
    f"AND e.at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', {_WHEN}, '+{RETURN_DAYS} days')"
)  # an event of the nudged (or held out) learner within RETURN_DAYS after it
# a rating counts only from someone who had completed the course when they gave it ("+kind": look completions up by
# learner, not through the much larger kind index)
_FINISHED_BEFORE_RATING = (
    f"EXISTS (SELECT 1 FROM events d WHERE d.learner_id = r.learner_id AND d.course_id = r.course_id "
    f"AND +d.kind = '{COMPLETED}' AND d.at <= r.at)"
)
_KNOWN = f"is_bot = 0 AND deleted = 0 AND slack_id NOT LIKE '{PENDING_PREFIX}%'"


def sql_text(value: str) -> str:
    """A constant as an SQL string literal (for names written in code, never for input)."""
    return "'" + value.replace("'", "''") + "'"


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(sql_text(v) for v in values) + ")"


def _nudge_window(since: str | None, until: str | None) -> tuple[str, list[str]]:
    """SQL condition (and its parameters) keeping nudges sent or held out in [since, until), all by default."""
    return f"{_WHEN} >= ? AND {_WHEN} < ?", [since or "", until or "9999"]


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
    def known_learners(self) -> list[tuple[str, str | None, str | None, str | None]]:
        """(learner, title, tz, locale) of everyone known on Slack now (whatever the window: so that two windows
        never differ by who joined between their ends)."""
        return self.db.execute(f"SELECT slack_id, title, tz, locale FROM learners WHERE {_KNOWN}").fetchall()

    def active_days(self, start: str, end: str) -> list[tuple[str, str]]:
        """(learner, day) for each day someone used Upnext in the window."""
        activity, params = _activity(start, end)
        return self.db.execute(f"SELECT DISTINCT learner_id, substr(at, 1, 10) FROM ({activity})", params).fetchall()

    def active_before(self, start: str) -> set[str]:
        """Everyone who had used Upnext before `start`."""
        activity, params = _activity("", start)
        return {row[0] for row in self.db.execute(f"SELECT DISTINCT learner_id FROM ({activity})", params)}

    # -- engagement funnel -------------------------------------------------------------------------------------
    def picks(self, reason: str, start: str, end: str) -> list[tuple[str, str | None, str, str, int, int, int]]:
        """(week, surface, reason family, learner, impressions, started, done) for answers in the window. `reason` is
        an SQL expression over `i` (impressions). Started: the card's Start or Done was clicked; done: Done was
        clicked on it, or the learner completed the course after a click on it."""
        return self.db.execute(
            # "+kind": look events up by answer, and by learner, not through the (much larger) kind index
            f"SELECT {WEEK.format(col='a.created_at')}, a.surface, {reason}, a.learner_id, count(*), "
            f"count(c.answer_id), sum(CASE WHEN c.answer_id IS NULL THEN 0 WHEN c.done THEN 1 ELSE EXISTS (SELECT 1 "
            f"FROM events d WHERE d.learner_id = c.learner_id AND d.at >= c.first_at AND d.course_id = c.course_id "
            f"AND +d.kind = '{COMPLETED}') END) "
            f"FROM answers a JOIN impressions i ON i.answer_id = a.id "
            f"LEFT JOIN (SELECT answer_id, course_id, learner_id, max(kind = '{COMPLETED}') AS done, "
            f"min(at) AS first_at FROM events WHERE answer_id IS NOT NULL AND +kind IN {_in(ENGAGED)} "
            f"GROUP BY answer_id, course_id) c ON c.answer_id = i.answer_id AND c.course_id = i.course_id "
            f"WHERE a.created_at >= ? AND a.created_at < ? AND {PICK_KINDS} GROUP BY 1, 2, 3, 4",
            [start, end],
        ).fetchall()

    # -- search ------------------------------------------------------------------------------------------------
    def questions_by_week(self, start: str, end: str) -> list[tuple[str, str, int, int]]:
        """(week, learner, questions, answered with nothing clicked)."""
        return self.db.execute(
            f"SELECT {WEEK.format(col='a.created_at')}, a.learner_id, count(*), "
            f"sum(NOT EXISTS (SELECT 1 FROM events e WHERE e.answer_id = a.id)) "
            f"FROM answers a WHERE a.kind = 'search' AND a.created_at >= ? AND a.created_at < ? GROUP BY 1, 2",
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
    def ratings(self, start: str, end: str) -> list[tuple[str, str, str, str, str, str | None]]:
        """(week, month, course, learner, up|down, comment): each learner's latest rating of each course, when that
        latest rating falls in the window (one rating per person and course, whatever the window), counting only
        ratings given after the learner completed the course (older stores hold ratings from people who had not)."""
        return self.db.execute(
            f"SELECT {WEEK.format(col='at')}, substr(at, 1, 7), course_id, learner_id, value, note FROM ("
            f"SELECT r.course_id, r.learner_id, r.value, r.note, max(r.at) AS at FROM events r "
            f"WHERE r.kind = '{RATED}' AND {_FINISHED_BEFORE_RATING} GROUP BY r.learner_id, r.course_id) "
            f"WHERE at >= ? AND at < ?",
            [start, end],
        ).fetchall()

    def courses_rated_by(self, min_group: int) -> set[str]:
        """Courses that at least `min_group` people who finished them have rated (ever): each shown apart, the others
        together."""
        rows = self.db.execute(
            f"SELECT r.course_id FROM events r WHERE r.kind = '{RATED}' AND {_FINISHED_BEFORE_RATING} "
            f"GROUP BY r.course_id HAVING count(DISTINCT r.learner_id) >= ?",
            [min_group],
        )
        return {row[0] for row in rows}

    def first_starts(self, start: str, end: str) -> list[tuple[str, str, str, int]]:
        """(week, course, learner, finished it since) for each course someone first took in the window (one pass over
        every take: at 100k learners, twice as fast as looking each pair's earlier takes up)."""
        return self.db.execute(
            f"SELECT {WEEK.format(col='first_at')}, course_id, learner_id, done FROM ("
            f"SELECT course_id, learner_id, min(at) AS first_at, max(kind = '{COMPLETED}') AS done FROM events "
            f"WHERE kind IN {_in(ENGAGED)} AND course_id IS NOT NULL GROUP BY course_id, learner_id) "
            f"WHERE first_at >= ? AND first_at < ?",
            [start, end],
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
    def nudges_sent(self, start: str, end: str, days: int) -> list[tuple[str, str, str, int, int, int, int]]:
        """(week, kind, learner, sent, with a click on their cards, followed by the learner's return within `days`,
        followed by nudges off or a snooze within `days`) for nudges sent in the window."""
        return self.db.execute(
            f"SELECT {WEEK.format(col='n.sent_at')}, n.kind, n.learner_id, count(*), "
            f"sum(CAST(n.id AS TEXT) IN (SELECT value FROM events WHERE source = 'nudge')), "
            f"sum(EXISTS (SELECT 1 FROM events e WHERE {_RETURNED})), "
            f"sum(EXISTS (SELECT 1 FROM events e WHERE e.learner_id = n.learner_id "
            f"AND e.kind IN {_in((NUDGES_OFF, NUDGES_SNOOZED))} AND e.at >= n.sent_at "
            f"AND e.at <= strftime('%Y-%m-%dT%H:%M:%S+00:00', n.sent_at, '+{days} days'))) "
            f"FROM nudges n WHERE n.status = 'sent' AND n.sent_at >= ? AND n.sent_at < ? GROUP BY 1, 2, 3",
            [start, end],
        ).fetchall()

    def come_backs(self, start: str, end: str) -> list[tuple[str, str, str, int, int]]:
        """(week, sent | held_out, learner, come-back nudges, of which the learner was active within RETURN_DAYS)."""
        return self.db.execute(
            f"SELECT {WEEK.format(col=_WHEN)}, n.status, n.learner_id, count(*), "
            f"sum(EXISTS (SELECT 1 FROM events e WHERE {_RETURNED})) FROM nudges n "
            f"WHERE n.kind = 'come_back' AND n.status IN ('sent', 'held_out') AND {_WHEN} >= ? AND {_WHEN} < ? "
            f"GROUP BY 1, 2, 3",
            [start, end],
        ).fetchall()

    # -- catalog health ----------------------------------------------------------------------------------------
    def catalog_health(
        self, shown_since: str, end: str, min_group: int
    ) -> list[tuple[str | None, str | None, int, int, int]]:
        """(language, level, courses, not shown in [shown_since, end), never started before `end`). A course counts
        as shown (started) only in a week when at least `min_group` people were shown (started) it."""
        return self.db.execute(
            f"WITH shown AS (SELECT DISTINCT i.course_id FROM impressions i JOIN answers a ON a.id = i.answer_id "
            f"WHERE a.created_at >= ? AND a.created_at < ? GROUP BY i.course_id, {WEEK.format(col='a.created_at')} "
            f"HAVING count(DISTINCT a.learner_id) >= ?), "
            f"started AS (SELECT DISTINCT course_id FROM events WHERE kind IN {_in(ENGAGED)} AND at < ? "
            f"AND course_id IS NOT NULL GROUP BY course_id, {WEEK.format(col='at')} "
            f"HAVING count(DISTINCT learner_id) >= ?) "
            f"SELECT c.language, c.level, count(*), sum(c.id NOT IN shown), sum(c.id NOT IN started) "
            f"FROM courses c GROUP BY c.language, c.level",
            [shown_since, end, min_group, end, min_group],
        ).fetchall()

    # -- nudge outcomes (`upnext nudges stats` and the report) ---------------------------------------------------
    def nudges_by_status(self, since: str | None, until: str | None) -> list[tuple[str, str, int]]:
        """(kind, status, nudges)."""
        window, params = _nudge_window(since, until)
        return self.db.execute(
            f"SELECT kind, status, count(*) FROM nudges n WHERE {window} GROUP BY kind, status", params
        ).fetchall()

    def nudges_clicked(self, since: str | None, until: str | None) -> dict[str, int]:
        """Kind -> nudges with at least one click on their cards."""
        window, params = _nudge_window(since, until)
        return dict(self.db.execute(
            f"SELECT n.kind, count(DISTINCT n.id) FROM nudges n JOIN events e ON e.source = 'nudge' "
            f"AND e.value = CAST(n.id AS TEXT) WHERE {window} GROUP BY n.kind", params
        ).fetchall())  # fmt: skip

    def nudges_returned(self, since: str | None, until: str | None) -> dict[tuple[str, str], int]:
        """(kind, sent | held_out) -> nudges whose learner was active within RETURN_DAYS after it."""
        window, params = _nudge_window(since, until)
        rows = self.db.execute(
            f"SELECT n.kind, n.status, count(DISTINCT n.id) FROM nudges n JOIN events e ON {_RETURNED} "
            f"WHERE n.status IN ('sent', 'held_out') AND {window} GROUP BY n.kind, n.status",
            params,
        )
        return {(kind, status): n for kind, status, n in rows}

    def come_back_returns(self, status: str, since: str | None, until: str | None) -> tuple[int, int]:
        """(come-back nudges with this status, of which the learner was active within RETURN_DAYS after it)."""
        window, params = _nudge_window(since, until)
        return self.db.execute(
            f"SELECT count(*), count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM events e WHERE {_RETURNED}) "
            f"THEN n.id END) FROM nudges n WHERE n.kind = 'come_back' AND n.status = ? AND {window}",
            [status, *params],
        ).fetchone()
