"""Wins in Slack: what a completion earned, shared where the learner chooses, and `/learn celebrate on|off`.

Nothing is ever posted about someone but by them: a win reaches a channel only once its learner picked the channel
and pressed Share; the weekly learning-wins post lists only people who turned celebrations on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.block_kit.blocks import Message, text_message
from bot.block_kit.wins import chosen_channel, earned_message, share_modal, shared_post
from bot.i18n import messages_for
from bot.respond import send
from learning.people.achievements import Achievements, Win
from learning.people.learners import Learner
from learning.timestamps import utcnow

log = logging.getLogger(__name__)

NOT_THERE = ("not_in_channel", "channel_not_found")  # Upnext is not in the channel (or cannot see a private one)


@dataclass(frozen=True)
class Wins:
    achievements: Achievements
    clock: Callable[[], datetime] = utcnow

    def announce(self, client: WebClient, learner: Learner) -> list[Win]:
        """After a completion in Slack: record what it earned and tell the learner in their DM, once each."""
        now = self.clock()
        self.achievements.update(learner, now)
        wins = self.achievements.repository.to_announce(learner.slack_id, now)
        t = messages_for(learner)
        for win in wins:
            try:
                send(client.chat_postMessage, earned_message(win, t), channel=learner.slack_id)
            except SlackApiError as error:
                log.warning("could not tell %s about a win: %s", learner.slack_id, error)
        return wins

    def _own(self, learner: Learner, win_id: str | int) -> Win | None:
        """The learner's own recorded win by its id; None for anyone else's, or a malformed id."""
        win = self.achievements.repository.get(int(win_id)) if str(win_id).isdigit() else None
        return win if win is not None and win.learner_id == learner.slack_id else None

    def share_view(self, learner: Learner, win_id: str) -> dict[str, Any] | None:
        """The modal where the learner picks a channel for their win."""
        win = self._own(learner, win_id)
        return share_modal(win, learner, messages_for(learner)) if win else None

    def share(self, client: WebClient, learner: Learner, view: dict[str, Any]) -> Message | None:
        """Post the win in the channel the learner chose, in their name; what to tell them about it (None for a
        forged submission)."""
        chosen = chosen_channel(view)
        win = self._own(learner, chosen[0]) if chosen else None
        if chosen is None or win is None:
            return None
        channel, t = chosen[1], messages_for(learner)
        try:
            send(client.chat_postMessage, shared_post(win, learner, t), channel=channel, unfurl_links=False)
        except SlackApiError as error:
            code = error.response.get("error") if error.response is not None else None
            if code in NOT_THERE:
                return text_message(t("share.not_in_channel", channel=channel))
            log.warning("could not share a win in %s: %s", channel, error)
            return text_message(t("share.failed", channel=channel))
        return text_message(t("share.posted", channel=channel))

    def celebrate(self, learner: Learner, words: str) -> Message:
        """`/learn celebrate on|off`: the learner's wins in the weekly learning-wins post, or not (the default)."""
        t, choice = messages_for(learner), words.strip().lower()
        if choice not in ("on", "off"):
            return text_message(t("celebrate.usage"))
        self.achievements.repository.celebrate(learner.slack_id, choice == "on", self.clock())
        return text_message(t(f"celebrate.{choice}"))
