"""`create_app`: the Bolt app with every listener, built from settings and the domain service.

Building the app never touches the network unless `verify_token` is on (then Bolt calls auth.test once, which is
what `upnext serve` wants: a wrong token stops start-up with a clear line instead of failing on the first request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.listeners import actions, assistant, commands, feedback, home, messages, users, views
from bot.middleware import skip_repeated_events
from bot.replies import Replies
from config import Settings
from learning.service import LearningService
from learning.store import utcnow

log = logging.getLogger(__name__)


def web_client(settings: Settings) -> WebClient:
    """A Web API client for SLACK_API_URL that waits out 429s and retries dropped connections."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def create_app(
    settings: Settings,
    service: LearningService,
    *,
    client: WebClient | None = None,
    verify_token: bool = False,
    process_before_response: bool = False,
    clock: Callable[[], datetime] = utcnow,
    executor: Executor | None = None,
) -> App:
    app = App(
        name="upnext",
        client=client or web_client(settings),
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=verify_token,
        process_before_response=process_before_response,
        listener_executor=executor
        or ThreadPoolExecutor(max_workers=settings.listener_threads, thread_name_prefix="listener"),
        logger=log,
    )
    app.use(skip_repeated_events(service.store))
    replies = Replies(service, clock, settings.nudges, settings.reporting)
    for listeners in (commands, messages, assistant, home, actions, feedback, views, users):
        listeners.register(app, replies)
    return app
