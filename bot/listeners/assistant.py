"""Slack's AI assistant threads: a greeting by name, up to four suggested prompts, and the same answers as a DM."""

from __future__ import annotations

from slack_bolt import App, Assistant, Say, SetStatus, SetSuggestedPrompts
from slack_sdk import WebClient

from bot.block_kit.mrkdwn import echo
from bot.i18n import Messages, messages_for
from bot.listeners.messages import Conversation
from bot.use_cases.identity import Identity


def suggested_prompts(t: Messages) -> list[dict[str, str]]:
    return [
        {"title": t("prompt.next"), "message": t("prompt.next")},
        {"title": t("prompt.short"), "message": t("prompt.short_message")},
        {"title": t("prompt.new"), "message": t("prompt.next")},
        {"title": t("prompt.search"), "message": t("prompt.search_message")},
    ]


def register(app: App, identity: Identity, conversation: Conversation) -> None:
    assistant = Assistant()

    @assistant.thread_started
    def on_thread_started(
        body: dict, payload: dict, say: Say, set_suggested_prompts: SetSuggestedPrompts, client: WebClient
    ) -> None:
        if not identity.first_delivery(body):
            return
        learner = identity.visitor(client, payload["assistant_thread"]["user_id"])
        t = messages_for(learner)
        say(t.named("assistant.greeting", echo(learner.name) if learner else None))
        set_suggested_prompts(prompts=suggested_prompts(t))

    @assistant.user_message
    def on_user_message(body: dict, payload: dict, say: Say, set_status: SetStatus, client: WebClient) -> None:
        if not identity.first_delivery(body):
            return
        set_status("is finding courses…")
        conversation.reply(client, payload["user"], payload.get("text") or "", say, "assistant")

    app.use(assistant)
