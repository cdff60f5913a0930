"""Block Kit for wins: Home's "Your wins", the news of one earned, sharing it, and the weekly learning-wins post.

The news comes with *Share with #channel*, which opens a modal choosing the channel; what it posts names the learner.
Names and path titles are escaped; nothing here ranks or compares people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
)
from slack_sdk.models.views import View

from bot.block_kit.blocks import MESSAGE_BLOCKS, Message, render, section
from bot.block_kit.modals import state_field
from bot.block_kit.mrkdwn import echo, truncate
from bot.i18n import Messages
from learning.people.achievements import PATH, Win
from learning.people.learners import SLACK_USER_ID, Learner

HOME_WINS = 4  # the latest shown on Home; the rest are summed up in one line
SHARE_ACTION = "win_share"
SHARE_CALLBACK = "win_share_modal"
CHANNEL_BLOCK, CHANNEL_ACTION = "channel", "channel_pick"
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
SECTION_CHARS = 3000


def _path(win: Win) -> str:
    return echo(win.title or win.subject, 100)


def win_phrase(win: Win, t: Messages) -> str:
    """The win in a few words: "🎓 First course finished"."""
    return t(f"win.{win.kind}", path=_path(win)) if win.kind == PATH else t(f"win.{win.kind}")


def display_name(learner: Learner) -> str:
    """How a post names the learner: their name as in Slack, escaped; a mention when Slack gave none."""
    name = learner.real_name or learner.name
    if name:
        return echo(name)
    return f"<@{learner.slack_id}>" if SLACK_USER_ID.match(learner.slack_id) else "?"


def home_wins(wins: Sequence[Win], t: Messages) -> list[Block]:
    """Home's "Your wins": the latest few, one line each, and how many more; nothing before the first."""
    if not wins:
        return []
    lines = [f"*{t('wins.home_header')}*", *(win_phrase(w, t) for w in wins[:HOME_WINS])]
    blocks: list[Block] = [section("\n".join(lines))]
    if len(wins) > HOME_WINS:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=t("wins.home_more", count=len(wins) - HOME_WINS))])
        )
    return blocks


def earned_message(win: Win, t: Messages) -> Message:
    """The learner's own news, in their DM: what they earned, and a button to share it if they want to."""
    headline = t(f"win.earned_{win.kind}", path=_path(win)) if win.kind == PATH else t(f"win.earned_{win.kind}")
    share = ButtonElement(text=t("button.share_win"), action_id=SHARE_ACTION, value=str(win.id))
    blocks = [section(headline), ContextBlock(elements=[MarkdownTextObject(text=t("win.share_hint"))]),
              ActionsBlock(block_id="win", elements=[share])]  # fmt: skip
    return Message(headline, render(blocks))


def shared_text(win: Win, learner: Learner, t: Messages) -> str:
    """The sentence a shared win becomes: "*Ana* finished the *Python* path 🎉"."""
    who = display_name(learner)  # never empty: no anonymous twin needed
    key = f"share.post_{win.kind}"
    return t(key, who=who, path=_path(win)) if win.kind == PATH else t(key, who=who)


def shared_post(win: Win, learner: Learner, t: Messages) -> Message:
    text = shared_text(win, learner, t)
    return Message(text, render([section(text)]))


def share_modal(win: Win, learner: Learner, t: Messages) -> dict[str, Any]:
    """Where to share the win: a channel (public or private, not someone's DM), with what will be posted."""
    picker = ConversationSelectElement(
        action_id=CHANNEL_ACTION,
        filter=ConversationFilter(
            include=["public", "private"], exclude_bot_users=True, exclude_external_shared_channels=True
        ),
    )
    view = View(
        type="modal",
        callback_id=SHARE_CALLBACK,
        title=truncate(t("share.title"), 24),
        submit=truncate(t("share.submit"), 24),
        close=truncate(t("modal.close"), 24),
        private_metadata=str(win.id),
        blocks=[
            section(t("share.preview", post=shared_text(win, learner, t))),
            InputBlock(block_id=CHANNEL_BLOCK, label=t("share.channel_label"), element=picker),
            ContextBlock(elements=[MarkdownTextObject(text=t("share.needs_upnext"))]),
        ],
    )
    return view.to_dict()


def chosen_channel(view: dict[str, Any]) -> tuple[int, str] | None:
    """(win id, channel id) from the share modal's submission; None when a forged one has either malformed."""
    values = (view.get("state") or {}).get("values")
    channel = state_field(values, CHANNEL_BLOCK, CHANNEL_ACTION).get("selected_conversation")
    win_id = str(view.get("private_metadata") or "")
    if not (isinstance(channel, str) and CHANNEL_ID.match(channel) and win_id.isdigit()):
        return None
    return int(win_id), channel


@dataclass(frozen=True)
class Celebrated:
    """One person in the weekly post: how they are named, and their wins of the week, in the order earned."""

    name: str  # already safe mrkdwn (display_name)
    wins: Sequence[Win]


def celebration_message(people: Sequence[Celebrated], week: str, t: Messages) -> Message:
    """The weekly learning-wins post: each opted-in person with their wins, in alphabetical order, never counted or
    compared; lines packed into sections, as many as a message holds."""
    header = HeaderBlock(text=truncate(t("celebrate.header", week=week), 150))
    intro = ContextBlock(elements=[MarkdownTextObject(text=t("celebrate.intro"))])
    lines = [
        truncate(t("celebrate.line", who=person.name, wins="  ·  ".join(win_phrase(w, t) for w in person.wins)), 600)
        for person in sorted(people, key=lambda p: p.name.casefold())
    ]
    sections: list[str] = []
    for line in lines:
        if sections and len(sections[-1]) + 1 + len(line) <= SECTION_CHARS:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    room = MESSAGE_BLOCKS - 2
    blocks: list[Block] = [header, intro, *(section(text) for text in sections[:room])]
    return Message(t("celebrate.fallback", week=week), render(blocks))
