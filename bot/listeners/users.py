"""Profile changes: a new title, time zone or language shows up in the next answer."""

from __future__ import annotations

from slack_bolt import App

from bot.replies import Replies


def register(app: App, replies: Replies) -> None:
    @app.event("user_change")
    def on_user_change(body: dict, event: dict) -> None:
        if replies.first_delivery(body):
            replies.refresh_profile(event.get("user"))
