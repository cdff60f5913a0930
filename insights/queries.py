"""SQL for the learning team's figures.

Every query takes a window [start, end) of ISO 8601 UTC timestamps and returns plain rows. The busiest figures read
roll-ups (insights.rollups), which `catch_up` brings up to date first; nothing else here writes. Learner ids are
returned wherever the report module needs them to count the distinct people behind each weekly cell (insights.cells);
it never lets them out.

Whose figures a report counts (`Scope`): everyone in the store, the learners of one Enterprise Grid org, or of one
workspace. A learner belongs to the workspace (`team_id`) and org (`enterprise_id`) their Slack profile names
(learners, schema 11); someone known only by email, or whose profile has not been read since, is in no org or
workspace and is counted only in the whole store's figures. With a scope, every query keeps that scope's learners'
rows alone, and the report holds them to the minimum group like any other (insights.cells): a scope of fewer people
shows nothing.

Every scope is made of whole silos: the learners of one workspace (of one org, or of none), and those in no workspace.
Each minimum group is held within one silo (`silos`, and `silo` in the statements that count people themselves), so
a scope's figures are the sums of its silos' (insights.cells) and no scope's figures minus another's come from fewer
people than the minimum group. A learner's silo is the workspace their profile names: a Grid user who uses Upnext
in several workspaces of the org counts in that one."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from insights.rollups import Rollups, sql_list
from learning.people.history import COMPLETED, ENGAGED, NUDGES_OFF, NUDGES_SNOOZED, RATED
from learning.people.learners import PENDING_PREFIX
from learning.store.engine import Store

_ID = re.compile(r"^[A-Z0-9]{2,}$")
ORG, WORKSPACE = "org", "workspace"
_COLUMN = {ORG: "enterprise_id", WORKSPACE: "team_id"}


@dataclass(frozen=True, order=True)
class Scope:
    """Everyone (`kind` ''), an org (`ident` its enterprise id) or a workspace (its team id: unique across Slack)."""

    kind: str = ""
    ident: str = ""

    @classmethod
    def org(cls, enterprise_id: str) -> Scope:
        return cls(ORG, enterprise_id)

    @classmethod
    def workspace(cls, team_id: str) -> Scope:
        return cls(WORKSPACE, team_id)

    @property
    def key(self) -> str:
        """How the scope is named in a URL, a snapshot and a digest's claim: '' for everyone."""
        return f"{self.kind}:{self.ident}" if self.kind else ""

    @property
    def label(self) -> str:
        """How people read it: "Everyone", "Organisation E0123ABC", "Workspace T0123ABC"."""
        return f"{'Organisation' if self.kind == ORG else 'Workspace'} {self.ident}" if self.kind else "Everyone"

    @classmethod
    def parse(cls, key: str) -> Scope:
        """The scope a `key` names; ValueError for anything else."""
        if not key:
            return EVERYONE
        kind, _, ident = key.partition(":")
        if kind not in _COLUMN or not _ID.match(ident):
            raise ValueError(f"not a scope: {key!r} (org:E0123ABC or workspace:T0123ABC)")
        return cls(kind, ident)

    def learners(self, column: str) -> str:
        """An SQL condition keeping the rows whose `column` holds a learner of this scope (its value: `values`): ''
        for everyone, so the whole store's statements are those of a report without scopes."""
        return (
            f" AND {column} IN (SELECT slack_id FROM learners WHERE {_COLUMN[self.kind]} = :scope)" if self.kind else ""
        )

    @property
    def values(self) -> dict[str, Any]:
        """The value `learners`' condition names."""
        return {"scope": self.ident} if self.kind else {}


EVERYONE = Scope()
NO_SILO = "/"  # the silo of everyone in no workspace or org, and of ids no learner holds


def silo(learners: str) -> str:
    """SQL: the silo of the learner in the row `learners` names (an alias of the learners table, LEFT JOINed: no row
    is NO_SILO)."""
    return f"coalesce({learners}.enterprise_id, '') || '/' || coalesce({learners}.team_id, '')"


class Silos(dict[str, str]):
    """Learner -> their silo (`silo`): anyone not listed is in NO_SILO. `apart`: whether the scope's learners may be
    in more than one silo (`everyone`: the scope may hold people not listed)."""

    def __init__(self, listed: Iterable[tuple[str, str]] = (), everyone: bool = False) -> None:
        super().__init__(listed)
        self.apart = len(set(self.values()) | ({NO_SILO} if self and everyone else set())) > 1

    def __missing__(self, learner: str) -> str:
        return NO_SILO

    def by_silo(self, learner: str) -> tuple[str, str]:
        """SQL joining the learner of column `learner` to their row (as `l`), and grouping by their silo; neither when
        the scope is one silo (the same figures, without a lookup per row)."""
        return (f" LEFT JOIN learners l ON l.slack_id = {learner}", f", {silo('l')}") if self.apart else ("", "")


RETURN_DAYS = 7  # engaging within this many days of a nudge (or of being held out) counts as having returned
_WHEN = "coalesce(n.sent_at, n.due_at)"  # when a nudge went out, or was due (held out, skipped)
_KNOWN = f"is_bot = 0 AND deleted = 0 AND slack_id NOT LIKE '{PENDING_PREFIX}%'"


def _nudge_window(since: str | None, until: str | None) -> tuple[str, dict[str, str]]:
    """SQL condition (and its values) keeping nudges sent or held out in [since, until), all by default."""
    return f"{_WHEN} >= :since AND {_WHEN} < :until", {"since": since or "", "until": until or "9999"}


class ReportQueries:
    def __init__(self, store: Store, scope: Scope = EVERYONE):
        self.store = store
        self.scope = scope
        self.rollups = Rollups(store)
        self.dialect = dialect = store.dialect
        self.week = dialect.week_start  # the Monday that starts the week of a timestamp (SQL)
        # an event of the nudged (or held out) learner within RETURN_DAYS after it
        self.returned = (
            f"e.learner_id = n.learner_id AND e.at > {_WHEN} AND e.at <= {dialect.plus_days(_WHEN, RETURN_DAYS)}"
        )
        # a rating counts only from someone who had completed the course when they gave it (`kind || ''`: look
        # completions up by learner, not through the much larger kind index)
        self.finished_before_rating = (
            f"EXISTS (SELECT 1 FROM events d WHERE d.learner_id = r.learner_id AND d.course_id = r.course_id "
            f"AND d.kind || '' = '{COMPLETED}' AND d.at <= r.at)"
        )

    def catch_up(self) -> None:
        """Bring the roll-ups the figures read up to date with the store."""
        self.rollups.update()

    def _day_week(self, day: str) -> str:
        """SQL: the Monday of the week of a day column (YYYY-MM-DD), whatever the session's time zone."""
        return self.week(f"{day} || 'T00:00:00+00:00'")

    def _in(self, column: str) -> str:
        """SQL keeping the rows whose `column` is a learner of the scope ('' for everyone); its value is `_rows`'s."""
        return self.scope.learners(column)

    def _rows(self, sql: str, values: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """The rows of a statement that may name the scope's learners (`_in`)."""
        return self.store.sql.rows(sql, {**(values or {}), **self.scope.values})

    def _during(self, sql: str, start: str, end: str) -> list[tuple[Any, ...]]:
        """The rows of a statement over the window [:start, :end)."""
        return self._rows(sql, {"start": start, "end": end})

    # -- shares ------------------------------------------------------------------------------------------------
    def shares_by_week(self, start: str, end: str) -> list[tuple[str, str, int]]:
        """(week, sharer, courses they shared with colleagues): shares by the scope's learners (a forgotten sharer's
        shares name no one and count nowhere)."""
        return self._during(
            f"SELECT {self.week('s.at')}, s.sharer_id, count(*) FROM shares s WHERE s.kind = 'colleague' "
            f"AND s.sharer_id IS NOT NULL AND s.at >= :start AND s.at < :end{self._in('s.sharer_id')} GROUP BY 1, 2",
            start,
            end,
        )

    def shares_turned_off(self, start: str, end: str) -> list[tuple[str, str]]:
        """(week, learner) for each of the scope's learners who turned colleagues' shares off in the window and has
        them off still (turning them on again deletes the row)."""
        return self._during(
            f"SELECT {self.week('at')}, learner_id FROM shares_off WHERE at >= :start AND at < :end"
            f"{self._in('learner_id')}",
            start,
            end,
        )

    # -- managers and wins -------------------------------------------------------------------------------------
    def team_picks_by_week(self, start: str, end: str) -> list[tuple[str, str, int]]:
        """(week, manager, courses they recommended to their team) for the scope's managers."""
        return self._during(
            f"SELECT {self.week('at')}, learner_id, count(*) FROM team_picks WHERE at >= :start AND at < :end"
            f"{self._in('learner_id')} GROUP BY 1, 2",
            start,
            end,
        )

    def managers_with_team(self, min_group: int) -> list[str]:
        """The scope's managers who may use `/learn team` now: at least `min_group` direct reports who used Upnext in
        Slack, in the manager's Grid org (or, outside one, workspace): `learning.teams.reporting.team_of`'s rule. The
        people file files a person by Slack id or by `email:` and address (`learners.filed_as`)."""
        return [row[0] for row in self._rows(
            f"WITH filed AS (SELECT slack_id AS filed_id, slack_id, team_id, enterprise_id, last_active_at "
            f"FROM learners WHERE slack_id NOT LIKE '{PENDING_PREFIX}%' UNION ALL "
            f"SELECT '{PENDING_PREFIX}' || email, slack_id, team_id, enterprise_id, last_active_at FROM learners "
            f"WHERE email IS NOT NULL AND slack_id NOT LIKE '{PENDING_PREFIX}%') "
            f"SELECT m.slack_id FROM reporting_lines rl JOIN filed m ON m.filed_id = rl.manager_id "
            f"JOIN filed r ON r.filed_id = rl.learner_id WHERE r.slack_id != m.slack_id "
            f"AND r.last_active_at IS NOT NULL AND ((m.enterprise_id IS NOT NULL "
            f"AND r.enterprise_id = m.enterprise_id) "
            f"OR (m.enterprise_id IS NULL AND coalesce(r.team_id, '') = coalesce(m.team_id, '')))"
            f"{self._in('m.slack_id')} GROUP BY m.slack_id HAVING count(DISTINCT r.slack_id) >= :min_group",
            {"min_group": min_group},
        )]  # fmt: skip

    def celebrating(self) -> list[str]:
        """The scope's learners who have their wins in the weekly learning-wins post now (`/learn celebrate on`)."""
        return [
            row[0]
            for row in self._rows(
                f"SELECT learner_id FROM celebrations WHERE learner_id IS NOT NULL{self._in('learner_id')}"
            )
        ]

    # -- adoption ----------------------------------------------------------------------------------------------
    def known_learners(self) -> list[tuple[str, str | None, str | None, str | None]]:
        """(learner, title, tz, locale) of everyone known on Slack now (whatever the window: so that two windows
        never differ by who joined between their ends); the locale is the language they chose in Upnext, if any."""
        return self._rows(
            f"SELECT slack_id, title, tz, coalesce(language, locale) FROM learners WHERE {_KNOWN}{self._in('slack_id')}"
        )

    def inside(self) -> list[Scope]:
        """The orgs and the workspaces the scope's known learners are in (none inside a workspace): orgs first."""
        if self.scope.kind == WORKSPACE:
            return []
        rows = self._rows(f"SELECT DISTINCT enterprise_id, team_id FROM learners WHERE {_KNOWN}{self._in('slack_id')}")
        orgs = {Scope.org(org) for org, _ in rows if org} if not self.scope.kind else set()
        return sorted(orgs) + sorted({Scope.workspace(team) for _, team in rows if team})

    def silos(self) -> Silos:
        """The silo of each of the scope's learners who is in a workspace or an org."""
        return Silos(self._rows(
            f"SELECT l.slack_id, {silo('l')} FROM learners l WHERE (l.enterprise_id IS NOT NULL "
            f"OR l.team_id IS NOT NULL){self._in('l.slack_id')}"
        ), everyone=not self.scope.kind)  # fmt: skip

    def active_days(self, start: str, end: str) -> list[tuple[str, str]]:
        """(learner, day) for each day someone used Upnext in the window (asked for or opened something, or clicked:
        imports and nudges sent are not use)."""
        return self._during(
            "SELECT DISTINCT learner_id, day FROM usage_days WHERE day >= substr(:start, 1, 10) "
            f"AND day < substr(:end, 1, 10){self._in('learner_id')}",
            start,
            end,
        )

    def active_before(self, start: str) -> set[str]:
        """Everyone who had used Upnext before `start`."""
        rows = self._rows(
            f"SELECT DISTINCT learner_id FROM usage_days WHERE day < substr(:start, 1, 10){self._in('learner_id')}",
            {"start": start},
        )
        return {row[0] for row in rows}

    # -- engagement funnel -------------------------------------------------------------------------------------
    def picks(self, reason: str, start: str, end: str) -> list[tuple[str, str, str, str, int, int, int]]:
        """(week, surface or '', reason family, learner, impressions, started, done) for answers in the window.
        `reason` is an SQL expression over `p.reason` (the impression's reason kind). Started: the card's Start or
        Done was clicked; done: Done was clicked on it, or the learner completed the course after a click on it."""
        return self._during(
            f"SELECT {self._day_week('p.day')}, p.surface, {reason}, p.learner_id, sum(p.shown), sum(p.started), "
            f"sum(p.done) FROM pick_days p WHERE p.day >= substr(:start, 1, 10) AND p.day < substr(:end, 1, 10)"
            f"{self._in('p.learner_id')} GROUP BY 1, 2, 3, 4",
            start,
            end,
        )

    # -- search ------------------------------------------------------------------------------------------------
    def questions_by_week(self, start: str, end: str) -> list[tuple[str, str, int, int]]:
        """(week, learner, questions, answered with nothing clicked)."""
        return self._during(
            f"SELECT {self.week('a.created_at')}, a.learner_id, count(*), "
            f"count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.answer_id = a.id)) "
            f"FROM answers a WHERE a.kind = 'search' AND a.created_at >= :start AND a.created_at < :end"
            f"{self._in('a.learner_id')} GROUP BY 1, 2",
            start,
            end,
        )

    def weak_questions(self, start: str, end: str, threshold: float) -> list[tuple[str, str]]:
        """(question, learner) for searches whose closest course was under `threshold` (the learner only to count
        distinct askers; it never leaves the report module)."""
        query = self.dialect.json_value("payload", "context", "query")
        similarity = self.dialect.json_number("payload", "context", "top_similarity")
        return self._rows(
            f"SELECT lower(trim({query})), learner_id FROM answers "
            f"WHERE kind = 'search' AND created_at >= :start AND created_at < :end "
            f"AND coalesce({similarity}, 0) < :threshold AND trim(coalesce({query}, '')) != ''{self._in('learner_id')}",
            {"start": start, "end": end, "threshold": threshold},
        )

    # -- feedback ----------------------------------------------------------------------------------------------
    def ratings(self, start: str, end: str) -> list[tuple[str, str, str, str, str, str | None]]:
        """(week, month, course, learner, up|down, comment): each learner's latest rating of each course, when that
        latest rating falls in the window (one rating per person and course, whatever the window), counting only
        ratings given after the learner completed the course (older stores hold ratings from people who had not).
        Of two ratings in the same second, the first recorded."""
        return self._during(
            f"SELECT {self.week('at')}, substr(at, 1, 7), course_id, learner_id, value, note FROM ("
            f"SELECT r.course_id, r.learner_id, r.value, r.note, r.at, ROW_NUMBER() OVER ("
            f"PARTITION BY r.learner_id, r.course_id ORDER BY r.at DESC, r.id) AS newest FROM events r "
            f"WHERE r.kind = '{RATED}' AND {self.finished_before_rating}{self._in('r.learner_id')}) AS latest "
            f"WHERE newest = 1 AND at >= :start AND at < :end",
            start,
            end,
        )

    def courses_rated_by(self, min_group: int) -> set[tuple[str, str]]:
        """(silo, course) for the courses that at least `min_group` people of a silo who finished them have rated
        (ever): that silo's ratings of each are shown apart, the others together."""
        rows = self._rows(
            f"SELECT {silo('l')}, r.course_id FROM events r LEFT JOIN learners l ON l.slack_id = r.learner_id "
            f"WHERE r.kind = '{RATED}' AND {self.finished_before_rating}{self._in('r.learner_id')} "
            f"GROUP BY 1, 2 HAVING count(DISTINCT r.learner_id) >= :min_group",
            {"min_group": min_group},
        )
        return {(row[0], row[1]) for row in rows}

    def first_starts(self, start: str, end: str) -> list[tuple[str, str, str, int]]:
        """(week, course, learner, finished it since) for each course someone first took in the window."""
        return self._during(
            f"SELECT {self.week('first_at')}, course_id, learner_id, done FROM first_takes "
            f"WHERE first_at >= :start AND first_at < :end{self._in('learner_id')}",
            start,
            end,
        )

    def titles(self, course_ids: Iterable[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(course_ids))
        found: dict[str, str] = {}
        for chunk in range(0, len(ids), 500):
            rows = self.store.sql.rows(
                "SELECT id, title FROM courses WHERE id IN (:ids)", {"ids": ids[chunk : chunk + 500]}
            )
            found.update((course_id, title) for course_id, title in rows)
        return found

    # -- nudges ------------------------------------------------------------------------------------------------
    def nudges_sent(self, start: str, end: str, days: int) -> list[tuple[str, str, str, int, int, int, int]]:
        """(week, kind, learner, sent, with a click on their cards, followed by the learner's return within `days`,
        followed by nudges off or a snooze within `days`) for nudges sent in the window."""
        return self._during(
            f"SELECT {self.week('n.sent_at')}, n.kind, n.learner_id, count(*), "
            f"count(*) FILTER (WHERE CAST(n.id AS TEXT) IN (SELECT value FROM events WHERE source = 'nudge')), "
            f"count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events e WHERE {self.returned})), "
            f"count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events e WHERE e.learner_id = n.learner_id "
            f"AND e.kind IN {sql_list((NUDGES_OFF, NUDGES_SNOOZED))} AND e.at >= n.sent_at "
            f"AND e.at <= {self.dialect.plus_days('n.sent_at', days)})) "
            f"FROM nudges n WHERE n.status = 'sent' AND n.sent_at >= :start AND n.sent_at < :end"
            f"{self._in('n.learner_id')} GROUP BY 1, 2, 3",
            start,
            end,
        )

    def come_backs(self, start: str, end: str) -> list[tuple[str, str, str, int, int]]:
        """(week, sent | held_out, learner, come-back nudges, of which the learner was active within RETURN_DAYS)."""
        return self._during(
            f"SELECT {self.week(_WHEN)}, n.status, n.learner_id, count(*), "
            f"count(*) FILTER (WHERE EXISTS (SELECT 1 FROM events e WHERE {self.returned})) FROM nudges n "
            f"WHERE n.kind = 'come_back' AND n.status IN ('sent', 'held_out') AND {_WHEN} >= :start "
            f"AND {_WHEN} < :end{self._in('n.learner_id')} GROUP BY 1, 2, 3",
            start,
            end,
        )

    # -- catalog health ----------------------------------------------------------------------------------------
    def catalog_health(
        self, shown_since: str, end: str, min_group: int, silos: Silos
    ) -> list[tuple[str | None, str | None, int, int, int]]:
        """(language, level, courses, not shown in [shown_since, end), never started before `end`). A course counts
        as shown (started) only in a week when at least `min_group` people of one silo (`silos`, the scope's) were
        shown (started) it."""
        shown_join, shown_silo = silos.by_silo("a.learner_id")
        started_join, started_silo = silos.by_silo("e.learner_id")
        return self._rows(
            f"WITH shown AS (SELECT DISTINCT i.course_id FROM impressions i JOIN answers a ON a.id = i.answer_id"
            f"{shown_join} WHERE a.created_at >= :shown_since AND a.created_at < :end{self._in('a.learner_id')} "
            f"GROUP BY i.course_id, {self.week('a.created_at')}{shown_silo} "
            f"HAVING count(DISTINCT a.learner_id) >= :min_group), "
            f"started AS (SELECT DISTINCT e.course_id FROM events e{started_join} WHERE e.kind IN {sql_list(ENGAGED)} "
            f"AND e.at < :end AND e.course_id IS NOT NULL{self._in('e.learner_id')} GROUP BY e.course_id, "
            f"{self.week('e.at')}{started_silo} HAVING count(DISTINCT e.learner_id) >= :min_group) "
            f"SELECT c.language, c.level, count(*), count(*) FILTER (WHERE c.id NOT IN (SELECT course_id FROM shown)), "
            f"count(*) FILTER (WHERE c.id NOT IN (SELECT course_id FROM started)) FROM courses c "
            f"GROUP BY c.language, c.level",
            {"shown_since": shown_since, "end": end, "min_group": min_group},
        )

    # -- nudge outcomes (`upnext nudges stats` and the report) ---------------------------------------------------
    def nudges_by_status(self, since: str | None, until: str | None) -> list[tuple[str, str, int]]:
        """(kind, status, nudges)."""
        window, values = _nudge_window(since, until)
        return self.store.sql.rows(
            f"SELECT kind, status, count(*) FROM nudges n WHERE {window} GROUP BY kind, status", values
        )

    def nudges_clicked(self, since: str | None, until: str | None) -> dict[str, int]:
        """Kind -> nudges with at least one click on their cards."""
        window, values = _nudge_window(since, until)
        rows = self.store.sql.rows(
            f"SELECT n.kind, count(DISTINCT n.id) FROM nudges n JOIN events e ON e.source = 'nudge' "
            f"AND e.value = CAST(n.id AS TEXT) WHERE {window} GROUP BY n.kind",
            values,
        )
        return {kind: n for kind, n in rows}

    def nudges_returned(self, since: str | None, until: str | None) -> dict[tuple[str, str], int]:
        """(kind, sent | held_out) -> nudges whose learner was active within RETURN_DAYS after it."""
        window, values = _nudge_window(since, until)
        rows = self.store.sql.rows(
            f"SELECT n.kind, n.status, count(DISTINCT n.id) FROM nudges n JOIN events e ON {self.returned} "
            f"WHERE n.status IN ('sent', 'held_out') AND {window} GROUP BY n.kind, n.status",
            values,
        )
        return {(kind, status): n for kind, status, n in rows}

    def come_back_returns(self, status: str, since: str | None, until: str | None) -> tuple[int, int]:
        """(come-back nudges with this status, of which the learner was active within RETURN_DAYS after it)."""
        window, values = _nudge_window(since, until)
        total, came_back = self.store.sql.rows(
            f"SELECT count(*), count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM events e WHERE {self.returned}) "
            f"THEN n.id END) FROM nudges n WHERE n.kind = 'come_back' AND n.status = :status AND {window}",
            {"status": status, **values},
        )[0]
        return total, came_back
