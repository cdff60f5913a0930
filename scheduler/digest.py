"""The weekly learning-team digest, posted by the clock to UPNEXT_REPORT_CHANNEL.

Last week's headline numbers with their change from the week before, and one chart uploaded as an image with alt text.
Posted once per week: the week is recorded in the store, so a restarted clock does not post it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.block_kit.digest_message import digest_message
from config.reporting import Reporting
from insights.chart_png import weekly_active_png
from insights.report import Report, Window
from learning.store.engine import Store
from learning.timestamps import utcnow

log = logging.getLogger(__name__)


def last_full_week(today: date) -> Window:
    """Monday to Sunday of the week before `today`'s."""
    monday = today - timedelta(days=today.weekday())
    return Window(monday - timedelta(days=7), monday - timedelta(days=1))


def digest_windows(today: date) -> list[Window]:
    """What the digest reports: last week, the week before it, and the twelve weeks up to last week's end."""
    week = last_full_week(today)
    return [week, Window(week.since - timedelta(days=7), week.since - timedelta(days=1)),
            Window(week.since - timedelta(days=7 * 11), week.until)]  # fmt: skip


class WeeklyDigest:
    def __init__(self, store: Store, build_report: Callable[[Window], Report], client: WebClient,
                 reporting: Reporting, clock: Callable[[], datetime] = utcnow):  # fmt: skip
        self.store = store
        self.build_report = build_report
        self.client = client
        self.reporting = reporting
        self.clock = clock

    def post(self) -> bool:
        """Post last week's digest unless it went out already (or no channel is set); True when posted."""
        channel = self.reporting.report_channel
        week = last_full_week(self.clock().date())
        key = f"digest:{week.since.isoformat()}"
        if not channel or self.store.get_meta(key):
            return False
        this_week, last_week, trend = (self.build_report(w) for w in digest_windows(self.clock().date()))
        message = digest_message(this_week, last_week, self.reporting.public_url)
        png, alt = weekly_active_png(trend.adoption.weeks)
        try:
            self.client.chat_postMessage(channel=channel, **message.as_kwargs(), unfurl_links=False)
            self.client.files_upload_v2(
                channel=channel, file=png, filename="upnext-weekly.png", title="Active learners per week",
                alt_txt=alt,
            )  # fmt: skip
        except SlackApiError as error:
            log.error("weekly digest not posted: %s", error)
            return False
        self.store.set_meta(key, self.clock().isoformat())
        return True
