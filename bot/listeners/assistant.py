"""Slack's AI assistant threads: a greeting by name, up to four suggested prompts, and the same answers as a DM."""

from __future__ import annotations

from slack_bolt import App, Assistant, Say, SetStatus, SetSuggestedPrompts
from slack_sdk import WebClient

from bot.i18n import Messages
from bot.listeners.messages import reply
from bot.mrkdwn import escape
from bot.replies import Replies


def suggested_prompts(t: Messages) -> list[dict[str, str]]:
    return [
        {"title": t("prompt.next"), "message": t("prompt.next")},
        {"title": t("prompt.short"), "message": t("prompt.short_message")},
        {"title": t("prompt.new"), "message": t("prompt.next")},
        {"title": t("prompt.search"), "message": t("prompt.search_message")},
    ]


def register(app: App, replies: Replies) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def on_thread_started(payload: dict, say: Say, set_suggested_prompts: SetSuggestedPrompts, client: WebClient):
        learner = replies.learner(client, payload["assistant_thread"]["user_id"])
        t = replies.messages(learner)
        say(t.named("assistant.greeting", escape(learner.name)))
        set_suggested_prompts(prompts=suggested_prompts(t))

    @assistant.user_message
    def on_user_message(payload: dict, say: Say, set_status: SetStatus, client: WebClient) -> None:
        set_status("is finding courses…")
        reply(replies, client, payload["user"], payload.get("text") or "", say, "assistant")

    app.use(assistant)
