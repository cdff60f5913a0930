"""Modals: picking interests (with the role prefilled from Slack), and "More" for a Home row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks import CardState, course_card, reason_text
from bot.i18n import Messages
from bot.mrkdwn import truncate
from learning.learners import Learner
from learning.recommender import Pick

INTERESTS_CALLBACK = "interests_modal"
INTERESTS_BLOCK, INTERESTS_ACTION = "interests", "interests_pick"
ROLE_BLOCK, ROLE_ACTION = "role", "role_input"
MIN_INTERESTS = 3
MAX_OPTIONS = 100  # Slack's limit for a static select


def interests_modal(topics: Sequence[str], learner: Learner, t: Messages, origin: str = "") -> dict[str, Any]:
    """The interests picker: the catalog's topics (most common first), current picks preselected."""
    choices = list(dict.fromkeys([*learner.interests, *topics]))[:MAX_OPTIONS]
    options = [Option(value=truncate(topic, 75), text=truncate(topic, 75)) for topic in choices]
    selected = [o for o in options if o.value in learner.interests]
    picker = StaticMultiSelectElement(
        action_id=INTERESTS_ACTION,
        options=options,
        initial_options=selected or None,
        max_selected_items=12,
    )
    role = PlainTextInputElement(action_id=ROLE_ACTION, initial_value=learner.title or None, max_length=100)
    view = View(
        type="modal",
        callback_id=INTERESTS_CALLBACK,
        title=t("modal.title"),
        submit=t("modal.submit"),
        close=t("modal.close"),
        private_metadata=json.dumps({"origin": origin}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=t("modal.intro"))),
            InputBlock(block_id=INTERESTS_BLOCK, label=t("modal.interests_label"), element=picker),
            InputBlock(
                block_id=ROLE_BLOCK, label=t("modal.role_label"), element=role, optional=True, hint=t("modal.role_hint")
            ),
        ],
    )
    return view.to_dict()


def submitted_interests(values: dict[str, Any]) -> tuple[list[str], str | None]:
    """(interests, role) from a view_submission's state values."""
    picked = values.get(INTERESTS_BLOCK, {}).get(INTERESTS_ACTION, {}).get("selected_options") or []
    role = (values.get(ROLE_BLOCK, {}).get(ROLE_ACTION, {}).get("value") or "").strip() or None
    return [o["value"] for o in picked if isinstance(o, dict) and "value" in o], role


def more_modal(title: str, picks: Sequence[Pick], t: Messages, answer_id: int, states: dict[str, CardState]):
    blocks: list = [ContextBlock(elements=[MarkdownTextObject(text=f"*{title}*")])]
    for pick in picks[:10]:
        state = states.get(pick.course.id, CardState())
        blocks += course_card(pick.course, t, reason_text(pick.reason, t), state, answer_id)
    return View(type="modal", title=truncate(t("more.title"), 24), close=t("modal.close"), blocks=blocks).to_dict()
