"""The `/learn` slash command."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond

from bot import blocks
from bot.i18n import Messages
from bot.respond import answering
from learning.service import LearningService

HELP_WORDS = {"", "help", "?", "-h", "--help", "ayuda"}


def learn_answer(service: LearningService, text: str, t: Messages) -> blocks.Message:
    words = " ".join(text.split())
    if words.lower() in HELP_WORDS:
        return blocks.help_message(t)
    return blocks.search_answer(service.search.search(words, k=5), t)


def register(app: App, service: LearningService) -> None:
    @app.command("/learn")
    def learn(ack: Ack, command: dict, respond: Respond) -> None:
        ack()
        t = Messages(None)
        answering(respond, lambda: blocks.error_message(t))(lambda: learn_answer(service, command.get("text") or "", t))
