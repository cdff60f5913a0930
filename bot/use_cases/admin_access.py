"""`/learn admin`: a one-time dashboard sign-in link, for workspace admins and those named in UPNEXT_ADMINS only.

`/learn admin digest here` (or `off`), typed in a channel when installed by OAuth, sends the weekly digest of what the
admin's right covers (their workspace, or their org) to that channel (admin.digests), or stops it.

Who sees what: with one token (SLACK_BOT_TOKEN), a workspace admin or owner sees the whole store, as does anyone in
UPNEXT_ADMINS. Installed by OAuth (`by_org`), a workspace's admins and owners see that workspace; an Enterprise Grid
org's admins and owners (`enterprise_user.is_admin` / `is_owner`) see the org, and each workspace of it; UPNEXT_ADMINS
see the whole store, and each org and workspace in it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from admin.digests import DigestChannel, DigestChannels
from admin.signin import Granted, SignIn
from bot.block_kit.blocks import Message, text_message
from bot.block_kit.feedback import admin_link_message, admin_refusal
from bot.i18n import messages_for
from config.reporting import Reporting
from insights.queries import EVERYONE, Scope
from learning.people.learners import Learner
from learning.timestamps import utcnow

log = logging.getLogger(__name__)


NO_SUCH_USER = ("user_not_found", "user_not_visible")


def admin_status(client: WebClient, admins: Collection[str], user_id: str) -> bool | None:
    """True for someone named in UPNEXT_ADMINS or a workspace admin or owner (asked of Slack now, not from a cached
    profile), False for anyone else, None when Slack could not be asked."""
    granted = admin_scopes(client, admins, user_id, by_org=False)
    return None if granted is None else bool(granted)


def admin_scopes(client: WebClient | None, admins: Collection[str], user_id: str, by_org: bool) -> Granted | None:
    """The scopes someone's admin right covers, asked of Slack now (not from a cached profile) with `client`, the
    token of their workspace's installation (None: no installation serves them); () for no right, None when Slack
    could not be asked. `by_org` (installed by OAuth): an org's admin has the org, a workspace's its workspace;
    otherwise a workspace admin has the whole store, as with one token."""
    if user_id in admins:
        return (EVERYONE,)
    if client is None:
        return ()
    user = _user(client, user_id)
    if user is None or user.get("deleted"):
        return None if user is None else ()
    if not by_org:
        return (EVERYONE,) if user.get("is_admin") or user.get("is_owner") else ()
    given = user.get("enterprise_user")
    grid: dict[str, Any] = given if isinstance(given, dict) else {}
    if (grid.get("is_admin") or grid.get("is_owner")) and grid.get("enterprise_id"):
        return (Scope.org(grid["enterprise_id"]),)
    if (user.get("is_admin") or user.get("is_owner")) and user.get("team_id"):
        return (Scope.workspace(user["team_id"]),)
    return ()


def _user(client: WebClient, user_id: str) -> dict | None:
    """users.info's user; {"deleted": True} for someone Slack does not know (any more); None when it did not answer."""
    try:
        return client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if code in NO_SUCH_USER:
            return {"deleted": True}
        log.warning("users.info failed for an admin check: %s", code)
        return None
    except OSError as error:
        log.warning("users.info failed for an admin check: %s", type(error).__name__)
        return None


@dataclass(frozen=True)
class AdminAccess:
    sign_in: SignIn
    reporting: Reporting
    by_org: bool = False  # installed by OAuth: rights are per workspace or org (`admin_scopes`)
    digests: DigestChannels | None = None  # where each org's or workspace's digest goes (installed by OAuth)
    clock: Callable[[], datetime] = utcnow

    def is_admin(self, client: WebClient, user_id: str) -> bool:
        return bool(admin_scopes(client, self.reporting.admins, user_id, self.by_org))

    def answer(self, client: WebClient, learner: Learner, words: str, command: dict[str, Any]) -> Message:
        """`/learn admin` and its words: `digest here|off` in a channel, or (anything else) a sign-in link."""
        first, _, rest = words.lower().partition(" ")
        return self.digest(client, learner, rest, command) if first == "digest" else self.admin_link(client, learner)

    def digest(self, client: WebClient, learner: Learner, words: str, command: dict[str, Any]) -> Message:
        """The digest of the scope the admin's right covers, to the channel the command was typed in (`off`: none).
        With one token, UPNEXT_REPORT_CHANNEL decides instead."""
        t = messages_for(learner)
        granted = admin_scopes(client, self.reporting.admins, learner.slack_id, self.by_org)
        if not granted:
            return admin_refusal(t)
        if not self.by_org or self.digests is None:
            return text_message(t("admin.digest_one_token"))
        scope = granted[0]
        if words.strip() == "off":
            self.digests.stop(scope)
            return text_message(t("admin.digest_off", whose=scope.label))
        channel = str(command.get("channel_id") or "")
        if not channel.startswith(("C", "G")):
            return text_message(t("admin.digest_where"))
        chosen = DigestChannel(scope, channel, command.get("enterprise_id"), command.get("team_id"))
        self.digests.choose(chosen, self.clock())
        return text_message(t("admin.digest_here", whose=scope.label))

    def admin_link(self, client: WebClient, learner: Learner) -> Message:
        t = messages_for(learner)
        if not self.is_admin(client, learner.slack_id):
            return admin_refusal(t)
        if not self.reporting.public_url:
            return admin_refusal(t, "admin.no_url")
        return admin_link_message(self.sign_in.link(learner.slack_id, self.reporting.public_url), t)
