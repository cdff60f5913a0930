"""A manager's team figures (`/learn team`): what their reports did, folded like the dashboard, never a person.

Active learners, courses finished and the topics the team takes, over the last 4 and 12 finished weeks, from weekly
cells (insights.cells): no figure comes from fewer than the minimum group of people, and two windows differ only by
whole weeks. Active learners are the average of the weekly counts, as on the dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from insights.cells import Cells, weekly_average
from insights.report import Window
from insights.rollups import Rollups
from learning.catalog.courses import CourseRepository
from learning.people.history import COMPLETED, ENGAGED
from learning.store.engine import Store

PERIODS = (4, 12)  # weeks
TOP_TOPICS = 3


@dataclass(frozen=True)
class TeamPeriod:
    weeks: int
    active: int  # the average of the weekly counts of reports who used Upnext
    finished: int  # courses finished
    topics: list[str]  # the topics of the courses the team took most, most first


class TeamFigures:
    """Read-only: the usage roll-ups, events and courses of a set of learners."""

    def __init__(self, store: Store, courses: CourseRepository):
        self.store = store
        self.courses = courses
        self.rollups = Rollups(store)

    def periods(self, learner_ids: Sequence[str], min_group: int, today: date) -> list[TeamPeriod]:
        """The figures of these learners over each of PERIODS, each week's cells of at least `min_group` people."""
        longest = Window.last_weeks(max(PERIODS), today)
        weekly = self._cells(learner_ids, longest).weekly(min_group)
        return [self._period(weekly, Window.last_weeks(weeks, today).weeks) for weeks in PERIODS]

    @staticmethod
    def _period(weekly: dict[str, dict[tuple[str, str, str], int]], weeks: list[str]) -> TeamPeriod:
        totals: dict[tuple[str, str, str], int] = defaultdict(int)
        for week in weeks:
            for key, value in weekly.get(week, {}).items():
                totals[key] += value
        topics = sorted(((v, g) for (b, g, _), v in totals.items() if b == "topic" and v), key=lambda x: (-x[0], x[1]))
        return TeamPeriod(
            len(weeks),
            weekly_average(totals[("all", "all", "active")], len(weeks)),
            totals[("all", "all", "finished")],
            [topic for _, topic in topics[:TOP_TOPICS]],
        )

    def _cells(self, learner_ids: Sequence[str], window: Window) -> Cells:
        self.rollups.update()
        cells = Cells(people=("active",))
        ids, start, end = tuple(learner_ids), window.start, window.end
        for learner, day in self.store.sql.rows(
            "SELECT DISTINCT learner_id, day FROM usage_days WHERE learner_id IN (:ids) "
            "AND day >= substr(:start, 1, 10) AND day < substr(:end, 1, 10)",
            {"ids": ids, "start": start, "end": end},
        ):
            cells.add(_monday(day), learner, {"all": "all"}, active=1)
        taken = self.store.sql.rows(
            "SELECT DISTINCT learner_id, course_id, kind, substr(at, 1, 10) FROM events WHERE learner_id IN (:ids) "
            "AND kind IN (:kinds) AND at >= :start AND at < :end",
            {"ids": ids, "kinds": ENGAGED, "start": start, "end": end},
        )
        topics = {c.id: c.topics for c in self.courses.many_by_id({row[1] for row in taken}).values()}
        for learner, _, kind, day in taken:
            if kind == COMPLETED:
                cells.add(_monday(day), learner, {"all": "all"}, finished=1)
        for week, learner, course in {(_monday(day), learner, course) for learner, course, _, day in taken}:
            for topic in topics.get(course, ()):  # a course taken counts once a week, enrolled, started or finished
                cells.add(week, learner, {"topic": topic}, took=1)
        return cells


def _monday(day: str) -> str:
    moment = date.fromisoformat(day)
    return (moment - timedelta(days=moment.weekday())).isoformat()
