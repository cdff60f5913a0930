"""Achievements, worked out from what a learner finished, without Slack: the first course, five courses, a whole path,
four weeks in a row (a snoozed week neither breaks a run nor counts in it); each recorded once, with the moment it
was earned; only what was earned in Slack is announced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from learning.catalog.courses import CatalogPath
from learning.people.achievements import (
    FIRST_COURSE,
    FIVE_COURSES,
    PATH,
    WEEKS_IN_A_ROW,
    earned,
)
from learning.people.history import COMPLETED, NUDGES_ON, NUDGES_SNOOZED, STARTED, Event
from learning.timestamps import iso

ANA = "U0ANA"
MONDAY = datetime(2026, 11, 2, 10, tzinfo=UTC)  # a Monday
GIT = "swcarpentry/git-novice"
SHELL = "swcarpentry/shell-novice"


def done(course: str, at: datetime, source: str = "slack") -> Event:
    return Event(ANA, course, COMPLETED, iso(at), source)


def snoozed(at: datetime, until: datetime | None) -> Event:
    return Event(ANA, None, NUDGES_SNOOZED, iso(at), "slack", iso(until) if until else None)


def week(n: int, days: int = 0) -> datetime:
    """Monday of the n-th week after MONDAY's (0: that week), plus `days`."""
    return MONDAY + timedelta(weeks=n, days=days)


def kinds(events: list[Event], paths: dict[str, CatalogPath] | None = None, tz: str = "UTC") -> dict[str, str]:
    return {f"{w.kind}{':' + w.subject if w.subject else ''}": w.earned_at for w in earned(events, paths or {}, tz)}


def test_the_first_course_finished_is_earned_at_that_completion_and_starting_one_earns_nothing():
    started = Event(ANA, "a", STARTED, iso(week(0)), "slack")
    assert kinds([started]) == {}
    assert kinds([started, done("a", week(0, 1))]) == {FIRST_COURSE: iso(week(0, 1))}


def test_five_different_courses_finished_earn_five_courses_a_course_finished_twice_counts_once():
    events = [done("a", week(0)), done("a", week(0, 1)), *(done(c, week(0, 2 + i)) for i, c in enumerate("bcd"))]
    assert FIVE_COURSES not in kinds(events)
    assert kinds([*events, done("e", week(1))])[FIVE_COURSES] == iso(week(1))


def test_a_path_is_finished_when_its_last_missing_course_is_in_any_order_and_a_one_course_path_is_not_a_path():
    paths = {GIT: CatalogPath(GIT, "Version Control with Git", frozenset({"g1", "g2", "g3"})),
             "solo": CatalogPath("solo", "One lesson", frozenset({"s1"}))}  # fmt: skip
    events = [done("g3", week(0)), done("g1", week(0, 1)), done("s1", week(0, 2))]
    assert f"{PATH}:{GIT}" not in kinds(events, paths) and f"{PATH}:solo" not in kinds(events, paths)
    assert kinds([*events, done("g2", week(2))], paths)[f"{PATH}:{GIT}"] == iso(week(2))


def test_four_weeks_in_a_row_with_something_finished_earn_a_run_at_the_fourth_weeks_first_completion():
    events = [done("a", week(0)), done("b", week(1, 3)), done("c", week(2, 6)), done("d", week(3, 2))]
    assert kinds(events[:3]).get(WEEKS_IN_A_ROW) is None
    assert kinds([*events, done("e", week(3, 4))])[WEEKS_IN_A_ROW] == iso(week(3, 2))


def test_a_snoozed_week_with_nothing_finished_keeps_the_run_without_counting_in_it():
    two_weeks = [done("a", week(0)), done("b", week(1)), snoozed(week(1, 2), week(2, 6))]  # all of week 2 snoozed
    assert kinds([*two_weeks, done("c", week(3))]).get(WEEKS_IN_A_ROW) is None  # weeks 0, 1 and 3: three
    assert kinds([*two_weeks, done("c", week(3)), done("d", week(4))])[WEEKS_IN_A_ROW] == iso(week(4))


def test_an_empty_week_without_a_snooze_breaks_the_run():
    events = [done("a", week(0)), done("b", week(1)), done("c", week(3)), done("d", week(4)), done("e", week(5))]
    assert kinds(events).get(WEEKS_IN_A_ROW) is None  # week 2 was empty: 2, then 3
    assert kinds([*events, done("f", week(6))])[WEEKS_IN_A_ROW] == iso(week(6))


def test_turning_nudges_on_ends_a_snooze_so_a_later_empty_week_breaks_the_run():
    on = Event(ANA, None, NUDGES_ON, iso(week(1, 3)), "slack")
    events = [done("a", week(0)), done("b", week(1)), snoozed(week(1, 2), week(4)), on, done("c", week(3)),
              done("d", week(4))]  # fmt: skip
    assert kinds(events).get(WEEKS_IN_A_ROW) is None  # week 2 was no longer snoozed


def test_a_snooze_recorded_without_its_end_lasts_two_weeks():
    events = [done("a", week(0)), done("b", week(1)), snoozed(week(1, 6), None), done("c", week(4)),
              done("d", week(5))]  # fmt: skip
    assert kinds(events)[WEEKS_IN_A_ROW] == iso(week(5))  # weeks 2 and 3 paused


def test_weeks_are_the_learners_own():
    sunday_night_utc = week(1, -1).replace(hour=23, minute=30)  # Monday of week 1 already, in Madrid
    events = [done("a", week(0, 1)), done("b", sunday_night_utc), done("c", week(2)), done("d", week(3))]
    assert kinds(events, tz="UTC").get(WEEKS_IN_A_ROW) is None
    assert kinds(events, tz="Europe/Madrid")[WEEKS_IN_A_ROW] == iso(week(3))


def test_achievements_are_recorded_once_and_only_what_was_earned_in_slack_is_announced(service):
    learner = service.learners.ensure(ANA)
    now = datetime.now(UTC).replace(microsecond=0)
    service.history.record(
        ANA, "swcarpentry/shell-novice/01-intro", COMPLETED, source="import", at=now - timedelta(days=3)
    )
    [imported] = service.achievements.update(learner, now)
    assert (imported.kind, imported.earned_at) == (FIRST_COURSE, iso(now - timedelta(days=3)))
    assert service.achievements.update(learner, now) == []
    assert service.achievements.repository.to_announce(ANA, now) == []  # imported: shown, never announced

    for i, step in enumerate(["02-filedir", "03-create", "04-pipefilter", "05-loop"]):
        service.history.record(ANA, f"{SHELL}/{step}", COMPLETED, at=now - timedelta(minutes=10 - i))
    assert [w.kind for w in service.achievements.update(learner, now)] == [FIVE_COURSES]
    assert [w.kind for w in service.achievements.repository.to_announce(ANA, now)] == [FIVE_COURSES]
    assert service.achievements.repository.to_announce(ANA, now) == []  # announced once


def test_nothing_is_recorded_for_someone_forgotten_meanwhile(service, store):
    learner = service.learners.ensure(ANA)
    service.history.record(ANA, "swcarpentry/shell-novice/01-intro", COMPLETED)
    service.forget_me(ANA)
    service.history.record(ANA, "swcarpentry/shell-novice/01-intro", COMPLETED)  # a click that crossed the request
    assert service.achievements.update(learner, datetime.now(UTC)) == []
    assert store.sql.value("SELECT count(*) FROM achievements") == 0
