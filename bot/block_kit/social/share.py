"""Sharing a course: the share modal, what its submission asks for, and the cards people and channels get."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.block_kit.blocks import Message, course_card, render, section
from bot.block_kit.modals import state_field
from bot.block_kit.mrkdwn import echo, escape, truncate
from bot.i18n import Messages
from learning.catalog.courses import Course
from learning.people.learners import SLACK_USER_ID
from learning.people.shares import DAILY_SHARES, MAX_NOTE, MAX_PEOPLE

SHARE_CALLBACK = "share_modal"
SHORTCUT_CALLBACK = "share_course"  # the message shortcut (config/manifest.yml)
PEOPLE_BLOCK, PEOPLE_ACTION = "share_people", "share_people_pick"
CHANNEL_BLOCK, CHANNEL_ACTION = "share_channel", "share_channel_pick"
NOTE_BLOCK, NOTE_ACTION = "share_note", "share_note_input"
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
NOTE_ECHO = MAX_NOTE + 20  # an escaped note is never cut: `echo` counts before escaping, and the note is at most 280


def share_modal(course: Course, t: Messages, channel_id: str | None = None) -> dict[str, Any]:
    """Pick people (at most MAX_PEOPLE) and/or a channel (`channel_id` first offered: where the shortcut was
    used), and write an optional note."""
    people = UserMultiSelectElement(action_id=PEOPLE_ACTION, max_selected_items=MAX_PEOPLE)
    channel = ConversationSelectElement(
        action_id=CHANNEL_ACTION,
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        initial_conversation=channel_id if channel_id and CHANNEL_ID.match(channel_id) else None,
    )
    note = PlainTextInputElement(action_id=NOTE_ACTION, multiline=True, max_length=MAX_NOTE)
    view = View(
        type="modal",
        callback_id=SHARE_CALLBACK,
        title=t("share.title"),
        submit=t("share.submit"),
        close=t("modal.close"),
        private_metadata=json.dumps({"c": course.id}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=t("share.intro", title=escape(truncate(course.title, 200))))),
            InputBlock(block_id=PEOPLE_BLOCK, label=t("share.people_label"), element=people, optional=True,
                       hint=t("share.people_hint", max=MAX_PEOPLE)),
            InputBlock(block_id=CHANNEL_BLOCK, label=t("share.channel_label"), element=channel, optional=True,
                       hint=t("share.channel_hint")),
            InputBlock(block_id=NOTE_BLOCK, label=t("share.note_label"), element=note, optional=True,
                       hint=t("share.note_hint", max=MAX_NOTE)),
        ],
    )  # fmt: skip
    return view.to_dict()


@dataclass(frozen=True)
class ShareRequest:
    """What a share modal's submission asks for, as sent (checked by `problems`; a forged one may hold anything)."""

    course_id: str
    people: tuple[str, ...]
    channel: str | None
    note: str

    def problems(self, t: Messages, left_today: int) -> dict[str, str]:
        """What the modal must say before anything is sent (`response_action: errors`), by input block."""
        found: dict[str, str] = {}
        if len(self.note) > MAX_NOTE:
            found[NOTE_BLOCK] = t("share.note_too_long", max=MAX_NOTE, length=len(self.note))
        if len(self.people) > MAX_PEOPLE:
            found[PEOPLE_BLOCK] = t("share.too_many", max=MAX_PEOPLE)
        elif not self.people and not self.channel:
            found[PEOPLE_BLOCK] = t("share.nobody")
        elif left_today <= 0:
            found[PEOPLE_BLOCK] = t("share.daily_limit", max=DAILY_SHARES)
        return found


def submitted_share(view: dict[str, Any]) -> ShareRequest:
    """The share a modal's submission asks for; people and channel that are not Slack ids are dropped."""
    values = (view.get("state") or {}).get("values") or {}
    try:
        course_id = str(json.loads(view.get("private_metadata") or "{}").get("c") or "")
    except (ValueError, AttributeError):
        course_id = ""
    picked = state_field(values, PEOPLE_BLOCK, PEOPLE_ACTION).get("selected_users")
    people = [p for p in picked if isinstance(p, str) and SLACK_USER_ID.match(p)] if isinstance(picked, list) else []
    channel = state_field(values, CHANNEL_BLOCK, CHANNEL_ACTION).get("selected_conversation")
    note = state_field(values, NOTE_BLOCK, NOTE_ACTION).get("value")
    return ShareRequest(
        course_id=course_id,
        people=tuple(dict.fromkeys(people)),
        channel=channel if isinstance(channel, str) and CHANNEL_ID.match(channel) else None,
        note=note.strip() if isinstance(note, str) else "",
    )


def share_card(course: Course, sharer: str | None, note: str, t: Messages, *, channel: bool = False) -> Message:
    """What a person (or, with `channel`, a channel) gets: who shared it, their note (echoed safely: it can never
    become a mention, a link or a broadcast), and the course's card with its buttons for whoever clicks."""
    name = echo(sharer) if sharer else None
    header = t.named("share.channel_header" if channel else "share.card_header", name)
    blocks: list[Block] = [section(header)]
    if note:
        blocks.append(section("> " + echo(note, NOTE_ECHO)))
    blocks += course_card(course, t, answer_id=0)
    title = escape(truncate(course.title, 150))
    return Message(t.named("share.card_fallback", name, title=title), render(blocks))
