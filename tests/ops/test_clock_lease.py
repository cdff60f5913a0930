"""Two `upnext clock` processes on one store: one plans and sends, the other waits; the leader killed with SIGKILL in
the middle of a batch, the other takes over and every due nudge goes out exactly once. On PostgreSQL (two machines'
clocks on one database server) and on SQLite (a second clock on the same file)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from config.nudges import NudgePolicy
from learning.timestamps import utcnow
from scheduler.digest import last_full_week
from scheduler.planner import Planner
from tests.ops.conftest import UpnextProcess

MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # before the window: every nudge is due later that day
LEADING = "now plans and sends"
WAITING = "waiting to take over"


def wait_for_log(process: UpnextProcess, text: str, timeout: float = 90) -> str:
    """The process's log once it contains `text`."""
    deadline = time.monotonic() + timeout
    while text not in (log := process.log):
        if process.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no {text!r} in the log:\n{log}")
        time.sleep(0.05)
    return log


def clock_env(settings) -> dict[str, str]:
    """A clock on the test's store that sends fast and tries to take over every second."""
    return {"UPNEXT_NUDGE_RATE": "50", "UPNEXT_NUDGE_HOLDOUT": "0", "UPNEXT_CLOCK_RETRY": "1",
            "DATABASE_URL": settings.database_url or ""}  # fmt: skip


def plan_for_idle_learners(service, count: int) -> list[str]:
    learners = [f"U0IDLE{n:02d}" for n in range(count)]
    course = service.courses.many_by_num([1])[1]
    for slack_id in learners:
        service.learners.save_profile(slack_id, {"real_name": slack_id, "first_name": slack_id, "tz": "UTC"})
        service.history.record(slack_id, course.id, "started", at=MONDAY_MORNING - timedelta(days=40))
        service.learners.touch(slack_id, MONDAY_MORNING - timedelta(days=40))  # they used Upnext in Slack
    assert len(Planner(service, NudgePolicy(holdout_share=0.0), lambda: MONDAY_MORNING).plan()) == count
    return learners


def wait_until_all_sent(store, learners: list[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while (statuses := dict(store.sql.rows("SELECT status, count(*) FROM nudges GROUP BY status"))) != {
        "sent": len(learners)
    }:
        assert time.monotonic() < deadline, statuses
        time.sleep(0.2)


@pytest.mark.parametrize("engine", ["sqlite", "postgres"], indirect=True)
def test_the_waiting_clock_takes_over_from_a_killed_leader_and_every_nudge_goes_out_exactly_once(
    service, settings, fake_slack, start_upnext, store, record_property
):
    learners = plan_for_idle_learners(service, 30)
    env = clock_env(settings)
    fake_slack.slow("chat.postMessage", 1.0)  # the leader's batch takes a while: it is killed in the middle of it
    leader = start_upnext("clock", env=env, healthy=False)
    wait_for_log(leader, LEADING)
    follower = start_upnext("clock", env=env, healthy=False)
    wait_for_log(follower, WAITING)
    posted = len(fake_slack.calls_to("chat.postMessage"))
    fake_slack.wait_for_call("chat.postMessage", count=posted + 1, timeout=30)  # in flight: Slack has it, no answer yet
    leader.process.kill()
    killed = time.monotonic()
    fake_slack.slow("chat.postMessage", 0)

    log = wait_for_log(follower, LEADING)
    handover = time.monotonic() - killed
    waited = log[log.index(WAITING) : log.index(LEADING)]
    assert "planned" not in waited and "nudges:" not in waited  # it neither planned nor sent while the leader lived
    wait_until_all_sent(store, learners)
    everyone_done = time.monotonic() - killed

    per_learner = Counter(c.body["channel"] for c in fake_slack.calls_to("chat.postMessage"))
    assert per_learner == dict.fromkeys(learners, 1)
    assert follower.terminate() == 0
    record_property("handover_seconds", round(handover, 1))
    record_property("all_sent_seconds", round(everyone_done, 1))
    print(f"hand-over {handover:.1f} s after SIGKILL; every nudge sent {everyone_done:.1f} s after it")


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_clock_resumes_after_a_postgres_restart_mid_batch_without_doubling_a_nudge(
    service, settings, fake_slack, start_upnext, store, postgres
):
    learners = plan_for_idle_learners(service, 20)
    env = clock_env(settings)
    fake_slack.slow("chat.postMessage", 1.0)
    clock = start_upnext("clock", env=env, healthy=False)
    wait_for_log(clock, LEADING)
    fake_slack.wait_for_call("chat.postMessage", count=3, timeout=30)
    postgres.stop("fast")  # every connection ends, the clock's lease with them
    try:
        fake_slack.slow("chat.postMessage", 0)
        wait_for_log(clock, "taking the clock back")
    finally:
        postgres.start()  # the session's server, for the tests after this one too

    wait_until_all_sent(store, learners)
    per_learner = Counter(c.body["channel"] for c in fake_slack.calls_to("chat.postMessage"))
    assert per_learner == dict.fromkeys(learners, 1)
    assert clock.log.count(LEADING) == 2 and "Traceback" not in clock.log
    assert clock.terminate() == 0


@pytest.mark.parametrize("engine", ["sqlite", "postgres"], indirect=True)
def test_the_web_process_never_takes_the_clock_lease(service, settings, start_upnext, store):
    start_upnext(env={"DATABASE_URL": settings.database_url or ""})  # `upnext serve --http`, healthy
    lease = store.lease("clock")
    assert lease.acquire()
    lease.release()


@pytest.mark.parametrize("engine", ["sqlite", "postgres"], indirect=True)
def test_a_digest_the_killed_leader_got_to_slack_but_never_recorded_is_not_posted_again(
    service, settings, fake_slack, start_upnext, store
):
    env = {**clock_env(settings), "UPNEXT_REPORT_CHANNEL": "C0LEARNING"}
    fake_slack.slow("files.completeUploadExternal", 600)  # Slack has the message and the chart; no answer comes
    leader = start_upnext("clock", env=env, healthy=False)
    wait_for_log(leader, LEADING)
    follower = start_upnext("clock", env=env, healthy=False)
    wait_for_log(follower, WAITING)
    fake_slack.wait_for_call("files.completeUploadExternal", timeout=120)
    leader.process.kill()
    fake_slack.slow("files.completeUploadExternal", 0)

    wait_for_log(follower, LEADING)
    key = f"digest:{last_full_week(utcnow().date()).since}"
    deadline = time.monotonic() + 180  # the claim is reconciled once the dead clock's calls cannot be in flight (60 s)
    while (value := store.get_meta(key) or "").startswith("claimed") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert datetime.fromisoformat(value)  # recorded as posted
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1
    assert "an earlier clock had posted both parts" in follower.log
    assert follower.terminate() == 0
