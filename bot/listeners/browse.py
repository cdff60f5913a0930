"""Browsing the catalog: the Browse button on Home opens the subjects, a subject is pushed on top.

Next and Back turn the page in place. (`/learn browse` opens the subjects too: bot/listeners/commands.py.)
"""

from __future__ import annotations

import re

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.block_kit.browse import OPEN_BROWSE, OPEN_SUBJECT, SHELF_CALLBACK, TURN_PAGE, Place
from bot.respond import show_view
from bot.use_cases.browse import Browsing
from bot.use_cases.identity import Identity


def register(app: App, identity: Identity, browsing: Browsing) -> None:
    @app.action(OPEN_BROWSE)
    def on_open(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        if not body.get("trigger_id"):
            return
        learner = identity.learner(client, body["user"]["id"])
        view = browsing.subjects_view(learner, Place(origin="home"))
        show_view(client.views_open, view, trigger_id=body["trigger_id"])

    @app.action(OPEN_SUBJECT)
    def on_subject(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        if not body.get("trigger_id"):
            return
        learner = identity.learner(client, body["user"]["id"])
        origin = Place.of((body.get("view") or {}).get("private_metadata")).origin
        place = Place.opening(action.get("value"), origin)
        show_view(client.views_push, browsing.shelf_view(learner, place), trigger_id=body["trigger_id"])

    @app.action(re.compile(f"^{TURN_PAGE}_(back|next)$"))
    def on_turn(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        learner = identity.learner(client, body["user"]["id"])
        view = body.get("view") or {}
        if not view.get("id"):
            return
        place = Place.of(view.get("private_metadata")).turned(action.get("value"))
        shown = browsing.shelf_view if view.get("callback_id") == SHELF_CALLBACK else browsing.subjects_view
        show_view(client.views_update, shown(learner, place), view_id=view["id"])
