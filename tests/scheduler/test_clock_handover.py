"""Claims across a clock hand-over, on both engines: each nudge is claimed once even by two senders at once, a clock
that lost the lease starts no send, a new holder reconciles what a dead one left without waiting out the 5-minute
LEASE, and a late outcome from an earlier holder never overwrites the claim of the new one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.errors import SlackApiError

from scheduler.delivery import IN_FLIGHT, LEASE, METADATA_EVENT, Sender, nudge_client
from scheduler.planner import Planner
from tests.scheduler.test_nudges import POLICY, Clock, another_process, person
from upnext.schema import open_store

pytestmark = pytest.mark.parametrize("engine", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday, before any window opens


def idle_learners(service, clock: Clock, users: list[str]) -> list[int]:
    """Learners idle for a month, each with a come-back nudge planned and due now; their nudge ids."""
    service.recommender.clock = clock
    for user in users:
        person(service, user, "UTC", clock.now - timedelta(days=31))
    Planner(service, POLICY, clock).plan()
    clock.now += timedelta(days=1)
    return service.nudges.due(clock.now)


def sender(service, settings, clock: Clock, worker: str, leading=lambda: True) -> Sender:
    return Sender(service, nudge_client(settings), POLICY, clock, sleep=lambda s: None, worker=worker, leading=leading)


def posts_to(fake_slack, user: str) -> int:
    return sum(c.body.get("channel") in (user, "D" + user) for c in fake_slack.calls_to("chat.postMessage"))


def statuses(store) -> dict[str, int]:
    return dict(store.sql.rows("SELECT status, count(*) FROM nudges GROUP BY status"))


def test_two_senders_at_once_claim_each_nudge_exactly_once(service, settings, clock, fake_slack):
    users = [f"UT{i:03d}" for i in range(30)]
    idle_learners(service, clock, users)
    stores = [open_store(settings.database), open_store(settings.database)]
    senders = []
    for i, store in enumerate(stores):
        senders.append(sender(another_process(service, store), settings, clock, f"clock{i}"))
    threads = [threading.Thread(target=s.run_once) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")) == sorted(users)
    assert statuses(stores[0]) == {"sent": len(users)}
    for store in stores:
        store.close()


def test_a_clock_that_lost_the_lease_claims_and_sends_nothing(service, settings, clock, fake_slack, store):
    idle_learners(service, clock, ["ULOST1", "ULOST2"])
    report = sender(service, settings, clock, "former", leading=lambda: False).run_once()
    assert report.sent == 0 and fake_slack.calls_to("chat.postMessage") == []
    assert statuses(store) == {"planned": 2}


def test_taking_over_reconciles_a_dead_clocks_claims_within_seconds_not_the_lease(
    service, settings, clock, fake_slack, store
):
    posted, unposted, _ = idle_learners(service, clock, ["UPOSTED", "UUNPOSTED", "UUNTOUCHED"])
    # the leader claimed two nudges, got one to Slack (its reply lost), and was killed
    for nudge_id in (posted, unposted):
        assert service.nudges.claim(nudge_id, "dead-clock", clock.now)
    nudge_client(settings).chat_postMessage(
        channel="UPOSTED", text="x", metadata={"event_type": METADATA_EVENT, "event_payload": {"nudge_id": posted}}
    )
    clock.now += timedelta(seconds=3)  # the next clock takes the lease a few seconds later
    successor = sender(service, settings, clock, "next-clock")
    settle_at = successor.take_over()
    assert settle_at is not None and settle_at - clock.now <= IN_FLIGHT < LEASE
    clock.now = settle_at
    report = successor.run_once()
    assert report.reconciled == 2
    assert [posts_to(fake_slack, u) for u in ("UPOSTED", "UUNPOSTED", "UUNTOUCHED")] == [1, 1, 1]
    assert statuses(store) == {"sent": 3}


def test_a_late_outcome_from_an_earlier_holder_leaves_the_new_claim_alone(service, settings, clock, store):
    (nudge_id,) = idle_learners(service, clock, ["ULATE"])
    nudges = service.nudges
    assert nudges.claim(nudge_id, "first", clock.now)
    nudges.release(nudge_id, "first")  # reconciled by the next holder: Slack never got it
    assert nudges.claim(nudge_id, "second", clock.now)
    nudges.finish(nudge_id, "failed", "first", error="late")  # the first holder's outcome arrives late
    nudges.release(nudge_id, "first")
    assert store.sql.row("SELECT status, claimed_by FROM nudges WHERE id = :id", {"id": nudge_id}) == (
        "sending",
        "second",
    )


def test_a_clock_that_lost_the_lease_does_not_retry_a_rate_limited_message(settings, fake_slack):
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=1)
    with pytest.raises(SlackApiError):
        nudge_client(settings, leading=lambda: False).chat_postMessage(channel="U0ANA", text="hello")
    assert fake_slack.calls_to("chat.postMessage") == []
    fake_slack.fail("chat.postMessage", status=429, retry_after=0, times=1)
    nudge_client(settings).chat_postMessage(channel="U0ANA", text="hello")  # the holder waits it out and sends
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
