"""Catalog files (CSV with a header row, or JSON Lines) turned into validated courses.

Every row either becomes a `Course` or a `Rejection` naming its line and the reason; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from learning.courses import LEVELS, Course, level_of

FIELDS = (
    "id title description topics level duration_minutes language url image_url path_id position published_at "
    "provider path_title translation_of"
).split()
REQUIRED = ("id", "title")
MAX_ID = 200
MAX_TITLE = 300
MAX_DESCRIPTION = 10_000
MAX_TOPICS = 30
MAX_DURATION = 100_000
_LANGUAGE = re.compile(r"^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Rejection:
    line: int  # where in the file: a line number, or a statement's position in a JSON array
    reason: str
    id: str | None = None
    unit: str = "line"

    def __str__(self) -> str:
        where = f"{self.unit} {self.line}" + (f" (id {self.id!r})" if self.id else "")
        return f"{where}: {self.reason}"


@dataclass
class ParsedCatalog:
    courses: list[Course] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    ignored_fields: dict[str, int] = field(default_factory=dict)


class RowError(ValueError):
    pass


def _text(raw: dict[str, Any], name: str, limit: int) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            raise RowError(f"{name} must be text")
    if any("\udc80" <= ch <= "\udcff" for ch in value):
        raise RowError(f"{name} is not valid UTF-8")
    value = " ".join(_CONTROL.sub(" ", value).split())
    if not value:
        return None
    if len(value) > limit:
        raise RowError(f"{name} is longer than {limit} characters ({len(value)})")
    return value


def _whole_number(raw: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RowError(f"{name} must be a whole number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RowError(f"{name} must be a whole number, got {value!r}") from None
    if not number.is_integer():
        raise RowError(f"{name} must be a whole number, got {value!r}")
    if not low <= number <= high:
        raise RowError(f"{name} must be between {low} and {high}, got {int(number)}")
    return int(number)


def _topics(raw: dict[str, Any], from_csv: bool) -> tuple[str, ...]:
    value = raw.get("topics")
    if value is None or value == "":
        return ()
    if isinstance(value, str) and from_csv:
        items = value.split(";")
    elif isinstance(value, list):
        items = value
    else:
        raise RowError("topics must be a list of strings" + (" or ';'-separated text" if from_csv else ""))
    topics: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise RowError("topics must be a list of strings")
        topic = " ".join(item.split())
        if topic and topic.casefold() not in {t.casefold() for t in topics}:
            if len(topic) > 80:
                raise RowError(f"topic {topic[:20]!r}... is longer than 80 characters")
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        raise RowError(f"more than {MAX_TOPICS} topics ({len(topics)})")
    return tuple(topics)


def _level(raw: dict[str, Any]) -> str | None:
    value = _text(raw, "level", 40)
    if value is None:
        return None
    level = level_of(value)
    if level is None:
        raise RowError(f"level must be one of {', '.join(LEVELS)}, got {value!r}")
    return level


def _url(raw: dict[str, Any], name: str) -> str | None:
    value = _text(raw, name, 2000)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in parsed.netloc:
        raise RowError(f"{name} must be an http(s) URL, got {value[:80]!r}")
    return value.replace(" ", "%20")


def _published_at(raw: dict[str, Any]) -> str | None:
    value = _text(raw, "published_at", 40)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"published_at must be an ISO 8601 date or time, got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def validate_row(raw: dict[str, Any], from_csv: bool) -> Course:
    """One raw row (already decoded from CSV or JSON) to a Course, or a RowError saying why not."""
    for name in REQUIRED:
        if raw.get(name) is None or (isinstance(raw.get(name), str) and not raw[name].strip()):
            raise RowError(f"missing required field {name!r}")
    course_id = _text(raw, "id", MAX_ID)
    assert course_id is not None
    language = _text(raw, "language", 20)
    if language is not None and not _LANGUAGE.match(language):
        raise RowError(f"language must be a language code such as en or pt-BR, got {language!r}")
    path_id = _text(raw, "path_id", MAX_ID)
    position = _whole_number(raw, "position", 1, 100_000)
    if position is not None and path_id is None:
        raise RowError("position is given without path_id")
    title = _text(raw, "title", MAX_TITLE)
    assert title is not None
    translation_of = _text(raw, "translation_of", MAX_ID)
    if translation_of == course_id:
        raise RowError("translation_of names the course itself")
    return Course(
        id=course_id,
        title=title,
        description=_text(raw, "description", MAX_DESCRIPTION),
        topics=_topics(raw, from_csv),
        level=_level(raw),
        duration_minutes=_whole_number(raw, "duration_minutes", 0, MAX_DURATION),
        language=language.replace("_", "-").lower() if language else None,
        url=_url(raw, "url"),
        image_url=_url(raw, "image_url"),
        provider=_text(raw, "provider", 200),
        path_id=path_id,
        path_title=_text(raw, "path_title", MAX_TITLE),
        position=position,
        published_at=_published_at(raw),
        translation_of=translation_of,
    )


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValueError(f"line 1: the header row has no {' or '.join(missing)} column (found: {', '.join(header)})")
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, None, f"unreadable CSV: {error}"
            line = reader.line_num + 1
            continue
        if cells and any(cell.strip() for cell in cells):
            if len(cells) != len(header):
                yield line, None, f"has {len(cells)} columns, the header has {len(header)}"
            else:
                yield line, {name: (cell if cell.strip() else None) for name, cell in zip(header, cells)}, None
        line = reader.line_num + 1


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    for line, content in enumerate(text.splitlines(), start=1):
        if not content.strip():
            continue
        try:
            value = json.loads(content)
        except json.JSONDecodeError as error:
            yield line, None, f"not valid JSON ({error.msg} at column {error.colno})"
            continue
        if not isinstance(value, dict):
            yield line, None, "not a JSON object"
        else:
            yield line, value, None


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def parse_catalog_text(text: str, fmt: str) -> ParsedCatalog:
    """Validate every row; raises ValueError only when the file as a whole is unusable (e.g. a CSV without an id
    column)."""
    parsed = ParsedCatalog()
    first_line: dict[str, int] = {}
    from_csv = fmt == "csv"
    rows = _csv_rows(text) if from_csv else _jsonl_rows(text)
    for line, raw, problem in rows:
        if raw is None:
            parsed.rejections.append(Rejection(line, problem or "unreadable row"))
            continue
        for name in raw:
            if name not in FIELDS:
                parsed.ignored_fields[name] = parsed.ignored_fields.get(name, 0) + 1
        try:
            course = validate_row(raw, from_csv)
        except RowError as error:
            raw_id = raw.get("id")
            parsed.rejections.append(Rejection(line, str(error), raw_id if isinstance(raw_id, str) else None))
            continue
        if course.id in first_line:
            parsed.rejections.append(
                Rejection(line, f"duplicate id, first given on line {first_line[course.id]}", course.id)
            )
            continue
        first_line[course.id] = line
        parsed.courses.append(course)
    return parsed


def read_catalog_file(path: Path) -> ParsedCatalog:
    data = path.read_bytes()
    # surrogateescape keeps undecodable bytes visible to validation, which rejects just those rows.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    return parse_catalog_text(text, detect_format(path, text))
