"""Nudge policy: when and how often Upnext may message a learner unprompted.

Defaults here; each can be overridden from the environment (see README).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from config.errors import SettingsError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class NudgePolicy:
    window_start_hour: int = 10  # local time, inclusive
    window_end_hour: int = 16  # local time, exclusive
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    weekly_cap: int = 2  # nudges of any kind per learner per 7 days
    holdout_share: float = 0.1  # learners who never get come-back nudges, to measure whether nudges work
    idle_days: tuple[int, ...] = (30, 60, 90)
    ignored_before_check_in: int = 2  # come-back nudges ignored in a row before asking whether to continue
    digest_min_closeness: float = 0.35  # what's new: a course must be at least this close to learner's interests
    digest_every_days: int = 7
    sends_per_second: float = 1.0  # pacing under chat.postMessage's limits
    max_attempts: int = 5
    lease_retry_seconds: float = 5.0  # how often a waiting clock tries to take over (well within a minute)


def _hours(value: str) -> tuple[int, int]:
    start, _, end = value.partition("-")
    if not (start.isdigit() and end.isdigit() and 0 <= int(start) < int(end) <= 24):
        raise SettingsError(f"UPNEXT_NUDGE_HOURS must look like 10-16, got {value!r}")
    return int(start), int(end)


def _days(value: str) -> tuple[int, ...]:
    days: list[int] = []
    for part in value.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAY_NAMES or (last and last not in DAY_NAMES):
            raise SettingsError(f"UPNEXT_NUDGE_DAYS must look like mon-fri or mon,wed,fri, got {value!r}")
        a, b = DAY_NAMES.index(first), DAY_NAMES.index(last or first)
        days.extend(range(a, b + 1))
    return tuple(sorted(set(days)))


def number(env: Mapping[str, str | None], name: str, default: float, low: float, high: float, whole: bool = False):
    """A number setting within [low, high]; raises SettingsError naming the variable otherwise."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise SettingsError(f"{name} must be {kind}, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, got {value}")
    return value


def nudge_policy(env: Mapping[str, str | None]) -> NudgePolicy:
    defaults = NudgePolicy()
    start, end = _hours(env.get("UPNEXT_NUDGE_HOURS") or f"{defaults.window_start_hour}-{defaults.window_end_hour}")
    return NudgePolicy(
        window_start_hour=start,
        window_end_hour=end,
        weekdays=_days(env.get("UPNEXT_NUDGE_DAYS") or "mon-fri"),
        weekly_cap=number(env, "UPNEXT_NUDGE_WEEKLY_CAP", defaults.weekly_cap, 0, 20, whole=True),
        holdout_share=number(env, "UPNEXT_NUDGE_HOLDOUT", defaults.holdout_share, 0, 0.9),
        sends_per_second=number(env, "UPNEXT_NUDGE_RATE", defaults.sends_per_second, 0.01, 50),
        lease_retry_seconds=number(env, "UPNEXT_CLOCK_RETRY", defaults.lease_retry_seconds, 0.5, 15),
    )
