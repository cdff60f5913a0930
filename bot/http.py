"""HTTP mode: Bolt on /slack/events and a health check on /healthz, served by waitress (a production WSGI
server, threaded, pure Python)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; anything bigger is not from Slack

StartResponse = Callable[..., Any]


def _plain(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class SlackWsgiApp:
    """Routes requests; a payload Bolt cannot parse gets a 400 instead of a 500, and the server stays up."""

    def __init__(self, app: App, health: Callable[[], dict[str, Any]] | None = None):
        self.handler = SlackRequestHandler(app, path=EVENTS_PATH)
        self.health = health or (lambda: {"ok": True})

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH:
            return _plain(start_response, "200 OK", self.health())
        if path != EVENTS_PATH:
            return _plain(start_response, "404 Not Found", {"ok": False, "error": "not_found"})
        if method != "POST":
            return _plain(start_response, "405 Method Not Allowed", {"ok": False, "error": "post_only"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            return _plain(start_response, "413 Payload Too Large", {"ok": False, "error": "bad_length"})
        try:
            return self.handler(environ, start_response)
        except Exception as error:  # Bolt raises on bodies it cannot parse (e.g. payload= that is not JSON)
            log.warning("rejected a malformed Slack request: %s", error)
            return _plain(start_response, "400 Bad Request", {"ok": False, "error": "malformed_payload"})


def serve_http(wsgi_app: SlackWsgiApp, port: int, threads: int = 16, host: str = "0.0.0.0") -> None:
    from waitress import serve

    log.info("Upnext listening on http://%s:%d%s (health: %s)", host, port, EVENTS_PATH, HEALTH_PATH)
    serve(wsgi_app, host=host, port=port, threads=threads, ident="upnext")
