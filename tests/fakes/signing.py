"""Requests signed exactly as Slack signs them, written from Slack's spec rather than taken from slack_sdk:
v0=HMAC_SHA256(signing_secret, "v0:{timestamp}:{raw body}")."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode


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
