"""Catalog files (CSV or .xlsx with a header row, or JSON Lines) turned into validated courses.

Only a missing (or unusable) id or title rejects a row, with its line and the reason. An optional value that
cannot be understood is left empty and reported as a warning with its line, column and value; `strict` rejects the
row instead. Nothing is dropped silently.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from learning.catalog import values
from learning.catalog.columns import COURSE_FIELDS, ColumnMap, resolve
from learning.catalog.courses import Course
from learning.catalog.echoes import echoed
from learning.catalog.json_input import UnreadableJson, json_lines
from learning.catalog.tabular import MAX_CELL, Table, csv_table, xlsx_table
from learning.catalog.values import ValueProblem

FIELDS = COURSE_FIELDS
MAX_ID = 200
MAX_TITLE = 300
MAX_DESCRIPTION = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls (\x9b starts a sequence too)


@dataclass(frozen=True)
class Rejection:
    line: int  # where in the file: a line number, or a statement's position in a JSON array
    reason: str
    id: str | None = None
    unit: str = "line"

    def __str__(self) -> str:
        where = f"{self.unit} {self.line}" + (f" (id {echoed(self.id)})" if self.id else "")
        return f"{where}: {self.reason}"


class RowCounts:
    """What every import's report says of the rows it read: how many it rejected, and whether there were any."""

    rejections: list[Rejection]
    rows: int  # rows read, good or bad: 0 means the file holds nothing to import

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def empty(self) -> bool:
        return self.rows == 0


@dataclass(frozen=True)
class FieldProblem:
    field: str
    value: str  # as written, shortened for the report (see _kept)
    reason: str  # what was expected, and what Upnext did instead


@dataclass(frozen=True)
class ValueWarning:
    """An optional value Upnext could not understand: the course imported without it."""

    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {echoed(self.column)}: {echoed(self.value)} {self.reason}"


@dataclass
class ParsedCatalog:
    courses: list[Course] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    ignored_fields: dict[str, int] = field(default_factory=dict)
    warnings: list[ValueWarning] = field(default_factory=list)
    rows: int = 0  # rows read, good or bad: 0 means the file holds no courses at all
    columns: ColumnMap | None = None


class CourseRowError(ValueError):
    pass


def _kept(value: object) -> str:
    """What a report keeps of a value: enough to echo (learning.catalog.echoes), not a whole huge cell."""
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(limit: int) -> Callable[[object], str]:
    def read(value: object) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueProblem("must be text")
        text = str(value)
        if any("\udc80" <= ch <= "\udcff" for ch in text):
            raise ValueProblem("is not valid UTF-8")
        text = " ".join(_CONTROL.sub(" ", text).split())
        if len(text) > limit:
            raise ValueProblem(f"is longer than {limit} characters ({len(text)})")
        return text

    return read


def _whole_number(low: int, high: int) -> Callable[[object], int]:
    def read(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueProblem("must be a whole number")
        try:
            number = float(value)
        except ValueError:
            raise ValueProblem("must be a whole number") from None
        if not number.is_integer():
            raise ValueProblem("must be a whole number")
        if not low <= number <= high:
            raise ValueProblem(f"must be between {low} and {high}")
        return int(number)

    return read


def _url(value: object) -> str:
    text = _text(2000)(value)
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or " " in parsed.netloc:
        raise ValueProblem("must be an http(s) URL")
    return text.replace(" ", "%20")


def _short_text(limit: int, read: Callable[[str], Any]) -> Callable[[object], Any]:
    return lambda value: read(_text(limit)(value))


def _moment(value: object) -> str:
    return values.moment(value if not isinstance(value, str) else _text(60)(value))


class _Reader:
    """Reads one row's fields: an optional value that cannot be understood becomes None and a FieldProblem, or,
    when no problem list is given (strict), a CourseRowError that rejects the row."""

    def __init__(self, raw: dict[str, Any], problems: list[FieldProblem] | None):
        self.raw = raw
        self.problems = problems

    def optional(self, name: str, read: Callable[[object], Any]) -> Any:
        value = self.raw.get(name)
        if _blank(value):
            return None
        try:
            return read(value)
        except ValueProblem as problem:
            self.problem(name, str(problem))
            return None

    def problem(self, name: str, reason: str, outcome: str = "left empty") -> None:
        if self.problems is None:
            value = self.raw.get(name)
            raise CourseRowError(f"{name} {reason}" + ("" if _blank(value) else f", got {echoed(_kept(value))}"))
        self.problems.append(FieldProblem(name, _kept(self.raw.get(name)), f"{outcome}: {name} {reason}"))

    def required(self, name: str, limit: int) -> str:
        value = self.raw.get(name)
        try:
            text = "" if _blank(value) else _text(sys.maxsize)(value)
        except ValueProblem as problem:
            raise CourseRowError(f"{name} {problem}") from None
        if not text:
            raise CourseRowError(f"missing required field {name!r}")
        if len(text) > limit:
            reason = f"is longer than {limit} characters ({len(text)})"
            if name == "id":
                raise CourseRowError(f"{name} {reason}")
            self.problem(name, reason, outcome=f"cut to {limit} characters")
            text = text[: limit - 1] + "…"
        return text


def validate_row(raw: dict[str, Any], problems: list[FieldProblem] | None = None) -> Course:
    """One raw row (decoded from CSV, a sheet or JSON, keyed by field) to a Course. Optional values that cannot be
    understood are left empty and appended to `problems`; with `problems=None` they raise CourseRowError instead."""
    row = _Reader(raw, problems)
    course_id = row.required("id", MAX_ID)
    title = row.required("title", MAX_TITLE)
    path_id = row.optional("path_id", _text(MAX_ID))
    position = row.optional("position", _whole_number(1, 100_000))
    if position is not None and path_id is None:
        row.problem("position", "is given without path_id")
        position = None
    duration = row.optional("duration_minutes", lambda v: values.duration_minutes(v, "m"))
    if duration is None:
        duration = row.optional("duration_hours", lambda v: values.duration_minutes(v, "h"))
    translation_of = row.optional("translation_of", _text(MAX_ID))
    if translation_of == course_id:
        row.problem("translation_of", "names the course itself")
        translation_of = None
    return Course(
        id=course_id,
        title=title,
        description=row.optional("description", _text(MAX_DESCRIPTION)),
        topics=row.optional("topics", values.topics) or (),
        level=row.optional("level", _short_text(60, values.level)),
        duration_minutes=duration,
        language=row.optional("language", _short_text(60, values.language_tag)),
        url=row.optional("url", _url),
        image_url=row.optional("image_url", _url),
        provider=row.optional("provider", _text(200)),
        path_id=path_id,
        path_title=row.optional("path_title", _text(MAX_TITLE)),
        position=position,
        published_at=row.optional("published_at", _moment),
        translation_of=translation_of,
    )


def _collect(
    parsed: ParsedCatalog,
    rows: Iterable[tuple[int, dict[str, Any] | None, str | None]],
    column_of: Callable[[str], str],
    strict: bool,
) -> ParsedCatalog:
    first_line: dict[str, int] = {}
    for line, raw, problem in rows:
        parsed.rows += 1
        if raw is None:
            parsed.rejections.append(Rejection(line, problem or "unreadable row"))
            continue
        problems: list[FieldProblem] | None = None if strict else []
        raw_id = raw.get("id")
        raw_id = _kept(raw_id) if isinstance(raw_id, str) else None
        too_long = next((name for name, value in raw.items() if isinstance(value, str) and len(value) > MAX_CELL), None)
        if too_long:
            reason = f"holds {len(raw[too_long]):,} characters, more than a cell may hold ({MAX_CELL:,})"
            parsed.rejections.append(Rejection(line, f"column {echoed(column_of(too_long))} {reason}", raw_id))
            continue
        try:
            course = validate_row(raw, problems)
        except CourseRowError as error:
            parsed.rejections.append(Rejection(line, str(error), raw_id))
            continue
        if course.id in first_line:
            parsed.rejections.append(
                Rejection(line, f"duplicate id, first given on line {first_line[course.id]}", course.id)
            )
            continue
        first_line[course.id] = line
        parsed.courses.append(course)
        parsed.warnings += [ValueWarning(line, column_of(p.field), p.value, p.reason) for p in problems or ()]
    return parsed


def parse_table(
    table: Table, preset: str | None = None, mapping: dict[str, str] | None = None, strict: bool = False
) -> ParsedCatalog:
    """Rows of a CSV or sheet, their columns chosen by name, preset or mapping (see catalog_columns)."""
    if not table.header:
        return ParsedCatalog()
    columns = resolve(table.header, preset, mapping)
    parsed = ParsedCatalog(columns=columns)
    unused = [(name, table.header.index(name)) for name in columns.unused]

    def rows():
        for line, cells, problem in table.rows:
            if cells is not None:
                for name, index in unused:
                    if not _blank(cells[index]):
                        parsed.ignored_fields[name] = parsed.ignored_fields.get(name, 0) + 1
            yield line, columns.row(cells) if cells is not None else None, problem

    return _collect(parsed, rows(), columns.column, strict)


def parse_json_lines(text: str, strict: bool = False) -> ParsedCatalog:
    parsed = ParsedCatalog()

    def rows():
        for line, value in json_lines(text):
            if isinstance(value, UnreadableJson):
                yield line, None, str(value)
            elif not isinstance(value, dict):
                yield line, None, "not a JSON object"
            else:
                for name in value:
                    if name not in FIELDS:
                        parsed.ignored_fields[name] = parsed.ignored_fields.get(name, 0) + 1
                yield line, value, None

    return _collect(parsed, rows(), str, strict)


def parse_catalog_text(text: str, fmt: str, **options: Any) -> ParsedCatalog:
    return parse_table(csv_table(text), **options) if fmt == "csv" else _json_only(text, **options)


def _json_only(text: str, preset: str | None = None, mapping: dict | None = None, strict: bool = False):
    if preset or mapping:
        raise ValueError("--preset and --map apply to CSV and .xlsx files; JSON Lines use Upnext's field names")
    return parse_json_lines(text, strict)


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def read_catalog_file(
    path: Path, preset: str | None = None, mapping: dict[str, str] | None = None, strict: bool = False
) -> ParsedCatalog:
    """Raises ValueError only when the file as a whole is unusable (e.g. no id column, an unknown --map column)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return parse_table(xlsx_table(path), preset, mapping, strict)
    if suffix in (".xls", ".xlsm", ".ods", ".numbers"):
        raise ValueError(f"{suffix} files are not read: save the sheet as .xlsx or CSV")
    # surrogateescape keeps undecodable bytes visible to validation, which rejects or warns about just those values.
    text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    return parse_catalog_text(text, detect_format(path, text), preset=preset, mapping=mapping, strict=strict)
