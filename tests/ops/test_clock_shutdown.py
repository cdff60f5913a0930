"""SIGTERM to `upnext clock`: the nudge being sent is finished and recorded, no other starts, nothing stays claimed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config.nudges import NudgePolicy
from scheduler.planner import Planner

MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # before the window: every nudge is due later that day


def test_sigterm_to_the_clock_finishes_the_nudge_being_sent_and_leaves_nothing_claimed(
    service, fake_slack, start_upnext, db
):
    course = service.courses.many_by_num([1])[1]
    learners = [f"U0IDLE{n}" for n in range(6)]
    for slack_id in learners:
        service.learners.save_profile(slack_id, {"real_name": slack_id, "first_name": slack_id, "tz": "UTC"})
        service.history.record(slack_id, course.id, "started", at=MONDAY_MORNING - timedelta(days=40))
        service.learners.touch(slack_id, MONDAY_MORNING - timedelta(days=40))  # they used Upnext in Slack
    plans = Planner(service, NudgePolicy(holdout_share=0.0), lambda: MONDAY_MORNING).plan()
    assert len(plans) == len(learners)

    clock = start_upnext("clock", env={"UPNEXT_NUDGE_RATE": "1", "UPNEXT_NUDGE_HOLDOUT": "0"}, healthy=False)
    fake_slack.wait_for_call("chat.postMessage", timeout=60)
    assert clock.terminate(timeout=10) == 0

    statuses = dict(db.execute("SELECT status, count(*) FROM nudges GROUP BY status").fetchall())
    posted = len(fake_slack.calls_to("chat.postMessage"))
    assert "sending" not in statuses
    assert statuses["sent"] == posted < len(learners)  # stopped early, and every message sent is recorded
    assert statuses["sent"] + statuses["planned"] == len(learners)
    assert "clock stopped" in clock.log
