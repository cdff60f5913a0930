"""What kind of Slack request a body is, as a short label for logs and metrics (a small, fixed set of values)."""

from __future__ import annotations

from typing import Any

# the events config/manifest.yml subscribes to (`message.im` arrives as `message`; `entity_details_requested` with Work
# Objects on, see `upnext manifest`): any other type a signed request names is `event:other`, so a label set cannot be
# grown by made-up types
EVENTS = frozenset(
    {"app_home_opened", "app_mention", "assistant_thread_started", "assistant_thread_context_changed", "message",
     "user_change", "app_uninstalled", "tokens_revoked", "team_access_revoked", "team_access_granted", "link_shared",
     "entity_details_requested"}
)  # fmt: skip

INTERACTIVE = {
    "block_actions": "action",
    "view_submission": "view",
    "view_closed": "view",
    "shortcut": "shortcut",
    "message_action": "shortcut",
    "block_suggestion": "options",
}


def request_kind(body: dict[str, Any] | None) -> str:
    """`command`, `action`, `view`, `shortcut`, `options`, `event:<type>` for the events Upnext subscribes to
    (`event:message`, `event:app_mention`, ...), `event:other`, or `other`."""
    if not body:
        return "other"
    if "command" in body:
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        event_type = (body.get("event") or {}).get("type")
        return f"event:{event_type}" if event_type in EVENTS else "event:other"
    return INTERACTIVE.get(kind, "other") if isinstance(kind, str) else "other"
