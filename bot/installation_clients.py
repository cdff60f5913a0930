"""A Web API client with the token of the installation serving a workspace, for work outside a Slack request.

The dashboard's admin checks and the weekly digest call Slack where Bolt finds no installation for us.

Each call looks the installation up (`InstallationRepository.find_installation`, cached per process), refreshes its
token when about to expire, and builds a client with it; an org-wide token names the workspace it acts in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from slack_sdk import WebClient

from bot.app import web_client
from bot.installations import InstallationRepository
from bot.token_rotation import token_refresher
from config import Settings

ClientFor = Callable[[str | None, str | None], WebClient | None]  # (enterprise_id, team_id) -> client, or None


def installation_clients(settings: Settings, installations: InstallationRepository) -> ClientFor:
    """`client_for(enterprise_id, team_id)`: a client with the token of the installation serving that workspace (its
    own, else its org's org-wide one; with only `enterprise_id`, the org's), or None when none does."""

    tokens = token_refresher(settings, installations)

    def client_for(enterprise_id: str | None, team_id: str | None) -> WebClient | None:
        found = tokens.usable(installations.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=team_id is None
        ))  # fmt: skip
        if found is None or not found.bot_token:
            return None
        client = web_client(replace(settings, slack_bot_token=found.bot_token))
        if found.is_enterprise_install and team_id:
            client.default_params["team_id"] = team_id
        return client

    return client_for
