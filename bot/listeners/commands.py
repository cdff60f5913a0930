"""`/learn` and its subcommands: next, <words>, saved, done, interests, nudges, privacy, forget me, help."""

from __future__ import annotations

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import blocks
from bot.replies import Replies
from bot.respond import answer, send

HELP_WORDS = {"", "help", "?", "-h", "--help", "ayuda"}
SURFACE = "slash"
FORGET_WORDS = {"forget me", "forget-me", "forget", "olvidame", "olvídame"}


def learn(replies: Replies, client: WebClient, command: dict, respond: Respond) -> None:
    learner = replies.learner(client, command["user_id"])
    t = replies.messages(learner)
    text = " ".join((command.get("text") or "").split())
    word, _, rest = text.partition(" ")
    word = word.lower()
    if word == "admin":  # before any welcome: this is about the dashboard, not learning
        send(respond, replies.admin_link(client, learner), response_type="ephemeral")
        return
    if word == "interests" and command.get("trigger_id"):
        client.views_open(trigger_id=command["trigger_id"], view=replies.interests_view(learner, "command"))
        return
    welcome = replies.welcome(learner)
    if welcome is not None:
        send(respond, welcome, response_type="ephemeral")

    def build() -> blocks.Message:
        if text.lower() in HELP_WORDS:
            return blocks.help_message(t)
        if text.lower() in FORGET_WORDS:
            return blocks.forget_message(t)
        if word == "next":
            return replies.next_answer(learner, rest, surface=SURFACE)
        if word == "saved":
            return replies.saved_answer(learner, surface=SURFACE)
        if word == "done":
            return replies.mark_done(learner, rest, surface=SURFACE)
        if word == "nudges":
            return replies.set_nudges(learner, rest)
        if word == "privacy":
            return replies.privacy_message(learner)
        return replies.for_text(learner, text, surface=SURFACE)

    answer(respond, build, lambda: blocks.error_message(t), response_type="ephemeral")


def register(app: App, replies: Replies) -> None:
    @app.command("/learn")
    def on_learn(ack: Ack, command: dict, respond: Respond, client: WebClient) -> None:
        ack()
        learn(replies, client, command, respond)
