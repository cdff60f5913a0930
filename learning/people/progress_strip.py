"""The small progress strip on the Home tab: completed this month and the current weekly streak.

Both are counted in the learner's own time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from learning.people.history import COMPLETED, ENGAGED, Event, course_states


@dataclass(frozen=True)
class Progress:
    completed_this_month: int
    streak_weeks: int  # consecutive weeks, up to this one or the last, with any learning activity
    saved: int


def zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def progress(events: Sequence[Event], tz: str | None, now: datetime) -> Progress:
    local = zone(tz)
    local_now = now.astimezone(local)
    month_start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    completed = set()
    weeks: set[tuple[int, int]] = set()
    for event in events:
        at = datetime.fromisoformat(event.at).astimezone(local)
        if event.kind == COMPLETED and at >= month_start:
            completed.add(event.course_id)
        if event.kind in ENGAGED:
            weeks.add(at.isocalendar()[:2])
    streak, week = 0, local_now
    if week.isocalendar()[:2] not in weeks:
        week -= timedelta(weeks=1)  # a streak is not broken until this week is over
    while week.isocalendar()[:2] in weeks:
        streak += 1
        week -= timedelta(weeks=1)
    return Progress(len(completed), streak, sum(state.saved for state in course_states(events).values()))
