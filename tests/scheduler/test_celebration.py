"""The weekly learning-wins post: last week's wins of the people who turned celebrations on, and of no one else; no
ranking, no counts; once per week across clocks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

from bot.app import web_client
from learning.catalog.courses import CourseRepository
from learning.people.achievements import AchievementRepository, Achievements
from learning.people.history import COMPLETED, EventRepository
from learning.people.learners import LearnerRepository
from learning.store.engine import Store
from learning.timestamps import utcnow
from scheduler.celebration import celebrations
from scheduler.weekly_post import WeeklyPosts, last_full_week
from tests.helpers import assert_valid_message
from tests.slack_requests import ANA, command, onboard
from upnext.schema import open_store

CHANNEL = "C0WINS"
SQL = "swcarpentry/sql-novice-survey/01-select"
SHELL = "swcarpentry/shell-novice"
NOW = utcnow()


def last_week(days: int = 2) -> datetime:
    """Noon on a day of last week (UTC): Wednesday by default."""
    return datetime.combine(last_full_week(NOW.date()).since + timedelta(days=days), time(12), UTC)


def wins_post(settings, store: Store) -> WeeklyPosts:
    """A clock's weekly learning-wins post to CHANNEL (one token), over its own connection to the store."""
    history = EventRepository(store)
    achievements = Achievements(AchievementRepository(store), history, CourseRepository(store),
                                LearnerRepository(store, history))  # fmt: skip
    client = web_client(settings)
    return celebrations(store, achievements, LearnerRepository(store, history), [("", CHANNEL)], lambda team: client,
                        lambda: NOW)  # fmt: skip


def posted_in(fake_slack, channel: str) -> list[dict]:
    return [c.body for c in fake_slack.calls_to("chat.postMessage") if c.body.get("channel") == channel]


def test_the_weekly_post_lists_last_weeks_wins_of_only_the_people_who_turned_celebrations_on(
    server, service, upnext, settings, fake_slack
):
    onboard(service)
    onboard(service, "U0LUIS")
    command(server, "celebrate on")  # Ana; Luis never does
    server.answer("respond", "weekly learning-wins post")
    service.history.record(ANA, SQL, COMPLETED, source="import", at=last_week())  # an LMS import earns it too
    for step in ("01-intro", "02-filedir"):
        service.history.record("U0LUIS", f"{SHELL}/{step}", COMPLETED, at=last_week())
    server.settle()

    reporting = replace(settings.reporting, celebrate_channels=(("", CHANNEL),))  # UPNEXT_CELEBRATE_CHANNEL=C0WINS
    assert replace(upnext, settings=replace(settings, reporting=reporting)).celebrations(clock=lambda: NOW).post()
    [post] = posted_in(fake_slack, CHANNEL)
    assert_valid_message(post)
    text = json.dumps(post, ensure_ascii=False)
    assert "*Ana García*: 🎓 First course finished" in text
    assert "Luis" not in text and "U0LUIS" not in text
    assert post["text"].startswith("Learning wins: ")
    assert post["metadata"]["event_type"] == "upnext_celebrate"


def test_a_win_of_another_week_is_not_celebrated_and_an_empty_week_posts_nothing(server, service, settings, store,
                                                                                 fake_slack):  # fmt: skip
    onboard(service)
    command(server, "celebrate on")
    server.answer("respond", "weekly learning-wins post")
    service.history.record(ANA, SQL, COMPLETED, at=last_week(-5))  # the week before last: her first course
    for step in ("01-intro", "02-filedir", "03-create", "04-pipefilter"):
        service.history.record(ANA, f"{SHELL}/{step}", COMPLETED, at=NOW)  # this week: five courses
    assert wins_post(settings, store).post() is False
    assert posted_in(fake_slack, CHANNEL) == []
    assert {w.kind for w in service.achievements.of(service.learners.get(ANA))} == {"first_course", "five_courses"}


def test_the_weekly_post_goes_out_once_across_two_clocks(server, service, settings, store, fake_slack):
    onboard(service)
    command(server, "celebrate on")
    server.answer("respond", "weekly learning-wins post")
    service.history.record(ANA, SQL, COMPLETED, at=last_week())
    other_store = open_store(settings.database)  # another clock, on its own connection
    try:
        first, second = wins_post(settings, store), wins_post(settings, other_store)
        assert [first.post(), second.post(), first.post(), second.post()] == [True, False, False, False]
    finally:
        other_store.close()
    assert len(posted_in(fake_slack, CHANNEL)) == 1
