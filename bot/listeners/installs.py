"""Installations at work: an org-wide token names the workspace it acts in; leaving deletes the installation.

An uninstall, or revoked bot tokens, delete that workspace's (or org's) installation at once, and it is recorded as
having left (its learners' planned nudges skipped, their data kept for the retention period:
`learning.people.departures`). The request was authorized without a call to Slack (Bolt skips auth.test for these
events), and after it no request from that workspace finds a token, so none is used again. An org-wide install
that loses some of the org's workspaces (`team_access_revoked`) keeps its token for the others; those workspaces
have left, and come back with `team_access_granted`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.installations import InstallationRepository, key_of


def workspace_of(body: dict[str, Any]) -> str | None:
    """The workspace a request comes from: an event's, a command's, or the user's in an interaction."""
    team, user = body.get("team"), body.get("user")
    if body.get("team_id"):
        return body["team_id"]
    if isinstance(team, dict) and team.get("id"):
        return team["id"]
    return user.get("team_id") if isinstance(user, dict) else None


def register(app: App, installations: InstallationRepository) -> None:
    @app.middleware
    def name_the_workspace(body: dict, context: BoltContext, next: Callable[[], None]) -> None:
        """Bolt gives an org-wide install's requests no team: its calls name the workspace, as Slack asks of an org
        token."""
        if context.is_enterprise_install and context.client is not None and (team := workspace_of(body)):
            context.client.default_params["team_id"] = team
        next()

    def forget_installation(context: BoltContext) -> None:
        key = key_of(context.enterprise_id, context.team_id, context.is_enterprise_install)
        installations.remove(key)

    @app.event("app_uninstalled")
    def on_uninstalled(context: BoltContext) -> None:
        forget_installation(context)

    @app.event("tokens_revoked")
    def on_tokens_revoked(event: dict, context: BoltContext) -> None:
        if (event.get("tokens") or {}).get("bot"):  # user tokens: Upnext keeps none
            forget_installation(context)

    @app.event("team_access_revoked")
    def on_team_access_revoked(event: dict, context: BoltContext) -> None:
        for team in workspaces_in(event):
            installations.remove(key_of(context.enterprise_id, team, False))

    @app.event("team_access_granted")
    def on_team_access_granted(event: dict, context: BoltContext) -> None:
        for team in workspaces_in(event):
            installations.departures.come_back(*key_of(context.enterprise_id, team, False))


def workspaces_in(event: dict[str, Any]) -> list[str]:
    """The workspaces an org-wide install lost or gained access to."""
    teams = event.get("team_ids")
    return [team for team in teams if isinstance(team, str) and team] if isinstance(teams, list) else []
