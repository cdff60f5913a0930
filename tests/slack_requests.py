"""What people do in Slack, as the signed requests Slack sends for it: events, /learn, clicks, modal submissions."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from tests.fakes.signing import FORM, JSON, form_body, json_body, learn, post_signed

if TYPE_CHECKING:
    from tests.conftest import RunningServer

ANA = "U0ANA"


def event(server: RunningServer, payload: dict, event_id: str | None = None, retry: int | None = None):
    body = {
        "token": "x", "team_id": "T0LOCAL", "api_app_id": "AUPNEXT", "type": "event_callback",
        "event_id": event_id or f"Ev{time.monotonic_ns()}", "event_time": int(time.time()), "event": payload,
    }  # fmt: skip
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
    return post_signed(server, json_body(body), JSON, headers)


def dm(server: RunningServer, text: str, user: str = ANA, **extra):
    ts = f"{time.time():.6f}"
    payload = {"type": "message", "channel": "D" + user, "channel_type": "im", "user": user, "text": text,
               "ts": ts, "event_ts": ts, **extra}  # fmt: skip
    return event(server, payload)


def command(server: RunningServer, text: str, user: str = ANA):
    return learn(server, text, user)


def interact(server: RunningServer, payload: dict):
    return post_signed(server, form_body({"payload": json.dumps(payload)}), FORM)


def click(server: RunningServer, action_id: str, value: str, user: str = ANA, container: dict | None = None):
    return interact(server, {
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
        "trigger_id": "1.2.trigger", "response_url": server.slack.response_url("action"),
        "container": container or {"type": "message", "message_ts": "1.1", "channel_id": "D" + user,
                                   "is_ephemeral": True},
        "actions": [{"action_id": action_id, "value": value, "block_id": "b", "type": "button"}],
    })  # fmt: skip


def onboard(service, user: str = ANA) -> None:
    """Skip the one-time welcome, for tests about other things."""
    learner = service.learners.ensure(user)
    service.learners.update(learner, welcomed_at="2026-01-01T00:00:00+00:00")


def submit_interests(server: RunningServer, interests: list[str], role: str, user: str = ANA):
    """The interests modal submitted with these options picked and this role typed."""
    return interact(server, {
        "type": "view_submission", "user": {"id": user}, "team": {"id": "T0LOCAL"}, "api_app_id": "AUPNEXT",
        "view": {"id": "V1", "type": "modal", "callback_id": "interests_modal", "private_metadata": "{}",
                 "state": {"values": {
                     "interests": {"interests_pick": {"type": "multi_static_select",
                                                      "selected_options": [{"value": v} for v in interests]}},
                     "role": {"role_input": {"type": "plain_text_input", "value": role}},
                 }}},
    })  # fmt: skip


def answer_buttons(server: RunningServer, text: str) -> list[dict]:
    """The buttons on the cards of the answer to `/learn TEXT`."""
    command(server, text)
    answer = server.answer("respond", "Courses for")
    return [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
