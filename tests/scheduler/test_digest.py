"""The weekly learning-team digest: posted by the clock to the report channel with headline numbers, their change
from last week, and one chart uploaded as a PNG with alt text; once per week."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from slack_sdk import WebClient

from bot.app import web_client
from bot.block_kit.digest_message import digest_message
from insights.gaps import Gap
from learning.timestamps import utcnow
from scheduler.digest import IN_FLIGHT, WeeklyDigest, last_full_week
from tests.helpers import mrkdwn_texts
from tests.ops.conftest import free_port
from tests.scheduler.test_nudges import Clock
from upnext.schema import open_store

LOST_REPLY = 2  # seconds the dying clock waits for Slack's answer, which comes later than that


def test_the_last_full_week_runs_monday_to_sunday():
    week = last_full_week(date(2026, 12, 3))  # a Thursday
    assert (week.since, week.until) == (date(2026, 11, 23), date(2026, 11, 29))


def test_the_digest_is_posted_once_with_a_chart_and_its_alt_text(settings, upnext, service, fake_slack):
    monday = datetime(2026, 12, 7, 9, tzinfo=UTC)
    digest = upnext.weekly_digest(web_client(settings), clock=lambda: monday)

    assert digest.post() is True
    message = fake_slack.calls_to("chat.postMessage")[-1].body
    assert message["channel"] == "C0LEARNING" and "Upnext this week" in message["text"]
    assert any("Active learners" in f["text"] for b in message["blocks"] for f in b.get("fields", []))
    [asked] = fake_slack.calls_to("files.getUploadURLExternal")
    assert asked.body["alt_txt"].startswith("Bar chart of active learners per week")
    [upload] = fake_slack.calls_to("upload")
    assert upload.body["bytes"].startswith(b"\x89PNG\r\n\x1a\n")
    [completed] = fake_slack.calls_to("files.completeUploadExternal")
    assert completed.body["channel_id"] == "C0LEARNING"

    assert digest.post() is False  # the same week again: nothing new is posted
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 1


def test_a_content_gap_phrase_someone_typed_is_echoed_safely(settings, upnext, service):
    reports = upnext.report_builder()
    week = reports.build(last_full_week(date(2026, 12, 7)))
    typed = "` <!channel> <https://evil.example|Reset your password> `"
    search = replace(week.search, gaps=[Gap(typed, questions=6, askers=5)])
    message = digest_message(replace(week, search=search), week, None)
    texts = [message.text, *mrkdwn_texts(message.blocks)]
    assert not any(marker in text for text in texts for marker in ("<!channel", "<https://evil", "`"))
    assert any("&lt;!channel&gt;" in text for text in texts)


@pytest.fixture
def clock() -> Clock:
    """Now: the channel's history is read from the claim's time on, which Slack's clock knows."""
    return Clock(utcnow())


@pytest.fixture
def next_clock(upnext, settings, clock) -> Iterator[WeeklyDigest]:
    """The digest of the clock that takes over: another process, on its own connection to the store."""
    store = open_store(settings.database)
    yield WeeklyDigest(store, upnext.report_builder().build, web_client(settings), settings.reporting, clock)
    store.close()


def dying_clock(upnext, settings, clock, api_url: str) -> WeeklyDigest:
    """The digest of a clock that gets no answer from Slack (killed, or its connection cut, while it waited)."""
    client = WebClient(token=settings.slack_bot_token, base_url=api_url, timeout=LOST_REPLY, retry_handlers=[])
    return upnext.weekly_digest(client, clock)


def digests_in_slack(fake_slack) -> tuple[int, int]:
    """How many digest messages and charts reached the report channel."""
    messages = [c for c in fake_slack.calls_to("chat.postMessage") if c.body.get("channel") == "C0LEARNING"]
    charts = [
        c for c in fake_slack.calls_to("files.completeUploadExternal") if c.body.get("channel_id") == "C0LEARNING"
    ]
    return len(messages), len(charts)


def test_a_digest_that_reached_slack_but_was_not_recorded_is_not_posted_again_by_the_next_clock(
    upnext, service, settings, fake_slack, clock, next_clock, store
):
    fake_slack.slow("files.completeUploadExternal", 3 * LOST_REPLY)  # Slack has it all; its answer comes too late
    assert dying_clock(upnext, settings, clock, fake_slack.api_url).post() is False
    fake_slack.slow("files.completeUploadExternal", 0)
    assert digests_in_slack(fake_slack) == (1, 1)

    assert next_clock.post() is False  # the dead clock's calls may still be on their way: not yet
    assert next_clock.settles_at() == clock.now.replace(microsecond=0) + IN_FLIGHT
    clock.now = next_clock.settles_at()
    next_clock.post()
    assert digests_in_slack(fake_slack) == (1, 1)
    week = last_full_week(clock.now.date())
    assert datetime.fromisoformat(store.get_meta(f"digest:{week.since}"))  # recorded as posted
    assert next_clock.post() is False and next_clock.settles_at() is None
    assert digests_in_slack(fake_slack) == (1, 1)


def test_a_digest_that_never_reached_slack_is_posted_exactly_once_by_the_next_clock(
    upnext, service, settings, fake_slack, clock, next_clock
):
    assert dying_clock(upnext, settings, clock, f"http://127.0.0.1:{free_port()}/api/").post() is False
    assert digests_in_slack(fake_slack) == (0, 0)
    clock.now += IN_FLIGHT
    assert next_clock.post() is True
    assert next_clock.post() is False
    assert digests_in_slack(fake_slack) == (1, 1)
    [message] = [c.body for c in fake_slack.calls_to("chat.postMessage")]
    assert "Upnext this week" in message["text"]


def test_a_digest_whose_message_reached_slack_but_not_its_chart_gets_only_the_chart_from_the_next_clock(
    upnext, service, settings, fake_slack, clock, next_clock
):
    fake_slack.slow("chat.postMessage", 3 * LOST_REPLY)
    assert dying_clock(upnext, settings, clock, fake_slack.api_url).post() is False
    fake_slack.slow("chat.postMessage", 0)
    assert digests_in_slack(fake_slack) == (1, 0)
    clock.now += IN_FLIGHT
    assert next_clock.post() is True
    assert digests_in_slack(fake_slack) == (1, 1)


def test_a_channel_history_the_app_may_not_read_does_not_lose_the_week(
    upnext, service, settings, fake_slack, clock, next_clock, caplog
):
    assert dying_clock(upnext, settings, clock, f"http://127.0.0.1:{free_port()}/api/").post() is False
    fake_slack.fail("conversations.history", status=200, error="missing_scope")
    clock.now += IN_FLIGHT
    assert next_clock.post() is True
    assert digests_in_slack(fake_slack) == (1, 1)
    assert any("channels:history" in r.getMessage() for r in caplog.records)


def test_slack_history_shows_message_metadata_only_to_who_asks_for_it(settings, fake_slack):
    client = web_client(settings)
    metadata = {"event_type": "upnext_test", "event_payload": {"n": 1}}
    client.chat_postMessage(channel="C0LEARNING", text="hello", metadata=metadata)
    plain = client.conversations_history(channel="C0LEARNING")["messages"]
    asked = client.conversations_history(channel="C0LEARNING", include_all_metadata=True)["messages"]
    assert "metadata" not in plain[0] and asked[0]["metadata"] == metadata
