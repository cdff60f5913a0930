"""Socket Mode: the same Bolt app over a websocket opened with the app-level token (no public URL needed)."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

log = logging.getLogger(__name__)


def serve_socket_mode(app: App, app_token: str) -> None:
    log.info("Upnext connecting to Slack in Socket Mode")
    SocketModeHandler(app, app_token).start()
