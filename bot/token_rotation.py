"""Token rotation (SLACK_TOKEN_ROTATION=on): bot tokens refreshed before they expire, once across processes.

Whichever process needs a token about to expire refreshes it: a request being authorized, or the clock before it
sends. Slack answers a refresh with a new token and a new refresh token, and refuses the old refresh token from then
on, so two processes finding the same token about to expire must not both refresh it. The refresh runs under a lock on
the installation's row (on SQLite the store's write lock, on PostgreSQL a row lock), after reading the row again: the
second process finds the first one's new token there and uses it. The lock is held across the one call to Slack
(oauth.v2.access, at most REFRESH_TIMEOUT seconds, plus one retry of a dropped connection): with the call outside it,
two processes could both spend the refresh token. That is once in ten hours per installation; on SQLite other
writers wait for it meanwhile. If the process dies after Slack answered and before the commit, the new tokens are
lost with it and the workspace must reinstall the app: no order of calls avoids that with single-use refresh tokens.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.installations import InstallationRepository, Key, key_of
from config import Settings

log = logging.getLogger(__name__)

MARGIN_MINUTES = 120  # a token is refreshed this long before it expires (Bolt's default); Slack's last 12 hours
REFRESH_TIMEOUT = 5  # seconds the refresh call may take, the installation's row locked meanwhile


class TokenRefresher:
    """Installations with a bot token good for at least MARGIN_MINUTES more, refreshed one process at a time."""

    def __init__(
        self, installations: InstallationRepository, rotator: TokenRotator | None, margin_minutes: int = MARGIN_MINUTES
    ):
        self.installations = installations
        self.rotator = rotator  # None: rotation off, nothing is ever refreshed
        self.margin_minutes = margin_minutes

    def fresh(self, installation: Installation) -> Installation | None:
        """`installation` as given when its token is not about to expire (or rotation is off); else as another
        process refreshed it meanwhile, else refreshed here and saved. None when it was uninstalled meanwhile.
        Raises SlackTokenRotationError when Slack refuses the refresh (then nothing is saved)."""
        if self.rotator is None or not self._expiring(installation):
            return installation
        key = key_of(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        with self.installations.store.transaction():
            current = self.installations.hold(key)
            if current is None or not self._expiring(current):
                return current  # gone, or another process refreshed it while this one waited for the lock
            refreshed = self.rotator.perform_token_rotation(
                installation=current, minutes_before_expiration=self.margin_minutes
            )
            if refreshed is None:  # Slack's answer held no bot token
                return current
            self.installations.save(refreshed)
        return refreshed

    def usable(self, installation: Installation | None) -> Installation | None:
        """`fresh`, for a caller that can only go on without it: None when Slack refuses the refresh (logged; the
        workspace must install Upnext again)."""
        try:
            return self.fresh(installation) if installation else None
        except SlackTokenRotationError as error:
            log.error("Slack refused to refresh an installation's token (%s): it must be reinstalled",
                      error.api_error.response.get("error"))  # fmt: skip
            return None

    def _expiring(self, installation: Installation) -> bool:
        expires_at = installation.bot_token_expires_at
        return (
            installation.bot_refresh_token is not None
            and expires_at is not None
            and expires_at <= time.time() + self.margin_minutes * 60
        )


def token_refresher(settings: Settings, installations: InstallationRepository) -> TokenRefresher:
    """Refreshing through SLACK_API_URL with the app's credentials when SLACK_TOKEN_ROTATION is on; else never."""
    if not settings.slack_token_rotation:
        return TokenRefresher(installations, None)
    assert settings.slack_client_id and settings.slack_client_secret  # settings refuse rotation without them
    client = WebClient(base_url=settings.slack_api_url, timeout=REFRESH_TIMEOUT)
    credentials = {"client_id": settings.slack_client_id, "client_secret": settings.slack_client_secret}
    return TokenRefresher(installations, TokenRotator(**credentials, client=client))


class RefreshingAuthorize(Authorize):
    """Bolt's authorize for installs by OAuth: the installation serving the request's workspace (its own, else its
    org's), its token refreshed first when about to expire, and auth.test once per token. It stands in for Bolt's
    InstallationStoreAuthorize, whose own refresh is not serialised across processes."""

    def __init__(self, installations: InstallationRepository, tokens: TokenRefresher):
        self.installations = installations
        self.tokens = tokens
        self._verified: dict[Key, AuthorizeResult] = {}  # what auth.test said of each installation's latest token

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        found = self.installations.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
        )
        installation = self.tokens.usable(found)
        if installation is None or not installation.bot_token:
            return None
        return self._verify(context.client, installation)

    def _verify(self, client: WebClient, installation: Installation) -> AuthorizeResult | None:
        key = key_of(installation.enterprise_id, installation.team_id, installation.is_enterprise_install)
        token = installation.bot_token
        known = self._verified.get(key)
        if known is not None and known.bot_token == token:
            return known
        try:
            answer = client.auth_test(token=token)
        except SlackApiError as error:
            log.debug("Slack refused an installation's token (%s)", error.response.get("error"))
            return None
        result = AuthorizeResult.from_auth_test_response(
            auth_test_response=answer, bot_token=token, bot_scopes=installation.bot_scopes
        )
        self._verified[key] = result
        return result
