"""Block Kit for nudges, each of which says how to snooze or stop it.

The nudges are the weekly "what's new for you" digest, the come-back note, the one check-in that asks whether to
continue, and a course the learner's manager recommended to their team.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject

from bot.block_kit.blocks import Card, Message, cards_message, fallback_titles, reason_text, render, section
from bot.block_kit.mrkdwn import echo, escape
from bot.i18n import Messages
from config.nudges import NudgePolicy
from learning.catalog.courses import Course
from learning.people.learners import Learner
from learning.reasons import MANAGER, Reason
from learning.recommend.picks import Pick


def _controls(t: Messages, policy: NudgePolicy) -> list:
    return [
        ContextBlock(
            elements=[MarkdownTextObject(text=t("nudge.footer", cap=policy.weekly_cap, days=t.days(policy.weekdays)))]
        ),
        ActionsBlock(
            block_id="nudge_controls",
            elements=[
                ButtonElement(text=t("button.snooze"), action_id="nudges_snooze", value="2w"),
                ButtonElement(text=t("button.nudges_off"), action_id="nudges_off", value="off"),
            ],
        ),
    ]


def _with_controls(message: Message, t: Messages, policy: NudgePolicy) -> Message:
    return Message(message.text, message.blocks + render(_controls(t, policy)))


def whats_new_message(
    learner: Learner, picks: Sequence[Pick], t: Messages, answer_id: int, policy: NudgePolicy
) -> Message:
    header = t.named("nudge.new_header", echo(learner.name))
    cards = [Card(p.course, reason_text(p.reason, t)) for p in picks[:5]]
    fallback = t("nudge.new_fallback", titles=escape(fallback_titles([p.course for p in picks[:5]])))
    return _with_controls(cards_message(header, cards, t, fallback, answer_id), t, policy)


def come_back_message(
    learner: Learner, picks: Sequence[Pick], t: Messages, answer_id: int, days: int, policy: NudgePolicy
) -> Message:
    header = t.named("nudge.back_header", echo(learner.name), days=days)
    cards = [Card(p.course, reason_text(p.reason, t)) for p in picks[:3]]
    fallback = t("nudge.back_fallback", titles=escape(fallback_titles([p.course for p in picks[:3]])))
    return _with_controls(cards_message(header, cards, t, fallback, answer_id), t, policy)


def team_pick_message(learner: Learner, course: Course, t: Messages, answer_id: int, policy: NudgePolicy) -> Message:
    """ "Recommended by your manager": the course card, with the usual buttons and the nudge's controls."""
    header = t.named("team.pick_header", echo(learner.name))
    fallback = t("team.pick_fallback", titles=escape(fallback_titles([course])))
    card = Card(course, reason_text(Reason(MANAGER), t))
    return _with_controls(cards_message(header, [card], t, fallback, answer_id), t, policy)


def check_in_message(learner: Learner, t: Messages) -> Message:
    """Donut's ghost rule: after two ignored nudges, ask once, then stop unless they say yes."""
    text = t.named("nudge.check_in", echo(learner.name))
    buttons = ActionsBlock(
        block_id="nudge_check_in",
        elements=[
            ButtonElement(text=t("button.keep_nudges"), action_id="nudges_keep", value="keep", style="primary"),
            ButtonElement(text=t("button.nudges_off"), action_id="nudges_off", value="off"),
        ],
    )
    return Message(text, render([section(text), buttons]))
