"""Sending a Message back to Slack, with the one retry that matters: Slack rejects a whole message when it cannot
fetch one of its images, so we send it again without images rather than leave the learner with nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond

from bot.blocks import Message

log = logging.getLogger(__name__)


def _image_problem(body: str) -> bool:
    return "invalid_blocks" in body and ("image" in body or "downloading" in body)


def respond_with(respond: Respond, message: Message, **options: Any) -> None:
    """Answer through the request's response_url (works in any channel, no membership needed)."""
    response = respond(**message.as_kwargs(), **options)
    if response.status_code >= 400 and _image_problem(str(response.body)) and message.blocks:
        log.warning("answer rejected for an image, sending it without images: %s", response.body)
        response = respond(**message.without_images().as_kwargs(), **options)
    if response.status_code >= 400:
        log.error("response_url rejected the answer: %s %s", response.status_code, response.body)


def answering(respond: Respond, fallback: Callable[[], Message]) -> Callable[[Callable[[], Message]], None]:
    """Run `build` and send its message; if building fails, log it and send `fallback()` instead of silence."""

    def run(build: Callable[[], Message]) -> None:
        try:
            message = build()
        except Exception:
            log.exception("could not build an answer")
            message = fallback()
        respond_with(respond, message, response_type="ephemeral")

    return run
