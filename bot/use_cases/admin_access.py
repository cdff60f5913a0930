"""`/learn admin`: a one-time dashboard sign-in link, for workspace admins and those named in UPNEXT_ADMINS only."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from admin.signin import SignIn
from bot.block_kit.blocks import Message
from bot.block_kit.feedback import admin_link_message, admin_refusal
from bot.i18n import messages_for
from config.reporting import Reporting
from learning.people.learners import Learner

log = logging.getLogger(__name__)


NO_SUCH_USER = ("user_not_found", "user_not_visible")


def admin_status(client: WebClient, admins: Collection[str], user_id: str) -> bool | None:
    """True for someone named in UPNEXT_ADMINS or a workspace admin or owner (asked of Slack now, not from a cached
    profile), False for anyone else, None when Slack could not be asked."""
    if user_id in admins:
        return True
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        code = error.response.get("error") if error.response is not None else None
        if code in NO_SUCH_USER:
            return False
        log.warning("users.info failed for an admin check: %s", code)
        return None
    except OSError as error:
        log.warning("users.info failed for an admin check: %s", type(error).__name__)
        return None
    return bool(user.get("is_admin") or user.get("is_owner")) and not user.get("deleted")


@dataclass(frozen=True)
class AdminAccess:
    sign_in: SignIn
    reporting: Reporting

    def is_admin(self, client: WebClient, user_id: str) -> bool:
        return admin_status(client, self.reporting.admins, user_id) is True

    def admin_link(self, client: WebClient, learner: Learner) -> Message:
        t = messages_for(learner)
        if not self.is_admin(client, learner.slack_id):
            return admin_refusal(t)
        if not self.reporting.public_url:
            return admin_refusal(t, "admin.no_url")
        return admin_link_message(self.sign_in.link(learner.slack_id, self.reporting.public_url), t)
