"""Sharing a course with colleagues or a channel, within limits, and never to someone who turned shares off.

A share reaches each person picked who accepts shares and is in the sharer's workspace (or Grid org), as a DM card
naming the sharer; a channel gets a card only when Upnext is a member (otherwise the sharer is told how to add it).
The sharer is never told who did not get it, nor how many: a count would name the one person picked alone.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.block_kit.blocks import Message, text_message
from bot.block_kit.mrkdwn import escape, truncate, unescape
from bot.block_kit.social.share import ShareRequest, share_card, share_modal
from bot.i18n import Messages, messages_for
from bot.respond import send
from bot.use_cases.clicks import course_on_card
from learning.catalog.courses import Course, CourseRepository
from learning.people.learners import Learner, LearnerRepository, profile_from_slack
from learning.people.shares import ShareRepository
from learning.timestamps import utcnow

log = logging.getLogger(__name__)

_URL = re.compile(r"https?://[^\s<>|\"'\\]+", re.IGNORECASE)
NOT_A_MEMBER = ("not_in_channel", "channel_not_found")


def linked_urls(message: dict[str, Any]) -> list[str]:
    """Every URL a Slack message carries (its text, blocks and attachments), in order, as written."""
    return list(dict.fromkeys(unescape(url).rstrip(".,;:!?)") for url in _URL.findall(json.dumps(message))))


def url_variants(url: str) -> list[str]:
    """How a catalog may spell the same link: with or without the fragment, a trailing slash, or https."""
    base = url.split("#", 1)[0]
    found = [url, base, base.rstrip("/"), base.rstrip("/") + "/"]
    found += [re.sub(r"^http://", "https://", u, flags=re.I) for u in found]
    found += [re.sub(r"^https://", "http://", u, flags=re.I) for u in found]
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Recipient:
    """Someone a share was addressed to, as Slack describes them now."""

    slack_id: str
    team_id: str | None
    enterprise_id: str | None
    speaks: str | None  # the language they chose in Upnext, else their Slack locale
    reachable: bool  # a person who can get a DM: not a bot, not deactivated


@dataclass(frozen=True)
class Sharing:
    shares: ShareRepository
    courses: CourseRepository
    learners: LearnerRepository
    clock: Callable[[], datetime] = utcnow

    def card_modal(self, learner: Learner, value: str) -> dict[str, Any] | None:
        """The share modal for the course on the card whose Share button was clicked (`value`: the button's)."""
        course = course_on_card(self.courses, value)
        return share_modal(course, messages_for(learner)) if course else None

    def message_modal(self, learner: Learner, message: dict[str, Any], channel_id: str | None) -> dict[str, Any] | None:
        """The share modal for the first catalog course a message links to (the channel it is in offered first);
        None when it links to none."""
        for url in linked_urls(message):
            found = self.courses.by_urls(url_variants(url))
            if found:
                return share_modal(found[0], messages_for(learner), channel_id)
        return None

    def problems(self, user_id: str, request: ShareRequest) -> dict[str, str]:
        """What the modal must say instead of sharing (answered inside the ack: from the store only)."""
        t = messages_for(self.learners.get(user_id))
        return request.problems(t, self.shares.left_today(user_id, self.clock()))

    def share(self, client: WebClient, sharer: Learner, request: ShareRequest) -> Message:
        """Send the share; what to tell the sharer."""
        t = messages_for(sharer)
        course = self.courses.get(request.course_id)
        if course is None:
            return text_message(t("share.no_course"))
        title = escape(truncate(course.title, 150))
        told: list[str] = []
        people = self._people(client, sharer, request.people)
        reached = [p.slack_id for p in people if self._deliver(client, sharer, course, request.note, p)]
        if request.people:
            told.append(t("share.sent_people", title=title))
        posted = None
        if request.channel:
            posted, line = self._post_in_channel(client, sharer, course, request, t)
            told.append(line)
        keep = [r for r in reached if not self._forgotten(r)]
        self.shares.record(sharer.slack_id, course.id, keep, self.clock(), note=request.note, channel_id=posted)
        return text_message("\n".join(told))

    def set_accepting(self, learner: Learner, words: str) -> Message:
        """`/learn shares off|on`."""
        t = messages_for(learner)
        word = words.strip().lower()
        if word not in ("on", "off"):
            return text_message(t("shares.usage"))
        self.shares.set_accepting(learner.slack_id, word == "on", self.clock())
        return text_message(t(f"shares.{word}"))

    def _people(self, client: WebClient, sharer: Learner, picked: tuple[str, ...]) -> list[Recipient]:
        """Those picked a share may reach: not the sharer, accepting shares, reachable, and in the sharer's
        workspace or Grid org wherever Slack says which."""
        refusing = self.shares.refusing(picked)
        found = []
        for user_id in picked:
            if user_id == sharer.slack_id or user_id in refusing:
                continue
            person = self._recipient(client, user_id)
            if person.reachable and same_workspace(sharer, person):
                found.append(person)
        return found

    def _recipient(self, client: WebClient, user_id: str) -> Recipient:
        """The person as Slack describes them (users.info), or as Upnext last knew them if Slack cannot say. Nothing
        is stored: being sent a course is not using Upnext."""
        try:
            profile = profile_from_slack(client.users_info(user=user_id, include_locale=True)["user"])
        except (SlackApiError, OSError) as error:
            code = error.response.get("error") if isinstance(error, SlackApiError) and error.response else error
            if code == "user_not_found":
                return Recipient(user_id, None, None, None, reachable=False)  # not someone this workspace sees
            log.warning("users.info failed for a share's recipient: %s", code)
            profile = self._known(user_id)
        known = self.learners.get(user_id)
        speaks = (known.language if known else None) or profile.get("locale")
        return Recipient(user_id, profile.get("team_id"), profile.get("enterprise_id"), speaks,
                         not (profile.get("is_bot") or profile.get("deleted")))  # fmt: skip

    def _known(self, user_id: str) -> dict[str, Any]:
        """What Upnext last knew of someone from their Slack profile (nothing for a stranger)."""
        known = self.learners.get(user_id)
        fields = ("team_id", "enterprise_id", "locale", "is_bot", "deleted")
        return {name: getattr(known, name) for name in fields} if known else {}

    def _deliver(self, client: WebClient, sharer: Learner, course: Course, note: str, person: Recipient) -> bool:
        card = share_card(course, sharer.name, note, Messages(person.speaks))
        try:
            send(client.chat_postMessage, card, channel=person.slack_id)
        except SlackApiError as error:
            log.warning("a share's DM failed: %s", error.response.get("error") if error.response else error)
            return False
        return True

    def _post_in_channel(
        self, client: WebClient, sharer: Learner, course: Course, request: ShareRequest, t: Messages
    ) -> tuple[str | None, str]:
        """(the channel, if the card was posted there; the line telling the sharer what happened)."""
        channel = request.channel
        assert channel is not None
        try:
            member = client.conversations_info(channel=channel)["channel"].get("is_member")
        except SlackApiError as error:  # no scope for a private channel, or one Upnext cannot see: try the post
            log.info("conversations.info failed for a share's channel: %s", error.response.get("error"))
            member = None
        if member is False:
            return None, t("share.not_in_channel", channel=channel)
        try:
            send(client.chat_postMessage, share_card(course, sharer.name, request.note, t, channel=True),
                 channel=channel)  # fmt: skip
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else ""
            log.warning("a share's channel post failed: %s", code)
            return None, t("share.not_in_channel" if code in NOT_A_MEMBER else "share.channel_failed", channel=channel)
        return channel, t("share.sent_channel", title=escape(truncate(course.title, 150)), channel=channel)

    def _forgotten(self, slack_id: str) -> bool:
        """Someone who asked to be forgotten and has not used Upnext since: they get the card, and nothing about
        them is kept."""
        return self.learners.get(slack_id) is None and self.learners.forgotten_at(slack_id) is not None


def same_workspace(sharer: Learner, person: Recipient) -> bool:
    """Whether a share may go from `sharer` to `person`: the same Grid org, or else the same workspace, wherever
    Slack says which (the people picker only offers the sharer's colleagues; a forged submission may not)."""
    if sharer.enterprise_id and person.enterprise_id:
        return sharer.enterprise_id == person.enterprise_id
    if sharer.team_id and person.team_id:
        return sharer.team_id == person.team_id
    return True
