"""HTTP mode: Bolt on /slack/events, a health check on /healthz, the install pages and a cover image, by waitress.

The cover is what browsing shows for a subject with no image of its own; Slack fetches it at the public address.

Installing by OAuth, Bolt also serves /slack/install and /slack/oauth_redirect.

Waitress is a production WSGI server, threaded, pure Python.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.installations import INSTALL_PATH, REDIRECT_PATH
from bot.payload_check import payload_problem
from bot.use_cases.browse import COVER_PATH
from learning.service import LearningService
from learning.store.engine import StoreUnavailable

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_CLOCK_SKEW = 300  # seconds, as Bolt
MAX_BODY = 1024 * 1024  # Slack payloads are far smaller; anything bigger is not from Slack

StartResponse = Callable[..., Any]


def _plain(start_response: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


@cache
def _cover() -> bytes:
    return (resources.files("config") / "cover.png").read_bytes()


def catalog_health(service: LearningService) -> Callable[[], dict[str, Any]]:
    """/healthz's answer: ready, with the number of courses in the catalog as it is now (imports included)."""
    return lambda: {"ok": True, "courses": service.courses.count()}


class SlackWsgiApp:
    """Routes requests. A signed payload that is malformed gets a 400 and the server stays up; an unsigned or stale
    one a 401, as from Bolt."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        health: Callable[[], dict[str, Any]] | None = None,
        pages: Callable[[str], bool] | None = None,
        pages_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]] | None = None,
        public_url: str | None = None,
    ):
        """`pages_app` serves the paths `pages` accepts (the admin dashboard), on the same port. An app installed by
        OAuth serves its install page and redirect at `public_url` only: the state cookie the page sets must come
        back with the redirect, which Slack sends there."""
        self.handler = SlackRequestHandler(app, path=EVENTS_PATH)
        self.install_paths = (INSTALL_PATH, REDIRECT_PATH) if app.oauth_flow else ()
        self.public_host = urlsplit(public_url).netloc if public_url else None
        self.secret = signing_secret.encode()
        self.health = health or (lambda: {"ok": True})
        self.pages, self.pages_app = pages, pages_app

    def _install(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Bolt's install page and redirect (the state checked there), for requests to the public address."""
        host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST")
        if self.public_host and host != self.public_host:
            return _plain(start_response, "404 Not Found", {"ok": False, "error": "install_at_public_url"})
        return self.handler(environ, start_response)

    def _signed(self, body: bytes, headers: dict[str, str]) -> bool:
        """Slack's v0 signature over the raw bytes, with a timestamp at most five minutes off."""
        timestamp, signature = headers["x-slack-request-timestamp"], headers["x-slack-signature"]
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
            return False
        expected = hmac.new(self.secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
        # as bytes: compare_digest refuses non-ASCII str, and a forged header may hold anything
        return hmac.compare_digest(b"v0=" + expected.encode(), signature.encode("latin-1", "replace"))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH:
            try:
                return _plain(start_response, "200 OK", self.health())
            except StoreUnavailable:  # logged by the store's pool; a balancer sends traffic elsewhere meanwhile
                return _plain(start_response, "503 Service Unavailable", {"ok": False, "error": "store_unavailable"})
        if path == COVER_PATH and method in ("GET", "HEAD"):
            cover = _cover()
            start_response("200 OK", [("Content-Type", "image/png"), ("Content-Length", str(len(cover))),
                                      ("Cache-Control", "public, max-age=86400")])  # fmt: skip
            return [cover] if method == "GET" else []
        if self.pages and self.pages_app and self.pages(path):
            return self.pages_app(environ, start_response)
        if path in self.install_paths and method == "GET":
            return self._install(environ, start_response)
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
        body = environ["wsgi.input"].read(length)
        headers = {
            "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        }
        if not self._signed(body, headers):
            return _plain(start_response, "401 Unauthorized", {"ok": False, "error": "invalid_signature"})
        problem = payload_problem(body, environ.get("CONTENT_TYPE", ""))
        if problem:
            log.warning("rejected a malformed Slack request: %s", problem)
            return _plain(start_response, "400 Bad Request", {"ok": False, "error": "malformed_payload"})
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            return self.handler(environ, start_response)
        except Exception:  # payload_problem() let it through, so the failure is ours, not the request's
            log.exception("failed to handle a Slack request")
            return _plain(start_response, "500 Internal Server Error", {"ok": False, "error": "internal_error"})
