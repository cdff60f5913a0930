"""Profile changes: a new title, time zone or language shows up in the next answer."""

from __future__ import annotations

from slack_bolt import App

from bot.use_cases.identity import Identity


def register(app: App, identity: Identity) -> None:
    @app.event("user_change")
    def on_user_change(body: dict, event: dict) -> None:
        if identity.first_delivery(body):
            identity.refresh_profile(event.get("user"))
