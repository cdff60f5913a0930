"""`upnext clock` posts the weekly learning-wins post to UPNEXT_CELEBRATE_CHANNEL exactly once, even when the clock
that posted it is killed before it could record it and another clock takes over."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from learning.people.history import COMPLETED
from learning.timestamps import utcnow
from scheduler.weekly_post import last_full_week
from tests.ops.test_clock_lease import LEADING, WAITING, clock_env, wait_for_log
from tests.scheduler.test_celebration import CHANNEL, SQL, last_week


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_a_wins_post_the_killed_clock_got_to_slack_but_never_recorded_is_not_posted_again(
    service, settings, fake_slack, start_upnext, store
):
    for user, name in (("U0ANA", "Ana García"), ("U0LUIS", "Luis Pérez")):
        service.learners.save_profile(user, {"real_name": name, "tz": "UTC"})
        service.history.record(user, SQL, COMPLETED, at=last_week())
    service.achievements.repository.celebrate("U0ANA", True, utcnow())  # Luis never turned celebrations on
    env = {**clock_env(settings), "UPNEXT_CELEBRATE_CHANNEL": CHANNEL}
    fake_slack.slow("chat.postMessage", 600)  # Slack has the post; its answer never comes
    leader = start_upnext("clock", env=env, healthy=False)
    wait_for_log(leader, LEADING)
    follower = start_upnext("clock", env=env, healthy=False)
    wait_for_log(follower, WAITING)
    [post] = fake_slack.wait_for_call("chat.postMessage", timeout=120)
    leader.process.kill()
    fake_slack.slow("chat.postMessage", 0)

    wait_for_log(follower, LEADING)
    key = f"celebrate:{last_full_week(utcnow().date()).since}"
    deadline = time.monotonic() + 180  # reconciled once the dead clock's calls cannot be in flight (60 s)
    while (value := store.get_meta(key) or "").startswith("claimed") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert datetime.fromisoformat(value)  # recorded as posted
    assert [c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")] == [CHANNEL]
    assert "Ana García" in post.body["text"] or "Ana García" in str(post.body["blocks"])
    assert "Luis" not in str(post.body)
    assert "an earlier clock had posted the message" in follower.log
    assert follower.terminate() == 0
