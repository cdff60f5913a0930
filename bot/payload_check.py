"""Shape checks for signed Slack payloads, before Bolt sees them: a malformed payload is the sender's error, 400.

Bolt answers a payload that parses but lacks a field it expects (a view without a type, an action list that is empty)
with a 500, or waits and answers 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from learning.catalog.json_input import loads as parse_json

# For each payload type: the paths that must hold a value of the given type.
REQUIRED: dict[str, list[tuple[tuple[str, ...], type]]] = {
    "event_callback": [(("event",), dict), (("event", "type"), str)],
    "block_actions": [(("user", "id"), str), (("actions",), list)],
    "view_submission": [(("user", "id"), str), (("view",), dict), (("view", "type"), str), (("view", "id"), str)],
    "view_closed": [(("user", "id"), str), (("view", "type"), str), (("view", "id"), str)],
    "shortcut": [(("user", "id"), str), (("callback_id",), str)],
    "message_action": [(("user", "id"), str), (("callback_id",), str)],
    "block_suggestion": [(("user", "id"), str), (("action_id",), str)],
}


def _at(payload: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(payload, dict):
            return None
        payload = payload.get(key)
    return payload


def _shape_problem(payload: dict[str, Any]) -> str | None:
    wrong = [".".join(path) for path, kind in REQUIRED.get(str(payload.get("type")), []) if
             not isinstance(_at(payload, path), kind)]  # fmt: skip
    if wrong:
        return f"payload has no usable {', '.join(wrong)}"
    if payload.get("type") == "block_actions":
        actions = payload["actions"]
        if not actions or not all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            return "actions must be a non-empty list of actions, each with an action_id"
    if payload.get("type") == "view_submission" and not isinstance(_at(payload, ("view", "state")) or {}, dict):
        return "view state is not an object"
    return None


def payload_problem(body: bytes, content_type: str) -> str | None:
    """Why this body is not a Slack payload Upnext can handle, or None when it looks right."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    try:
        if "json" in content_type:
            payload = parse_json(text)
        else:
            form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
            if "command" in form:
                return None if form.get("user_id") else "command has no user_id"
            if "payload" not in form:
                return None if "ssl_check" in form else "form has no command or payload"
            payload = parse_json(form["payload"])
    except ValueError as error:
        return f"payload is not usable JSON ({error})"
    if not isinstance(payload, dict):
        return "payload is not a JSON object"
    return _shape_problem(payload)
