"""The App Home tab's view, always within Slack's 100-block limit.

A greeting by name in the learner's time of day, a progress strip, the latest few wins (two blocks at most), a button
to browse the catalog, a few rows of picks with a "More" button each (never a long list), and the learner's settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
)
from slack_sdk.models.views import View

from bot.block_kit.blocks import (
    SURFACE_BLOCKS,
    CardState,
    course_card,
    local_day,
    nudge_terms,
    reason_text,
    section,
    welcome_block,
)
from bot.block_kit.browse import OPEN_BROWSE
from bot.block_kit.mrkdwn import echo, truncate
from bot.block_kit.social.wins import home_wins
from bot.i18n import Messages
from config.nudges import NudgePolicy
from learning.people.achievements import Win
from learning.people.learners import Learner
from learning.people.progress_strip import Progress, zone
from learning.recommend.picks import Row


def time_of_day(now: datetime, tz: str | None) -> str:
    hour = now.astimezone(zone(tz)).hour
    return "morning" if 5 <= hour < 12 else "afternoon" if 12 <= hour < 18 else "evening"


def greeting(learner: Learner, now: datetime, t: Messages) -> str:
    part = time_of_day(now, learner.tz)
    return t.named(f"greeting.{part}", learner.name)


def row_title(row: Row, t: Messages) -> str:
    evidence = echo(row.evidence)
    if row.kind == "because":
        return t("row.because", course=evidence)
    if row.kind == "role":
        return t("row.role", role=evidence)
    return t(f"row.{row.kind}")


def progress_strip(progress: Progress, t: Messages) -> str:
    if not (progress.completed_this_month or progress.streak_weeks or progress.saved):
        return t("home.progress_empty")
    return "  ·  ".join([
        t("home.progress_completed", completed=progress.completed_this_month),
        t("home.progress_streak", streak=progress.streak_weeks),
        t("home.progress_saved", saved=progress.saved),
    ])  # fmt: skip


def settings_blocks(learner: Learner, now: datetime, t: Messages, policy: NudgePolicy) -> list[Block]:
    interests = ", ".join(echo(i) for i in learner.interests)
    interests_text = t("home.interests", interests=interests) if interests else t("home.interests_none")
    edit = ButtonElement(
        text=t("button.edit_interests") if interests else t("button.pick_interests"),
        action_id="open_interests",
        value="home",
        style=None if interests else "primary",
    )
    if learner.nudges == "off":
        nudges_text = t("home.nudges_off")
        buttons = [ButtonElement(text=t("button.nudges_on"), action_id="nudges_on", value="on")]
    elif learner.snoozed(now):
        nudges_text = t("home.nudges_snoozed", date=local_day(learner.snoozed_until or "", learner.tz))
        buttons = [ButtonElement(text=t("button.nudges_on"), action_id="nudges_on", value="on")]
    else:
        nudges_text = t("home.nudges_on", **nudge_terms(policy, t))
        buttons = [
            ButtonElement(text=t("button.snooze"), action_id="nudges_snooze", value="2w"),
            ButtonElement(text=t("button.nudges_off"), action_id="nudges_off", value="off"),
        ]
    return [
        DividerBlock(),
        section(t("home.settings")),
        section(interests_text, edit),
        section(nudges_text),
        ActionsBlock(block_id="nudge_settings", elements=buttons),
        ContextBlock(elements=[MarkdownTextObject(text=t("home.privacy"))]),
    ]


def notice_home(text: str) -> dict[str, Any]:
    """A Home tab that only says something: for people Upnext knows nothing about, or when their rows fail."""
    return View(type="home", blocks=[section(text)]).to_dict()


def home_view(
    learner: Learner,
    rows: list[Row],
    progress: Progress,
    now: datetime,
    t: Messages,
    answer_ids: dict[str, int],
    states: dict[str, CardState],
    policy: NudgePolicy,
    wins: Sequence[Win] = (),
) -> dict[str, Any]:
    """The Home tab as a `views.publish` view. `answer_ids` maps each row kind to the answer recording it; `wins`
    are the learner's achievements, the latest first."""
    blocks: list[Block] = [HeaderBlock(text=truncate(greeting(learner, now, t), 150))]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=progress_strip(progress, t))]))
    blocks += home_wins(wins, t)
    if not learner.onboarded_at:
        blocks.append(welcome_block(learner, t, "home"))
    browse = ButtonElement(text=t("button.browse"), action_id=OPEN_BROWSE, value="home")
    blocks.append(ActionsBlock(block_id="browse", elements=[browse]))
    if not rows:
        blocks.append(section(t("home.empty")))
    for row in rows:
        more = ButtonElement(text=t("button.more"), action_id="row_more", value=row.kind)
        blocks += [DividerBlock(), section(f"*{row_title(row, t)}*", more)]
        for pick in row.picks:
            state = states.get(pick.course.id, CardState())
            blocks += course_card(pick.course, t, reason_text(pick.reason, t), state, answer_ids.get(row.kind))
    blocks += settings_blocks(learner, now, t, policy)
    rendered = [block.to_dict() for block in blocks]
    if len(rendered) > SURFACE_BLOCKS:
        raise ValueError(f"the Home tab holds at most {SURFACE_BLOCKS} blocks, got {len(rendered)}")
    view = View(type="home", blocks=rendered)
    return view.to_dict()
