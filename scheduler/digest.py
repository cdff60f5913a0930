"""The weekly learning-team digest, posted by the clock to UPNEXT_REPORT_CHANNEL, or per org or workspace.

Last week's headline numbers with their change from the week before, and one chart uploaded as an image with alt text.
Posted once per week, across restarts and clock hand-overs: the week is claimed in the store (with the claiming
clock's term) before anything goes to Slack, and recorded once both parts are there. The message carries the week in
its metadata and the chart's file name names the week, so a clock that finds a claim nobody finished (its holder died
between Slack accepting the post and the store recording it) looks for them in the channel's history and posts only
what is not there.

Installed by OAuth, each org or workspace whose admins chose a channel (admin.digests) gets its own digest of its own
learners (`ScopedDigests`), posted with the token of the installation the channel is in and claimed once per scope
and week in the same way.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import urllib.error
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from admin.digests import DigestChannel, DigestChannels
from bot.block_kit.digest_message import digest_message
from config.reporting import Reporting
from insights.chart_png import weekly_active_png
from insights.queries import EVERYONE, Scope
from insights.report import Report, Window
from learning.store.engine import Store
from learning.timestamps import iso, utcnow
from scheduler.delivery import SLACK_TIMEOUT

log = logging.getLogger(__name__)

METADATA_EVENT = "upnext_digest"
IN_FLIGHT = timedelta(seconds=4 * SLACK_TIMEOUT)  # from a claim to the end of its last call to Slack (post, upload)
CLAIMED = "claimed"  # a week's value while a clock posts it: `claimed <holder> <when>`; once posted, when it was
HISTORY_SLACK = 60  # seconds before the claim that the history is read from (clocks of two machines disagree)


def last_full_week(today: date) -> Window:
    """Monday to Sunday of the week before `today`'s."""
    monday = today - timedelta(days=today.weekday())
    return Window(monday - timedelta(days=7), monday - timedelta(days=1))


@dataclass(frozen=True)
class Claim:
    holder: str
    at: datetime

    @classmethod
    def parse(cls, value: str | None) -> Claim | None:
        """The claim a week's value holds, or None (not claimed, or posted)."""
        parts = (value or "").split(" ")
        if len(parts) != 3 or parts[0] != CLAIMED:
            return None
        return cls(parts[1], datetime.fromisoformat(parts[2]))


def digest_windows(today: date) -> list[Window]:
    """What the digest reports: last week, the week before it, and the twelve weeks up to last week's end."""
    week = last_full_week(today)
    return [week, Window(week.since - timedelta(days=7), week.since - timedelta(days=1)),
            Window(week.since - timedelta(days=7 * 11), week.until)]  # fmt: skip


def holder_name() -> str:
    """Who claims a digest: this process, told apart from any other clock's."""
    return f"{socket.gethostname()}:{os.getpid()}/{uuid.uuid4().hex[:8]}"


class WeeklyDigest:
    def __init__(self, store: Store, build_report: Callable[[Window], Report], client: WebClient,
                 reporting: Reporting, clock: Callable[[], datetime] = utcnow,
                 leading: Callable[[], bool] = lambda: True, scope: Scope = EVERYONE, channel: str | None = None,
                 holder: str | None = None):  # fmt: skip
        """`leading`: whether this process still holds the clock lease (the clock's `Lease.held`). `build_report`
        reports on `scope`'s learners; posted to `channel` (by default UPNEXT_REPORT_CHANNEL) by `holder` (by
        default a name of this instance's own)."""
        self.store = store
        self.build_report = build_report
        self.client = client
        self.reporting = reporting
        self.clock = clock
        self.leading = leading
        self.scope = scope
        self.channel = channel or reporting.report_channel
        self.holder = holder or holder_name()

    def _week(self) -> tuple[Window, str]:
        """Last week, and the meta key of its digest (of the scope's: claimed apart from every other scope's)."""
        week = last_full_week(self.clock().date())
        return week, f"digest:{self.scope.key + ':' if self.scope.kind else ''}{week.since.isoformat()}"

    def settles_at(self) -> datetime | None:
        """When another clock's unfinished claim on last week's digest can be reconciled (none of its calls to Slack
        can still be on the way), or None when there is none."""
        claim = Claim.parse(self.store.get_meta(self._week()[1]))
        return claim.at + IN_FLIGHT if claim is not None and claim.holder != self.holder else None

    def post(self) -> bool:
        """Post last week's digest unless it went out already (or no channel is set); True when this call finished
        it. A claim left by an earlier clock (or by this one, when Slack's answer was lost) is taken over once
        IN_FLIGHT has passed, and only what the channel does not show yet is posted."""
        channel = self.channel
        week, key = self._week()
        value = self.store.get_meta(key)
        if not channel or (value is not None and Claim.parse(value) is None):
            return False
        earlier = Claim.parse(value)
        if earlier is not None and earlier.holder != self.holder and self.clock() < earlier.at + IN_FLIGHT:
            return False  # its calls may still reach Slack: reconciled at `settles_at`
        message, chart = self._content(week)
        if not self.leading():
            return False
        claim = f"{CLAIMED} {self.holder} {iso(self.clock())}"
        if not self.store.swap_meta(key, value, claim):
            return False  # another clock claimed or finished it meanwhile
        try:
            posted = self._post(channel, week, message, chart, earlier)
        except SlackApiError as error:
            log.error("weekly digest not posted: %s", error)
            self.store.swap_meta(key, claim, None)  # Slack refused the message: the next check tries again
            return False
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            log.warning("weekly digest: Slack could not be reached (%s); will reconcile with the channel", error)
            return False
        self.store.swap_meta(key, claim, iso(self.clock()))
        return posted

    def _content(self, week: Window) -> tuple[dict[str, Any], tuple[bytes, str]]:
        """The message's arguments and the chart (PNG, alt text): built before claiming, as they take a while."""
        this_week, last_week, trend = (self.build_report(w) for w in digest_windows(week.until + timedelta(days=1)))
        message = digest_message(this_week, last_week, self.reporting.public_url, self.scope)
        return message.as_kwargs(), weekly_active_png(trend.adoption.weeks)

    def _post(
        self, channel: str, week: Window, message: dict[str, Any], chart: tuple[bytes, str], earlier: Claim | None
    ) -> bool:
        """Post the message and upload the chart, each unless `earlier`'s holder got it to the channel; True when
        anything was posted. The chart's failure alone is logged: the digest is the message."""
        message_there, chart_there = self._found(channel, week, earlier) if earlier else (False, False)
        if not message_there:
            metadata = {"event_type": METADATA_EVENT, "event_payload": self._payload(week)}
            self.client.chat_postMessage(channel=channel, **message, unfurl_links=False, metadata=metadata)
        if not chart_there:
            try:
                self.client.files_upload_v2(
                    channel=channel, file=chart[0], filename=self._chart_name(week), title="Active learners per week",
                    alt_txt=chart[1],
                )  # fmt: skip
            except SlackApiError as error:
                log.error("weekly digest posted without its chart: %s", error)
        if message_there or chart_there:
            log.info("weekly digest: an earlier clock had posted %s", "both parts" if message_there and chart_there
                     else "the message" if message_there else "the chart")  # fmt: skip
        return not (message_there and chart_there)

    def _found(self, channel: str, week: Window, earlier: Claim) -> tuple[bool, bool]:
        """Whether the channel shows this week's message and chart, posted since the earlier claim. A history the app
        may not read (an install from before it asked for channels:history) shows neither: a week's digest is better
        posted twice than lost."""
        message = chart = False
        try:
            history = list(self._history(channel, earlier.at - timedelta(seconds=HISTORY_SLACK)))
        except SlackApiError as error:
            log.warning("weekly digest: cannot read the report channel's history (%s; the app needs channels:history, "
                        "or groups:history for a private channel), so it may be posted twice", error)  # fmt: skip
            return False, False
        for posted in history:
            metadata = posted.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            message |= metadata.get("event_type") == METADATA_EVENT and payload == self._payload(week)
            chart |= any(f.get("name") == self._chart_name(week) for f in posted.get("files") or [])
        return message, chart

    def _payload(self, week: Window) -> dict[str, str]:
        """The week (and the scope) a digest message carries in its metadata."""
        return {"week": week.since.isoformat(), **({"scope": self.scope.key} if self.scope.kind else {})}

    def _chart_name(self, week: Window) -> str:
        return f"upnext-weekly-{self.scope.key.replace(':', '-') + '-' if self.scope.kind else ''}{week.since}.png"

    def _history(self, channel: str, oldest: datetime) -> Iterator[dict[str, Any]]:
        cursor = None
        while True:
            page = self.client.conversations_history(channel=channel, oldest=str(oldest.timestamp()),
                                                     include_all_metadata=True, limit=200, cursor=cursor)  # fmt: skip
            yield from page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return


class ScopedDigests:
    """The weekly digest of each org or workspace whose admins chose a channel (admin.digests), of its own learners,
    posted with `client_for`'s client: the token of the installation serving the workspace the channel is in (none:
    that digest waits for a reinstall)."""

    def __init__(self, store: Store, build_report: Callable[[Scope, Window], Report],
                 client_for: Callable[[DigestChannel], WebClient | None], reporting: Reporting,
                 clock: Callable[[], datetime] = utcnow, leading: Callable[[], bool] = lambda: True):  # fmt: skip
        self.store = store
        self.channels = DigestChannels(store)
        self.build_report = build_report
        self.client_for = client_for
        self.reporting = reporting
        self.clock = clock
        self.leading = leading
        self.holder = holder_name()

    def digests(self) -> list[WeeklyDigest]:
        """One digest a chosen channel whose workspace is still installed."""
        made = []
        for chosen in self.channels.all():
            client = self.client_for(chosen)
            if client is None:
                log.warning("weekly digest of %s: no installation serves its channel's workspace", chosen.scope.key)
                continue
            build = functools.partial(self.build_report, chosen.scope)
            made.append(WeeklyDigest(self.store, build, client, self.reporting, self.clock, self.leading,
                                     chosen.scope, chosen.channel, self.holder))  # fmt: skip
        return made

    def post(self) -> bool:
        """Post each scope's digest of last week that has not gone out; True when this call finished any."""
        return any([digest.post() for digest in self.digests()])

    def settles_at(self) -> datetime | None:
        """When the earliest unfinished claim of another clock can be reconciled, or None."""
        return min(filter(None, (digest.settles_at() for digest in self.digests())), default=None)
