"""The clock process (`upnext clock`, the Procfile's `clock:`): the only process that runs a scheduler.

APScheduler 3 with an in-memory job store: the state that matters (planned and sent nudges) lives in the store, so
a restart loses nothing. UTC scheduler time zone; per-learner local times are computed by the planner.

Several clocks may run (one on each of two machines, for a hand-over): only the one holding the store's "clock"
lease plans and sends, and the others wait, trying to take it every `lease_retry_seconds`. The lease goes with its
holder: killed, its PostgreSQL session (or its lock on the SQLite file) ends and a waiting clock takes over. A
holder checks the lease before every job and every nudge; when its database connection drops it stops its jobs and
waits to take the lease back.
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler

from learning.store.engine import Lease, StoreUnavailable
from scheduler.delivery import Sender
from scheduler.housekeeping import Housekeeping
from scheduler.planner import Planner
from scheduler.weekly_post import Weekly

if TYPE_CHECKING:
    from insights.snapshots import SnapshotRefresh
    from learning.recommend.ranker_training import Retraining

log = logging.getLogger(__name__)

PLAN_EVERY_MINUTES = 15
SEND_EVERY_SECONDS = 60
WEEKLY_CHECK_HOURS = 1  # weekly posts (digest, learning wins) go out at the first check after a week ends, once
SNAPSHOT_CHECK_MINUTES = 1  # the report snapshots: refreshed once a refresh period old, or missing (a week ended)
ROLLUP_EVERY_MINUTES = 5  # the report's roll-ups (insights.rollups): a report then catches up on minutes, not days
RANKER_CHECK_MINUTES = 60  # the learned ranker retrains at the first check after enough new events arrived
# Deliberate job defaults (3.x defaults would silently drop a run that starts a second late).
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
Job = Callable[..., Any]


def build_scheduler(
    planner: Planner,
    sender: Sender,
    housekeeping: Housekeeping,
    weekly: Sequence[Weekly] = (),
    ranker: Retraining | None = None,
    guard: Callable[[Job], Job] = lambda job: job,
    snapshots: SnapshotRefresh | None = None,
) -> BackgroundScheduler:
    """The clock's jobs, each run through `guard` (the lease check). The ranker's training runs here, in its own
    worker thread (first check at start), so neither its minutes nor its memory are the web process's."""
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    scheduler.add_job(guard(_plan), "interval", args=[planner], minutes=PLAN_EVERY_MINUTES, id="plan")
    scheduler.add_job(guard(_send), "interval", args=[sender], seconds=SEND_EVERY_SECONDS, id="send")
    scheduler.add_job(guard(housekeeping.run), "cron", hour=3, id="housekeeping")
    scheduler.add_job(guard(housekeeping.roll_up), "interval", minutes=ROLLUP_EVERY_MINUTES, id="rollups")
    if snapshots is not None:  # first at start: a new clock finds the dashboard's figures ready
        scheduler.add_job(guard(snapshots.run), "interval", minutes=SNAPSHOT_CHECK_MINUTES, id="snapshots",
                          next_run_time=datetime.now(UTC))  # fmt: skip
    if weekly:
        scheduler.add_job(guard(_weekly), "interval", args=[weekly], hours=WEEKLY_CHECK_HOURS, id="weekly")
    if ranker is not None:
        first = datetime.now(UTC)
        scheduler.add_job(guard(ranker.run), "interval", minutes=RANKER_CHECK_MINUTES, id="ranker",
                          next_run_time=first)  # fmt: skip
    return scheduler


def _weekly(weekly: Sequence[Weekly]) -> None:
    for post in weekly:
        if post.post():
            log.info("posted a weekly %s", post.kind)


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
    lease: Lease,
    where: str,
    weekly: Sequence[Weekly] = (),
    ranker: Retraining | None = None,
    snapshots: SnapshotRefresh | None = None,
) -> None:
    """Until SIGTERM or Ctrl-C: wait for the clock lease on the store at `where`, then lead (`_lead`) for as long as
    it is held, and wait again if it is lost. On shutdown the nudge being sent is finished and recorded, nothing is
    left claimed, and the lease is given up for a waiting clock."""
    stopping = sender.stopping
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stopping.set())
    retry = sender.policy.lease_retry_seconds
    try:
        waiting = f"another clock holds the store at {where}; waiting to take over"
        while not stopping.is_set() and _take(lease, where, stopping, retry, waiting):
            _lead(planner, sender, housekeeping, lease, weekly, ranker, snapshots)
            lease.release()
            if not stopping.is_set():
                log.warning("stopped planning and sending: the store at %s was lost; taking the clock back when it "
                            "can", where)  # fmt: skip
                waiting = ""  # said
                _pause(stopping, retry)
    finally:
        lease.release()
    log.info("clock stopped")


def _take(lease: Lease, where: str, stopping: threading.Event, retry: float, waiting: str) -> bool:
    """Wait until this process holds the lease (True), trying every `retry` seconds, or is stopping (False); log
    `waiting` (when not empty) if it has to wait."""
    started = time.monotonic()
    if not lease.acquire():
        if waiting:
            log.info(waiting)
        while not lease.acquire():
            if _pause(stopping, retry):
                return False
    if stopping.is_set():
        return False
    log.info("this clock now plans and sends for the store at %s (waited %.1f s)", where, time.monotonic() - started)
    return True


def _pause(stopping: threading.Event, seconds: float) -> bool:
    """Wait `seconds` in slices of a second (a signal may land on another thread; its handler runs on this one
    between slices); True when stopping."""
    deadline = time.monotonic() + seconds
    while not stopping.wait(min(1.0, max(0.0, deadline - time.monotonic()))):
        if time.monotonic() >= deadline:
            return False
    return True


def _lead(
    planner: Planner,
    sender: Sender,
    housekeeping: Housekeeping,
    lease: Lease,
    weekly: Sequence[Weekly],
    ranker: Retraining | None,
    snapshots: SnapshotRefresh | None = None,
) -> None:
    """Holding the lease: tidy, take over what an earlier clock left claimed, plan, send (and post the weekly posts
    that are due) right away; then on the clock, each job only while the lease is held. Returns on shutdown or once
    the lease is lost (its database connection dropped), after the running job finished."""
    lost = threading.Event()

    def guard(job: Job) -> Job:
        @functools.wraps(job)
        def guarded(*args: Any) -> None:
            if lost.is_set() or not lease.held():
                lost.set()
                return
            try:
                job(*args)
            except StoreUnavailable as error:  # the lease's connection will tell whether the store is gone
                log.warning("%s", error)

        return guarded

    try:
        housekeeping.run()
        settled_at = sender.take_over()
        _plan(planner)
        _send(sender)
        _weekly(weekly)
        weekly_settles_at = min(filter(None, (post.settles_at() for post in weekly)), default=None)
    except StoreUnavailable as error:
        log.warning("%s", error)
        return
    scheduler = build_scheduler(planner, sender, housekeeping, weekly, ranker, guard, snapshots)
    if settled_at is not None:  # what the previous clock left claimed, once none of its messages can be on the way
        scheduler.add_job(guard(sender.recover), "date", run_date=settled_at, id="reconcile")
    if weekly_settles_at is not None:  # the same for a weekly post it left half posted
        scheduler.add_job(guard(_weekly), "date", args=[weekly], run_date=weekly_settles_at, id="weekly-reconcile")
    if sender.stopping.is_set():
        return
    scheduler.start()
    while not sender.stopping.wait(1) and not lost.is_set() and lease.held():
        pass
    scheduler.shutdown(wait=True)  # the running plan, send or weekly post finishes
