"""The days and moments people type for the figures, checked in one place.

They are the dashboard's since and until, `upnext report --since --until` and `upnext nudges preview --at`. Each must be
readable, between FIRST_DAY and LAST_DAY (so no date arithmetic on them can overflow), and since not after until. A
refusal is a DateError whose message is one line, naming the input and showing what was typed escaped and cut short.

The bounds are the first Monday and the last Sunday of the years 2000 to 2100: figures snap outwards to whole weeks
(`Window.snapped`), and a bound inside a week would snap to a day outside them, which the dashboard's own date fields
would then show and refuse.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from learning.catalog.echoes import echoed

if TYPE_CHECKING:
    from insights.report import Window

FIRST_DAY = date(2000, 1, 1) + timedelta(days=-date(2000, 1, 1).weekday() % 7)  # a Monday: 2000-01-03
LAST_DAY = date(2100, 12, 31) - timedelta(days=(date(2100, 12, 31).weekday() + 1) % 7)  # a Sunday: 2100-12-26
SHOWN_CHARS = 40


class DateError(ValueError):
    pass


def _check_range(name: str, day: date, shown: str) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise DateError(f"{name} {shown} is outside {FIRST_DAY} to {LAST_DAY}")


def parse_day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise DateError(f"{name} is not a date (YYYY-MM-DD): {echoed(text, SHOWN_CHARS)}") from None
    _check_range(name, day, day.isoformat())
    return day


def parse_moment(text: str, name: str) -> datetime:
    """An ISO 8601 date and time, in UTC (one without a zone is taken as the machine's local time)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DateError(f"{name} is not a date and time (ISO 8601): {echoed(text, SHOWN_CHARS)}") from None
    _check_range(name, moment.date(), text.strip())
    return moment.astimezone(UTC)


def asked_window(since: str | None, until: str | None, names: tuple[str, str] = ("since", "until")) -> Window:
    """The days asked for: until defaults to today (UTC), since to the default window's length before until (or
    FIRST_DAY, if that is later)."""
    from insights.report import Window  # here: the CLI imports this module for DateError alone, and starts fast

    default = Window.last_weeks()
    last = parse_day(until, names[1]) if until else default.until
    first = parse_day(since, names[0]) if since else max(FIRST_DAY, last - (default.until - default.since))
    if first > last:
        raise DateError(f"{names[0]} {first} is after {names[1]} {last}")
    return Window(first, last)
