"""Learning history from an LMS: a CSV export (learner, course_id, status, date) or xAPI statements.

xAPI statements come as a JSON array or JSON Lines. Same rules as the catalog import: each bad row or statement is
reported by position with its reason, the good ones import, re-importing adds nothing, and nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from learning.catalog import values as catalog_values
from learning.catalog.course_links import CourseLinks
from learning.catalog.courses import Course, CourseRepository
from learning.catalog.echoes import echoed, echoed_all
from learning.catalog.files import Rejection, RowCounts
from learning.catalog.json_input import UnreadableJson, array_items, json_lines
from learning.catalog.tabular import csv_table
from learning.catalog.values import ValueProblem
from learning.people.history import COMPLETED, DISMISSED, ENROLLED, STARTED, Event, EventRepository
from learning.people.learners import SLACK_USER_ID, SLACKBOT, LearnerRepository, person_key
from learning.timestamps import iso

STATUSES = {
    "enrolled": ENROLLED,
    "started": STARTED,
    "in progress": STARTED,
    "in_progress": STARTED,
    "completed": COMPLETED,
    "complete": COMPLETED,
    "passed": COMPLETED,
    "dismissed": DISMISSED,
}
XAPI_VERBS = {"completed": COMPLETED, "experienced": STARTED, "attempted": STARTED}
CSV_COLUMNS = ("learner", "course_id", "status", "date")


@dataclass
class HistoryReport(RowCounts):
    added: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    learners_created: int = 0
    dry_run: bool = False
    rows: int = 0  # rows or statements read, good or bad: 0 means the file holds no history at all

    def lines(self) -> list[str]:
        summary = (
            f"dry run, nothing written: {self.added} valid, {self.rejected} rejected"
            if self.dry_run
            else f"{self.added} added, {self.unchanged} unchanged, {self.rejected} rejected"
            f" ({self.learners_created} new learners)"
        )
        return [f"rejected {r}" for r in self.rejections] + [summary]


@dataclass(frozen=True)
class _Row:
    position: int
    learner: str
    course: str
    kind: str
    at: str
    source: str


class HistoryRowError(ValueError):
    pass


def _moment(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise HistoryRowError(f"missing {name}")
    try:
        moment = catalog_values.moment(value.strip())
    except ValueProblem as problem:
        raise HistoryRowError(f"{name} {problem}, got {echoed(value)}") from None
    if moment > iso(datetime.now(UTC)):
        raise HistoryRowError(f"{name} is in the future ({echoed(value)})")
    return moment


def _learner_key(value: Any) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if text == SLACKBOT:
        raise HistoryRowError("learner USLACKBOT is Slackbot, not a person")
    key = person_key(text)
    if key is None:
        raise HistoryRowError(f"learner must be a Slack user id (U…) or an email address, got {echoed(text)}")
    return key


def _csv_rows(text: str) -> Iterator[tuple[int, _Row | None, str | None]]:
    table = csv_table(text)
    if not table.header:
        return
    header = [h.strip().lower() for h in table.header]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"line 1: the header row has no {', '.join(missing)} column (found: {echoed_all(header)})")
    for line, cells, problem in table.rows:
        if cells is None:
            yield line, None, problem
            continue
        try:
            raw = dict(zip(header, (str(cell) for cell in cells)))
            status = STATUSES.get(raw["status"].strip().lower())
            if status is None:
                raise HistoryRowError(
                    f"status must be enrolled, started, completed or dismissed, got {echoed(raw['status'])}"
                )
            course = raw["course_id"].strip()
            if not course:
                raise HistoryRowError("missing course_id")
            row = _Row(line, _learner_key(raw["learner"]), course, status, _moment(raw["date"], "date"), "import")
            yield line, row, None
        except HistoryRowError as error:
            yield line, None, str(error)


def _actor(statement: dict) -> str:
    actor = statement.get("actor")
    if not isinstance(actor, dict):
        raise HistoryRowError("no actor")
    if actor.get("objectType") == "Group":
        raise HistoryRowError("actor is a group; Upnext records individual learners")
    if isinstance(actor.get("mbox"), str):
        return _learner_key(actor["mbox"].removeprefix("mailto:"))
    account = actor.get("account")
    if isinstance(account, dict) and isinstance(account.get("name"), str):
        return _learner_key(account["name"])
    if "mbox_sha1sum" in actor or "openid" in actor:
        raise HistoryRowError("actor is identified only by mbox_sha1sum or openid, which cannot be matched to a person")
    raise HistoryRowError("actor has no mbox or account")


def _statement(position: int, statement: Any) -> _Row:
    if not isinstance(statement, dict):
        raise HistoryRowError("not a JSON object")
    learner = _actor(statement)
    verb_id = (statement.get("verb") or {}).get("id") if isinstance(statement.get("verb"), dict) else None
    if not isinstance(verb_id, str):
        raise HistoryRowError("no verb id")
    verb = verb_id.rstrip("/").rsplit("/", 1)[-1].lower()
    if verb not in XAPI_VERBS:
        raise HistoryRowError(f"verb {echoed(verb)} is not one Upnext uses (completed, experienced, attempted)")
    obj = statement.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"].strip():
        raise HistoryRowError("object has no id")
    if obj.get("objectType", "Activity") != "Activity":
        raise HistoryRowError(f"object is a {echoed(obj.get('objectType'))}, not an Activity")
    at = _moment(statement.get("timestamp"), "timestamp")
    return _Row(position, learner, obj["id"].strip(), XAPI_VERBS[verb], at, "xapi")


def _xapi_rows(text: str) -> Iterator[tuple[int, _Row | None, str | None]]:
    try:
        numbered = array_items(text) if text.lstrip().startswith("[") else json_lines(text)
        for position, item in numbered:
            try:
                if isinstance(item, UnreadableJson):
                    raise HistoryRowError(str(item))
                yield position, _statement(position, item), None
            except HistoryRowError as error:
                yield position, None, str(error)
    except UnreadableJson as error:
        raise ValueError(str(error)) from None


class HistoryImporter:
    def __init__(self, courses: CourseRepository, learners: LearnerRepository, history: EventRepository):
        self.courses = courses
        self.learners = learners
        self.history = history

    def _course(self, key: str, links: CourseLinks) -> Course | None:
        """The course by id, else by its link however the LMS wrote it (scheme, `www.`, trailing slash, tracking)."""
        found = self.courses.get(key)
        if found is None and (course_id := links.course_id_for(key)):
            found = self.courses.get(course_id)
        return found

    def import_text(self, text: str, xapi: bool, dry_run: bool = False) -> HistoryReport:
        report = HistoryReport(dry_run=dry_run)
        unit = "statement" if xapi and text.lstrip().startswith("[") else "line"
        links = CourseLinks(self.courses)
        events: list[Event] = []
        known_before = {learner.slack_id for learner in self.learners.all()}
        for position, row, problem in _xapi_rows(text) if xapi else _csv_rows(text):
            report.rows += 1
            if row is None:
                report.rejections.append(Rejection(position, problem or "unreadable", unit=unit))
                continue
            course = self._course(row.course, links)
            if course is None:
                reason = f"course {echoed(row.course)} is not in the catalog (import the catalog first)"
                report.rejections.append(Rejection(position, reason, unit=unit))
                continue
            barrier = self.learners.import_barrier(row.learner)
            if barrier is not None and row.at <= barrier:
                reason = "this person asked Upnext to forget them"
                report.rejections.append(Rejection(position, reason, unit=unit))
                continue
            learner_id = row.learner
            if not dry_run:
                learner = (
                    self.learners.ensure(row.learner)
                    if SLACK_USER_ID.match(row.learner)
                    else self.learners.ensure_pending(row.learner)
                )
                learner_id = learner.slack_id
            events.append(Event(learner_id, course.id, row.kind, row.at, row.source))
        unique = list(dict.fromkeys(events))
        if dry_run:
            report.added = len(unique)
        else:
            report.added = self.history.record_many(unique)
            report.learners_created = len({lr.slack_id for lr in self.learners.all()} - known_before)
        report.unchanged = len(events) - report.added
        return report

    def import_file(self, path: Path, dry_run: bool = False) -> HistoryReport:
        text = path.read_bytes().decode("utf-8-sig", errors="replace")
        xapi = path.suffix.lower() in (".json", ".jsonl", ".ndjson") or text.lstrip()[:1] in ("[", "{")
        return self.import_text(text, xapi=xapi, dry_run=dry_run)
