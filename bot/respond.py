"""Sending a Message, with the one retry that matters, and an apology when building an answer fails.

Slack rejects a whole message when it cannot fetch one of its images, so it goes again without images rather than
leaving the learner with nothing. And when building an answer fails, the learner gets an apology, never silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.block_kit.blocks import Message
from bot.failures import log_failure

log = logging.getLogger(__name__)


def _image_problem(detail: str) -> bool:
    return "invalid_blocks" in detail and ("image" in detail or "downloading" in detail)


def send(post: Callable[..., Any], message: Message, **options: Any) -> None:
    """Post with `post` (Bolt's respond or say, or a client method); retry once without images if Slack refuses
    one of them. `respond` reports failure in its status, `say` by raising."""
    for attempt in (message, message.without_images()):
        try:
            response = post(**attempt.as_kwargs(), **options)
        except SlackApiError as error:
            detail = str(error.response.data if error.response is not None else error)
            if attempt is message and _image_problem(detail) and message.blocks:
                log.warning("message refused for an image, sending it without images: %s", detail)
                continue
            raise
        status = getattr(response, "status_code", 200)
        if status < 400:
            return
        detail = str(getattr(response, "body", ""))
        if attempt is not message or not _image_problem(detail):
            log.error("Slack refused the answer: %s %s", status, detail)
            return
        log.warning("answer refused for an image, sending it without images: %s", detail)


def build_and_send(
    post: Callable[..., Any], build: Callable[[], Message], fallback: Callable[[], Message], **options: Any
):
    """Build the answer and send it; if building fails, log it and send `fallback()` instead."""
    try:
        message = build()
    except Exception as error:
        log_failure(log, "could not build an answer", error)
        message = fallback()
    send(post, message, **options)


def open_modal(client: Any, body: dict[str, Any], view: dict[str, Any] | None) -> None:
    """Open `view` (when there is one) as the modal a click asked for, with the click's trigger."""
    if view is not None and body.get("trigger_id"):
        client.views_open(trigger_id=body["trigger_id"], view=view)
