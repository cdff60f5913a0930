"""The weekly learning-team digest, posted by the clock to UPNEXT_REPORT_CHANNEL, or per org or workspace.

Last week's headline numbers with their change from the week before, and one chart uploaded as an image with alt text.
Posted once per week, across restarts and clock hand-overs, as every weekly post is (`scheduler.weekly_post`).

Installed by OAuth, each org or workspace whose admins chose a channel (admin.digests) gets its own digest of its own
learners (`ScopedDigests`), posted with the token of the installation the channel is in and claimed once per scope
and week in the same way.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from slack_sdk import WebClient

from admin.digests import DigestChannel, DigestChannels
from bot.block_kit.digest_message import digest_message
from config.reporting import Reporting
from insights.chart_png import weekly_active_png
from insights.queries import EVERYONE, Scope
from insights.report import Report, Window
from learning.store.engine import Store
from learning.timestamps import utcnow
from scheduler.weekly_post import IN_FLIGHT, Post, Upload, WeeklyPost, WeeklyPosts, holder_name, last_full_week

__all__ = ["IN_FLIGHT", "ScopedDigests", "WeeklyDigest", "digest_windows", "last_full_week"]

log = logging.getLogger(__name__)

KIND = "digest"  # its weeks' meta keys: digest:<scope:>monday; its messages' metadata: upnext_digest


def digest_windows(today: date) -> list[Window]:
    """What the digest reports: last week, the week before it, and the twelve weeks up to last week's end."""
    week = last_full_week(today)
    return [week, Window(week.since - timedelta(days=7), week.since - timedelta(days=1)),
            Window(week.since - timedelta(days=7 * 11), week.until)]  # fmt: skip


class WeeklyDigest(WeeklyPost):
    def __init__(self, store: Store, build_report: Callable[[Window], Report], client: WebClient,
                 reporting: Reporting, clock: Callable[[], datetime] = utcnow,
                 leading: Callable[[], bool] = lambda: True, scope: Scope = EVERYONE, channel: str | None = None,
                 holder: str | None = None):  # fmt: skip
        """`build_report` reports on `scope`'s learners; posted to `channel` (by default UPNEXT_REPORT_CHANNEL)."""
        super().__init__(store, KIND, self._content, client, channel or reporting.report_channel, clock, leading,
                         scope, holder)  # fmt: skip
        self.build_report = build_report
        self.reporting = reporting

    def _content(self, week: Window) -> Post:
        """The message and the chart (PNG, alt text): built before claiming, as they take a while."""
        this_week, last_week, trend = (self.build_report(w) for w in digest_windows(week.until + timedelta(days=1)))
        message = digest_message(this_week, last_week, self.reporting.public_url, self.scope)
        png, alt_text = weekly_active_png(trend.adoption.weeks)
        name = f"upnext-weekly-{self.scope.key.replace(':', '-') + '-' if self.scope.kind else ''}{week.since}.png"
        return Post(message.as_kwargs(), Upload(png, name, "Active learners per week", alt_text))


class ScopedDigests(WeeklyPosts):
    """The weekly digest of each org or workspace whose admins chose a channel (admin.digests), of its own learners,
    posted with `client_for`'s client: the token of the installation serving the workspace the channel is in (none:
    that digest waits for a reinstall)."""

    def __init__(self, store: Store, build_report: Callable[[Scope, Window], Report],
                 client_for: Callable[[DigestChannel], WebClient | None], reporting: Reporting,
                 clock: Callable[[], datetime] = utcnow, leading: Callable[[], bool] = lambda: True):  # fmt: skip
        super().__init__(KIND, self.digests)
        self.store = store
        self.channels = DigestChannels(store)
        self.build_report = build_report
        self.client_for = client_for
        self.reporting = reporting
        self.clock = clock
        self.leading = leading
        self.holder = holder_name()

    def digests(self) -> list[WeeklyPost]:
        """One digest a chosen channel whose workspace is still installed."""
        made: list[WeeklyPost] = []
        for chosen in self.channels.all():
            client = self.client_for(chosen)
            if client is None:
                log.warning("weekly digest of %s: no installation serves its channel's workspace", chosen.scope.key)
                continue
            build = functools.partial(self.build_report, chosen.scope)
            made.append(WeeklyDigest(self.store, build, client, self.reporting, self.clock, self.leading,
                                     chosen.scope, chosen.channel, self.holder))  # fmt: skip
        return made
