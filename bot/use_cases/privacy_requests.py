"""A learner's privacy requests: see what Upnext keeps about them, export it all, or be forgotten."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.block_kit import blocks
from bot.block_kit.blocks import Message
from bot.i18n import messages_for
from learning.people.forget_me import ForgetMe
from learning.people.learners import Learner
from learning.people.privacy import Privacy


@dataclass(frozen=True)
class PrivacyRequests:
    privacy: Privacy
    forget_me: ForgetMe
    min_group: int

    def privacy_message(self, learner: Learner) -> Message:
        counts = self.privacy.summary(learner)
        return blocks.privacy_message(learner, counts, messages_for(learner), self.min_group)

    def export(self, learner: Learner) -> str:
        """Everything stored about the learner, as indented JSON for a file."""
        return json.dumps(self.privacy.export(learner), indent=2, ensure_ascii=False)

    def forget(self, user_id: str) -> None:
        """Erase everything about this person (Slack has already asked them to confirm)."""
        self.forget_me(user_id)
