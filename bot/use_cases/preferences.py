"""What learners choose for themselves: their interests, their nudges and their language.

Interests are asked for once, in a first welcome; nudges are on, off or snoozed; the language is their Slack
locale's unless they choose another (`/learn language`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.block_kit import blocks
from bot.block_kit.blocks import Message
from bot.block_kit.modals import MAX_OPTIONS, interests_modal, offered_interests
from bot.i18n import language_name, language_named, messages_for, supported
from config.nudges import NudgePolicy
from learning.catalog.courses import CourseRepository
from learning.people.history import NUDGES_OFF, NUDGES_ON, NUDGES_SNOOZED, EventRepository
from learning.people.learners import Learner, LearnerRepository
from learning.timestamps import iso, utcnow

_SNOOZE = re.compile(r"^(\d{1,3})\s*(d|day|days|w|wk|week|weeks)?$")


def snooze_length(text: str) -> timedelta | None:
    """'2w', '10d', '2 weeks', '3' (days) -> a duration of at most a year; None if unreadable."""
    match = _SNOOZE.match(text.strip().lower())
    if not match:
        return None
    amount = int(match.group(1))
    days = amount * 7 if (match.group(2) or "d").startswith("w") else amount
    return timedelta(days=days) if 0 < days <= 366 else None


@dataclass(frozen=True)
class Preferences:
    learners: LearnerRepository
    history: EventRepository
    courses: CourseRepository
    policy: NudgePolicy
    clock: Callable[[], datetime] = utcnow

    def welcome(self, learner: Learner) -> Message | None:
        """A short welcome with the interests picker, once, for someone who has not picked interests yet."""
        if learner.onboarded_at or learner.interests or learner.welcomed_at:
            return None
        self.learners.update(learner, welcomed_at=iso(self.clock()))
        return blocks.welcome_message(learner, messages_for(learner))

    def interests_view(self, learner: Learner, origin: str = "") -> dict[str, Any]:
        topics = self.courses.top_topics(MAX_OPTIONS)
        return interests_modal(topics, learner, messages_for(learner), origin)

    def offered_interests(self, learner: Learner) -> list[str]:
        """What the interests picker offers this learner: the only values a submission may store."""
        return offered_interests(self.courses.top_topics(MAX_OPTIONS), learner)

    def save_interests(self, learner: Learner, interests: list[str], role: str | None) -> Learner:
        changes: dict[str, Any] = {"interests": tuple(interests), "onboarded_at": iso(self.clock())}
        if role and role != learner.title:
            changes["title"] = role
        return self.learners.update(learner, **changes)

    def set_nudges(self, learner: Learner, words: str) -> Message:
        t = messages_for(learner)
        command, _, rest = words.strip().lower().partition(" ")
        if command == "off":
            self.learners.update(learner, nudges="off")
            self.history.record(learner.slack_id, None, NUDGES_OFF, at=self.clock())
            return blocks.text_message(t("nudges.off"))
        if command == "on":
            self.learners.update(learner, nudges="on", snoozed_until=None)
            self.history.record(learner.slack_id, None, NUDGES_ON, at=self.clock())  # ends a snooze (achievements)
            return blocks.text_message(t("nudges.on", **blocks.nudge_terms(self.policy, t)))
        if command == "snooze":
            length = snooze_length(rest or "2w")
            if length is not None:
                until = iso(self.clock() + length)
                self.learners.update(learner, snoozed_until=until)
                self.history.record(learner.slack_id, None, NUDGES_SNOOZED, at=self.clock(), value=until)
                return blocks.text_message(t("nudges.snoozed", date=blocks.local_day(until, learner.tz)))
        return blocks.text_message(t("nudges.usage"))

    def set_language(self, learner: Learner, words: str) -> Message:
        """`/learn language pt-BR` (a code or a name) or `auto` (their Slack locale's again); anything else says how,
        and which language Upnext speaks with them now. The answer comes in the language it leaves them in."""
        word = words.strip()
        if word.lower() in ("auto", "slack"):
            learner = self.learners.update(learner, language=None)
            t = messages_for(learner)
            return blocks.text_message(t("language.auto", language=language_name(t.language)))
        chosen = language_named(word) if word else None
        if chosen is None:
            t = messages_for(learner)
            choices = ", ".join(f"`{tag}` ({language_name(tag)})" for tag in supported())
            return blocks.text_message(t("language.usage", language=language_name(t.language), choices=choices))
        t = messages_for(self.learners.update(learner, language=chosen))
        return blocks.text_message(t("language.set", language=language_name(chosen)))

    def nudges_kept(self, learner: Learner) -> Message:
        """The answer to a check-in's "keep them": nudges stay as they are."""
        return blocks.text_message(messages_for(learner)("nudge.kept", cap=self.policy.weekly_cap))
