"""Shape checks for signed Slack payloads, before Bolt sees them: Bolt answers a payload that parses but lacks a
field it expects (a view without a type, say) with a 500. A malformed payload is the sender's error: 400."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

REQUIRED_PATHS: dict[str, list[tuple[str, ...]]] = {
    "event_callback": [("event", "type")],
    "block_actions": [("user", "id"), ("actions",)],
    "view_submission": [("user", "id"), ("view", "type"), ("view", "id")],
    "view_closed": [("user", "id"), ("view", "type"), ("view", "id")],
    "shortcut": [("user", "id"), ("callback_id",)],
    "message_action": [("user", "id"), ("callback_id",)],
    "block_suggestion": [("user", "id"), ("action_id",)],
}


def _has(payload: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(payload, dict) or key not in payload:
            return False
        payload = payload[key]
    return payload is not None


def payload_problem(body: bytes, content_type: str) -> str | None:
    """Why this body is not a Slack payload Upnext can handle, or None when it looks right."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if "json" in content_type:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            return "body is not JSON"
    else:
        form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        if "payload" not in form:
            return None if "command" in form or "ssl_check" in form else "form has no command or payload"
        try:
            payload = json.loads(form["payload"])
        except json.JSONDecodeError:
            return "payload is not JSON"
    if not isinstance(payload, dict):
        return "payload is not a JSON object"
    if payload.get("type") == "view_submission" and not isinstance(payload.get("view", {}).get("state", {}), dict):
        return "view state is not an object"
    missing = [".".join(p) for p in REQUIRED_PATHS.get(str(payload.get("type")), []) if not _has(payload, p)]
    return f"payload has no {', '.join(missing)}" if missing else None
