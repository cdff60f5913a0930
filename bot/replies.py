"""What the bot says, for every way of asking: knows who is asking (from their Slack profile), routes free text to
the recommender or to search, records each answer so its buttons can redraw it, and keeps the Home tab current.

Listeners stay small: they ack, then call one method here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from admin.signin import SignIn
from bot import blocks
from bot.blocks import CardState, Message
from bot.feedback import (
    RATE_ACTIONS,
    admin_link_message,
    admin_refusal,
    comment_modal,
    rating_prompt,
    rating_thanks,
    submitted_comment,
)
from bot.home_view import home_view, notice_home, row_title
from bot.i18n import Messages
from bot.modals import MAX_OPTIONS, interests_modal, offered_interests
from bot.mrkdwn import echo, escape, truncate
from config.nudges import NudgePolicy
from config.reporting import Reporting
from learning.answers import Answer, ShownPick
from learning.courses import Course
from learning.history import (
    COMPLETED,
    DISMISSED,
    NUDGES_OFF,
    NUDGES_SNOOZED,
    SAVED,
    STARTED,
    UNDISMISSED,
    UNSAVED,
    CourseState,
    fold,
)
from learning.intent import EMPTY, GREETING, HELP, NEXT, classify
from learning.json_input import loads as parse_json
from learning.learners import PROFILE_MAX_AGE, Learner, profile_from_slack
from learning.progress import progress
from learning.recommender import Pick, Reason
from learning.search import words
from learning.service import LearningService
from learning.store import iso, utcnow

log = logging.getLogger(__name__)

ACTION_EVENTS = {
    "course_start": STARTED,
    "course_save": SAVED,
    "course_unsave": UNSAVED,
    "course_done": COMPLETED,
    "course_dismiss": DISMISSED,
    "course_undismiss": UNDISMISSED,
}
_SNOOZE = re.compile(r"^(\d{1,3})\s*(d|day|days|w|wk|week|weeks)?$")


def card_states(states: dict[str, CourseState]) -> dict[str, CardState]:
    """What each course's card shows (started, saved, done, dismissed), from the learner's course states."""
    return {
        course_id: CardState(
            started=state.started_at is not None,
            saved=state.saved,
            done=state.completed_at is not None,
            dismissed=state.dismissed,
        )
        for course_id, state in states.items()
    }


def snooze_length(text: str) -> timedelta | None:
    """'2w', '10d', '2 weeks', '3' (days) -> a duration of at most a year; None if unreadable."""
    match = _SNOOZE.match(text.strip().lower())
    if not match:
        return None
    amount = int(match.group(1))
    days = amount * 7 if (match.group(2) or "d").startswith("w") else amount
    return timedelta(days=days) if 0 < days <= 366 else None


class Replies:
    def __init__(
        self,
        service: LearningService,
        clock: Callable[[], datetime] = utcnow,
        policy: NudgePolicy | None = None,
        reporting: Reporting | None = None,
    ):
        self.service = service
        self.clock = clock
        self.policy = policy or NudgePolicy()
        self.reporting = reporting or Reporting()
        self.answers = service.answers

    # -- who is asking ---------------------------------------------------------------------------------------------
    def learner(self, client: WebClient, user_id: str) -> Learner:
        """The person using Upnext right now (idle days for come-back nudges count from here), created or refreshed
        from their Slack profile (users.info) when new or a week old. Someone who asked to be forgotten and uses
        Upnext again starts afresh, with nothing from before."""
        learner = self._profile(client, user_id)
        self.service.learners.touch(user_id, self.clock())
        return learner

    def visitor(self, client: WebClient, user_id: str) -> Learner | None:
        """Someone who opened the Home tab or an assistant thread: the learner, or None for a person who asked to be
        forgotten and has not used Upnext since. Looking is not using: nothing is created for them."""
        learners = self.service.learners
        if learners.get(user_id) is None and learners.forgotten_at(user_id):
            return None
        return self.learner(client, user_id)

    def _profile(self, client: WebClient, user_id: str) -> Learner:
        learners = self.service.learners
        known = learners.get(user_id)
        fresh = (
            known and known.profile_refreshed_at and known.profile_refreshed_at > iso(self.clock() - PROFILE_MAX_AGE)
        )
        if known is not None and fresh:
            return known
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, OSError) as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return known or learners.ensure(user_id)
        return learners.save_profile(user_id, profile_from_slack(user))

    def first_delivery(self, body: dict[str, Any]) -> bool:
        """False for an event Slack delivered before (its retries reuse the event id): answer each once. Called by
        event listeners after Bolt has acknowledged the request, never before: this is a write, and a write can
        wait on the database (an import holding the lock), while an acknowledgement must not wait at all."""
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or self.service.seen_events.first_sighting(event_id):
            return True
        log.info("skipped a repeated delivery of event %s", event_id)
        return False

    def refresh_profile(self, user: Any) -> None:
        """`user_change`: keep name, title, time zone and locale current (only for people Upnext already knows)."""
        if isinstance(user, dict) and isinstance(user.get("id"), str) and self.service.learners.get(user["id"]):
            self.service.learners.save_profile(user["id"], profile_from_slack(user))

    @staticmethod
    def messages(learner: Learner | None) -> Messages:
        """UI strings in the learner's language (English for someone Upnext does not know yet)."""
        return Messages(learner.locale if learner else None)

    def states(self, learner: Learner) -> dict[str, CardState]:
        return card_states(self.service.history.states(learner.slack_id))

    # -- answers ---------------------------------------------------------------------------------------------------
    def _record(
        self, learner: Learner, kind: str, picks: list[Pick], surface: str, context: dict | None = None, seen=True
    ) -> int:
        shown = [ShownPick(p.course.id, p.reason) for p in picks]
        return self.answers.save(learner.slack_id, kind, shown, context, surface=surface, seen=seen)

    def next_answer(self, learner: Learner, hint: str = "", *, surface: str) -> Message:
        picks = self.service.recommender.next_for(learner, query=hint or None, k=5)
        answer_id = self._record(learner, "next", picks, surface, {"hint": hint})
        t = self.messages(learner)
        return blocks.picks_answer(picks, t, learner.name, hint or None, answer_id, self.states(learner))

    def search_answer(self, learner: Learner, text: str, *, surface: str) -> Message:
        """Search; the question is kept with how close the catalog's best match came (for content gaps)."""
        result = self.service.search.search(text, k=5)
        picks = [Pick(hit.course, Reason("match")) for hit in result.hits]
        closest = self.service.search.dense(result.query.text, 1) if words(result.query.text) else []
        context = {"query": result.query.text, "top_similarity": round(closest[0][1], 4) if closest else 0.0}
        answer_id = self._record(learner, "search", picks, surface, context)
        return blocks.search_answer(result, self.messages(learner), answer_id, self.states(learner))

    def saved_answer(self, learner: Learner, *, surface: str) -> Message:
        states = self.service.history.states(learner.slack_id)
        saved_ids = [cid for cid, s in sorted(states.items(), key=lambda i: i[1].last_at, reverse=True) if s.saved]
        by_id = self.service.courses.many_by_id(saved_ids)
        courses = [by_id[cid] for cid in saved_ids if cid in by_id]
        answer_id = self._record(learner, "saved", [Pick(c, Reason("saved")) for c in courses], surface)
        return blocks.saved_answer(courses, self.messages(learner), answer_id, card_states(states))

    def for_text(self, learner: Learner, text: str, *, surface: str) -> Message:
        """Free text from a DM, a mention, an assistant thread or `/learn`."""
        intent = classify(text)
        t = self.messages(learner)
        if intent.kind == NEXT:
            return self.next_answer(learner, intent.text, surface=surface)
        if intent.kind in (HELP, EMPTY):
            return blocks.help_message(t)
        if intent.kind == GREETING:
            return blocks.text_message(t.named("greeting.reply", echo(learner.name)))
        return self.search_answer(learner, intent.text, surface=surface)

    def welcome(self, learner: Learner) -> Message | None:
        """A short welcome with the interests picker, once, for someone who has not picked interests yet."""
        if learner.onboarded_at or learner.interests or learner.welcomed_at:
            return None
        self.service.learners.update(learner, welcomed_at=iso(self.clock()))
        return blocks.welcome_message(learner, self.messages(learner))

    def picks_of(self, answer: Answer) -> list[Pick]:
        by_id = self.service.courses.many_by_id(p.course_id for p in answer.picks)
        return [Pick(by_id[p.course_id], p.reason) for p in answer.picks if p.course_id in by_id]

    def redraw(self, answer: Answer, learner: Learner) -> Message | None:
        """The answer again, as it was, with each card showing what the learner has done since."""
        picks = self.picks_of(answer)
        t, states = self.messages(learner), self.states(learner)
        courses = [p.course for p in picks]
        if answer.kind == "search":
            return blocks.search_cards(answer.context.get("query", ""), courses, t, answer.id, states)
        if answer.kind == "done":
            return blocks.done_choice(courses, t, answer.id, states)
        if answer.kind == "saved":
            return blocks.saved_answer(courses, t, answer.id, states)
        if answer.kind == "next":
            return blocks.picks_answer(picks, t, learner.name, answer.context.get("hint") or None, answer.id, states)
        return None  # Home rows and modals are redrawn by publishing the view again

    # -- clicks ----------------------------------------------------------------------------------------------------
    def _clicked_card(self, learner: Learner, value: str) -> tuple[Answer | None, Course] | None:
        """The answer (if it is this learner's) and the course a card button names; None for a bad value."""
        try:
            data = parse_json(value)
            answer_id, course_id = int(data["a"]), str(data["c"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed button value %r", value[:200])
            return None
        course = self.service.courses.get(course_id)
        if course is None:
            return None
        answer = self.answers.get(answer_id) if answer_id else None
        if answer is not None and answer.learner_id != learner.slack_id:
            answer = None  # someone else's card (a shared message): the click counts, not towards that answer
        return answer, course

    def _record_click(self, learner: Learner, answer: Answer | None, course_id: str, kind: str, value=None) -> None:
        nudge = answer.nudge_id if answer else None
        self.service.history.record(
            learner.slack_id, course_id, kind, source="nudge" if nudge else "slack", at=self.clock(),
            value=value or (str(nudge) if nudge else None), answer_id=answer.id if answer else None,
        )  # fmt: skip

    def course_action(self, learner: Learner, action_id: str, value: str) -> Answer | None:
        """Record what the click means; returns the answer the card belonged to."""
        clicked = self._clicked_card(learner, value)
        if clicked is None:
            return None
        answer, course = clicked
        self._record_click(learner, answer, course.id, ACTION_EVENTS[action_id])
        return answer

    # -- feedback ----------------------------------------------------------------------------------------------
    def rating_prompt(self, learner: Learner, value: str) -> Message | None:
        """After Done: "Worth your time?" for the course on the clicked card."""
        clicked = self._clicked_card(learner, value)
        if clicked is None:
            return None
        answer, course = clicked
        return rating_prompt(course, answer.id if answer else None, self.messages(learner))

    def rate(self, learner: Learner, action_id: str, value: str) -> Message | None:
        """Record 👍 or 👎 (the latest one counts); thanks, with a button for an optional comment."""
        clicked = self._clicked_card(learner, value)
        if clicked is None:
            return None
        answer, course = clicked
        self.service.history.rate(learner.slack_id, course.id, RATE_ACTIONS[action_id], self.clock(),
                                  answer.id if answer else None)  # fmt: skip
        return rating_thanks(course.id, self.messages(learner))

    def comment_view(self, learner: Learner, value: str) -> dict[str, Any] | None:
        try:
            course = self.service.courses.get(str(parse_json(value)["c"]))
        except (ValueError, KeyError, TypeError):
            return None
        return comment_modal(course, self.messages(learner)) if course else None

    def save_comment(self, learner_id: str, view: dict[str, Any]) -> bool:
        """Keep the comment with the learner's rating of the course (stored as typed; escaped wherever shown)."""
        course_id, text = submitted_comment(view)
        return bool(course_id and text) and self.service.history.comment(learner_id, course_id, text)

    # -- admin -------------------------------------------------------------------------------------------------
    def is_admin(self, client: WebClient, user_id: str) -> bool:
        """A workspace admin or owner (asked of Slack now, not from a cached profile), or named in UPNEXT_ADMINS."""
        if user_id in self.reporting.admins:
            return True
        try:
            user = client.users_info(user=user_id)["user"]
        except (SlackApiError, OSError) as error:
            log.warning("users.info failed for an admin check: %s", error)
            return False
        return bool(user.get("is_admin") or user.get("is_owner")) and not user.get("deleted")

    def admin_link(self, client: WebClient, learner: Learner) -> Message:
        t = self.messages(learner)
        if not self.is_admin(client, learner.slack_id):
            return admin_refusal(t)
        if not self.reporting.public_url:
            return admin_refusal(t, "admin.no_url")
        link = SignIn(self.service.admin_tokens).link(learner.slack_id, self.reporting.public_url)
        return admin_link_message(link, t)

    def mark_done(self, learner: Learner, text: str, *, surface: str) -> Message:
        """`/learn done <course>`: the course whose title matches; a choice when it is not clear which."""
        t = self.messages(learner)
        if not text.strip():
            return blocks.text_message(t("done.usage"))
        result = self.service.search.search(text, k=3)
        hits = [h for h in result.hits if h.matched != "meaning"]  # the words must appear, not just something near
        if not hits:
            return blocks.text_message(t("done.none", query=echo(text)))
        top = hits[0]
        if top.matched == "title" or len(hits) == 1:
            self.service.history.record(learner.slack_id, top.course.id, COMPLETED)
            return blocks.text_message(t("done.marked", title=escape(truncate(top.course.title, 150))))
        picks = [Pick(h.course, Reason("match")) for h in hits]
        answer_id = self._record(learner, "done", picks, surface, {"query": result.query.text})
        return blocks.done_choice([p.course for p in picks], t, answer_id)

    # -- settings --------------------------------------------------------------------------------------------------
    def set_nudges(self, learner: Learner, words: str) -> Message:
        t = self.messages(learner)
        command, _, rest = words.strip().lower().partition(" ")
        learners = self.service.learners
        if command == "off":
            learners.update(learner, nudges="off")
            self.service.history.record(learner.slack_id, None, NUDGES_OFF, at=self.clock())
            return blocks.text_message(t("nudges.off"))
        if command == "on":
            learners.update(learner, nudges="on", snoozed_until=None)
            return blocks.text_message(t("nudges.on", cap=self.policy.weekly_cap))
        if command == "snooze":
            length = snooze_length(rest or "2w")
            if length is not None:
                until = iso(self.clock() + length)
                learners.update(learner, snoozed_until=until)
                self.service.history.record(learner.slack_id, None, NUDGES_SNOOZED, at=self.clock())
                return blocks.text_message(t("nudges.snoozed", date=until[:10]))
        return blocks.text_message(t("nudges.usage"))

    def interests_view(self, learner: Learner, origin: str = "") -> dict[str, Any]:
        topics = self.service.courses.top_topics(MAX_OPTIONS)
        return interests_modal(topics, learner, self.messages(learner), origin)

    def offered_interests(self, learner: Learner) -> list[str]:
        """What the interests picker offers this learner: the only values a submission may store."""
        return offered_interests(self.service.courses.top_topics(MAX_OPTIONS), learner)

    def save_interests(self, learner: Learner, interests: list[str], role: str | None) -> Learner:
        changes: dict[str, Any] = {"interests": tuple(interests), "onboarded_at": iso(self.clock())}
        if role and role != learner.title:
            changes["title"] = role
        return self.service.learners.update(learner, **changes)

    def privacy_message(self, learner: Learner) -> Message:
        counts = self.service.privacy.summary(learner)
        return blocks.privacy_message(learner, counts, self.messages(learner), self.reporting.min_group)

    # -- home ------------------------------------------------------------------------------------------------------
    def home(self, learner: Learner, opened: bool = False) -> dict[str, Any]:
        """The Home tab. Its cards count as shown only when the learner `opened` it, not when it is refreshed in
        the background after a click elsewhere."""
        rows = self.service.recommender.rows_for(learner)
        answer_ids = {row.kind: self._record(learner, f"home:{row.kind}", row.picks, "home", seen=opened)
                      for row in rows}  # fmt: skip
        now = self.clock()
        events = self.service.history.for_learner(learner.slack_id)  # read once: progress and the cards' states
        done = progress(events, learner.tz, now)
        states = card_states(fold(events))
        return home_view(learner, rows, done, now, self.messages(learner), answer_ids, states, self.policy.weekly_cap)

    def publish_home(self, client: WebClient, learner: Learner, opened: bool = False) -> None:
        """The learner's Home tab. If it cannot be built (a bug, or a record it chokes on), a short notice goes up
        instead: nothing stored about someone may lock them out of their own Home."""
        try:
            view = self.home(learner, opened)
        except Exception:
            log.exception("could not build the Home tab for %s", learner.slack_id)
            view = notice_home(self.messages(learner)("home.unavailable"))
        self._publish(client, learner.slack_id, view)

    def publish_forgotten_home(self, client: WebClient, user_id: str, t: Messages) -> None:
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
        row = next((r for r in self.service.recommender.rows_for(learner, size=10) if r.kind == row_kind), None)
        if row is None:
            return None
        title = row_title(row, self.messages(learner))
        return title, row.picks, self._record(learner, f"home:{row.kind}", row.picks, "home", {"title": title})
