"""Direct messages to the app and @mentions in channels (answered in the thread)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import App, Say
from slack_sdk import WebClient

from bot import blocks
from bot.replies import Replies
from bot.respond import answer, send

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def from_a_person(event: dict) -> bool:
    """Plain messages from people: not bots (ours or others), not edits, joins or other subtypes."""
    return not (event.get("bot_id") or event.get("subtype") or not event.get("user"))


def reply(replies: Replies, client: WebClient, user_id: str, text: str, post: Callable[..., Any], surface: str) -> None:
    learner = replies.learner(client, user_id)
    if learner.is_bot:
        return
    t = replies.messages(learner)
    welcome = replies.welcome(learner)
    if welcome is not None:
        send(post, welcome)
    answer(post, lambda: replies.for_text(learner, text, surface=surface), lambda: blocks.error_message(t))


def register(app: App, replies: Replies) -> None:
    @app.event("message")
    def on_direct_message(body: dict, event: dict, say: Say, client: WebClient) -> None:
        if event.get("channel_type") == "im" and from_a_person(event) and replies.first_delivery(body):
            reply(replies, client, event["user"], event.get("text") or "", say, "dm")

    @app.event("app_mention")
    def on_mention(body: dict, event: dict, say: Say, client: WebClient) -> None:
        if not from_a_person(event) or not replies.first_delivery(body):
            return
        thread = event.get("thread_ts") or event["ts"]
        text = _MENTION.sub(" ", event.get("text") or "")
        reply(replies, client, event["user"], text, lambda **kw: say(thread_ts=thread, **kw), "mention")
