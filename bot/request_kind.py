"""What kind of Slack request a body is, as a short label for logs and metrics (a small, fixed set of values)."""

from __future__ import annotations

from typing import Any

INTERACTIVE = {
    "block_actions": "action",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "block_suggestion": "options",
}


def request_kind(body: dict[str, Any] | None) -> str:
    """`command`, `action`, `view`, `shortcut`, `options`, `event:<type>` (`event:message`, `event:app_mention`,
    ...), or `other`."""
    if not body:
        return "other"
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        event_type = (body.get("event") or {}).get("type")
        return f"event:{event_type}" if isinstance(event_type, str) and event_type.isidentifier() else "event:other"
    return INTERACTIVE.get(kind, "other") if isinstance(kind, str) else "other"
