"""The clock process (`upnext clock`, the Procfile's `clock:`): the only process that runs a scheduler.

APScheduler 3 with an in-memory job store: the state that matters (planned and sent nudges) lives in the store, so
a restart loses nothing. UTC scheduler time zone; per-learner local times are computed by the planner.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.delivery import Sender
from scheduler.digest import WeeklyDigest
from scheduler.housekeeping import Housekeeping
from scheduler.planner import Planner

if TYPE_CHECKING:
    from learning.recommend.ranker_training import Retraining

log = logging.getLogger(__name__)

PLAN_EVERY_MINUTES = 15
SEND_EVERY_SECONDS = 60
DIGEST_CHECK_HOURS = 1  # the digest goes out at the first check after a week ends (once per week)
ROLLUP_EVERY_MINUTES = 5  # the report's roll-ups (insights.rollups): a report then catches up on minutes, not days
RANKER_CHECK_MINUTES = 60  # the learned ranker retrains at the first check after enough new events arrived
# Deliberate job defaults (3.x defaults would silently drop a run that starts a second late).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def build_scheduler(
    planner: Planner,
    sender: Sender,
    housekeeping: Housekeeping,
    digest: WeeklyDigest | None = None,
    ranker: Retraining | None = None,
) -> BackgroundScheduler:
    """The clock's jobs. The ranker's training runs here, in its own worker thread (first check at start), so
    neither its minutes nor its memory are the web process's."""
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    scheduler.add_job(_plan, "interval", args=[planner], minutes=PLAN_EVERY_MINUTES, id="plan")
    scheduler.add_job(_send, "interval", args=[sender], seconds=SEND_EVERY_SECONDS, id="send")
    scheduler.add_job(housekeeping.run, "cron", hour=3, id="housekeeping")
    scheduler.add_job(housekeeping.roll_up, "interval", minutes=ROLLUP_EVERY_MINUTES, id="rollups")
    if digest is not None:
        scheduler.add_job(_digest, "interval", args=[digest], hours=DIGEST_CHECK_HOURS, id="digest")
    if ranker is not None:
        first = datetime.now(UTC)
        scheduler.add_job(ranker.run, "interval", minutes=RANKER_CHECK_MINUTES, id="ranker", next_run_time=first)
    return scheduler


def _digest(digest: WeeklyDigest) -> None:
    if digest.post():
        log.info("posted the weekly learning-team digest")


def _plan(planner: Planner) -> None:
    plans = planner.plan()
    log.info("planned %d nudge(s)", len(plans))


def _send(sender: Sender) -> None:
    report = sender.run_once()
    if report.sent or report.failed or report.skipped or report.retry_later:
        log.info("nudges: %s", report)


def run_clock(
    planner: Planner,
    sender: Sender,
    housekeeping: Housekeeping,
    digest: WeeklyDigest | None = None,
    ranker: Retraining | None = None,
) -> None:
    """Tidy, plan, send (and post the digest if one is due) right away, after recovering anything a previous run
    left half-done; then on the clock, until SIGTERM or Ctrl-C: then the nudge being sent is finished and recorded,
    and nothing is left claimed."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: sender.stopping.set())
    housekeeping.run()
    sender.recover()
    _plan(planner)
    _send(sender)
    if digest is not None:
        _digest(digest)
    scheduler = build_scheduler(planner, sender, housekeeping, digest, ranker)
    if not sender.stopping.is_set():
        scheduler.start()
        while not sender.stopping.wait(1):  # timed: the signal may land on another thread; handlers run on this one
            pass
        scheduler.shutdown(wait=True)  # the running plan, send or digest finishes
    log.info("clock stopped")
