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

from bot.block_kit.blocks import CardState, course_card, reason_text
from bot.block_kit.mrkdwn import truncate
from bot.i18n import Messages
from learning.people.learners import Learner
from learning.recommend.picks import Pick
from learning.search.query import normalise

INTERESTS_CALLBACK = "interests_modal"
INTERESTS_BLOCK, INTERESTS_ACTION = "interests", "interests_pick"
ROLE_BLOCK, ROLE_ACTION = "role", "role_input"
MIN_INTERESTS = 3
MAX_OPTIONS = 100  # Slack's limit for a static select
MAX_ROLE_CHARS = 100


def offered_interests(topics: Sequence[str], learner: Learner) -> list[str]:
    """The options the interests picker offers (current picks first, then the catalog's most common topics), as
    their option values: a submission may choose only among these."""
    return list(dict.fromkeys(truncate(topic, 75) for topic in [*learner.interests, *topics]))[:MAX_OPTIONS]


def interests_modal(topics: Sequence[str], learner: Learner, t: Messages, origin: str = "") -> dict[str, Any]:
    """The interests picker: the catalog's topics (most common first), current picks preselected."""
    options = [Option(value=topic, text=topic) for topic in offered_interests(topics, learner)]
    selected = [o for o in options if o.value in learner.interests]
    picker = StaticMultiSelectElement(
        action_id=INTERESTS_ACTION,
        options=options,
        initial_options=selected or None,
        max_selected_items=12,
    )
    role = PlainTextInputElement(
        action_id=ROLE_ACTION,
        initial_value=truncate(learner.title or "", MAX_ROLE_CHARS) or None,
        max_length=MAX_ROLE_CHARS,
    )
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


def state_field(values: Any, block: str, action: str) -> dict[str, Any]:
    """One input's state from a view submission's `state.values`, or {} when a forged payload has it malformed."""
    found = values.get(block) if isinstance(values, dict) else None
    found = found.get(action) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def submitted_interests(values: Any, offered: Sequence[str] | None) -> tuple[list[str], str | None]:
    """(interests, role) from a view_submission's state values. Slack's client can only send options the modal
    offered (`offered`; None only to count what was sent) and a role of at most 100 characters; a forged
    submission's other values are dropped or cut, never stored."""
    picked = state_field(values, INTERESTS_BLOCK, INTERESTS_ACTION).get("selected_options")
    chosen = [o.get("value") for o in picked if isinstance(o, dict)] if isinstance(picked, list) else []
    allowed = set(offered) if offered is not None else None
    interests = list(dict.fromkeys(v for v in chosen if isinstance(v, str) and (allowed is None or v in allowed)))
    role = state_field(values, ROLE_BLOCK, ROLE_ACTION).get("value")
    role = " ".join(normalise(role).split())[:MAX_ROLE_CHARS] if isinstance(role, str) else ""
    return interests, role or None


def more_modal(title: str, picks: Sequence[Pick], t: Messages, answer_id: int, states: dict[str, CardState]):
    blocks: list = [ContextBlock(elements=[MarkdownTextObject(text=f"*{title}*")])]
    for pick in picks[:10]:
        state = states.get(pick.course.id, CardState())
        blocks += course_card(pick.course, t, reason_text(pick.reason, t), state, answer_id)
    return View(type="modal", title=truncate(t("more.title"), 24), close=t("modal.close"), blocks=blocks).to_dict()
