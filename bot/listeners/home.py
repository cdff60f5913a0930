"""The App Home tab and its buttons: More per row, interests, nudge settings."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import text_message
from bot.modals import more_modal
from bot.replies import Replies
from bot.respond import send

NUDGE_BUTTONS = {"nudges_on": "on", "nudges_off": "off", "nudges_snooze": "snooze 2w"}


def register(app: App, replies: Replies) -> None:
    @app.event("app_home_opened")
    def on_home_opened(body: dict, event: dict, client: WebClient) -> None:
        if event.get("tab") != "home" or not replies.first_delivery(body):
            return
        learner = replies.visitor(client, event["user"])
        if learner is None:
            replies.publish_forgotten_home(client, event["user"], replies.messages(None))
        else:
            replies.publish_home(client, learner, opened=True)

    @app.action("row_more")
    def on_more(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = replies.learner(client, body["user"]["id"])
        more = replies.more(learner, action.get("value", ""))
        if more is not None:
            title, picks, answer_id = more
            view = more_modal(title, picks, replies.messages(learner), answer_id, replies.states(learner))
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action("open_interests")
    def on_open_interests(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = replies.learner(client, body["user"]["id"])
        client.views_open(trigger_id=body["trigger_id"], view=replies.interests_view(learner, action.get("value", "")))

    @app.action("nudges_keep")
    def on_keep_nudges(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()  # answering the check-in is activity: the ignored-nudge count starts again
        learner = replies.learner(client, body["user"]["id"])
        t = replies.messages(learner)
        send(respond, text_message(t("nudge.kept", cap=replies.policy.weekly_cap)), replace_original=True)

    @app.action(re.compile(f"^({'|'.join(NUDGE_BUTTONS)})$"))
    def on_nudge_setting(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = replies.learner(client, body["user"]["id"])
        replies.set_nudges(learner, NUDGE_BUTTONS[action["action_id"]])
        replies.publish_home(client, replies.learner(client, learner.slack_id))
