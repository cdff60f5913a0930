"""Report snapshots (insights.snapshots): a report of a window is computed once and served from the store to every
web replica and `upnext report` until it is older than the refresh bound; the clock keeps the default windows'
current, and whatever may change what a snapshot counts (forget me, a catalog import) drops them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from admin.dashboard import dashboard_page
from insights.formats import as_data, as_text
from insights.gaps import GapFinder
from insights.queries import ReportQueries
from insights.report import ReportBuilder, Window
from insights.snapshots import ReportSnapshots, SnapshotRefresh
from learning.catalog.importer import bundled_catalog_path
from learning.people.forget_me import ForgetMe
from learning.people.history import COMPLETED, STARTED
from learning.timestamps import utcnow
from scheduler.clock import build_scheduler
from scheduler.housekeeping import Housekeeping
from tests.insights.test_differencing import LATER, Seeder, _at
from tests.insights.test_rollups import PEOPLE, TUESDAY, WEEK, seeded, started_picks

REFRESH = timedelta(minutes=15)


def builder(upnext, encoder, clock=LATER) -> ReportBuilder:
    """The report as the composition root builds it: served from snapshots younger than twice REFRESH."""
    snapshots = ReportSnapshots(upnext.store)
    return ReportBuilder(ReportQueries(upnext.store), GapFinder(encoder), 5, clock, snapshots)


def uncached(upnext, encoder, clock=LATER) -> ReportBuilder:
    return ReportBuilder(ReportQueries(upnext.store), GapFinder(encoder), 5, clock)


def snapshots(upnext) -> int:
    return upnext.store.sql.value("SELECT count(*) FROM report_snapshots")


def completed_later(seeder: Seeder) -> None:
    """A late write into a finished week: each person completes the course they started."""
    for k, who in enumerate(PEOPLE):
        seeder.event(who, seeder.a, COMPLETED, _at(TUESDAY + timedelta(days=1), 9, k))


def test_a_served_snapshot_equals_a_fresh_build_and_skips_the_work(upnext, service, encoder):
    seeder = seeded(upnext)
    started_picks(seeder)
    first = builder(upnext, encoder).build(WEEK)
    completed_later(seeder)  # not in the snapshot: served, the figures are those computed first
    served = builder(upnext, encoder).build(WEEK)
    assert served == first
    assert (served.funnel.total.shown, served.funnel.total.done) == (5, 0)
    assert uncached(upnext, encoder).build(WEEK).funnel.total.done == 5
    assert snapshots(upnext) == 1


def test_a_snapshot_round_trips_to_the_same_report_as_a_fresh_build(upnext, service, encoder):
    started_picks(seeded(upnext))
    twelve = Window.last_weeks(12, LATER().date())
    stored = builder(upnext, encoder).build(twelve)
    served = builder(upnext, encoder).build(twelve)
    assert served == stored == uncached(upnext, encoder).build(twelve)
    assert as_data(served) == as_data(stored)


def test_a_window_asked_with_the_week_in_progress_is_served_the_finished_weeks_snapshot(upnext, service, encoder):
    started_picks(seeded(upnext))
    today = LATER().date()
    finished = builder(upnext, encoder).build(Window.last_weeks(2, today))
    with_this_week = builder(upnext, encoder).build(Window(finished.window.since, today))
    assert with_this_week.window == Window(finished.window.since, today).snapped()
    assert with_this_week.adoption == finished.adoption and snapshots(upnext) == 1


def test_an_expired_snapshot_is_not_served(upnext, service, encoder):
    seeder = seeded(upnext)
    started_picks(seeder)
    builder(upnext, encoder).build(WEEK)
    completed_later(seeder)
    within = builder(upnext, encoder, lambda: LATER() + 2 * REFRESH - timedelta(seconds=1)).build(WEEK)
    after = builder(upnext, encoder, lambda: LATER() + 2 * REFRESH + timedelta(seconds=1)).build(WEEK)
    assert (within.funnel.total.done, after.funnel.total.done) == (0, 5)
    assert after.generated_at > within.generated_at


def test_forget_me_then_the_report_does_not_count_the_person(upnext, service, encoder):
    started_picks(seeded(upnext))
    assert builder(upnext, encoder).build(WEEK).funnel.total.shown == 5
    service.forget_me(PEOPLE[0])
    assert snapshots(upnext) == 0
    assert builder(upnext, encoder).build(WEEK).funnel.total.shown == 0  # four left: fewer than the minimum group


def test_a_report_computed_while_someone_is_forgotten_is_not_kept(upnext, service, encoder):
    started_picks(seeded(upnext))
    kept = ReportSnapshots(upnext.store)
    generation = kept.generation()  # the report's computation starts ...
    report = uncached(upnext, encoder).build(WEEK)
    service.forget_me(PEOPLE[0])  # ... someone it counts is forgotten before it is stored
    assert not kept.put(uncached(upnext, encoder).counted(WEEK), 5, report, generation)
    assert snapshots(upnext) == 0


class Refused(RuntimeError):
    pass


class FailingEraser:
    """An owner whose erasure fails after the others ran: the whole forget me rolls back."""

    def erase(self, learner_ids) -> int:
        raise Refused


def test_forget_me_drops_the_snapshots_in_the_erasure_s_own_transaction(upnext, service, encoder):
    started_picks(seeded(upnext))
    builder(upnext, encoder).build(WEEK)
    forget = service.forget_me
    failing = ForgetMe(forget.store, forget.learners, [*forget.erasers, FailingEraser()])
    with pytest.raises(Refused):
        failing(PEOPLE[0])
    assert snapshots(upnext) == 1  # rolled back with the person's rows: a snapshot never outlives them
    forget(PEOPLE[0])
    assert snapshots(upnext) == 0


def test_a_catalog_import_drops_the_snapshots(upnext, service, encoder):
    started_picks(seeded(upnext))
    builder(upnext, encoder).build(WEEK)
    service.catalog.import_file(bundled_catalog_path())
    assert snapshots(upnext) == 0


def test_the_clock_refresh_stores_the_default_window_s_snapshot(upnext, service, encoder):
    started_picks(seeded(upnext))
    report = builder(upnext, encoder)
    refresh = SnapshotRefresh(report, lambda today: [Window.last_weeks(12, today)])
    assert refresh.run() == 1
    assert refresh.run() == 0  # younger than the refresh period: nothing to do
    served = report.build(Window.last_weeks(12, LATER().date()))
    assert served == uncached(upnext, encoder).build(Window.last_weeks(12, LATER().date()))
    later = SnapshotRefresh(builder(upnext, encoder, lambda: LATER() + REFRESH), refresh.windows)
    assert later.run() == 1  # a refresh period on: computed again
    assert snapshots(upnext) == 1


def test_the_first_refresh_after_a_week_ends_stores_the_new_default_window(upnext, service, encoder):
    started_picks(seeded(upnext))
    windows = lambda today: [Window.last_weeks(12, today)]  # noqa: E731
    SnapshotRefresh(builder(upnext, encoder), windows).run()
    next_monday = LATER() + timedelta(days=7, minutes=1)
    assert SnapshotRefresh(builder(upnext, encoder, lambda: next_monday), windows).run() == 1


def test_the_clock_schedules_the_snapshot_refresh(upnext, service, encoder):
    refresh = SnapshotRefresh(builder(upnext, encoder), lambda today: [])
    scheduler = build_scheduler(None, None, service_housekeeping(service), snapshots=refresh)
    assert "snapshots" in {job.id for job in scheduler.get_jobs()}


def service_housekeeping(service) -> Housekeeping:
    return Housekeeping(service, 90)


def _upnext(settings, models_dir: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "UPNEXT_", "DATABASE_"))}
    env |= {"UPNEXT_HOME": str(settings.home), "UPNEXT_MODELS": str(models_dir),
            "PYTHONPATH": str(Path(__file__).parents[2])}  # fmt: skip
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    done = subprocess.run([sys.executable, "-m", "upnext.cli", "report", "--format", "json", *args], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_upnext_report_fresh_recomputes_and_stores(upnext, service, settings, models_dir):
    last_week = Window.last_weeks(1, utcnow().date())
    seeder = seeded(upnext)
    tuesday = last_week.since + timedelta(days=1)
    for k, who in enumerate(PEOPLE):
        seeder.learner(who, "Analyst", "Europe/Madrid", "en-US", date(2026, 10, 1))
        picks = seeder.answer(who, "next", "dm", _at(tuesday, 10, k), [seeder.a], "up_next")
        seeder.event(who, seeder.a, STARTED, _at(tuesday, 11, k), answer_id=picks)
    window = ("--since", last_week.since.isoformat(), "--until", last_week.until.isoformat())
    first = _upnext(settings, models_dir, *window)
    for k, who in enumerate(PEOPLE):
        seeder.event(who, seeder.a, COMPLETED, _at(tuesday + timedelta(days=1), 9, k))
    served, fresh = _upnext(settings, models_dir, *window), _upnext(settings, models_dir, *window, "--fresh")
    after = _upnext(settings, models_dir, *window)
    assert [r["funnel"]["total"]["done"] for r in (first, served, fresh, after)] == [0, 0, 5, 5]
    assert served["generated_at"] == first["generated_at"] < fresh["generated_at"] == after["generated_at"]


def test_generated_at_says_when_the_figures_were_computed(upnext, service, encoder):
    computed = datetime(2026, 12, 14, 9, 5, tzinfo=LATER().tzinfo)
    report = builder(upnext, encoder, lambda: computed).build(WEEK)
    later = builder(upnext, encoder, lambda: computed + REFRESH).build(WEEK)
    assert later.generated_at == report.generated_at
    assert "Figures as of 09:05 UTC on 2026-12-14" in as_text(later)
    assert "Figures as of 09:05 UTC on 2026-12-14" in dashboard_page(later)
