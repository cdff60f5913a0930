"""The Slack client for work outside a Slack request: one token for everyone, or a workspace's installation.

Nothing outside a request tells which token to use but the workspace: a learner's (`learners.team_id`, and their
Grid org, `learners.enterprise_id`) for the clock's nudges, a digest channel's for the digest, an admin's for the
dashboard's admin check. `InstallationClients.installation_in` is the one place any of them gets an installation's
token. It reads the store each time rather than this process's cache: an uninstall is handled by the web process,
whose deletion another process's cache would only see within a minute, and one indexed read is little beside a
Slack call. A token revoked between that read and the call is refused by Slack (`token_revoked`), which the sender
records as final.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot.installations import InstallationRepository, Key, key_of, serving_keys
from bot.token_rotation import TokenRefresher
from learning.people.learners import Learner

Reachable = Callable[[Learner], bool]
MakeClient = Callable[[str, str | None], WebClient]  # (token, team_id an org-wide token acts in) -> client


class WorkspaceClients(Protocol):
    def reachable(self) -> Reachable:
        """Whether a learner has a token to be reached with, as installed now (read once, for a planning run)."""
        ...

    def client_for(self, learner: Learner) -> WebClient | None:
        """The client to message this learner with; None when no installation serves their workspace."""
        ...


class OneToken:
    """Single-token mode (SLACK_BOT_TOKEN): one client for everyone."""

    def __init__(self, client: WebClient):
        self.client = client

    def reachable(self) -> Reachable:
        return lambda learner: True

    def client_for(self, learner: Learner) -> WebClient:
        return self.client


class InstallationClients:
    """Installs by OAuth: each learner is reached with the installation serving their workspace (its own, else
    its org's org-wide one, which names their workspace in each call). One client per installation (and, for an
    org-wide one, per workspace), made again when its token changes."""

    def __init__(self, installations: InstallationRepository, make_client: MakeClient, tokens: TokenRefresher):
        self.installations = installations
        self.make_client = make_client
        self.tokens = tokens  # refreshes a token about to expire (SLACK_TOKEN_ROTATION), one process at a time
        self._clients: dict[tuple[Key, str | None], tuple[str, WebClient]] = {}
        self._lock = threading.Lock()

    def reachable(self) -> Reachable:
        installed, gone = self.installations.installed(), self.installations.departures.gone()
        return lambda learner: (
            (learner.enterprise_id or "", learner.team_id or "") not in gone
            and any(k in installed for k in serving_keys(learner.enterprise_id, learner.team_id))
        )

    def installation_in(self, enterprise_id: str | None, team_id: str | None) -> Installation | None:
        """The installation serving this workspace now (with only `enterprise_id`, the org's org-wide one), read
        from the store (never a deleted one), its token refreshed first when about to expire; None for a workspace
        that left (an org-wide install may still reach it)."""
        if self.installations.departures.has_left(enterprise_id, team_id):
            return None
        return self.tokens.usable(
            self.installations.find_installation(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=not team_id, fresh=True
            )
        )

    def client_for(self, learner: Learner) -> WebClient | None:
        return self.client_in(learner.enterprise_id, learner.team_id)

    def client_in(self, enterprise_id: str | None, team_id: str | None) -> WebClient | None:
        """A client with the token of the installation serving this workspace (see `installation_in`), or None."""
        installation = self.installation_in(enterprise_id, team_id)
        if installation is None or not installation.bot_token:
            return None
        token = installation.bot_token
        team = team_id if installation.is_enterprise_install else None  # an org token names the workspace
        key = (key_of(installation.enterprise_id, installation.team_id, installation.is_enterprise_install), team)
        with self._lock:
            cached = self._clients.get(key)
            if cached is None or cached[0] != token:
                cached = self._clients[key] = (token, self.make_client(token, team))
        return cached[1]
