"""Clicks on course cards and the feedback after Done, each recorded against the answer that showed the card.

The cards' buttons are Start, Save, Done, Not for me and Undo; the feedback after Done is 👍 / 👎 and a comment. Each is
recorded against the answer, and through it the nudge, that showed the card.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.block_kit.blocks import Message, text_message
from bot.block_kit.feedback import RATE_ACTIONS, comment_modal, rating_prompt, rating_thanks, submitted_comment
from bot.block_kit.mrkdwn import escape, truncate
from bot.i18n import messages_for
from learning.catalog.courses import Course, CourseRepository
from learning.catalog.json_input import loads as parse_json
from learning.people.answers import Answer, AnswerRepository
from learning.people.history import COMPLETED, DISMISSED, SAVED, STARTED, UNDISMISSED, UNSAVED, EventRepository
from learning.people.learners import Learner
from learning.timestamps import utcnow

log = logging.getLogger(__name__)

ACTION_EVENTS = {
    "course_start": STARTED,
    "course_save": SAVED,
    "course_unsave": UNSAVED,
    "course_done": COMPLETED,
    "course_dismiss": DISMISSED,
    "course_undismiss": UNDISMISSED,
}


def course_on_card(courses: CourseRepository, value: str) -> Course | None:
    """The course a card's button names (its value is {"a": answer, "c": course}); None for a bad value."""
    try:
        return courses.get(str(parse_json(value)["c"]))
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class CardClicks:
    courses: CourseRepository
    history: EventRepository
    answers: AnswerRepository
    clock: Callable[[], datetime] = utcnow

    def _clicked_card(self, learner: Learner, value: str) -> tuple[Answer | None, Course] | None:
        """The answer (if it is this learner's) and the course a card button names; None for a bad value."""
        try:
            data = parse_json(value)
            answer_id, course_id = int(data["a"]), str(data["c"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed button value (%d characters)", len(value))
            return None
        course = self.courses.get(course_id)
        if course is None:
            return None
        answer = self.answers.get(answer_id) if answer_id else None
        if answer is not None and answer.learner_id != learner.slack_id:
            answer = None  # someone else's card (a shared message): the click counts, not towards that answer
        return answer, course

    def course_action(self, learner: Learner, action_id: str, value: str) -> Answer | None:
        """Record what the click means; returns the answer the card belonged to."""
        clicked = self._clicked_card(learner, value)
        if clicked is None:
            return None
        answer, course = clicked
        nudge = answer.nudge_id if answer else None
        self.history.record(
            learner.slack_id, course.id, ACTION_EVENTS[action_id], source="nudge" if nudge else "slack",
            at=self.clock(), value=str(nudge) if nudge else None, answer_id=answer.id if answer else None,
        )  # fmt: skip
        return answer

    def confirmation(self, learner: Learner, action: dict[str, Any]) -> Message | None:
        """What a Start or Save click on an unfurled course did, told to the person who clicked."""
        clicked = self._clicked_card(learner, action.get("value") or "")
        kind = {"course_start": "unfurl.started", "course_save": "unfurl.saved"}.get(action.get("action_id", ""))
        if clicked is None or kind is None:
            return None
        return text_message(messages_for(learner)(kind, title=escape(truncate(clicked[1].title, 150))))

    def rating_prompt(self, learner: Learner, value: str) -> Message | None:
        """After Done: "Worth your time?" for the course on the clicked card."""
        clicked = self._clicked_card(learner, value)
        if clicked is None:
            return None
        answer, course = clicked
        return rating_prompt(course, answer.id if answer else None, messages_for(learner))

    def rate(self, learner: Learner, action_id: str, value: str) -> Message | None:
        """Record 👍 or 👎 (the latest one counts); thanks, with a button for an optional comment. A course the
        learner has not finished is not rated: they are told so."""
        clicked = self._clicked_card(learner, value)
        if clicked is None:
            return None
        answer, course = clicked
        t = messages_for(learner)
        if not self.history.rate(learner.slack_id, course.id, RATE_ACTIONS[action_id], self.clock(),
                                 answer.id if answer else None):  # fmt: skip
            return text_message(t("rate.not_finished"))
        return rating_thanks(course.id, t)

    def comment_view(self, learner: Learner, value: str) -> dict[str, Any] | None:
        course = course_on_card(self.courses, value)
        return comment_modal(course, messages_for(learner)) if course else None

    def save_comment(self, learner_id: str, view: dict[str, Any]) -> bool:
        """Keep the comment with the learner's rating of the course (stored as typed; escaped wherever shown)."""
        course_id, text = submitted_comment(view)
        if not (course_id and text):
            return False
        return self.history.comment(learner_id, course_id, text)
