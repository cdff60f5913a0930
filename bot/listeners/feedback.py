"""Ratings after Done (👍 / 👎), the optional comment modal, and the admin's dashboard button (a link: just acked)."""

from __future__ import annotations

import re

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.block_kit.feedback import COMMENT_ACTION, COMMENT_CALLBACK, RATE_ACTIONS
from bot.respond import open_modal, send
from bot.use_cases.clicks import CardClicks
from bot.use_cases.identity import Identity


def register(app: App, identity: Identity, clicks: CardClicks) -> None:
    @app.action(re.compile(f"^({'|'.join(RATE_ACTIONS)})$"))
    def on_rate(ack: Ack, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        thanks = clicks.rate(learner, action["action_id"], action.get("value") or "")
        if thanks is not None:
            send(respond, thanks, replace_original=True)

    @app.action(COMMENT_ACTION)
    def on_comment(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        open_modal(client, body, clicks.comment_view(learner, action.get("value") or ""))

    @app.view(COMMENT_CALLBACK)
    def on_comment_submitted(ack: Ack, body: dict, view: dict) -> None:
        ack()
        clicks.save_comment(body["user"]["id"], view)

    @app.action("admin_open")
    def on_admin_open(ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL itself
