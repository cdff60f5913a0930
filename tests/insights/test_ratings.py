"""The ratings figure counts one rating per person and course (their latest), and only ratings backed by a
completion of that course, so ratings stored before the domain refused unfinished ones do not move it either."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from insights.gaps import GapFinder
from insights.report import ReportBuilder, Window
from learning.people.history import COMPLETED, RATED


def test_only_the_latest_rating_of_people_who_finished_the_course_counts(service, upnext, encoder, store):
    history = service.history
    [course, other] = [row[0] for row in store.sql.rows("SELECT id FROM courses ORDER BY id LIMIT 2")]
    last_week = Window.last_weeks(1)  # figures count finished weeks only
    now = datetime.combine(last_week.until, time(12), UTC)
    finished = [f"U0F{i}" for i in range(5)]
    for person in finished:
        history.record(person, course, COMPLETED, at=now - timedelta(hours=3))
        history.rate(person, course, "down", now - timedelta(hours=2))
        history.rate(person, course, "up", now - timedelta(hours=1))  # a change of mind: the latest wins
    # ratings stored before unfinished ones were refused: one learner's of courses they never finished, and one
    # learner's made before finishing
    for n, rated in enumerate((course, course, other)):
        history.record("U0LOUD", rated, RATED, at=now - timedelta(minutes=n), value="up")
    history.record("U0EARLY", course, RATED, at=now - timedelta(hours=2), value="down")
    history.record("U0EARLY", course, COMPLETED, at=now - timedelta(hours=1))

    report = ReportBuilder(upnext.report_queries(), GapFinder(encoder), min_group=5).build(last_week)

    assert (report.feedback.up, report.feedback.down) == (5, 0)
    assert [(r.course_id, r.up, r.down) for r in report.feedback.ratings] == [(course, 5, 0)]
