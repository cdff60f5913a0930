"""When a learner may be nudged, and whether they are in the hold-out group that never gets come-back nudges.

A learner is nudged inside their own local working window, spread across it rather than all at the window's first
minute.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta

from config.nudges import NudgePolicy
from learning.people.progress_strip import zone


def _fraction(text: str) -> float:
    """A stable number in [0, 1) from text: the same learner always lands in the same place."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) / 16**12


def held_out(learner_id: str, share: float) -> bool:
    return _fraction(f"holdout:{learner_id}") < share


def spread_minutes(learner_id: str, policy: NudgePolicy) -> int:
    """This learner's minute within the window (the last half hour is kept free, for sends that run late)."""
    span = max(1, (policy.window_end_hour - policy.window_start_hour) * 60 - 30)
    return int(_fraction(f"slot:{learner_id}") * span)


def in_window(moment: datetime, tz: str | None, policy: NudgePolicy) -> bool:
    local = moment.astimezone(zone(tz))
    return local.weekday() in policy.weekdays and policy.window_start_hour <= local.hour < policy.window_end_hour


def next_slot(now: datetime, tz: str | None, learner_id: str, policy: NudgePolicy) -> datetime:
    """The learner's next send time (UTC): their minute in today's window if still ahead, now if the window is
    open and their minute has passed, else their minute in the next window."""
    local_zone = zone(tz)
    local_now = now.astimezone(local_zone)
    offset = timedelta(minutes=spread_minutes(learner_id, policy))
    for day in range(8):
        date = (local_now + timedelta(days=day)).date()
        if date.weekday() not in policy.weekdays:
            continue
        midnight = datetime.combine(date, time(), tzinfo=local_zone)  # hours after it: a window may end at 24
        opens, closes = (midnight + timedelta(hours=h) for h in (policy.window_start_hour, policy.window_end_hour))
        slot = opens + offset
        if local_now <= slot:
            return slot.astimezone(UTC)
        if local_now < closes:
            return now.astimezone(UTC)
    raise ValueError("no delivery window in the next week: check UPNEXT_NUDGE_DAYS")


def local_week(moment: datetime, tz: str | None) -> str:
    """'2026-W48' in the learner's own calendar: what's new goes out at most once per such week."""
    year, week, _ = moment.astimezone(zone(tz)).isocalendar()
    return f"{year}-W{week:02d}"
