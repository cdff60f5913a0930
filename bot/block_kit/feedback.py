"""Block Kit for learner feedback after Done and for the admin's sign-in link.

Feedback asks "Worth your time? 👍 / 👎", then offers an optional comment in a modal. Pure builders: data in, validated
Block Kit out.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.block_kit.blocks import Message, button_value, render, section, text_message
from bot.block_kit.modals import state_field
from bot.block_kit.mrkdwn import escape, truncate
from bot.i18n import Messages
from learning.catalog.courses import Course
from learning.catalog.json_input import loads as parse_json

RATE_ACTIONS = {"course_rate_up": "up", "course_rate_down": "down"}
COMMENT_ACTION = "rating_comment"
COMMENT_CALLBACK = "rating_comment_modal"
COMMENT_BLOCK, COMMENT_INPUT = "comment", "comment_input"
COMMENT_CHARS = 500


def rating_prompt(course: Course, answer_id: int | None, t: Messages) -> Message:
    title = escape(truncate(course.title, 150))
    value = button_value(answer_id or 0, course.id)
    buttons = ActionsBlock(
        block_id="rating",
        elements=[
            ButtonElement(text=t("button.rate_up"), action_id="course_rate_up", value=value,
                          accessibility_label=truncate(f"{t('button.rate_up')}: {course.title}", 75)),
            ButtonElement(text=t("button.rate_down"), action_id="course_rate_down", value=value,
                          accessibility_label=truncate(f"{t('button.rate_down')}: {course.title}", 75)),
        ],
    )  # fmt: skip
    return Message(t("rate.fallback", title=title), render([section(t("rate.ask", title=title)), buttons]))


def rating_thanks(course_id: str, t: Messages) -> Message:
    comment = ButtonElement(text=t("button.rate_comment"), action_id=COMMENT_ACTION,
                            value=json.dumps({"c": course_id}, separators=(",", ":")))  # fmt: skip
    return Message(t("rate.thanks"), render([section(t("rate.thanks"), comment)]))


def comment_modal(course: Course, t: Messages) -> dict[str, Any]:
    comment = PlainTextInputElement(action_id=COMMENT_INPUT, multiline=True, max_length=COMMENT_CHARS)
    return View(
        type="modal",
        callback_id=COMMENT_CALLBACK,
        title=truncate(t("rate.modal_title"), 24),
        submit=t("rate.comment_submit"),
        close=t("modal.close"),
        private_metadata=json.dumps({"c": course.id}),
        blocks=[
            section(f"*{escape(truncate(course.title, 200))}*"),
            InputBlock(block_id=COMMENT_BLOCK, label=t("rate.comment_label"), element=comment,
                       hint=t("rate.comment_hint")),
        ],
    ).to_dict()  # fmt: skip


def submitted_comment(view: dict[str, Any]) -> tuple[str | None, str]:
    """(course id, comment capped at COMMENT_CHARS) from the modal's submission; None when it is not readable."""
    try:
        course_id = str(parse_json(view.get("private_metadata") or "{}")["c"])
    except (ValueError, KeyError, TypeError):
        return None, ""
    text = state_field((view.get("state") or {}).get("values"), COMMENT_BLOCK, COMMENT_INPUT).get("value")
    return course_id, text.strip()[:COMMENT_CHARS] if isinstance(text, str) else ""


def admin_link_message(link: str, t: Messages) -> Message:
    button = ButtonElement(text=t("button.admin_open"), action_id="admin_open", url=link, style="primary")
    return Message(t("admin.link"), render([section(t("admin.link")), ActionsBlock(elements=[button])]))


def admin_refusal(t: Messages, reason: str = "admin.no") -> Message:
    return text_message(t(reason))
