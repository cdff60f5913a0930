"""What a person typed after `/learn`, turned into search words and filters.

`/learn python level:beginner under:60m lang:es provider:"Data Carpentry"`. Filters people use are recognised in
any order; an unknown filter or a bad value is reported back as a problem to explain, never silently ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from learning.catalog.courses import level_of

MAX_QUERY_CHARS = 256
MAX_MINUTES = 10_000 * 60  # longer than any course: a bigger `under:` is a typo, and too big for SQLite
FILTER_NAMES = ("level", "under", "lang", "provider")
_ALIASES = {
    "level": "level",
    "lvl": "level",
    "under": "under",
    "max": "under",
    "duration": "under",
    "lang": "lang",
    "language": "lang",
    "provider": "provider",
    "path": "provider",
    "by": "provider",
}
# name:value or name:"quoted value"; the name must be a plain word, so URLs (https://...) and times (10:30) pass.
_FILTER = re.compile(r'(?<!\S)([A-Za-z]+):(?!//)("([^"]*)"|\S+)')
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*(?:(\d+)\s*m(?:in(?:utes?)?)?)?$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Filters:
    level: str | None = None
    max_minutes: int | None = None
    language: str | None = None
    provider: str | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.level, self.max_minutes, self.language, self.provider))


# Kinds of problem with a filter; the Slack layer words each one in the person's language.
UNKNOWN_FILTER, BAD_LEVEL, BAD_DURATION, BAD_LANGUAGE = "unknown_filter", "bad_level", "bad_duration", "bad_language"


@dataclass(frozen=True)
class Problem:
    """A filter we could not use: what kind of problem, the filter's name and the value as typed (raw user text:
    whoever shows it must escape it)."""

    kind: str
    name: str
    value: str = ""


@dataclass(frozen=True)
class Query:
    text: str  # normalised words to search for, filters removed
    filters: Filters = field(default_factory=Filters)
    problems: tuple[Problem, ...] = ()  # filters we could not use, to explain to the person


def normalise(text: str) -> str:
    """Unicode-normalised, control characters removed, whitespace collapsed, bounded in length."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def fold_case(text: str) -> str:
    """Case- and accent-insensitive form used to compare titles and words."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_minutes(value: str) -> int | None:
    """'60', '60m', '90min', '1h', '1.5h', '1h30m', '2 hours' -> minutes; None if unreadable."""
    value = value.strip().lower()
    if value.isdigit():
        return int(value)
    match = _DURATION.match(value)
    if not match or not any(match.groups()):
        return None
    hours = float(match.group(1) or 0)
    return round(hours * 60) + int(match.group(2) or 0)


def parse_query(raw: str) -> Query:
    filters = Filters()
    problems: list[Problem] = []

    def take(match: re.Match[str]) -> str:
        nonlocal filters
        name, value = match.group(1).lower(), match.group(3) if match.group(3) is not None else match.group(2)
        key = _ALIASES.get(name)
        if key is None:
            problems.append(Problem(UNKNOWN_FILTER, name))
            return " "
        value = value.strip()
        if key == "level":
            level = level_of(value)
            if level is None:
                problems.append(Problem(BAD_LEVEL, name, value))
            else:
                filters = replace(filters, level=level)
        elif key == "under":
            minutes = parse_minutes(value)
            if minutes is None or not 0 < minutes <= MAX_MINUTES:
                problems.append(Problem(BAD_DURATION, name, value))
            else:
                filters = replace(filters, max_minutes=minutes)
        elif key == "lang":
            language = value.lower().replace("_", "-")
            if not _LANGUAGE.match(language):
                problems.append(Problem(BAD_LANGUAGE, name, value))
            else:
                filters = replace(filters, language=language)
        elif value:
            filters = replace(filters, provider=value)
        return " "

    text = normalise(_FILTER.sub(take, normalise(raw)))
    return Query(text=text, filters=filters, problems=tuple(problems))
