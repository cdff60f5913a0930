"""Optional catalog values as vendors and LMS exports write them, turned into what Upnext stores.

Each reader takes the raw value and returns the stored form, or raises `ValueProblem` saying what it expected. The
import decides what a problem costs: a warning and an empty value, or (with --strict) the row.
"""

from __future__ import annotations

import ast
import json
import math
import re
from datetime import UTC, date, datetime

import langcodes

from learning.catalog.courses import LEVELS, level_of
from learning.catalog.echoes import echoed

MAX_TOPICS = 30
MAX_TOPIC = 80
MAX_MINUTES = 100_000


class ValueProblem(ValueError):
    """A value that cannot be understood; the message says what was expected, without the field's name."""


# --- language -------------------------------------------------------------------------------------------------


def language_tag(value: str) -> str:
    """A language code, tag or name in any common form ('en', 'pt_BR', 'English (US)', 'Español', '中文') to a
    lower-case BCP 47 tag ('en', 'pt-br', 'en-us', 'es', 'zh'), through langcodes and its language_data names."""
    text = value.strip()
    try:
        tag = langcodes.standardize_tag(text.replace("_", "-"), macro=True)
        if langcodes.Language.get(tag).is_valid():
            return tag.lower()
    except (langcodes.LanguageTagError, ValueError):
        pass
    for name in (text, text.split()[-1] if text.split() else text):
        try:
            return str(langcodes.find(name)).lower()
        except LookupError:
            continue
    raise ValueProblem("must be a language name or code such as English, en or pt-BR")


# --- level ----------------------------------------------------------------------------------------------------

# Vendors' words for "no particular level": the course imports with no level rather than a wrong one.
_ANY_LEVEL = {"all", "any", "mixed", "everyone", "levels", "level", "general"}
_CONNECTORS = {"to", "and", "or", "plus", "level", "levels"}


def level(value: str) -> str | None:
    """'Beginner Level' -> beginner, 'Introductory' -> beginner, 'Beginner + Intermediate' -> beginner (the lower
    one), 'All Levels' / 'Mixed' -> None (understood: no particular level)."""
    words = re.findall(r"[^\W\d_]+", value.casefold())
    if words and set(words) <= _ANY_LEVEL:
        return None
    found = [level_of(word) for word in words if word not in _CONNECTORS]
    if not found or None in found:
        raise ValueProblem(f"must be a level such as {', '.join(LEVELS)} or All Levels")
    return min(found, key=LEVELS.index)


# --- duration -------------------------------------------------------------------------------------------------

_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1, "s": 1 / 60}
_UNITS = {
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "w"),
    **dict.fromkeys(("d", "day", "days"), "d"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), "s"),
}
_NUMBER = r"\d+(?:[.,]\d+)?"
_PART = re.compile(rf"\s*({_NUMBER})\s*([a-z]+)\.?\s*")
_ISO = re.compile(rf"^p(?:({_NUMBER})w)?(?:({_NUMBER})d)?(?:t(?:({_NUMBER})h)?(?:({_NUMBER})m)?(?:({_NUMBER})s)?)?$")
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")
_APPROX = re.compile(r"^(approx\.?|approximately|about|around|~)\s*")


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def duration_minutes(value: object, bare_unit: str = "m") -> int:
    """'1h 30m', '90 min', 'PT1H30M', '1.5 hours', '1:30:00' -> 90. A bare number is in `bare_unit` ('m' or 'h')."""
    if isinstance(value, bool):
        raise ValueProblem("must be a duration such as 90, 1h 30m or PT1H30M")
    if isinstance(value, int | float):
        minutes = float(value) * _UNIT_MINUTES[bare_unit]
    else:
        minutes = _text_minutes(str(value).strip().casefold(), bare_unit)
    if not math.isfinite(minutes) or not 0 <= minutes <= MAX_MINUTES:
        raise ValueProblem(f"must be a duration between 0 and {MAX_MINUTES} minutes")
    return round(minutes)


def _text_minutes(text: str, bare_unit: str) -> float:
    text = _APPROX.sub("", text)
    if re.fullmatch(_NUMBER, text):
        return _number(text) * _UNIT_MINUTES[bare_unit]
    if iso := _ISO.match(text):
        if not any(iso.groups()):
            raise ValueProblem("must be a duration such as 90, 1h 30m or PT1H30M")
        return sum(_number(n) * _UNIT_MINUTES[u] for n, u in zip(iso.groups(), "wdhms") if n)
    if clock := _CLOCK.match(text):
        return int(clock.group(1)) * 60 + int(clock.group(2)) + int(clock.group(3) or 0) / 60
    total, at = 0.0, 0
    while at < len(text):
        part = _PART.match(text, at)
        if part is None or part.group(2) not in _UNITS:
            raise ValueProblem("must be a duration such as 90, 1h 30m or PT1H30M")
        total += _number(part.group(1)) * _UNIT_MINUTES[_UNITS[part.group(2)]]
        at = part.end()
    if at == 0:
        raise ValueProblem("must be a duration such as 90, 1h 30m or PT1H30M")
    return total


# --- dates ----------------------------------------------------------------------------------------------------

_NUMERIC_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_NAMED_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y", "%d-%b-%Y", "%b %Y")


def moment(value: object) -> str:
    """A date or time to ISO 8601 in UTC: ISO 8601 itself, day-first ('31/12/2024', '31.12.2024'), month-first
    ('12/31/2024'), or with the month named ('31 Dec 2024', 'December 31, 2024'). Dotted dates are day-first
    ('01.02.2024', as written in Germany and Russia); a slashed or dashed one that reads both ways ('03/04/2024')
    is a problem, not a guess."""
    if isinstance(value, datetime):
        found = value
    elif isinstance(value, date):
        found = datetime(value.year, value.month, value.day)
    else:
        found = _parse_moment(str(value).strip())
    if found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    try:
        return found.astimezone(UTC).isoformat(timespec="seconds")
    except OverflowError:  # 9999-12-31T23:59-01:00 is past the last moment Python can hold in UTC
        raise ValueProblem("is out of range") from None


def _parse_moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    if numeric := _NUMERIC_DATE.match(text):
        first, separator, second, year = numeric.groups()[:4]
        first, second, year = int(first), int(second), int(year)
        day_first = separator == "." or first > 12 or first == second
        if not day_first and second <= 12:
            raise ValueProblem(
                f"is ambiguous: day {first} of month {second} or day {second} of month {first}; write it as "
                f"{year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d}"
            )
        day, month = (first, second) if day_first else (second, first)
        hour, minute, sec = (int(g or 0) for g in numeric.groups()[4:])
        try:
            return datetime(year, month, day, hour, minute, sec)
        except ValueError:
            raise ValueProblem("is not a real date") from None
    for fmt in _NAMED_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueProblem("must be a date such as 2024-05-31, 31/05/2024 or 31 May 2024")


# --- topics ---------------------------------------------------------------------------------------------------


def topics(value: object) -> tuple[str, ...]:
    """A list of strings, or text: a JSON or Python list literal ("['SQL', 'Data']"), or items separated by ';'
    or '|'. Repeats (ignoring case) are dropped."""
    items = _topic_items(value)
    if not all(isinstance(item, str) for item in items):
        raise ValueProblem("must be a list of strings")
    kept: list[str] = []
    for item in items:
        topic = " ".join(item.split())
        if topic and topic.casefold() not in {t.casefold() for t in kept}:
            if len(topic) > MAX_TOPIC:
                raise ValueProblem(f"has a topic longer than {MAX_TOPIC} characters ({echoed(topic, 20)})")
            kept.append(topic)
    if len(kept) > MAX_TOPICS:
        raise ValueProblem(f"has more than {MAX_TOPICS} topics ({len(kept)})")
    return tuple(kept)


def _topic_items(value: object) -> list:
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise ValueProblem("must be a list of strings or ';'-separated text")
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        for parse in (json.loads, ast.literal_eval):
            try:
                found = parse(text)
            except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
                continue
            if isinstance(found, list | tuple):
                return list(found)
        raise ValueProblem("looks like a list but cannot be read as one")
    return re.split(r"[;|]", text)
