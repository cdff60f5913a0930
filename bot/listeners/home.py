"""The App Home tab and its buttons: More per row, interests, nudge settings."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.block_kit.modals import more_modal
from bot.i18n import messages_for
from bot.respond import send
from bot.use_cases.home_publisher import HomePublisher
from bot.use_cases.identity import Identity
from bot.use_cases.preferences import Preferences
from bot.use_cases.questions import Questions

NUDGE_BUTTONS = {"nudges_on": "on", "nudges_off": "off", "nudges_snooze": "snooze 2w"}


def register(
    app: App, identity: Identity, home_tab: HomePublisher, answering: Questions, preferences: Preferences
) -> None:
    @app.event("app_home_opened")
    def on_home_opened(body: dict, event: dict, client: WebClient) -> None:
        if event.get("tab") != "home" or not identity.first_delivery(body):
            return
        learner = identity.visitor(client, event["user"])
        if learner is None:
            home_tab.publish_forgotten(client, event["user"], messages_for(None))
        else:
            home_tab.publish(client, learner, opened=True)

    @app.action("row_more")
    def on_more(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        more = home_tab.more(learner, action.get("value", ""))
        if more is not None:
            title, picks, answer_id = more
            view = more_modal(title, picks, messages_for(learner), answer_id, answering.states(learner))
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action("open_interests")
    def on_open_interests(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        client.views_open(
            trigger_id=body["trigger_id"], view=preferences.interests_view(learner, action.get("value", ""))
        )

    @app.action("nudges_keep")
    def on_keep_nudges(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()  # answering the check-in is activity: the ignored-nudge count starts again
        learner = identity.learner(client, body["user"]["id"])
        send(respond, preferences.nudges_kept(learner), replace_original=True)

    @app.action(re.compile(f"^({'|'.join(NUDGE_BUTTONS)})$"))
    def on_nudge_setting(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        preferences.set_nudges(learner, NUDGE_BUTTONS[action["action_id"]])
        home_tab.publish(client, identity.learner(client, learner.slack_id))
