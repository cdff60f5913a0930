"""Clicks on course cards (Start, Save, Done, Not for me, Undo), on *Share with #channel* and on privacy buttons."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.block_kit import blocks
from bot.block_kit.modals import more_modal
from bot.block_kit.wins import SHARE_ACTION
from bot.i18n import messages_for
from bot.respond import open_modal, send
from bot.use_cases.clicks import ACTION_EVENTS, CardClicks
from bot.use_cases.home_publisher import HomePublisher
from bot.use_cases.identity import Identity
from bot.use_cases.privacy_requests import PrivacyRequests
from bot.use_cases.questions import Questions
from bot.use_cases.wins import Wins

log = logging.getLogger(__name__)


def register(
    app: App,
    identity: Identity,
    clicks: CardClicks,
    answering: Questions,
    home_tab: HomePublisher,
    privacy: PrivacyRequests,
    wins: Wins,
) -> None:
    @app.action(re.compile(f"^({'|'.join(ACTION_EVENTS)})$"))
    def on_course_action(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        answer = clicks.course_action(learner, action["action_id"], action.get("value") or "")
        view = body.get("view") or {}
        if answer is not None and body.get("container", {}).get("type") == "message":
            message = answering.redraw(answer, learner)
            if message is not None:
                send(respond, message, replace_original=True)
        elif answer is not None and view.get("type") == "modal" and view.get("id"):
            title = answer.context.get("title", "")
            modal = more_modal(
                title, answering.picks_of(answer), messages_for(learner), answer.id, answering.states(learner)
            )
            client.views_update(view_id=view["id"], view=modal)
        if action["action_id"] == "course_done" and answer is not None:
            prompt = clicks.rating_prompt(learner, action.get("value") or "")
            if prompt is not None:
                send(client.chat_postMessage, prompt, channel=learner.slack_id)
        if action["action_id"] == "course_done":
            wins.announce(client, learner)  # before the Home tab, which shows what it earned
        home_tab.publish(client, learner)

    @app.action(SHARE_ACTION)
    def on_share_win(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        open_modal(client, body, wins.share_view(learner, action.get("value") or ""))

    @app.action("privacy_export")
    def on_export(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        t = messages_for(learner)
        data = privacy.export(learner)
        try:
            channel = client.conversations_open(users=learner.slack_id)["channel"]["id"]
            client.files_upload_v2(
                channel=channel, content=data, filename="upnext-my-data.json", title="upnext-my-data.json",
                initial_comment=t("privacy.exported"),
            )  # fmt: skip
        except SlackApiError as error:
            log.error("privacy export failed for %s: %s", learner.slack_id, error)
            send(respond, blocks.text_message(t("privacy.export_failed")), response_type="ephemeral")

    @app.action("privacy_forget")
    def on_forget(ack: Ack, body: dict, client: WebClient, respond: Respond) -> None:
        """Erase everything about the person who clicked (Slack already asked them to confirm)."""
        ack()
        user_id = body["user"]["id"]
        t = messages_for(identity.known(user_id))
        privacy.forget(user_id)
        send(respond, blocks.text_message(t("forget.done")), replace_original=True)
        home_tab.publish_forgotten(client, user_id, t)
