"""The clock process's jobs: the learned ranker trains there (never in the web process), only when it is on."""

from __future__ import annotations

from dataclasses import replace

from config.nudges import NudgePolicy
from learning.recommend.ranker import SavedRanker
from scheduler.clock import build_scheduler
from scheduler.delivery import Sender, nudge_client
from scheduler.housekeeping import Housekeeping
from scheduler.planner import Planner
from upnext.cli import _retraining

POLICY = NudgePolicy(holdout_share=0.0, sends_per_second=1000)


def jobs(settings, upnext) -> set[str]:
    service = upnext.service
    planner = Planner(service, POLICY)
    sender = Sender(service, nudge_client(settings), POLICY, sleep=lambda s: None, worker="test")
    scheduler = build_scheduler(planner, sender, Housekeeping(service, 30), (), _retraining(settings, upnext))
    return {job.id for job in scheduler.get_jobs()}


def test_the_clock_trains_the_ranker_only_when_it_is_on(settings, upnext, service):
    assert "ranker" not in jobs(settings, upnext)
    on = replace(settings, ranker=True)
    assert "ranker" in jobs(on, upnext)
    saved = _retraining(on, upnext).saved
    assert isinstance(saved, SavedRanker) and saved.store is upnext.store  # the store, where every web process reads


def test_the_clock_keeps_the_reports_rollups_current(settings, upnext, service):
    assert "rollups" in jobs(settings, upnext)
    service.history.record("U0CLOCK", service.courses.with_urls()[0].id, "started")
    Housekeeping(service, 30).roll_up()  # the job, as the scheduler runs it
    store = upnext.store
    assert store.sql.rows("SELECT learner_id, day FROM usage_days") == [("U0CLOCK", store.sql.value(
        "SELECT substr(at, 1, 10) FROM events"))]  # fmt: skip
