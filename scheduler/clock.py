"""The clock process (`upnext clock`, the Procfile's `clock:`): the only process that runs a scheduler.

APScheduler 3 with an in-memory job store: the state that matters (planned and sent nudges) lives in the store, so
a restart loses nothing. UTC scheduler time zone; per-learner local times are computed by the planner.
"""

from __future__ import annotations

import logging
import signal

from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.delivery import Sender
from scheduler.housekeeping import Housekeeping
from scheduler.planner import Planner

log = logging.getLogger(__name__)

PLAN_EVERY_MINUTES = 15
SEND_EVERY_SECONDS = 60
# Deliberate job defaults (3.x defaults would silently drop a run that starts a second late).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


def build_scheduler(planner: Planner, sender: Sender, housekeeping: Housekeeping) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    scheduler.add_job(_plan, "interval", args=[planner], minutes=PLAN_EVERY_MINUTES, id="plan")
    scheduler.add_job(_send, "interval", args=[sender], seconds=SEND_EVERY_SECONDS, id="send")
    scheduler.add_job(housekeeping.run, "cron", hour=3, id="housekeeping")
    return scheduler


def _plan(planner: Planner) -> None:
    plans = planner.plan()
    log.info("planned %d nudge(s)", len(plans))


def _send(sender: Sender) -> None:
    report = sender.run_once()
    if report.sent or report.failed or report.skipped or report.retry_later:
        log.info("nudges: %s", report)


def run_clock(planner: Planner, sender: Sender, housekeeping: Housekeeping) -> None:
    """Tidy, plan and send once right away (after recovering anything a previous run left half-done), then on the
    clock, until SIGTERM or Ctrl-C: then the nudge being sent is finished and recorded, and nothing is left claimed."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: sender.stopping.set())
    housekeeping.run()
    sender.recover()
    _plan(planner)
    _send(sender)
    scheduler = build_scheduler(planner, sender, housekeeping)
    if not sender.stopping.is_set():
        scheduler.start()
        while not sender.stopping.wait(1):  # timed: the signal may land on another thread; handlers run on this one
            pass
        scheduler.shutdown(wait=True)  # the running plan or send finishes
    log.info("clock stopped")
