"""Who is asking: the learner behind a Slack user id, kept current from their Slack profile.

Each Slack event is also answered once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from learning.people.learners import PROFILE_MAX_AGE, Learner, LearnerRepository, profile_from_slack
from learning.timestamps import iso, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identity:
    learners: LearnerRepository
    first_sighting: Callable[[str], bool]
    clock: Callable[[], datetime] = utcnow

    def learner(self, client: WebClient, user_id: str) -> Learner:
        """The person using Upnext right now (idle days for come-back nudges count from here), created or refreshed
        from their Slack profile (users.info) when new or a week old. Someone who asked to be forgotten and uses
        Upnext again starts afresh, with nothing from before."""
        learner = self._profile(client, user_id, create=True)
        assert learner is not None
        self.learners.touch(user_id, self.clock())
        return learner

    def visitor(self, client: WebClient, user_id: str) -> Learner | None:
        """Someone who opened the Home tab or an assistant thread: the learner, or None for a person who asked to be
        forgotten and has not used Upnext since (or while they looked). Looking is not using: nothing is created for
        them, and a known learner's profile is only refreshed, never recreated."""
        known = self.learners.get(user_id)
        if known is None and self.learners.forgotten_at(user_id):
            return None
        learner = self._profile(client, user_id, create=known is None)
        if learner is not None:
            self.learners.touch(user_id, self.clock())
        return learner

    def known(self, user_id: str) -> Learner | None:
        """The learner as stored, without asking Slack or recording a use (for answers inside an ack)."""
        return self.learners.get(user_id)

    def _profile(self, client: WebClient, user_id: str, create: bool) -> Learner | None:
        """Created (`create`) or refreshed from Slack when new or a week old; without `create`, None when gone."""
        known = self.learners.get(user_id)
        fresh = (
            known and known.profile_refreshed_at and known.profile_refreshed_at > iso(self.clock() - PROFILE_MAX_AGE)
        )
        if known is not None and fresh:
            return known
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except (SlackApiError, OSError) as error:
            log.warning("users.info failed for %s: %s", user_id, error)
            return known or (self.learners.ensure(user_id) if create else None)
        profile = profile_from_slack(user)
        if create:
            return self.learners.save_profile(user_id, profile)
        return self.learners.refresh_profile(user_id, profile)

    def first_delivery(self, body: dict[str, Any]) -> bool:
        """False for an event Slack delivered before (its retries reuse the event id): answer each once. Called by
        event listeners after Bolt has acknowledged the request, never before: this is a write, and a write can
        wait on the database (an import holding the lock), while an acknowledgement must not wait at all."""
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or self.first_sighting(event_id):
            return True
        log.info("skipped a repeated delivery of event %s", event_id)
        return False

    def refresh_profile(self, user: Any) -> None:
        """`user_change`: keep name, title, time zone and locale current (only for people Upnext already knows)."""
        if isinstance(user, dict) and isinstance(user.get("id"), str):
            self.learners.refresh_profile(user["id"], profile_from_slack(user))
