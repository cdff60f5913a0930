"""The last line of defence against listener and middleware failures.

Any such failure is logged with its request kind, and the person who was waiting gets the localised apology ("try again
in a moment") instead of silence; a store that cannot be reached just now (`StoreUnavailable`) is answered the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse, Respond
from slack_sdk import WebClient

from bot.block_kit.blocks import error_message
from bot.i18n import messages_for
from bot.request_kind import request_kind
from learning.people.learners import LearnerRepository
from learning.store.engine import StoreUnavailable

log = logging.getLogger(__name__)

WAITING = ("command", "action", "view", "shortcut", "event:message", "event:app_mention")  # someone expects a reply


def register(app: App, learners: LearnerRepository, on_failure: Callable[[], None] | None = None) -> None:
    @app.error
    def on_error(
        error: Exception,
        body: dict[str, Any],
        client: WebClient,
        respond: Respond | None,
        response: BoltResponse | None,
    ) -> None:
        kind = request_kind(body)
        log_failure(log, f"{kind} request failed", error)
        if isinstance(error, StoreUnavailable) and response is not None:
            response.status = 200  # failed before its ack: acknowledged all the same, so Slack does not retry
        if on_failure:
            on_failure()
        if kind in WAITING:
            try:
                apologise(client, respond, body, learners)
            except Exception:
                log.exception("could not send the apology for a failed %s request", kind)


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """A database outage is one warning line per request (it is expected, and the pool reconnects by itself);
    anything else is an error with its traceback."""
    if isinstance(error, StoreUnavailable):
        logger.warning("%s: %s", what, error)
    else:
        logger.error("%s: %s", what, type(error).__name__, exc_info=error)


def apologise(client: WebClient, respond: Respond | None, body: dict[str, Any], learners: LearnerRepository) -> None:
    """In the conversation the request came from: its response_url, the event's channel (and thread), or a DM."""
    event = body.get("event") or {}
    user_id = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    try:
        learner = learners.get(user_id) if user_id else None
    except Exception:  # the store may be what failed
        learner = None
    message = error_message(messages_for(learner))
    if respond is not None and body.get("response_url"):
        respond(response_type="ephemeral", replace_original=False, **message.as_kwargs())
    elif event.get("channel"):
        client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts"), **message.as_kwargs())
    elif user_id:
        client.chat_postMessage(channel=user_id, **message.as_kwargs())
