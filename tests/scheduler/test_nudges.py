"""Nudges with an injected clock: local windows across time zones and DST, thresholds, caps, back-off, hold-out,
settings honoured at the last moment, and exactly-once delivery through crashes, two clocks and 429s."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from config.nudges import NudgePolicy, nudge_policy
from insights.nudge_stats import holdout_comparison, nudge_stats
from insights.queries import ReportQueries
from learning.people.answers import AnswerRepository
from learning.people.history import EventRepository
from learning.people.learners import LearnerRepository
from learning.people.nudges import NudgeRepository
from learning.people.progress_strip import zone
from scheduler.delivery import Sender, nudge_client
from scheduler.planner import CHECK_IN, COME_BACK, LOOKBACK_DAYS, WHATS_NEW, Planner
from scheduler.windows import held_out, in_window, next_slot
from upnext.schema import open_store

SQL = "swcarpentry/sql-novice-survey/01-select"
POLICY = NudgePolicy(holdout_share=0.0, sends_per_second=1000)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday, before any window opens


@pytest.fixture
def nudging(service, settings, fake_slack, clock):
    service.recommender.clock = clock
    planner = Planner(service, POLICY, clock)
    sender = Sender(service, nudge_client(settings), POLICY, clock, sleep=lambda s: None, worker="test")
    return planner, sender


def person(service, slack_id: str, tz: str, active: datetime, **profile):
    """Someone who used Upnext in Slack (started a course from a card) at `active`."""
    service.learners.save_profile(slack_id, {"real_name": f"{slack_id} Name", "first_name": slack_id,
                                             "tz": tz, **profile})  # fmt: skip
    service.history.record(slack_id, SQL, "started", at=active)
    service.learners.touch(slack_id, active)
    return service.learners.get(slack_id)


def another_process(service, store):
    """What a sender in another process works with: the repositories it sends through, on its own store."""
    learners = LearnerRepository(store, EventRepository(store))
    return replace(service, nudges=NudgeRepository(store), answers=AnswerRepository(store), learners=learners)


def sent_to(fake_slack, user: str) -> list[dict]:
    return [c.body for c in fake_slack.calls_to("chat.postMessage") if c.body.get("channel") == user]


def deliver_until(sender: Sender, clock: Clock, end: datetime, step=timedelta(minutes=15)) -> None:
    while clock.now < end:
        sender.run_once()
        clock.now += step


def test_madrid_and_new_york_each_get_their_nudge_inside_their_own_window(service, nudging, clock, fake_slack, store):
    planner, sender = nudging
    ago = clock.now - timedelta(days=31)
    person(service, "UMADRID", "Europe/Madrid", ago)
    person(service, "UNEWYORK", "America/New_York", ago)
    plans = {p.learner_id: p for p in planner.plan()}
    assert {p.kind for p in plans.values()} == {COME_BACK}
    for user, tz in (("UMADRID", "Europe/Madrid"), ("UNEWYORK", "America/New_York")):
        assert in_window(plans[user].due_at, tz, POLICY)
    deliver_until(sender, clock, clock.now + timedelta(days=1))
    for user, tz in (("UMADRID", "Europe/Madrid"), ("UNEWYORK", "America/New_York")):
        rows = store.sql.rows("SELECT sent_at FROM nudges WHERE learner_id = :user", {"user": user})
        assert len(rows) == 1 and in_window(datetime.fromisoformat(rows[0][0]), tz, POLICY)
        assert len(sent_to(fake_slack, user)) == 1


@pytest.mark.parametrize(
    ("now", "tz"),
    [
        (datetime(2026, 3, 27, 20, 0, tzinfo=UTC), "Europe/Madrid"),  # Friday evening; EU clocks go forward Sunday
        (datetime(2026, 3, 6, 23, 0, tzinfo=UTC), "America/New_York"),  # US clocks go forward on 8 March
        (datetime(2026, 10, 23, 20, 0, tzinfo=UTC), "Europe/Madrid"),  # and back on 25 October
    ],
)
def test_windows_follow_daylight_saving_changes(now, tz):
    slot = next_slot(now, tz, "UANY", POLICY)
    local = slot.astimezone(zone(tz))
    assert local.weekday() == 0 and 10 <= local.hour < 16
    assert in_window(slot, tz, POLICY)


def test_a_window_to_midnight_as_the_setting_allows_plans_inside_it():
    """UPNEXT_NUDGE_HOURS accepts an end of 24 (0-24: all day, 18-24: the evening); the window then closes at
    midnight rather than failing to plan."""
    for hours in ("0-24", "18-24"):
        policy = nudge_policy({"UPNEXT_NUDGE_HOURS": hours, "UPNEXT_NUDGE_DAYS": "mon-sun"})
        now = datetime(2026, 3, 4, 23, 50, tzinfo=UTC)
        slot = next_slot(now, "Europe/Madrid", "UANY", policy)
        assert now <= slot < now + timedelta(days=1) and in_window(slot, "Europe/Madrid", policy)


def test_sends_are_spread_across_the_window_not_all_at_ten():
    monday = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    minutes = {next_slot(monday, "UTC", f"U{i}", POLICY).minute + 60 * next_slot(monday, "UTC", f"U{i}", POLICY).hour
               for i in range(200)}  # fmt: skip
    assert len(minutes) > 100 and min(minutes) >= 600 and max(minutes) < 960


def test_thresholds_fire_once_each_then_one_check_in_then_silence(service, nudging, clock, fake_slack, store):
    planner, sender = nudging
    start = clock.now
    person(service, "UIDLE", "UTC", start - timedelta(days=30))
    kinds = []
    for day in range(0, 120):
        clock.now = start + timedelta(days=day, hours=4)
        for _ in range(2):  # planning twice a day plans nothing twice
            planner.plan()
        deliver_until(sender, clock, clock.now + timedelta(hours=12), step=timedelta(hours=1))
    rows = store.sql.rows("SELECT kind, period, status FROM nudges ORDER BY due_at")
    kinds = [(k, p.split("-")[0]) for k, p, _ in rows]
    assert kinds == [(COME_BACK, "30d"), (COME_BACK, "60d"), (CHECK_IN, "check")]
    assert all(status == "sent" for *_, status in rows)
    assert len(sent_to(fake_slack, "UIDLE")) == 3


def test_ninety_days_fires_when_earlier_nudges_were_not_ignored_in_a_row(service, clock, fake_slack, settings):
    policy = replace(POLICY, ignored_before_check_in=3)
    planner = Planner(service, policy, clock)
    person(service, "UIDLE", "UTC", clock.now - timedelta(days=95))
    plans = planner.plan()
    assert [(p.kind, p.period.split("-")[0]) for p in plans] == [(COME_BACK, "90d")]  # only the highest crossed
    assert planner.plan() == [] or all(p.period != plans[0].period for p in planner.plan(dry_run=True))


def test_using_upnext_without_clicking_counts_as_being_active(service, nudging, clock):
    planner, _ = nudging
    person(service, "UASKS", "UTC", clock.now - timedelta(days=31))  # last click a month ago
    service.learners.touch("UASKS", clock.now - timedelta(days=2))  # but asked Upnext something this week
    assert planner.plan() == []


def test_coming_back_resets_the_spell(service, nudging, clock):
    planner, sender = nudging
    person(service, "UBACK", "UTC", clock.now - timedelta(days=31))
    planner.plan()
    deliver_until(sender, clock, clock.now + timedelta(days=1))
    service.history.record("UBACK", SQL, "completed", at=clock.now)
    clock.now += timedelta(days=31)
    assert [p.period.split("-")[0] for p in planner.plan()] == ["30d"]


def test_off_and_snooze_are_honoured_at_planning_and_again_at_sending(service, nudging, clock, fake_slack, store):
    planner, sender = nudging
    ago = clock.now - timedelta(days=31)
    off, snoozed, changed = (person(service, u, "UTC", ago) for u in ("UOFF", "USNOOZE", "UCHANGED"))
    service.learners.update(off, nudges="off")
    service.learners.update(snoozed, snoozed_until=(clock.now + timedelta(days=14)).isoformat())
    assert [p.learner_id for p in planner.plan()] == ["UCHANGED"]
    service.learners.update(changed, nudges="off")  # after planning, before sending
    deliver_until(sender, clock, clock.now + timedelta(days=1))
    assert fake_slack.calls_to("chat.postMessage") == []
    status, error = store.sql.row("SELECT status, error FROM nudges")
    assert (status, error) == ("skipped", "nudges are off")


def test_deleted_users_bots_forgotten_and_email_only_people_are_never_messaged(service, nudging, clock):
    planner, _ = nudging
    ago = clock.now - timedelta(days=31)
    person(service, "UGONE", "UTC", ago, deleted=True)
    person(service, "UBOT", "UTC", ago, is_bot=True)
    person(service, "UFORGET", "UTC", ago)
    service.forget_me("UFORGET")
    pending = service.learners.ensure_pending("someone@example.com")
    service.history.record(pending.slack_id, SQL, "started", at=ago)
    assert planner.plan() == []


def test_a_person_forgotten_while_their_nudge_is_being_sent_stays_forgotten(service, nudging, clock, fake_slack, store):
    """Forget me arrives between the claim and the message (while Slack is asked who they are): the refresh of
    their profile creates no learner, no answer or impression is recorded, and no message goes to them."""
    planner, sender = nudging
    person(service, "UFORGET", "UTC", clock.now - timedelta(days=31))
    assert [p.learner_id for p in planner.plan()] == ["UFORGET"]
    fake_slack.before("users.info", lambda body: service.forget_me(body["user"]))
    deliver_until(sender, clock, clock.now + timedelta(days=1))
    assert fake_slack.calls_to("users.info")  # the forget happened mid-send
    assert service.learners.get("UFORGET") is None
    rows = "SELECT (SELECT count(*) FROM answers) + (SELECT count(*) FROM impressions) + (SELECT count(*) FROM nudges)"
    assert store.sql.value(rows) == 0
    assert sent_to(fake_slack, "UFORGET") == []


def sql_fan_with_a_new_course(service, clock, tmp_path, title: str, topic: str, description: str) -> None:
    """A learner interested in SQL, active two days ago, and one course published yesterday."""
    learner = person(service, "UNEWS", "UTC", clock.now - timedelta(days=2))
    service.learners.update(learner, interests=("databases and sql",))
    new = {"id": "new-1", "title": title, "topics": [topic], "description": description,
           "published_at": (clock.now - timedelta(days=1)).isoformat()}  # fmt: skip
    (tmp_path / "n.jsonl").write_text(json.dumps(new) + "\n")
    service.catalog.import_file(tmp_path / "n.jsonl")


def test_what_s_new_is_sent_at_most_once_a_week(service, nudging, clock, fake_slack, tmp_path):
    planner, sender = nudging
    sql_fan_with_a_new_course(service, clock, tmp_path, "Window functions in SQL", "sql", "Rank rows in a table")
    assert [p.kind for p in planner.plan()] == [WHATS_NEW]
    deliver_until(sender, clock, clock.now + timedelta(days=1))
    digest = sent_to(fake_slack, "UNEWS")
    assert len(digest) == 1 and "Window functions in SQL" in digest[0]["text"]
    clock.now += timedelta(days=3)
    assert planner.plan() == []  # one digest a week


def test_silence_beats_noise_when_nothing_new_is_close(service, nudging, clock, tmp_path):
    planner, _ = nudging
    sql_fan_with_a_new_course(service, clock, tmp_path, "Pottery wheel basics", "crafts", "Throw your first bowl")
    assert planner.plan() == []


def test_the_planner_plans_a_digest_exactly_for_those_whats_new_has_something_for(service, nudging, clock, tmp_path):
    """One judgement: the planner's "close enough" is `Recommender.whats_new`'s, and what a learner finished is
    offered to neither."""
    planner, _ = nudging
    sql_fan_with_a_new_course(service, clock, tmp_path, "Window functions in SQL", "sql", "Rank rows in a table")
    done = person(service, "UDONE", "UTC", clock.now - timedelta(days=2))
    service.learners.update(done, interests=("databases and sql",))
    service.history.record("UDONE", "new-1", "completed", source="import", at=clock.now - timedelta(hours=20))
    person(service, "UGIT", "UTC", clock.now - timedelta(days=2))
    service.history.record("UGIT", "swcarpentry/git-novice/05-history", "completed", at=clock.now - timedelta(days=2))
    plans = {p.learner_id: p for p in planner.plan(dry_run=True)}
    assert set(plans) == {"UNEWS"}
    for learner in (service.learners.get(user) for user in ("UNEWS", "UDONE", "UGIT")):
        plan = plans.get(learner.slack_id)
        since = datetime.fromisoformat(plan.payload["since"]) if plan else clock.now - timedelta(days=LOOKBACK_DAYS)
        picks = service.recommender.whats_new(learner, since, minimum=POLICY.digest_min_closeness)
        assert bool(picks) == (plan is not None), learner.slack_id


def test_the_weekly_cap_holds_across_kinds(service, clock, tmp_path, store):
    planner = Planner(service, replace(POLICY, weekly_cap=1), clock)
    sql_fan_with_a_new_course(service, clock, tmp_path, "Window functions in SQL", "sql", "Rank rows in a table")
    sent = (clock.now - timedelta(days=2)).isoformat()
    store.sql.execute(
        "INSERT INTO nudges (learner_id, kind, period, status, due_at, planned_at, sent_at) "
        "VALUES ('UNEWS', 'come_back', 'earlier', 'sent', :sent, :sent, :sent)",
        {"sent": sent},
    )
    assert planner.plan() == []  # a what's new is due, but one nudge already went out this week
    clock.now += timedelta(days=5, hours=1)
    assert [p.kind for p in planner.plan()] == [WHATS_NEW]


def test_hold_out_learners_are_recorded_but_never_sent_a_come_back_nudge(service, settings, clock, fake_slack, store):
    policy = replace(POLICY, holdout_share=0.5)
    planner = Planner(service, policy, clock)
    sender = Sender(service, nudge_client(settings), policy, clock, sleep=lambda s: None)
    users = [f"UH{i:03d}" for i in range(40)]
    for user in users:
        person(service, user, "UTC", clock.now - timedelta(days=31))
    planner.plan()
    deliver_until(sender, clock, clock.now + timedelta(days=1))
    held = {u for u in users if held_out(u, 0.5)}
    assert 5 < len(held) < 35
    messaged = {c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")}
    assert messaged == set(users) - held
    stats = holdout_comparison(ReportQueries(store))
    assert stats["held_out_learners"] == len(held) and stats["sent_learners"] == len(users) - len(held)


def test_a_crash_between_plan_and_send_neither_duplicates_nor_drops(
    service, nudging, clock, fake_slack, settings, store
):
    planner, _ = nudging
    for user in ("UA", "UB", "UC"):
        person(service, user, "UTC", clock.now - timedelta(days=31))
    planner.plan()
    clock.now += timedelta(days=1)
    # the first process died right after claiming UA's nudge, before calling Slack
    first = Sender(service, nudge_client(settings), POLICY, clock, sleep=lambda s: None, worker="dead")
    due = first.nudges.due(clock.now)
    assert first.nudges.claim(due[0], "dead", clock.now)
    # and a second died after Slack accepted UB's nudge, before recording it
    ub = store.sql.value("SELECT id FROM nudges WHERE learner_id = 'UB'")
    assert first.nudges.claim(ub, "dead", clock.now)
    first.client.chat_postMessage(channel="UB", text="x", metadata={"event_type": "upnext_nudge",
                                                                    "event_payload": {"nudge_id": ub}})  # fmt: skip
    clock.now += timedelta(minutes=10)  # past the lease
    restarted = Sender(service, nudge_client(settings), POLICY, clock, sleep=lambda s: None, worker="new")
    report = restarted.run_once()
    assert report.reconciled == 2
    for user in ("UA", "UB", "UC"):
        assert len(sent_to(fake_slack, "D" + user) + sent_to(fake_slack, user)) == 1, user
    assert {s for (s,) in store.sql.rows("SELECT status FROM nudges")} == {"sent"}


def test_two_clock_processes_over_one_store_never_send_twice(service, settings, clock, fake_slack):
    users = [f"UT{i:03d}" for i in range(40)]
    for user in users:
        person(service, user, "UTC", clock.now - timedelta(days=31))
    Planner(service, POLICY, clock).plan()
    clock.now += timedelta(days=1)
    stores = [open_store(settings.database), open_store(settings.database)]
    senders = []
    for i, store in enumerate(stores):
        other = another_process(service, store)
        senders.append(Sender(other, nudge_client(settings), POLICY, clock, sleep=lambda s: None, worker=f"clock{i}"))
    threads = [threading.Thread(target=s.run_once) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    channels = [c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")]
    assert sorted(channels) == sorted(users)
    for store in stores:
        store.close()


def test_a_slack_answering_429_still_gets_every_nudge_exactly_once(service, nudging, clock, fake_slack):
    planner, sender = nudging
    users = [f"UR{i}" for i in range(5)]
    for user in users:
        person(service, user, "UTC", clock.now - timedelta(days=31))
    planner.plan()
    clock.now += timedelta(days=1)
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=3)
    report = sender.run_once()
    assert report.sent == 5
    assert sorted(c.body["channel"] for c in fake_slack.calls_to("chat.postMessage")) == sorted(users)


def test_permanent_errors_are_recorded_as_failed_with_the_reason(service, nudging, clock, fake_slack, store):
    planner, sender = nudging
    person(service, "UFAIL", "UTC", clock.now - timedelta(days=31))
    planner.plan()
    clock.now += timedelta(days=1)
    fake_slack.fail("chat.postMessage", status=200, times=1, error="account_inactive")
    assert sender.run_once().failed == 1
    assert store.sql.row("SELECT status, error FROM nudges") == ("failed", "account_inactive")


def test_clicks_on_nudge_cards_are_attributed_and_stats_add_up(service, nudging, clock, fake_slack, store):
    planner, sender = nudging
    person(service, "UCLICK", "UTC", clock.now - timedelta(days=31))
    planner.plan()
    clock.now += timedelta(days=1)
    sender.run_once()
    message = fake_slack.calls_to("chat.postMessage")[0].body
    button = next(e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"] == "course_save")  # fmt: skip
    from bot.use_cases.clicks import CardClicks

    clicks = CardClicks(service.courses, service.history, service.answers, clock)
    clock.now += timedelta(hours=2)
    learner = service.learners.get("UCLICK")
    clicks.course_action(learner, "course_save", button["value"])
    event = service.history.for_learner("UCLICK")[-1]
    assert event.source == "nudge" and event.value is not None
    stats = {s.kind: s for s in nudge_stats(ReportQueries(store))}
    assert stats[COME_BACK].counts["sent"] == 1 and stats[COME_BACK].clicked == 1 and stats[COME_BACK].returned == 1


def test_preview_plans_nothing(service, nudging, clock, store):
    planner, _ = nudging
    person(service, "UPREVIEW", "UTC", clock.now - timedelta(days=31))
    assert len(planner.plan(dry_run=True)) == 1
    assert store.sql.value("SELECT count(*) FROM nudges") == 0
