"""Clicks on course cards (Start, Save, Done, Not for me, Undo) and on the privacy buttons."""

from __future__ import annotations

import json
import logging
import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.modals import more_modal
from bot.replies import ACTION_EVENTS, Replies
from bot.respond import send

log = logging.getLogger(__name__)


def course_clicked(replies: Replies, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
    learner = replies.learner(client, body["user"]["id"])
    answer = replies.course_action(learner, action["action_id"], action.get("value") or "")
    view = body.get("view") or {}
    if answer is not None and body.get("container", {}).get("type") == "message":
        message = replies.redraw(answer, learner)
        if message is not None:
            send(respond, message, replace_original=True)
    elif answer is not None and view.get("type") == "modal" and view.get("id"):
        title = answer.context.get("title", "")
        modal = more_modal(
            title, replies.picks_of(answer), replies.messages(learner), answer.id, replies.states(learner)
        )
        client.views_update(view_id=view["id"], view=modal)
    if action["action_id"] == "course_done" and answer is not None:
        prompt = replies.rating_prompt(learner, action.get("value") or "")
        if prompt is not None:
            send(client.chat_postMessage, prompt, channel=learner.slack_id)
    replies.publish_home(client, learner)


def export_data(replies: Replies, body: dict, client: WebClient, respond: Respond) -> None:
    learner = replies.learner(client, body["user"]["id"])
    t = replies.messages(learner)
    data = json.dumps(replies.service.privacy.export(learner), indent=2, ensure_ascii=False)
    try:
        channel = client.conversations_open(users=learner.slack_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel, content=data, filename="upnext-my-data.json", title="upnext-my-data.json",
            initial_comment=t("privacy.exported"),
        )  # fmt: skip
    except SlackApiError as error:
        log.error("privacy export failed for %s: %s", learner.slack_id, error)
        send(respond, blocks.text_message(t("privacy.export_failed")), response_type="ephemeral")


def forget(replies: Replies, body: dict, client: WebClient, respond: Respond) -> None:
    """Erase everything about the person who clicked (Slack already asked them to confirm)."""
    user_id = body["user"]["id"]
    t = replies.messages(replies.service.learners.get(user_id))
    replies.service.learners.forget(user_id)
    send(respond, blocks.text_message(t("forget.done")), replace_original=True)
    replies.publish_forgotten_home(client, user_id, t)


def register(app: App, replies: Replies) -> None:
    @app.action(re.compile(f"^({'|'.join(ACTION_EVENTS)})$"))
    def on_course_action(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        course_clicked(replies, body, action, client, respond)

    @app.action("privacy_export")
    def on_export(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        export_data(replies, body, client, respond)

    @app.action("privacy_forget")
    def on_forget(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        forget(replies, body, client, respond)
