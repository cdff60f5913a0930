"""Publishing the App Home tab with views.publish, and never leaving it broken.

The tab is built from the learner's rows and progress; a short notice goes up when it cannot be built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.block_kit.home_view import home_view, notice_home, row_title
from bot.failures import log_failure
from bot.i18n import Messages, messages_for
from bot.use_cases.questions import card_states, record_answer
from config.nudges import NudgePolicy
from learning.people.achievements import Achievements
from learning.people.answers import AnswerRepository
from learning.people.history import EventRepository, course_states
from learning.people.learners import Learner
from learning.people.progress_strip import progress
from learning.recommend.picks import Pick, Row
from learning.recommend.recommender import Recommender
from learning.timestamps import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HomePublisher:
    recommender: Recommender
    history: EventRepository
    answers: AnswerRepository
    policy: NudgePolicy
    achievements: Achievements
    clock: Callable[[], datetime] = utcnow

    def _record(self, learner: Learner, row: Row, context: dict | None = None, seen: bool = True) -> int:
        return record_answer(self.answers, learner, f"home:{row.kind}", row.picks, "home", context, seen)

    def view(self, learner: Learner, opened: bool = False) -> dict[str, Any]:
        """The Home tab. Its cards count as shown only when the learner `opened` it, not when it is refreshed in
        the background after a click elsewhere."""
        rows = self.recommender.rows_for(learner)
        answer_ids = {row.kind: self._record(learner, row, seen=opened) for row in rows}
        now = self.clock()
        events = self.history.for_learner(learner.slack_id)  # read once: progress and the cards' states
        done = progress(events, learner.tz, now)
        states = card_states(course_states(events))
        self.achievements.update(learner, now, events)  # what an LMS import earned them shows up here first
        wins = self.achievements.of(learner)
        return home_view(learner, rows, done, now, messages_for(learner), answer_ids, states, self.policy, wins)

    def publish(self, client: WebClient, learner: Learner, opened: bool = False) -> None:
        """The learner's Home tab. If it cannot be built (a bug, or a record it chokes on), a short notice goes up
        instead: nothing stored about someone may lock them out of their own Home."""
        try:
            view = self.view(learner, opened)
        except Exception as error:
            log_failure(log, f"could not build the Home tab for {learner.slack_id}", error)
            view = notice_home(messages_for(learner)("home.unavailable"))
        self._publish(client, learner.slack_id, view)

    def publish_forgotten(self, client: WebClient, user_id: str, t: Messages) -> None:
        """The Home tab of someone Upnext has forgotten: empty, saying how to start again."""
        self._publish(client, user_id, notice_home(t("home.forgotten")))

    @staticmethod
    def _publish(client: WebClient, user_id: str, view: dict[str, Any]) -> None:
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            log.warning("views.publish failed for %s: %s", user_id, error)

    def more(self, learner: Learner, row_kind: str) -> tuple[str, list[Pick], int] | None:
        """More picks for one Home row, for the "More" modal."""
        row = next((r for r in self.recommender.rows_for(learner, size=10) if r.kind == row_kind), None)
        if row is None:
            return None
        title = row_title(row, messages_for(learner))
        return title, row.picks, self._record(learner, row, {"title": title})
