"""The weekly learning-team digest: posted by the clock to the report channel with headline numbers, their change
from last week, and one chart uploaded as a PNG with alt text; once per week."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.app import web_client
from bot.block_kit.digest_message import digest_message
from insights.gaps import Gap
from scheduler.digest import last_full_week
from tests.helpers import mrkdwn_texts


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
