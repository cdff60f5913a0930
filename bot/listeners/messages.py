"""Direct messages to the app and @mentions in channels (answered in the thread)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, Say
from slack_sdk import WebClient

from bot.block_kit import blocks
from bot.i18n import messages_for
from bot.respond import build_and_send, send
from bot.use_cases.identity import Identity
from bot.use_cases.preferences import Preferences
from bot.use_cases.questions import Questions

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def from_a_person(event: dict) -> bool:
    """Plain messages from people: not bots (ours or others), not edits, joins or other subtypes."""
    return not (event.get("bot_id") or event.get("subtype") or not event.get("user"))


@dataclass(frozen=True)
class Conversation:
    """Answers free text from a person, wherever they wrote it (a DM, a mention, an assistant thread)."""

    identity: Identity
    answering: Questions
    preferences: Preferences

    def reply(self, client: WebClient, user_id: str, text: str, post: Callable[..., Any], surface: str) -> None:
        learner = self.identity.learner(client, user_id)
        if learner.is_bot:
            return
        t = messages_for(learner)
        welcome = self.preferences.welcome(learner)
        if welcome is not None:
            send(post, welcome)
        build_and_send(
            post, lambda: self.answering.for_text(learner, text, surface=surface), lambda: blocks.error_message(t)
        )


def register(app: App, identity: Identity, conversation: Conversation) -> None:
    @app.event("message")
    def on_direct_message(body: dict, event: dict, say: Say, client: WebClient) -> None:
        if event.get("channel_type") == "im" and from_a_person(event) and identity.first_delivery(body):
            conversation.reply(client, event["user"], event.get("text") or "", say, "dm")

    @app.event("app_mention")
    def on_mention(body: dict, event: dict, say: Say, client: WebClient) -> None:
        if not from_a_person(event) or not identity.first_delivery(body):
            return
        thread = event.get("thread_ts") or event["ts"]
        text = _MENTION.sub(" ", event.get("text") or "")
        conversation.reply(client, event["user"], text, lambda **kw: say(thread_ts=thread, **kw), "mention")
