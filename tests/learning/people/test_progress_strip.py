"""The Home progress strip: counted in the learner's own time zone, streaks not broken before the week is over."""

from __future__ import annotations

from datetime import UTC, datetime

from learning.people.history import COMPLETED, SAVED, STARTED, UNSAVED, Event
from learning.people.progress_strip import progress

NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday


def at(kind: str, course: str, when: str) -> Event:
    return Event("U0ANA", course, kind, when, "slack")


def test_progress_counts_this_month_the_weekly_streak_and_what_is_still_saved():
    events = [
        at(STARTED, "a", "2026-02-23T09:00:00+00:00"),  # two weeks ago
        at(COMPLETED, "a", "2026-03-02T09:00:00+00:00"),  # last week
        at(SAVED, "b", "2026-03-03T09:00:00+00:00"),
        at(SAVED, "c", "2026-03-03T09:05:00+00:00"),
        at(UNSAVED, "c", "2026-03-04T09:00:00+00:00"),
        at(COMPLETED, "d", "2026-02-28T23:30:00+00:00"),  # already March 1st in Madrid
    ]
    madrid, utc = progress(events, "Europe/Madrid", NOW), progress(events, "UTC", NOW)
    assert (madrid.completed_this_month, utc.completed_this_month) == (2, 1)
    assert madrid.streak_weeks == 2  # this week has nothing yet, which does not break the streak
    assert madrid.saved == 1
