"""`create_app`: the Bolt app with every listener, built from settings and the domain service.

Building the app never touches the network unless `verify_token` is on (then Bolt calls auth.test once, which is
what `upnext serve` wants: a wrong token stops start-up with a clear line instead of failing on the first request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from admin.digests import DigestChannels
from admin.signin import SignIn
from admin.tokens import AdminTokenRepository
from bot import failures
from bot.installations import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH, OAuthStores
from bot.listeners import actions, assistant, commands, feedback, home, installs, messages, users, views
from bot.listeners.messages import Conversation
from bot.metrics import MeasuredPool, MeasuredWebClient, Metrics
from bot.seen_events import SeenEventRepository
from bot.token_rotation import RefreshingAuthorize, token_refresher
from bot.use_cases.admin_access import AdminAccess
from bot.use_cases.clicks import CardClicks
from bot.use_cases.home_publisher import HomePublisher
from bot.use_cases.identity import Identity
from bot.use_cases.preferences import Preferences
from bot.use_cases.privacy_requests import PrivacyRequests
from bot.use_cases.questions import Questions
from bot.use_cases.wins import Wins
from config import Settings, SettingsError
from learning.service import LearningService
from learning.timestamps import utcnow

log = logging.getLogger(__name__)


def _without_payloads(record: logging.LogRecord) -> bool:
    """Bolt's warnings about a request nothing handled quote it (a dialog's typed values, an option query, a whole
    body, after " ({"): keep only that it happened."""
    if isinstance(record.msg, str) and " ({" in record.msg:
        record.msg, record.args = record.msg.split(" ({", 1)[0] + " (payload not logged)", None
    return True


log.addFilter(_without_payloads)  # the logger Bolt is given


def web_client(settings: Settings, metrics: Metrics | None = None) -> WebClient:
    """A Web API client for SLACK_API_URL that waits out 429s and retries dropped connections (and, with
    `metrics`, counts its calls)."""
    options: dict[str, Any] = {
        "token": settings.slack_bot_token,
        "base_url": settings.slack_api_url,
        "timeout": 10,
        "retry_handlers": [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    }
    return MeasuredWebClient.build(metrics, **options) if metrics else WebClient(**options)


def listener_pool(settings: Settings, metrics: Metrics | None = None) -> ThreadPoolExecutor:
    """Where Bolt runs listeners once it has acknowledged a request (with `metrics`, each one timed)."""
    if metrics:
        return MeasuredPool(metrics, settings.listener_threads)
    return ThreadPoolExecutor(max_workers=settings.listener_threads, thread_name_prefix="listener")


def check_slack(client: WebClient, settings: Settings) -> None:
    """Start-up's first call to Slack (auth.test), before anything slow: a wrong token or an unreachable API stops
    start-up with one line naming what to fix, instead of a traceback."""
    try:
        client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error", "unknown") if error.response is not None else "unknown"
        message = f"Slack refused SLACK_BOT_TOKEN ({code}): check the token in .env or the environment"
        raise SettingsError(message) from None
    except (OSError, ValueError) as error:  # URLError, refused connections and timeouts are OSErrors
        reason = getattr(error, "reason", None) or error
        raise SettingsError(f"cannot reach Slack at SLACK_API_URL={settings.slack_api_url} ({reason})") from None


def create_app(
    settings: Settings,
    service: LearningService,
    seen_events: SeenEventRepository,
    admin_tokens: AdminTokenRepository,
    *,
    client: WebClient | None = None,
    verify_token: bool = False,
    process_before_response: bool = False,
    clock: Callable[[], datetime] = utcnow,
    executor: Executor | None = None,
    metrics: Metrics | None = None,
    oauth: OAuthStores | None = None,
) -> App:
    """With `oauth` (SLACK_CLIENT_ID set) each request is answered with its workspace's installation, found in the
    store; otherwise with SLACK_BOT_TOKEN."""
    client = client or web_client(settings, metrics)
    app = App(
        name="upnext",
        client=client,
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=verify_token,
        process_before_response=process_before_response,
        listener_executor=executor or listener_pool(settings, metrics),
        logger=log,
        **({"oauth_settings": oauth_settings(settings, oauth)} if oauth else {"token": settings.slack_bot_token}),
    )
    if metrics:
        app.use(metrics.middleware)
    failures.register(app, service.learners, on_failure=metrics.listener_failed if metrics else None)
    if oauth:
        installs.register(app, oauth.installations)
    register_listeners(app, settings, service, seen_events, admin_tokens, clock)
    return app


def oauth_settings(settings: Settings, oauth: OAuthStores) -> OAuthSettings:
    """Bolt's OAuth flow over our stores: Slack sends installers back to UPNEXT_PUBLIC_URL/slack/oauth_redirect. Each
    request is authorized with its installation's token, refreshed first when it is about to expire (with
    SLACK_TOKEN_ROTATION on) and checked with auth.test once per token; an uninstalled workspace's token is no longer
    found, so never used."""
    assert settings.slack_client_id and settings.slack_client_secret and settings.reporting.public_url
    oauth_flow = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.reporting.public_url.rstrip("/") + REDIRECT_PATH,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=oauth.installations,
        state_store=oauth.states,
        state_expiration_seconds=oauth.states.expiration_seconds,
        logger=log,
    )
    oauth_flow.authorize = RefreshingAuthorize(oauth.installations, token_refresher(settings, oauth.installations))
    return oauth_flow


def register_listeners(
    app: App,
    settings: Settings,
    service: LearningService,
    seen_events: SeenEventRepository,
    admin_tokens: AdminTokenRepository,
    clock: Callable[[], datetime],
) -> None:
    """Build the bot's use cases from the domain service and give each kind of listener the ones it needs."""
    answers = service.answers
    identity = Identity(service.learners, seen_events.first_sighting, clock)
    answering = Questions(service.recommender, service.search, service.courses, service.history, answers)
    preferences = Preferences(service.learners, service.history, service.courses, settings.nudges, clock)
    clicks = CardClicks(service.courses, service.history, answers, clock)
    home_tab = HomePublisher(service.recommender, service.history, answers, settings.nudges, service.achievements,
                             clock)  # fmt: skip
    wins = Wins(service.achievements, clock)
    privacy = PrivacyRequests(service.privacy, service.forget_me, settings.reporting.min_group)
    digests = DigestChannels(admin_tokens.store) if settings.oauth else None
    admin = AdminAccess(SignIn(admin_tokens), settings.reporting, by_org=settings.oauth, digests=digests)
    conversation = Conversation(identity, answering, preferences)
    commands.register(app, identity, answering, preferences, privacy, admin, wins)
    messages.register(app, identity, conversation)
    assistant.register(app, identity, conversation)
    home.register(app, identity, home_tab, answering, preferences)
    actions.register(app, identity, clicks, answering, home_tab, privacy, wins)
    feedback.register(app, identity, clicks)
    views.register(app, identity, preferences, home_tab, wins)
    users.register(app, identity)
