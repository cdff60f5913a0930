"""Managers: `/learn team`'s figures of their direct reports, and recommending a course to those reports.

Both are for a manager with at least the minimum group of direct reports who have used Upnext (in the manager's
workspace or Grid org); anyone else gets the same polite refusal, which says nothing of who used it. A
recommendation is only recorded here: the clock plans it as a nudge to each report (scheduler.planner), so the
weekly cap, working hours, snooze and nudges off apply, and the manager is never told who got it or who clicked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.block_kit.blocks import Message, text_message
from bot.block_kit.social.team import recommend_choices, recommended, team_message, team_refusal
from bot.i18n import messages_for
from insights.teams.figures import TeamFigures
from learning.catalog.courses import CourseRepository
from learning.people.learners import Learner, LearnerRepository
from learning.search.course_search import CourseSearch
from learning.teams.reporting import ReportingLines, team_of
from learning.timestamps import utcnow

RECOMMEND_WORD = "recommend"


@dataclass(frozen=True)
class Team:
    lines: ReportingLines
    learners: LearnerRepository
    courses: CourseRepository
    search: CourseSearch
    figures: TeamFigures
    min_group: int
    clock: Callable[[], datetime] = utcnow

    def _big_enough(self, manager: Learner) -> list[Learner] | None:
        """The manager's reports who used Upnext, when there are at least the minimum group of them."""
        team = team_of(manager, self.lines, self.learners)
        return team if len(team) >= self.min_group else None

    def answer(self, manager: Learner, words: str) -> Message:
        """`/learn team` (the figures) or `/learn team recommend <words>` (courses to choose from)."""
        t = messages_for(manager)
        team = self._big_enough(manager)
        if team is None:
            return team_refusal(t, self.min_group)
        first, _, rest = words.strip().partition(" ")
        if first.lower() == RECOMMEND_WORD:
            if not rest.strip():
                return text_message(t("team.recommend_hint"))
            return recommend_choices(self.search.search(rest, k=5, locale=manager.speaks).courses, rest, t)
        periods = self.figures.periods([lr.slack_id for lr in team], self.min_group, self.clock().date())
        return team_message(periods, t, self.min_group)

    def recommend(self, manager: Learner, course_id: str) -> Message:
        """Record the recommendation for the clock to plan; the manager learns nothing about any report."""
        t = messages_for(manager)
        if self._big_enough(manager) is None:
            return team_refusal(t, self.min_group)
        course = self.courses.get(course_id)
        if course is None:
            return text_message(t("team.gone"))
        self.lines.recommend(manager.slack_id, course.id, self.clock())
        return recommended(course, t)
