"""Sending planned nudges exactly once.

A row is claimed with one conditional UPDATE (planned -> sending), so two clock processes never both send it. The
message carries the nudge id in its metadata. If a process dies after claiming, or the connection drops so that
we cannot know whether Slack got the message, the row stays "sending"; recovery reads the DM's history for that
metadata and marks the row sent, or returns it to planned. Sends are paced; 429s wait out Retry-After (in the
client), connection errors back off and are reconciled the same way.

Only the clock holding the store's "clock" lease sends (`leading`): it checks before each claim and again before
the message, so a clock that lost the lease starts no message. Its successor reconciles what it left claimed once
IN_FLIGHT has passed since the claim (a message begun before the lease went may still be on its way), not after
the whole LEASE.

Each learner is messaged with the client `WorkspaceClients` gives for them: the one token, or (installed by OAuth)
their workspace's installation; a learner whose workspace has none is not messaged.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.error
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.block_kit.blocks import Message
from bot.block_kit.nudge_messages import check_in_message, come_back_message, team_pick_message, whats_new_message
from bot.i18n import Messages, messages_for
from bot.installations import InstallationRepository
from bot.token_rotation import token_refresher
from bot.workspace_clients import InstallationClients, OneToken, WorkspaceClients
from config import Settings
from config.nudges import NudgePolicy
from learning.people.answers import ShownPick
from learning.people.learners import PROFILE_MAX_AGE, Learner, profile_from_slack
from learning.reasons import MANAGER, Reason
from learning.service import LearningService
from learning.timestamps import iso, utcnow
from scheduler.planner import CHECK_IN, COME_BACK, TEAM_PICK, WHATS_NEW

log = logging.getLogger(__name__)

METADATA_EVENT = "upnext_nudge"
LEASE = timedelta(minutes=5)  # a claim of this clock's older than this is one whose send it could not finish
SLACK_TIMEOUT = 15  # seconds one call to Slack may take
IN_FLIGHT = timedelta(seconds=2 * SLACK_TIMEOUT)  # from a claim to the end of its message: users.info, then the post
GONE = "learner is gone (asked to be forgotten)"
NOT_INSTALLED = "no installation serves their workspace (uninstalled)"
NOTHING = "nothing close enough to suggest"
WITHDRAWN = "the recommendation is gone (its manager asked to be forgotten)"
TAKEN = "the course is gone from the catalog, or they finished or dismissed it"
PERMANENT_ERRORS = {
    "user_not_found", "account_inactive", "cannot_dm_bot", "channel_not_found", "is_archived", "user_disabled",
    "invalid_blocks", "invalid_auth", "not_authed", "missing_scope", "msg_too_long", "no_text", "token_revoked",
}  # fmt: skip


class _RateLimitWhileLeading(RateLimitErrorRetryHandler):
    """Waits out a 429 and tries again only while this process still holds the clock."""

    def __init__(self, leading: Callable[[], bool]):
        super().__init__(max_retry_count=5)
        self.leading = leading

    def _can_retry(self, **attempt: Any) -> bool:
        return super()._can_retry(**attempt) and self.leading()


def nudge_client(
    settings: Settings, leading: Callable[[], bool] = lambda: True, token: str | None = None, team_id: str | None = None
) -> WebClient:
    """A client that waits out 429s (while `leading`) but never blindly resends after a dropped connection: that
    could double a message, so the sender reconciles instead. With SLACK_BOT_TOKEN unless given an installation's
    `token` (and, for an org-wide one, the `team_id` its calls act in)."""
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT,
        team_id=team_id,
        retry_handlers=[_RateLimitWhileLeading(leading)],
    )


def installation_clients(
    settings: Settings, installations: InstallationRepository, leading: Callable[[], bool] = lambda: True
) -> InstallationClients:
    """Installed by OAuth: each learner reached with their workspace's installation, by clients `nudge_client`
    makes."""
    make_client = lambda token, team: nudge_client(settings, leading, token, team)  # noqa: E731
    return InstallationClients(installations, make_client, token_refresher(settings, installations))


def _error_code(error: Exception) -> str:
    """Slack's error code (`user_not_found`, …), or "connection" when Slack could not be reached."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error", "")) if error.response is not None else "unknown"
    return "connection"


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    retry_later: int = 0
    reconciled: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class Sender:
    def __init__(
        self,
        service: LearningService,
        client: WebClient | WorkspaceClients,
        policy: NudgePolicy,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], object] | None = None,
        worker: str | None = None,
        leading: Callable[[], bool] = lambda: True,
    ):
        """`client`: the one client of single-token mode, or the clients of each installation. `leading`: whether
        this process still holds the clock lease (the clock's `Lease.held`)."""
        self.service = service
        self.clients = OneToken(client) if isinstance(client, WebClient) else client
        self.policy = policy
        self.clock = clock
        self.stopping = threading.Event()  # set on shutdown: the nudge being sent is finished, no other is started
        self.sleep = sleep or self.stopping.wait
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self.holder = self.worker  # who claims: the worker, and its term once it takes the lease (`take_over`)
        self.leading = leading
        self.answers = service.answers
        self.nudges = service.nudges

    @property
    def client(self) -> WebClient | None:
        """Single-token mode's one client (None when each installation has its own)."""
        return self.clients.client if isinstance(self.clients, OneToken) else None

    # -- the loop --------------------------------------------------------------------------------------------------
    def run_once(self, limit: int | None = None) -> SendReport:
        """Recover abandoned claims, then send what is due, paced."""
        report = SendReport()
        report.reconciled = self.recover()
        gap = 1.0 / self.policy.sends_per_second
        for nudge_id in self.nudges.due(self.clock(), limit):
            if self.stopping.is_set() or not self.leading():
                break
            started = time.monotonic()
            outcome = self.send(nudge_id)
            if outcome is None:
                continue  # another process claimed it
            setattr(report, outcome[0], getattr(report, outcome[0]) + 1)
            if outcome[1]:
                report.reasons[outcome[1]] = report.reasons.get(outcome[1], 0) + 1
            if outcome[0] == "sent":
                self.sleep(max(0.0, gap - (time.monotonic() - started)))
        return report

    # -- one nudge -------------------------------------------------------------------------------------------------
    def send(self, nudge_id: int) -> tuple[str, str | None] | None:
        holder = self.holder
        claimed = self.nudges.claim(nudge_id, holder, self.clock())
        if claimed is None:
            return None
        learner_id, kind, payload, attempts = claimed.learner_id, claimed.kind, claimed.payload, claimed.attempts
        learner = self.service.learners.get(learner_id)
        why_not = self._why_not(learner)
        client = self.clients.client_for(learner) if learner is not None and why_not is None else None
        if learner is not None and client is not None:
            try:
                learner = self._checked(learner, client)
            except (SlackApiError, urllib.error.URLError, OSError) as error:
                code = _error_code(error)
                if code in PERMANENT_ERRORS:
                    self.nudges.finish(nudge_id, "skipped", holder, error=code)
                    return "skipped", code
                self._retry_later(nudge_id, holder, attempts, code)
                return "retry_later", code
            why_not = self._why_not(learner)
        elif why_not is None:
            why_not = NOT_INSTALLED
        if why_not:
            self.nudges.finish(nudge_id, "skipped", holder, error=why_not)
            return "skipped", why_not
        assert learner is not None and client is not None
        if not self.leading():  # lost the clock meanwhile: its successor sends this one
            self.nudges.release(nudge_id, holder)
            return None
        message = self._message(nudge_id, kind, learner, payload)
        if isinstance(message, str):
            self.nudges.finish(nudge_id, "skipped", holder, error=message)
            return "skipped", message
        try:
            response = client.chat_postMessage(
                channel=learner.slack_id, text=message.text, blocks=message.blocks, unfurl_links=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"nudge_id": nudge_id}},
            )  # fmt: skip
        except SlackApiError as error:
            code = _error_code(error)
            if code in PERMANENT_ERRORS or attempts >= self.policy.max_attempts:
                self.nudges.finish(nudge_id, "failed", holder, error=code)
                return "failed", code
            self._retry_later(nudge_id, holder, attempts, code)
            return "retry_later", code
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            # Slack may or may not have the message: leave the claim for recovery to reconcile
            log.warning("nudge %s: connection failed (%s); will reconcile", nudge_id, error)
            return "retry_later", "connection"
        self.nudges.finish(nudge_id, "sent", holder, sent_at=iso(self.clock()), channel=response.get("channel"),
                           ts=response.get("ts"), error=None)  # fmt: skip
        return "sent", None

    def _retry_later(self, nudge_id: int, holder: str, attempts: int, reason: str) -> None:
        self.nudges.release(nudge_id, holder, due=self.clock() + timedelta(minutes=2**attempts), error=reason)

    def _checked(self, learner: Learner, client: WebClient) -> Learner | None:
        """Before the first nudge to anyone, and when their profile is a week old, ask Slack who they are now
        (users.info): a deactivated account, a bot or a guest is never messaged on the strength of old data. None
        when they were forgotten meanwhile: a refresh never brings a learner back."""
        first = not self.nudges.ever_sent_to(learner.slack_id)
        stale = (learner.profile_refreshed_at or "") < iso(self.clock() - PROFILE_MAX_AGE)
        if not (first or stale):
            return learner
        user = client.users_info(user=learner.slack_id, include_locale=True)["user"]
        return self.service.learners.refresh_profile(learner.slack_id, profile_from_slack(user))

    def _why_not(self, learner: Learner | None) -> str | None:
        """Settings change between planning and sending; they are checked again at the last moment."""
        if learner is None:
            return GONE
        return learner.why_not_nudged(self.clock())

    def _message(self, nudge_id: int, kind: str, learner: Learner, payload: dict) -> Message | str:
        """The nudge's message, or why there is none. Its answer is recorded only while the learner is still there,
        in one transaction (forget me waits for it, or has happened and nothing is recorded)."""
        recommender, t = self.service.recommender, messages_for(learner)
        if kind == CHECK_IN:
            return check_in_message(learner, t)
        if kind == TEAM_PICK:
            return self._team_pick(nudge_id, learner, payload, t)
        if kind == WHATS_NEW:
            since = datetime.fromisoformat(payload.get("since") or iso(self.clock() - timedelta(days=7)))
            picks = recommender.whats_new(learner, since, k=5, minimum=self.policy.digest_min_closeness)
        elif kind == COME_BACK:
            picks = recommender.next_for(learner, k=3)
        else:
            return NOTHING
        if not picks:
            return NOTHING
        shown = [ShownPick(p.course.id, p.reason) for p in picks]
        hold = self.service.learners.hold
        answer_id = self.answers.save_for_nudge(learner.slack_id, f"nudge:{kind}", shown, nudge_id,
                                                lambda: hold(learner.slack_id))  # fmt: skip
        if answer_id is None:
            return GONE
        if kind == WHATS_NEW:
            return whats_new_message(learner, picks, t, answer_id, self.policy)
        return come_back_message(learner, picks, t, answer_id, int(payload.get("idle_days", 30)), self.policy)

    def _team_pick(self, nudge_id: int, learner: Learner, payload: dict, t: Messages) -> Message | str:
        """A course the learner's manager recommended, unless the recommendation went (forget me) or the learner
        finished or dismissed the course meanwhile; answered like any nudge, its reason "Recommended by your
        manager", and kept with the answer as the manager's share with this learner, which lifts the course in
        their picks as a colleague's share does."""
        pick = self.service.reporting.pick(int(payload.get("pick", 0)))
        if pick is None:
            return WITHDRAWN
        course = self.service.courses.get(pick.course_id)
        state = self.service.history.states(learner.slack_id).get(pick.course_id)
        if course is None or (state is not None and (state.completed_at or state.dismissed)):
            return TAKEN
        shown = [ShownPick(course.id, Reason(MANAGER))]

        def recommended() -> bool:  # inside the answer's transaction: only while the learner is still there
            if not self.service.learners.hold(learner.slack_id):
                return False
            self.service.shares.record(pick.manager_id, course.id, [learner.slack_id], self.clock(), kind="manager")
            return True

        answer_id = self.answers.save_for_nudge(learner.slack_id, f"nudge:{TEAM_PICK}", shown, nudge_id, recommended)
        if answer_id is None:
            return GONE
        return team_pick_message(learner, course, t, answer_id, self.policy)

    # -- recovery --------------------------------------------------------------------------------------------------
    def take_over(self) -> datetime | None:
        """Begin a term as the store's clock, just after taking the lease: claims from now on carry a new holder id,
        and what earlier holders left claimed (a clock that died or lost the lease, or this one before an outage) is
        reconciled as soon as no message they began can still reach Slack. Returns when the rest can be (`recover`
        then), or None when nothing is left."""
        self.holder = f"{self.worker}/{uuid.uuid4().hex[:8]}"  # unique even where two machines share host and pid
        self.recover()
        newest = self.nudges.newest_claim_by_others(self.holder)
        return newest + IN_FLIGHT if newest else None

    def recover(self) -> int:
        """Claims nobody will finish, reconciled with the DM's history: sent if it shows the message, else planned
        again. This clock's own after LEASE, an earlier holder's after IN_FLIGHT. Returns how many. A claim whose
        learner no installation serves any more cannot be read back, and is not sent: it is skipped."""
        now = self.clock()
        stale = self.nudges.stale_claims(self.holder, now - LEASE, now - IN_FLIGHT)
        for claim in stale:
            client = self.clients.client_for(self.service.learners.get(claim.learner_id) or Learner(claim.learner_id))
            if client is None:
                self.nudges.finish(claim.id, "skipped", claim.claimed_by, error=NOT_INSTALLED)
                continue
            try:
                found = self._find_sent(client, claim.id, claim.learner_id, claim.channel, claim.claimed_at)
            except (SlackApiError, urllib.error.URLError, OSError) as error:
                log.warning("nudge %s: could not reconcile yet (%s)", claim.id, error)
                continue
            if found is not None:
                self.nudges.finish(claim.id, "sent", claim.claimed_by, sent_at=claim.claimed_at, channel=found[0],
                                   ts=found[1])  # fmt: skip
            else:
                self.nudges.release(claim.id, claim.claimed_by)
        return len(stale)

    @staticmethod
    def _find_sent(
        client: WebClient, nudge_id: int, learner_id: str, channel: str | None, since: str
    ) -> tuple[str, str] | None:
        channel = channel or client.conversations_open(users=learner_id)["channel"]["id"]
        oldest = str(datetime.fromisoformat(since).timestamp() - 60)
        history = client.conversations_history(channel=channel, oldest=oldest, include_all_metadata=True)
        messages: list[dict[str, Any]] = history.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and metadata.get("event_payload", {}).get("nudge_id") == nudge_id
            ):
                return channel, str(message["ts"])
        return None
