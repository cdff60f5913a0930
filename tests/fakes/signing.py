"""Requests signed exactly as Slack signs them, written from Slack's spec rather than taken from slack_sdk:
v0=HMAC_SHA256(signing_secret, "v0:{timestamp}:{raw body}")."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tests.helpers import HttpResult, http

if TYPE_CHECKING:
    from tests.conftest import RunningServer

SIGNING_SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signed_headers(secret: str, body: bytes, content_type: str, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = b"v0:" + str(timestamp).encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
    }


def form_body(fields: dict[str, Any]) -> bytes:
    return urlencode(fields).encode()


def json_body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def slash_command(text: str, response_url: str, user_id: str = "U123", command: str = "/learn") -> dict[str, str]:
    return {
        "token": "legacy-unused",
        "team_id": "T0LOCAL",
        "team_domain": "local",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "AUPNEXT",
        "response_url": response_url,
        "trigger_id": "1234.5678.abcd",
    }


def post_signed(
    server: RunningServer, body: bytes, content_type: str, headers: dict | None = None, timestamp: int | None = None
) -> HttpResult:
    """POST to the server's /slack/events, signed as Slack signs it (extra `headers`, e.g. retries, on top)."""
    signed = signed_headers(SIGNING_SECRET, body, content_type, timestamp)
    return http(server.events_url, body, {**signed, **(headers or {})})


def learn(server: RunningServer, text: str, user: str = "U123") -> HttpResult:
    """`/learn TEXT` typed by `user`; the answer goes to a response_url on the fake Slack."""
    return post_signed(server, form_body(slash_command(text, server.slack.response_url(), user)), FORM)
