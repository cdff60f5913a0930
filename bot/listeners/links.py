"""Catalog links posted in a conversation unfold into course cards; a Work Object's side panel shows the course."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.i18n import Messages, messages_for
from bot.use_cases.identity import Identity
from bot.use_cases.link_unfurls import LinkUnfurls

log = logging.getLogger(__name__)


def _call(method: Callable[..., Any], arguments: dict[str, Any] | None, name: str) -> None:
    """Make the call when there is one to make; Slack refusing it is logged (nobody is waiting for an answer)."""
    if arguments is None:
        return
    try:
        method(**arguments)
    except SlackApiError as error:
        code = error.response.get("error", "unknown") if error.response is not None else "unknown"
        log.warning("%s was refused: %s", name, code)


def register(app: App, identity: Identity, unfurls: LinkUnfurls) -> None:
    @app.event("link_shared")
    def on_link_shared(body: dict, event: dict, client: WebClient) -> None:
        """In the language of whoever posted the link, when Upnext knows them (nothing is recorded about them)."""
        if identity.first_delivery(body):
            poster = event.get("user")
            t = messages_for(identity.known(poster) if isinstance(poster, str) else None)
            _call(client.chat_unfurl, unfurls.unfurl(event, t), "chat.unfurl")

    @app.event("entity_details_requested")
    def on_entity_details(body: dict, event: dict, client: WebClient) -> None:
        """In the language of whoever opened the side panel (the event says which)."""
        if identity.first_delivery(body):
            locale = event.get("user_locale")
            t = Messages(locale if isinstance(locale, str) else None)
            _call(client.entity_presentDetails, unfurls.details(event, t), "entity.presentDetails")
